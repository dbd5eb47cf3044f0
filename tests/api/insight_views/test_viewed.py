"""`POST …/insights/viewed`: what it refuses, and the views it records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.insight_views.support import (
    Project,
)
from tests.bodies import validation_error
from tests.tenants import TenantFactory

UNKNOWN_INSIGHT_ID = 9_000_000_000_000


def iso(instant: datetime) -> str:
    """CONTRACT §4: ISO-8601 UTC ending in Z, no fraction when it is zero."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{instant.microsecond:06d}Z" if instant.microsecond else f"{text}Z"


# ---------------------------------------------------------------------------------------------
# POST …/insights/viewed


class TestViewedValidation:
    def test_a_missing_insight_ids_is_400_required(self, project: Project) -> None:
        result = project.post_viewed({})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids", "This field is required.", code="required"
        )

    def test_an_empty_list_is_400_empty(self, project: Project) -> None:
        result = project.post_viewed({"insight_ids": []})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids", "This list may not be empty.", code="empty"
        )

    def test_2501_ids_are_400_max_length(self, project: Project) -> None:
        result = project.post_viewed({"insight_ids": list(range(1, 2502))})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids", "Ensure this field has no more than 2500 elements.", code="max_length"
        )

    def test_2501_copies_of_one_id_are_400_max_length_too(self, project: Project) -> None:
        seen = project.create("Seen")

        result = project.post_viewed({"insight_ids": [seen["id"]] * 2501})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids", "Ensure this field has no more than 2500 elements.", code="max_length"
        )

    def test_2500_ids_are_accepted(self, project: Project) -> None:
        seen = project.create("Seen")
        project.clock.advance(hours=1)

        result = project.post_viewed({"insight_ids": [seen["id"], *range(1, 2500)]})

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed()[0]["last_viewed_at"] == iso(project.clock.now)

    @pytest.mark.parametrize(
        ("insight_ids", "index"),
        [
            (["weekly"], 0),
            ([1, "weekly"], 1),
            ([1, 2, 3.5], 2),
            ([1, [2]], 1),
            ([{"id": 1}], 0),
            ([1, 2, 3, ""], 3),
        ],
    )
    def test_a_non_integer_item_is_400_naming_its_index(
        self, project: Project, insight_ids: list[Any], index: int
    ) -> None:
        result = project.post_viewed({"insight_ids": insight_ids})

        assert result.status_code == 400
        assert result.json == validation_error(
            f"insight_ids__{index}", "A valid integer is required."
        )

    @pytest.mark.parametrize("flag", [True, False])
    def test_a_boolean_item_is_not_an_integer(self, project: Project, flag: bool) -> None:
        # Reference §7.10: each item must be an integer (DRF's IntegerField refuses
        # `int("True")`), so a JSON boolean is a 400 naming its index.
        result = project.post_viewed({"insight_ids": [1, flag]})

        assert result.status_code == 400
        assert result.json == validation_error("insight_ids__1", "A valid integer is required.")

    def test_a_null_item_is_400_null_naming_its_index(self, project: Project) -> None:
        result = project.post_viewed({"insight_ids": [1, None]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids__1", "This field may not be null.", code="null"
        )

    def test_an_item_beyond_64_bits_is_a_400_naming_its_index(self, project: Project) -> None:
        result = project.post_viewed({"insight_ids": [1, 2**63]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids__1",
            "Ensure this value is less than or equal to 9223372036854775807.",
            code="max_value",
        )

    @pytest.mark.parametrize(
        ("value", "type_name"),
        [(5, "int"), ("1,2", "str"), ({"id": 1}, "dict"), (True, "bool")],
    )
    def test_a_value_that_is_not_a_list_is_400_not_a_list(
        self, project: Project, value: Any, type_name: str
    ) -> None:
        result = project.post_viewed({"insight_ids": value})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids",
            f'Expected a list of items but got type "{type_name}".',
            code="not_a_list",
        )

    def test_null_insight_ids_is_400_null(self, project: Project) -> None:
        result = project.post_viewed({"insight_ids": None})

        assert result.status_code == 400
        assert result.json == validation_error(
            "insight_ids", "This field may not be null.", code="null"
        )

    def test_a_body_that_is_not_json_is_400_parse_error(self, project: Project) -> None:
        result = project.client.simulate_post(
            project.path("insights/viewed"),
            headers={**project.ann.headers, "Content-Type": "application/json"},
            body="insight_ids=1",
        )

        assert result.status_code == 400
        assert (result.json["type"], result.json["code"], result.json["attr"]) == (
            "invalid_request",
            "parse_error",
            None,
        )
        assert result.json["detail"].startswith("JSON parse error")

    def test_a_body_that_is_a_json_array_is_400_naming_no_field(self, project: Project) -> None:
        result = project.post_viewed([1, 2])

        assert result.status_code == 400
        assert result.json == validation_error(
            None, "Invalid data. Expected a dictionary, but got list."
        )

    def test_a_refused_request_records_nothing(self, project: Project) -> None:
        unseen = project.never_viewed("Unseen")

        project.post_viewed({"insight_ids": [unseen["id"], "weekly"]})

        assert project.my_last_viewed() == []


class TestViewedRecording:
    def test_viewed_answers_200_with_an_empty_body(self, project: Project) -> None:
        seen = project.create("Seen")

        result = project.post_viewed({"insight_ids": [seen["id"]]})

        assert result.status_code == 200
        assert result.text == ""

    def test_a_view_shows_in_my_last_viewed_at_the_time_of_the_request(
        self, project: Project
    ) -> None:
        bea = project.member("Bea")
        report = project.create("Revenue report")
        project.clock.advance(minutes=30)

        project.view(report, by=bea)

        (row,) = project.my_last_viewed(bea)
        assert (row["id"], row["last_viewed_at"]) == (report["id"], "2024-03-15T12:30:00Z")

    def test_integer_strings_and_whole_floats_are_accepted_as_ids(self, project: Project) -> None:
        # DRF's IntegerField accepts "7" and 7.0 (reference §7.10: items are integers).
        bea = project.member("Bea")
        first = project.create("First")
        second = project.create("Second")

        result = project.post_viewed({"insight_ids": [str(first["id"]), float(second["id"])]}, bea)

        assert (result.status_code, result.text) == (200, "")
        assert {row["id"] for row in project.my_last_viewed(bea)} == {first["id"], second["id"]}

    def test_unknown_ids_are_dropped_silently(self, project: Project) -> None:
        bea = project.member("Bea")
        known = project.create("Known")

        result = project.post_viewed({"insight_ids": [UNKNOWN_INSIGHT_ID, known["id"], -5, 0]}, bea)

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed_names(bea) == ["Known"]

    def test_only_unknown_ids_still_answers_200(self, project: Project) -> None:
        result = project.post_viewed({"insight_ids": [UNKNOWN_INSIGHT_ID]})

        assert (result.status_code, result.text) == (200, "")

    def test_ids_of_another_projects_insights_are_dropped_silently(
        self, project: Project, timed_tenants: TenantFactory
    ) -> None:
        zed = timed_tenants.create("Zed")
        foreign = zed.create_insight(name="Zed's secret")
        project.clock.advance(hours=1)

        result = project.post_viewed({"insight_ids": [foreign["id"]]})

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed() == []
        zeds_view = zed.get("insights").json["results"][0]["last_viewed_at"]
        assert zeds_view == "2024-03-15T12:00:00Z"  # only Zed's own creation view

    def test_ids_of_deleted_insights_are_dropped_silently(self, project: Project) -> None:
        doomed = project.never_viewed("Doomed")
        project.delete(doomed)

        result = project.post_viewed({"insight_ids": [doomed["id"]]})
        project.restore(doomed)

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed() == []
        assert project.listing()[0]["last_viewed_at"] is None

    def test_a_repeated_id_is_one_view(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(minutes=1)

        project.view(report, report, report, by=bea)

        assert project.trending_row(report)["view_count"] == 2  # Ann's creation, Bea

    def test_viewing_again_moves_the_last_view_forward(self, project: Project) -> None:
        report = project.create("Report")
        project.clock.advance(days=2)

        project.view(report)

        assert project.my_last_viewed()[0]["last_viewed_at"] == "2024-03-17T12:00:00Z"

    def test_viewed_works_under_the_environments_prefix(self, project: Project) -> None:
        report = project.never_viewed("Report")

        result = project.post_viewed({"insight_ids": [report["id"]]}, prefix="environments")

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed_names() == ["Report"]

    def test_a_trailing_slash_is_optional(self, project: Project) -> None:
        report = project.never_viewed("Report")

        result = project.client.simulate_post(
            project.path("insights/viewed/"),
            headers=project.ann.headers,
            json={"insight_ids": [report["id"]]},
        )

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed_names() == ["Report"]

    def test_views_are_recorded_in_the_environment_of_the_url(self, project: Project) -> None:
        staging = project.environment()
        report = project.never_viewed("Report")

        project.view(report, environment=staging)

        assert project.my_last_viewed() == []
        assert project.my_last_viewed_names(environment=staging) == ["Report"]
