"""Views of insights (CONTRACT.md §1 rows 3-5, §2, §3, §7 "Trending"; reference §4.2, §5.3,
§5.5, §7.8-§7.10): recording views, the caller's last viewed insights, trending, and the list's
`last_viewed_at`, through the WSGI app on both backends, at instants a test clock chooses."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from store.tenancy import Tenancy
from tests.bodies import NOT_A_MEMBER, NOT_AUTHENTICATED, validation_error
from tests.tenants import Tenant, TenantFactory

# Reference §5.3 (InsightBasic, without `search_match_type` when nothing was searched) and
# §5.5 (TrendingInsight = InsightBasic plus these three).
BASIC_KEYS = frozenset(
    {
        "id", "short_id", "name", "derived_name", "filters", "query", "dashboards",
        "dashboard_tiles", "description", "last_refresh", "refreshing", "saved", "tags",
        "updated_at", "created_by", "created_at", "last_modified_at", "favorited",
        "user_access_level", "last_viewed_at",
    }
)  # fmt: skip
TRENDING_KEYS = BASIC_KEYS | {"view_count", "viewers", "last_modified_by"}
USER_BASIC_KEYS = frozenset(
    {
        "id", "uuid", "distinct_id", "first_name", "last_name", "email", "is_email_verified",
        "hedgehog_config", "role_at_organization",
    }
)  # fmt: skip

START = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)
UNKNOWN_INSIGHT_ID = 9_000_000_000_000

MISSING_INSIGHT_READ = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "API key missing required scope 'insight:read'",
    "attr": None,
}
EMPTY_TRENDING = {"count": 0, "next": None, "previous": None, "results": []}


def iso(instant: datetime) -> str:
    """CONTRACT §4: ISO-8601 UTC ending in Z, no fraction when it is zero."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{instant.microsecond:06d}Z" if instant.microsecond else f"{text}Z"


# ---------------------------------------------------------------------------------------------
# A project whose clock the test sets, its members and environments


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(frozen=True)
class Member:
    """A member of the project and their `*` key."""

    name: str
    user_id: int
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Project:
    """Ann's project, served by a backend on the shared database with the test's clock."""

    tenant: Tenant
    clock: Clock

    @property
    def client(self) -> falcon.testing.TestClient:
        return self.tenant.client

    @property
    def backend(self) -> Backend:
        return self.tenant.backend

    @property
    def ann(self) -> Member:
        return Member("Ann", self.tenant.user_id, self.tenant.key)

    def member(self, first_name: str) -> Member:
        user_id, key = self.tenant.add_member(first_name)
        return Member(first_name, user_id, key)

    def environment(self, name: str = "Staging") -> int:
        """A second environment of the same project."""
        return Tenancy(self.backend).add_environment(project_id=self.tenant.project_id, name=name)

    def path(self, suffix: str, environment: int | None = None, prefix: str = "projects") -> str:
        return f"/api/{prefix}/{environment or self.tenant.project_id}/{suffix}"

    # Raw calls -------------------------------------------------------------------------------

    def post_viewed(
        self,
        body: Any,
        member: Member | None = None,
        environment: int | None = None,
        prefix: str = "projects",
    ) -> falcon.testing.Result:
        return self.client.simulate_post(
            self.path("insights/viewed", environment, prefix),
            headers=(member or self.ann).headers,
            json=body,
        )

    def get_my_last_viewed(
        self, member: Member | None = None, environment: int | None = None, prefix: str = "projects"
    ) -> falcon.testing.Result:
        return self.client.simulate_get(
            self.path("insights/my_last_viewed", environment, prefix),
            headers=(member or self.ann).headers,
        )

    def get_trending(
        self,
        member: Member | None = None,
        environment: int | None = None,
        prefix: str = "projects",
        **params: str,
    ) -> falcon.testing.Result:
        return self.client.simulate_get(
            self.path("insights/trending", environment, prefix),
            headers=(member or self.ann).headers,
            params=params,
        )

    # Checked calls ---------------------------------------------------------------------------

    def view(
        self,
        *insights: dict[str, Any] | int,
        by: Member | None = None,
        environment: int | None = None,
    ) -> None:
        ids = [item if isinstance(item, int) else item["id"] for item in insights]
        result = self.post_viewed({"insight_ids": ids}, by, environment)
        assert result.status_code == 200, result.text

    def my_last_viewed(
        self, member: Member | None = None, environment: int | None = None
    ) -> list[dict[str, Any]]:
        result = self.get_my_last_viewed(member, environment)
        assert result.status_code == 200, result.text
        assert isinstance(result.json, list)
        return list(result.json)

    def my_last_viewed_names(
        self, member: Member | None = None, environment: int | None = None
    ) -> list[str]:
        return [row["name"] for row in self.my_last_viewed(member, environment)]

    def trending(
        self, member: Member | None = None, environment: int | None = None, **params: str
    ) -> dict[str, Any]:
        result = self.get_trending(member, environment, **params)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def trending_names(
        self, member: Member | None = None, environment: int | None = None, **params: str
    ) -> list[str]:
        return [row["name"] for row in self.trending(member, environment, **params)["results"]]

    def trending_row(
        self, insight: dict[str, Any], member: Member | None = None, environment: int | None = None
    ) -> dict[str, Any]:
        rows = [
            row
            for row in self.trending(member, environment, limit="100")["results"]
            if row["id"] == insight["id"]
        ]
        assert len(rows) == 1, f"{insight['name']} is not trending once: {rows}"
        return rows[0]

    def create(
        self, name: str, by: Member | None = None, environment: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        result = self.client.simulate_post(
            self.path("insights", environment),
            headers=(by or self.ann).headers,
            json={"name": name, **fields},
        )
        assert result.status_code == 201, result.text
        return dict(result.json)

    def patch(
        self, insight: dict[str, Any], by: Member | None = None, **fields: Any
    ) -> dict[str, Any]:
        result = self.client.simulate_patch(
            self.path(f"insights/{insight['id']}"), headers=(by or self.ann).headers, json=fields
        )
        assert result.status_code == 200, result.text
        return dict(result.json)

    def delete(self, insight: dict[str, Any]) -> None:
        self.patch(insight, deleted=True)

    def restore(self, insight: dict[str, Any]) -> None:
        self.patch(insight, deleted=False)

    def never_viewed(self, name: str) -> dict[str, Any]:
        """An insight nobody viewed: created deleted (no creator view), then restored."""
        created = self.create(name, deleted=True)
        return self.patch(created, deleted=False)

    def listing(self, **params: str) -> list[dict[str, Any]]:
        result = self.tenant.get("insights", params=params)
        assert result.status_code == 200, result.text
        return list(result.json["results"])

    def listed_names(self, **params: str) -> list[str]:
        return [row["name"] for row in self.listing(**params)]

    def user_basic(self, member: Member) -> dict[str, Any]:
        """The member's UserBasic, as the API shows it in `last_modified_by` of an edit."""
        probe = self.never_viewed(f"Probe of {member.name} {uuid.uuid4().hex[:6]}")
        edited = self.patch(probe, by=member, description="touched")
        self.delete(probe)
        return dict(edited["last_modified_by"])


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def timed_backend(backend: Backend, clock: Clock) -> Iterator[Backend]:
    """A second backend on the shared database whose clock the test sets."""
    opened = open_backend(backend.url, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def timed_tenants(timed_backend: Backend) -> TenantFactory:
    return TenantFactory(timed_backend, falcon.testing.TestClient(create_app(timed_backend)))


@pytest.fixture
def project(timed_tenants: TenantFactory, clock: Clock) -> Project:
    return Project(timed_tenants.create("Ann"), clock)


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


# ---------------------------------------------------------------------------------------------
# GET …/insights/my_last_viewed


class TestMyLastViewed:
    def test_a_member_who_viewed_nothing_gets_an_empty_array(self, project: Project) -> None:
        bea = project.member("Bea")
        project.create("Ann's chart")

        result = project.get_my_last_viewed(bea)

        assert result.status_code == 200
        assert result.json == []

    def test_rows_have_exactly_the_basic_shape(self, project: Project) -> None:
        project.create("Weekly signups", tags=["growth"])

        (row,) = project.my_last_viewed()

        assert set(row) == BASIC_KEYS

    def test_rows_equal_the_basic_list_rows_but_for_the_callers_last_view(
        self, project: Project
    ) -> None:
        bea = project.member("Bea")
        dashboard = project.tenant.create_dashboard(name="Board")
        report = project.create("Weekly signups", tags=["growth"], dashboards=[dashboard["id"]])
        project.clock.advance(hours=1)
        project.view(report, by=bea)
        project.clock.advance(hours=1)
        project.view(report)  # Ann's later view is the list's last_viewed_at

        (mine,) = project.my_last_viewed(bea)
        (listed,) = project.listing(basic="true")

        assert mine.pop("last_viewed_at") == "2024-03-15T13:00:00Z"
        assert listed.pop("last_viewed_at") == "2024-03-15T14:00:00Z"
        assert mine == listed

    def test_the_five_most_recently_viewed_come_newest_first(self, project: Project) -> None:
        bea = project.member("Bea")
        insights = [
            project.create(name) for name in ("One", "Two", "Three", "Four", "Five", "Six", "Seven")
        ]
        for insight in insights:
            project.clock.advance(minutes=1)
            project.view(insight, by=bea)

        rows = project.my_last_viewed(bea)

        assert [row["name"] for row in rows] == ["Seven", "Six", "Five", "Four", "Three"]
        assert [row["last_viewed_at"] for row in rows] == [
            "2024-03-15T12:07:00Z",
            "2024-03-15T12:06:00Z",
            "2024-03-15T12:05:00Z",
            "2024-03-15T12:04:00Z",
            "2024-03-15T12:03:00Z",
        ]

    def test_viewing_an_older_insight_again_brings_it_to_the_front(self, project: Project) -> None:
        bea = project.member("Bea")
        insights = [project.create(name) for name in ("One", "Two", "Three")]
        for insight in insights:
            project.clock.advance(minutes=1)
            project.view(insight, by=bea)
        project.clock.advance(minutes=1)

        project.view(insights[0], by=bea)

        assert project.my_last_viewed_names(bea) == ["One", "Three", "Two"]

    def test_creating_an_insight_is_a_view_by_its_creator(self, project: Project) -> None:
        project.clock.advance(minutes=5)

        project.create("Fresh")

        (row,) = project.my_last_viewed()
        assert (row["name"], row["last_viewed_at"]) == ("Fresh", "2024-03-15T12:05:00Z")

    def test_an_insight_created_deleted_is_not_viewed(self, project: Project) -> None:
        project.create("Stillborn", deleted=True)

        assert project.my_last_viewed() == []

    def test_last_viewed_at_is_the_callers_own_last_view(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.never_viewed("Report")
        project.view(report, by=bea)
        project.clock.advance(hours=3)

        project.view(report)  # Ann, later

        (row,) = project.my_last_viewed(bea)
        assert row["last_viewed_at"] == "2024-03-15T12:00:00Z"

    def test_other_members_views_are_not_mine(self, project: Project) -> None:
        bea = project.member("Bea")
        project.create("Ann's chart")
        project.create("Bea's chart", by=bea)

        assert project.my_last_viewed_names() == ["Ann's chart"]
        assert project.my_last_viewed_names(bea) == ["Bea's chart"]

    def test_deleted_insights_are_left_out_and_the_next_ones_fill_the_five(
        self, project: Project
    ) -> None:
        bea = project.member("Bea")
        insights = [project.create(name) for name in ("One", "Two", "Three", "Four", "Five", "Six")]
        for insight in insights:
            project.clock.advance(minutes=1)
            project.view(insight, by=bea)

        project.delete(insights[5])
        project.delete(insights[3])

        assert project.my_last_viewed_names(bea) == ["Five", "Three", "Two", "One"]

    def test_a_restored_insight_comes_back_with_its_earlier_view(self, project: Project) -> None:
        bea = project.member("Bea")
        phoenix = project.create("Phoenix")
        project.clock.advance(minutes=1)
        project.view(phoenix, by=bea)
        project.delete(phoenix)
        project.clock.advance(days=1)

        project.restore(phoenix)

        (row,) = project.my_last_viewed(bea)
        assert (row["name"], row["last_viewed_at"]) == ("Phoenix", "2024-03-15T12:01:00Z")

    def test_views_in_another_environment_are_not_listed(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        prod_only = project.never_viewed("Production only")
        staging_only = project.never_viewed("Staging only")
        project.view(prod_only, by=bea)
        project.clock.advance(minutes=1)

        project.view(staging_only, by=bea, environment=staging)

        assert project.my_last_viewed_names(bea) == ["Production only"]
        assert project.my_last_viewed_names(bea, environment=staging) == ["Staging only"]

    def test_each_environment_keeps_its_own_last_view_time(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.never_viewed("Report")
        project.view(report, by=bea, environment=staging)
        project.clock.advance(hours=2)

        project.view(report, by=bea)

        assert project.my_last_viewed(bea)[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"
        assert project.my_last_viewed(bea, staging)[0]["last_viewed_at"] == "2024-03-15T12:00:00Z"

    def test_both_prefixes_read_the_same_environment(self, project: Project) -> None:
        staging = project.environment()
        report = project.never_viewed("Report")
        project.view(report, environment=staging)

        by_project = project.get_my_last_viewed(environment=staging, prefix="projects")
        by_environment = project.get_my_last_viewed(environment=staging, prefix="environments")

        assert by_project.status_code == by_environment.status_code == 200
        assert [row["name"] for row in by_project.json] == ["Report"]
        assert by_environment.json == by_project.json

    def test_an_insight_created_in_another_environment_is_viewed_there(
        self, project: Project
    ) -> None:
        staging = project.environment()

        project.create("Staged", environment=staging)

        assert project.my_last_viewed() == []
        assert project.my_last_viewed_names(environment=staging) == ["Staged"]

    def test_a_sub_second_view_time_keeps_its_microseconds(self, project: Project) -> None:
        report = project.never_viewed("Report")
        project.clock.advance(seconds=0.25)

        project.view(report)

        assert project.my_last_viewed()[0]["last_viewed_at"] == "2024-03-15T12:00:00.250000Z"


# ---------------------------------------------------------------------------------------------
# GET …/insights/trending


class TestTrendingShape:
    def test_envelope_counts_the_results_and_has_no_links(self, project: Project) -> None:
        project.create("One")
        project.create("Two")

        body = project.trending()

        assert set(body) == {"count", "next", "previous", "results"}
        assert (body["count"], body["next"], body["previous"]) == (2, None, None)
        assert len(body["results"]) == 2

    def test_count_is_the_length_of_the_page_not_the_total(self, project: Project) -> None:
        for name in ("One", "Two", "Three"):
            project.create(name)

        body = project.trending(limit="2")

        assert (body["count"], len(body["results"])) == (2, 2)

    def test_rows_have_the_trending_insight_shape(self, project: Project) -> None:
        project.create("Weekly signups")

        (row,) = project.trending()["results"]

        assert set(row) == TRENDING_KEYS
        assert all(set(viewer) == USER_BASIC_KEYS for viewer in row["viewers"])
        assert set(row["last_modified_by"]) == USER_BASIC_KEYS

    def test_rows_equal_the_basic_list_rows_plus_the_view_fields(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Weekly signups", tags=["growth"], description="Signups by week")
        project.clock.advance(hours=1)
        project.view(report, by=bea)

        (row,) = project.trending()["results"]
        (listed,) = project.listing(basic="true")

        for key in ("view_count", "viewers", "last_modified_by"):
            row.pop(key)
        assert row == listed

    def test_a_fresh_insight_trends_with_its_creator_as_the_only_viewer(
        self, project: Project
    ) -> None:
        created = project.create("Fresh")

        (row,) = project.trending()["results"]

        assert row["id"] == created["id"]
        assert row["view_count"] == 1
        assert row["viewers"] == [created["created_by"]]
        assert row["last_viewed_at"] == "2024-03-15T12:00:00Z"
        assert row["last_modified_by"] == created["last_modified_by"]

    def test_a_project_with_no_views_has_an_empty_trending(self, project: Project) -> None:
        project.never_viewed("Unseen")

        assert project.trending() == EMPTY_TRENDING

    def test_trending_works_under_the_environments_prefix(self, project: Project) -> None:
        project.create("Fresh")

        by_project = project.get_trending()
        by_environment = project.get_trending(prefix="environments")

        assert by_project.status_code == by_environment.status_code == 200
        assert by_environment.json == by_project.json
        assert [row["name"] for row in by_project.json["results"]] == ["Fresh"]


class TestTrendingRanking:
    def test_insights_are_ranked_by_distinct_viewers(self, project: Project) -> None:
        bea, cid, dee = project.member("Bea"), project.member("Cid"), project.member("Dee")
        one = project.create("One viewer")
        three = project.create("Three viewers")
        two = project.create("Two viewers")
        four = project.create("Four viewers")
        project.clock.advance(minutes=1)
        project.view(two, three, four, by=bea)
        project.view(three, four, by=cid)
        project.view(four, by=dee)

        rows = project.trending()["results"]

        assert [(row["name"], row["view_count"]) for row in rows] == [
            ("Four viewers", 4),
            ("Three viewers", 3),
            ("Two viewers", 2),
            ("One viewer", 1),
        ]
        assert one["id"] == rows[-1]["id"]

    def test_many_views_by_one_member_count_once(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        popular = project.create("Popular with two")
        obsessed = project.create("Viewed often by one")
        project.view(popular, by=bea)
        for _ in range(5):
            project.clock.advance(minutes=1)
            project.view(obsessed, by=cid)
        project.view(popular, by=cid)

        assert [(row["name"], row["view_count"]) for row in project.trending()["results"]] == [
            ("Popular with two", 3),
            ("Viewed often by one", 2),
        ]

    def test_one_member_in_two_environments_counts_twice(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.never_viewed("Report")
        project.view(report, by=bea)

        project.view(report, by=bea, environment=staging)

        assert project.trending_row(report)["view_count"] == 2
        assert project.trending_row(report, environment=staging)["view_count"] == 2

    def test_equal_counts_are_ordered_by_last_modification_newest_first(
        self, project: Project
    ) -> None:
        alpha = project.create("Alpha")
        project.clock.advance(minutes=1)
        project.create("Bravo")
        project.clock.advance(minutes=1)
        project.create("Charlie")
        project.clock.advance(minutes=1)

        project.patch(alpha, name="Alpha renamed")

        assert project.trending_names() == ["Alpha renamed", "Charlie", "Bravo"]

    def test_a_change_that_is_not_material_does_not_move_an_insight(self, project: Project) -> None:
        # Reference §6.4: tags, favorited, query and deleted leave last_modified_at alone.
        alpha = project.create("Alpha")
        project.clock.advance(minutes=1)
        project.create("Bravo")
        project.clock.advance(minutes=1)

        project.patch(alpha, tags=["moved?"], favorited=True)

        assert project.trending_names() == ["Bravo", "Alpha"]

    def test_views_do_not_change_the_order_of_equal_counts(self, project: Project) -> None:
        bea = project.member("Bea")
        alpha = project.create("Alpha")
        project.clock.advance(minutes=1)
        bravo = project.create("Bravo")
        project.clock.advance(minutes=1)
        project.view(alpha, bravo, by=bea)
        project.clock.advance(minutes=1)

        project.view(alpha)  # Ann again: still two distinct viewers each

        assert project.trending_names() == ["Bravo", "Alpha"]

    def test_deleted_insights_never_trend(self, project: Project) -> None:
        bea = project.member("Bea")
        doomed = project.create("Doomed")
        project.create("Kept")
        project.view(doomed, by=bea)

        project.delete(doomed)

        assert project.trending_names() == ["Kept"]

    def test_a_restored_insight_trends_again_with_its_views(self, project: Project) -> None:
        bea = project.member("Bea")
        phoenix = project.create("Phoenix")
        project.view(phoenix, by=bea)
        project.delete(phoenix)

        project.restore(phoenix)

        assert project.trending_row(phoenix)["view_count"] == 2

    def test_another_projects_insights_never_trend_here(
        self, project: Project, timed_tenants: TenantFactory
    ) -> None:
        zed = timed_tenants.create("Zed")
        zed.create_insight(name="Zed's secret")
        project.create("Ours")

        assert project.trending_names() == ["Ours"]


class TestTrendingWindow:
    def test_the_default_window_is_seven_days(self, project: Project) -> None:
        project.create("Old")
        project.clock.advance(days=7, seconds=1)
        project.create("New")

        assert project.trending_names() == ["New"]

    def test_a_view_exactly_days_ago_is_inside_the_window(self, project: Project) -> None:
        project.create("Edge")
        project.clock.advance(days=7)

        assert project.trending_names(days="7") == ["Edge"]

    def test_a_view_a_microsecond_older_than_the_window_is_outside(self, project: Project) -> None:
        project.create("Edge")
        project.clock.advance(days=7, microseconds=1)

        assert project.trending(days="7") == EMPTY_TRENDING

    def test_days_widens_and_narrows_the_window(self, project: Project) -> None:
        project.create("Thirty days ago")
        project.clock.advance(days=29)
        project.create("A day ago")
        project.clock.advance(days=1)

        assert project.trending_names(days="30") == ["A day ago", "Thirty days ago"]
        assert project.trending_names(days="1") == ["A day ago"]
        assert project.trending(days="0") == EMPTY_TRENDING

    def test_days_zero_keeps_views_made_this_very_instant(self, project: Project) -> None:
        project.create("Right now")

        assert project.trending_names(days="0") == ["Right now"]

    @pytest.mark.parametrize("days", ["-1", "-7", "-100000"])
    def test_negative_days_is_an_empty_list(self, project: Project, days: str) -> None:
        project.create("Fresh")

        result = project.get_trending(days=days)

        assert result.status_code == 200
        assert result.json == EMPTY_TRENDING

    def test_a_hugely_negative_days_is_an_empty_list_too(self, project: Project) -> None:
        # CONTRACT §7: negative days -> empty list (and §4: never a 500 for a client mistake).
        project.create("Fresh")

        result = project.get_trending(days=str(-(10**30)))

        assert result.status_code == 200
        assert result.json == EMPTY_TRENDING

    def test_a_huge_days_covers_all_time(self, project: Project) -> None:
        project.create("Ancient")
        project.clock.advance(days=3650)

        assert project.trending_names(days=str(10**30)) == ["Ancient"]

    def test_only_viewers_whose_last_view_is_in_the_window_count(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.create("Report")  # Ann at day 0
        project.clock.advance(days=3)
        project.view(report, by=bea)  # day 3
        project.clock.advance(days=6)
        project.view(report, by=cid)  # day 9

        assert project.trending_row(report)["view_count"] == 2  # window from day 2
        assert project.trending(days="5")["results"][0]["view_count"] == 1
        assert project.trending(days="9")["results"][0]["view_count"] == 3

    def test_an_old_view_followed_by_a_recent_one_counts(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.view(report, by=bea)
        project.clock.advance(days=10)

        project.view(report, by=bea)

        row = project.trending_row(report)
        assert (row["view_count"], [viewer["id"] for viewer in row["viewers"]]) == (
            1,
            [bea.user_id],
        )


class TestTrendingViewers:
    def test_viewers_are_the_three_latest_newest_first(self, project: Project) -> None:
        members = [project.member(name) for name in ("Bea", "Cid", "Dee", "Eve")]
        report = project.create("Report")
        for member in members:
            project.clock.advance(minutes=1)
            project.view(report, by=member)

        row = project.trending_row(report)

        assert row["view_count"] == 5
        assert [viewer["id"] for viewer in row["viewers"]] == [
            members[3].user_id,
            members[2].user_id,
            members[1].user_id,
        ]

    def test_a_viewer_is_the_members_user_basic(self, project: Project) -> None:
        bea = project.member("Bea")
        expected = project.user_basic(bea)
        report = project.never_viewed("Report")

        project.view(report, by=bea)

        assert project.trending_row(report)["viewers"] == [expected]

    def test_viewers_come_only_from_this_environment(self, project: Project) -> None:
        staging = project.environment()
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.never_viewed("Report")
        project.view(report, by=bea)
        project.clock.advance(minutes=1)
        project.view(report, by=cid, environment=staging)

        in_production = project.trending_row(report)
        in_staging = project.trending_row(report, environment=staging)

        assert in_production["view_count"] == in_staging["view_count"] == 2
        assert [viewer["id"] for viewer in in_production["viewers"]] == [bea.user_id]
        assert [viewer["id"] for viewer in in_staging["viewers"]] == [cid.user_id]

    def test_an_insight_viewed_only_elsewhere_trends_with_no_viewers(
        self, project: Project
    ) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.never_viewed("Report")

        project.view(report, by=bea, environment=staging)

        row = project.trending_row(report)
        assert (row["view_count"], row["viewers"]) == (1, [])

    def test_viewers_come_only_from_within_the_window(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.create("Report")  # Ann
        project.clock.advance(hours=1)
        project.view(report, by=bea)
        project.clock.advance(days=8)
        project.view(report, by=cid)

        recent = project.trending_row(report)
        wide = project.trending(days="30")["results"][0]

        assert [viewer["id"] for viewer in recent["viewers"]] == [cid.user_id]
        assert [viewer["id"] for viewer in wide["viewers"]] == [
            cid.user_id,
            bea.user_id,
            project.ann.user_id,
        ]

    def test_a_member_is_listed_once_at_their_latest_view(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.never_viewed("Report")
        project.view(report, by=bea)
        project.clock.advance(minutes=1)
        project.view(report, by=cid)
        project.clock.advance(minutes=1)

        project.view(report, by=bea)

        assert [viewer["id"] for viewer in project.trending_row(report)["viewers"]] == [
            bea.user_id,
            cid.user_id,
        ]


class TestTrendingLastViewedAndModified:
    def test_last_viewed_at_is_the_latest_view_by_anyone_in_any_environment(
        self, project: Project
    ) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(hours=5)

        project.view(report, by=bea, environment=staging)

        assert project.trending_row(report)["last_viewed_at"] == "2024-03-15T17:00:00Z"

    def test_last_viewed_at_is_not_the_callers_own_view(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(hours=1)

        project.view(report, by=bea)

        assert project.trending_row(report)["last_viewed_at"] == "2024-03-15T13:00:00Z"

    def test_last_modified_by_is_the_last_member_to_edit_it(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(minutes=1)

        edited = project.patch(report, by=bea, name="Report, edited by Bea")

        row = project.trending_row(report)
        assert row["last_modified_by"] == edited["last_modified_by"]
        assert row["last_modified_by"]["id"] == bea.user_id
        assert row["last_modified_at"] == "2024-03-15T12:01:00Z"


class TestTrendingPaging:
    def test_the_default_limit_is_ten(self, project: Project) -> None:
        for number in range(11):
            project.clock.advance(minutes=1)
            project.create(f"Chart {number:02d}")

        names = project.trending_names()

        assert names == [f"Chart {number:02d}" for number in range(10, 0, -1)]

    def test_limit_takes_the_first_n(self, project: Project) -> None:
        for name in ("Alpha", "Bravo", "Charlie", "Delta"):
            project.clock.advance(minutes=1)
            project.create(name)

        assert project.trending_names(limit="2") == ["Delta", "Charlie"]

    def test_offset_skips_the_first_n(self, project: Project) -> None:
        for name in ("Alpha", "Bravo", "Charlie", "Delta"):
            project.clock.advance(minutes=1)
            project.create(name)

        assert project.trending_names(limit="2", offset="1") == ["Charlie", "Bravo"]
        assert project.trending_names(offset="3") == ["Alpha"]

    def test_an_offset_past_the_end_is_an_empty_page(self, project: Project) -> None:
        project.create("Only")

        assert project.trending(offset="1") == EMPTY_TRENDING

    def test_limit_zero_is_an_empty_page(self, project: Project) -> None:
        project.create("Only")

        assert project.trending(limit="0") == EMPTY_TRENDING

    def test_limit_is_capped_at_one_hundred(self, project: Project) -> None:
        for number in range(101):
            project.clock.advance(seconds=1)
            project.create(f"Chart {number:03d}")

        capped = project.trending(limit="1000")
        rest = project.trending(limit="1000", offset="100")

        assert capped["count"] == 100
        assert [row["name"] for row in capped["results"]] == [
            f"Chart {number:03d}" for number in range(100, 0, -1)
        ]
        assert [row["name"] for row in rest["results"]] == ["Chart 000"]

    def test_a_huge_limit_is_capped_too(self, project: Project) -> None:
        project.create("Only")

        assert project.trending_names(limit=str(10**30)) == ["Only"]

    def test_a_huge_offset_is_an_empty_page_not_a_server_error(self, project: Project) -> None:
        # CONTRACT §4: never a 500 for a client mistake; §5: trending honours offset.
        project.create("Only")

        result = project.get_trending(offset=str(2**63))

        assert result.status_code == 200
        assert result.json == EMPTY_TRENDING


class TestTrendingValidation:
    @pytest.mark.parametrize("parameter", ["days", "limit", "offset"])
    @pytest.mark.parametrize("value", ["soon", "1.5", "", "1e3", "0x10"])
    def test_a_non_integer_parameter_is_400_naming_it(
        self, project: Project, parameter: str, value: str
    ) -> None:
        result = project.get_trending(**{parameter: value})

        assert result.status_code == 400
        assert result.json == validation_error(parameter, "A valid integer is required.")

    @pytest.mark.parametrize("parameter", ["days", "limit", "offset"])
    def test_a_decimal_with_a_zero_fraction_is_not_an_integer(
        self, project: Project, parameter: str
    ) -> None:
        # Reference §7.9: PostHog parses with int(), which refuses "7.0" (CONTRACT §7: a
        # non-integer days/limit/offset is a 400 with attr).
        result = project.get_trending(**{parameter: "7.0"})

        assert result.status_code == 400
        assert result.json == validation_error(parameter, "A valid integer is required.")

    @pytest.mark.parametrize("parameter", ["limit", "offset"])
    def test_a_negative_limit_or_offset_is_400_naming_it(
        self, project: Project, parameter: str
    ) -> None:
        result = project.get_trending(**{parameter: "-1"})

        assert result.status_code == 400
        assert result.json == validation_error(
            parameter, "Ensure this value is greater than or equal to 0.", code="min_value"
        )


# ---------------------------------------------------------------------------------------------
# The insights list's last_viewed_at, its filters and its order


class TestListLastViewed:
    def test_last_viewed_at_is_the_latest_view_by_anyone(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        project.create("Report")
        project.clock.advance(hours=2)

        project.view(project.listing()[0]["id"], by=bea, environment=staging)

        assert project.listing()[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"
        assert project.listing(basic="true")[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"

    def test_the_latest_of_several_members_views_wins(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(hours=1)
        project.view(report, by=bea)
        project.clock.advance(hours=1)
        project.view(report)

        assert project.listing()[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"

    def test_retrieve_never_shows_last_viewed_at(self, project: Project) -> None:
        report = project.create("Report")

        retrieved = project.tenant.get(f"insights/{report['id']}").json

        assert retrieved["last_viewed_at"] is None

    def test_last_viewed_date_from_keeps_insights_viewed_after_it(self, project: Project) -> None:
        project.create("Morning")
        project.clock.advance(hours=2)
        project.create("Afternoon")
        project.never_viewed("Unseen")

        assert project.listed_names(last_viewed_date_from="2024-03-15T13:00:00Z") == ["Afternoon"]

    def test_last_viewed_date_to_keeps_insights_viewed_before_it(self, project: Project) -> None:
        project.create("Morning")
        project.clock.advance(hours=2)
        project.create("Afternoon")
        project.never_viewed("Unseen")

        assert project.listed_names(last_viewed_date_to="2024-03-15T13:00:00Z") == ["Morning"]

    def test_both_bounds_keep_insights_viewed_between_them(self, project: Project) -> None:
        for name in ("Eleven", "Twelve", "Thirteen"):
            project.create(name)
            project.clock.advance(hours=1)

        names = project.listed_names(
            last_viewed_date_from="2024-03-15T12:30:00Z", last_viewed_date_to="2024-03-15T13:30:00Z"
        )

        assert names == ["Twelve"]

    def test_the_bounds_are_strict(self, project: Project) -> None:
        project.create("Noon")

        assert project.listed_names(last_viewed_date_from="2024-03-15T12:00:00Z") == []
        assert project.listed_names(last_viewed_date_to="2024-03-15T12:00:00Z") == []

    def test_the_filter_uses_the_latest_view_by_anyone(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(days=3)

        project.view(report, by=bea)

        assert project.listed_names(last_viewed_date_from="2024-03-17T00:00:00Z") == ["Report"]
        assert project.listed_names(last_viewed_date_to="2024-03-17T00:00:00Z") == []

    def test_order_by_last_viewed_at_puts_never_viewed_first(self, project: Project) -> None:
        early = project.create("Early")
        project.clock.advance(minutes=1)
        project.create("Late")
        project.never_viewed("Unseen")
        project.clock.advance(minutes=1)
        project.view(early)  # Early is now the latest viewed

        assert project.listed_names(order="last_viewed_at") == ["Unseen", "Late", "Early"]

    def test_order_by_descending_last_viewed_at_puts_never_viewed_last(
        self, project: Project
    ) -> None:
        early = project.create("Early")
        project.clock.advance(minutes=1)
        project.create("Late")
        project.never_viewed("Unseen")
        project.clock.advance(minutes=1)
        project.view(early)

        assert project.listed_names(order="-last_viewed_at") == ["Early", "Late", "Unseen"]


# ---------------------------------------------------------------------------------------------
# ?format=csv (CONTRACT §4: an array or a paginated response is one row per item)


def csv_rows(result: falcon.testing.Result) -> tuple[list[str], list[dict[str, str]]]:
    assert result.status_code == 200, result.text
    assert result.headers["content-type"].startswith("text/csv")
    header, *rows = [line for line in csv.reader(io.StringIO(result.text)) if line]
    return header, [dict(zip(header, row, strict=True)) for row in rows]


class TestCsv:
    def test_my_last_viewed_as_csv_is_one_row_per_insight_newest_first(
        self, project: Project
    ) -> None:
        project.create("Older")
        project.clock.advance(minutes=1)
        project.create("Newer")

        header, rows = csv_rows(
            project.client.simulate_get(
                project.path("insights/my_last_viewed"),
                headers=project.ann.headers,
                params={"format": "csv"},
            )
        )

        assert header == sorted(header)
        assert [(row["name"], row["last_viewed_at"]) for row in rows] == [
            ("Newer", "2024-03-15T12:01:00Z"),
            ("Older", "2024-03-15T12:00:00Z"),
        ]

    def test_trending_as_csv_is_one_row_per_insight_with_flattened_viewers(
        self, project: Project
    ) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(minutes=1)
        project.view(report, by=bea)

        header, rows = csv_rows(project.get_trending(format="csv"))

        assert header == sorted(header)
        (row,) = rows
        assert (row["name"], row["view_count"]) == ("Report", "2")
        assert (row["viewers.0.id"], row["viewers.1.id"]) == (
            str(bea.user_id),
            str(project.ann.user_id),
        )
        assert row["last_modified_by.id"] == str(project.ann.user_id)

    def test_viewed_with_format_csv_still_answers_200_without_a_body(
        self, project: Project
    ) -> None:
        report = project.never_viewed("Report")

        result = project.client.simulate_post(
            project.path("insights/viewed"),
            headers=project.ann.headers,
            params={"format": "csv"},
            json={"insight_ids": [report["id"]]},
        )

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed_names() == ["Report"]


# ---------------------------------------------------------------------------------------------
# Authentication, scopes and other organizations


ROUTES = ("viewed", "my_last_viewed", "trending")


def call(
    project: Project, route: str, headers: dict[str, str], ids: list[int]
) -> falcon.testing.Result:
    path = project.path(f"insights/{route}")
    if route == "viewed":
        return project.client.simulate_post(path, headers=headers, json={"insight_ids": ids})
    return project.client.simulate_get(path, headers=headers)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class TestAccess:
    @pytest.mark.parametrize("route", ROUTES)
    def test_no_credentials_is_401(self, project: Project, route: str) -> None:
        result = call(project, route, {}, [1])

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED

    def test_a_key_in_the_viewed_body_authenticates_its_owner(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.never_viewed("Report")

        result = project.client.simulate_post(
            project.path("insights/viewed"),
            json={"insight_ids": [report["id"]], "personal_api_key": bea.key},
        )

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed_names(bea) == ["Report"]
        assert project.my_last_viewed() == []

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("scopes", [["insight:read"], ["insight:write"]])
    def test_insight_read_is_enough(self, project: Project, route: str, scopes: list[str]) -> None:
        report = project.create("Report")

        result = call(project, route, bearer(project.tenant.key_with(scopes)), [report["id"]])

        assert result.status_code == 200, result.text

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("scopes", [["dashboard:read", "element:write"], ["activity_log:read"]])
    def test_a_key_without_insight_read_is_403(
        self, project: Project, route: str, scopes: list[str]
    ) -> None:
        result = call(project, route, bearer(project.tenant.key_with(scopes)), [1])

        assert result.status_code == 403
        assert result.json == MISSING_INSIGHT_READ

    def test_a_key_without_insight_read_records_no_view(self, project: Project) -> None:
        report = project.never_viewed("Report")

        call(project, "viewed", bearer(project.tenant.key_with(["dashboard:read"])), [report["id"]])

        assert project.my_last_viewed() == []

    @pytest.mark.parametrize("route", ROUTES)
    def test_a_key_limited_to_another_project_is_403(self, project: Project, route: str) -> None:
        elsewhere = Tenancy(project.backend).bootstrap(
            email=project.tenant.email,
            first_name="Ann",
            last_name="Tester",
            organization="Ann's other organization",
            project="Ann's other project",
        )
        key = project.tenant.key_with(["insight:read"], projects=[elsewhere.project_id])

        result = call(project, route, bearer(key), [1])

        assert result.status_code == 403
        assert result.json == {
            "type": "authentication_error",
            "code": "permission_denied",
            "detail": f"API key does not have access to the requested project: ID {project.tenant.project_id}.",
            "attr": None,
        }

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    @pytest.mark.parametrize("environment", ["999999999", "staging"])
    def test_an_unknown_or_non_numeric_environment_is_404(
        self, project: Project, route: str, prefix: str, environment: str
    ) -> None:
        path = f"/api/{prefix}/{environment}/insights/{route}"
        if route == "viewed":
            result = project.client.simulate_post(
                path, headers=project.ann.headers, json={"insight_ids": [1]}
            )
        else:
            result = project.client.simulate_get(path, headers=project.ann.headers)

        assert result.status_code == 404
        assert result.json == {
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Project not found.",
            "attr": None,
        }

    @pytest.mark.parametrize("route", ROUTES)
    def test_another_organizations_key_is_403(
        self, project: Project, timed_tenants: TenantFactory, route: str
    ) -> None:
        mallory = timed_tenants.create("Mallory")
        report = project.create("Report")

        result = call(project, route, bearer(mallory.key), [report["id"]])

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER

    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    def test_another_organization_cannot_see_our_views_through_a_second_environment(
        self, project: Project, timed_tenants: TenantFactory, prefix: str
    ) -> None:
        staging = project.environment()
        mallory = timed_tenants.create("Mallory")
        project.create("Report", environment=staging)

        for route in ("my_last_viewed", "trending"):
            result = project.client.simulate_get(
                project.path(f"insights/{route}", staging, prefix), headers=bearer(mallory.key)
            )
            assert result.status_code == 403
            assert result.json == NOT_A_MEMBER

    def test_another_organizations_view_is_not_recorded(
        self, project: Project, timed_tenants: TenantFactory
    ) -> None:
        mallory = timed_tenants.create("Mallory")
        report = project.create("Report")
        project.clock.advance(hours=1)

        call(project, "viewed", bearer(mallory.key), [report["id"]])

        row = project.trending_row(report)
        assert (row["view_count"], row["last_viewed_at"]) == (1, "2024-03-15T12:00:00Z")

    def test_viewing_our_insights_from_their_own_project_records_nothing(
        self, project: Project, timed_tenants: TenantFactory
    ) -> None:
        mallory = timed_tenants.create("Mallory")
        report = project.create("Report")
        project.clock.advance(hours=1)

        result = mallory.post("insights/viewed", json={"insight_ids": [report["id"]]})

        assert (result.status_code, result.text) == (200, "")
        assert mallory.get("insights/my_last_viewed").json == []
        assert mallory.get("insights/trending").json == EMPTY_TRENDING
        assert project.trending_row(report)["view_count"] == 1
