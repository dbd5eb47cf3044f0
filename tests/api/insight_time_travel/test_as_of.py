"""`GET …/insights/{id}?as_of=<ISO-8601>`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.insight_time_travel.support import Story, iso
from tests.bodies import NOT_FOUND

BOTH_VERSION_AND_AS_OF = {
    "type": "validation_error",
    "code": "invalid_input",
    "detail": "Give either version or as_of, not both.",
    "attr": "as_of",
}


def invalid_as_of(value: str) -> dict[str, Any]:
    return {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": f"'{value}' is not an ISO-8601 date and time.",
        "attr": "as_of",
    }


# ---------------------------------------------------------------------------------------------
# GET …/insights/{id}?as_of=<ISO-8601>


class TestAsOf:
    def test_an_instant_between_two_versions_gives_the_earlier_one(self, story: Story) -> None:
        between = story.times[1] + timedelta(minutes=30)

        past = story.project.get_insight(story.id, as_of=iso(between))

        assert past.status_code == 200
        assert past.json == story.states[1]

    def test_the_instant_of_a_version_gives_that_version(self, story: Story) -> None:
        for version, at in enumerate(story.times, start=1):
            past = story.project.get_insight(story.id, as_of=iso(at))

            assert past.status_code == 200
            assert past.json == story.states[version - 1], version

    def test_rfc_3339_lower_case_t_and_z_are_taken(self, story: Story) -> None:
        between = story.times[1] + timedelta(minutes=30)
        lower = iso(between).lower()
        assert lower.endswith("z")

        past = story.project.get_insight(story.id, as_of=lower)

        assert past.status_code == 200, past.text
        assert past.json == story.states[1]

    def test_a_microsecond_before_a_version_gives_the_one_before(self, story: Story) -> None:
        just_before = story.times[2] - timedelta(microseconds=1)

        past = story.project.get_insight(story.id, as_of=iso(just_before))

        assert past.status_code == 200
        assert past.json == story.states[1]

    def test_an_instant_after_the_last_version_gives_the_current_insight(
        self, story: Story
    ) -> None:
        past = story.project.get_insight(story.id, as_of="2031-01-01T00:00:00Z")

        assert past.status_code == 200
        assert past.json == story.project.current(story.id)

    def test_an_instant_before_creation_is_404(self, story: Story) -> None:
        result = story.project.get_insight(
            story.id, as_of=iso(story.times[0] - timedelta(microseconds=1))
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_date_before_creation_day_is_404(self, story: Story) -> None:
        result = story.project.get_insight(story.id, as_of="2026-03-01")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_date_without_time_means_its_midnight_utc(self, story: Story) -> None:
        past = story.project.get_insight(story.id, as_of="2026-03-03")

        assert past.status_code == 200
        assert past.json == story.states[-1]

    @pytest.mark.parametrize(
        ("as_of", "version"),
        [
            # 10:30 at +02:00 is 08:30Z: before creation, so tested separately
            ("2026-03-02T11:30:00+02:00", 1),  # 09:30Z
            ("2026-03-02T12:00:00+02:00", 2),  # 10:00Z exactly
            ("2026-03-02T05:59:59.999999-05:00", 2),  # 10:59:59.999999Z
            ("2026-03-02T06:00:00-05:00", 3),  # 11:00Z
            ("2026-03-02T11:00:00+00:00", 3),
            ("2026-03-02T11:00:00Z", 3),
        ],
    )
    def test_a_timezone_offset_is_converted_to_utc(
        self, story: Story, as_of: str, version: int
    ) -> None:
        past = story.project.get_insight(story.id, as_of=as_of)

        assert past.status_code == 200
        assert past.json == story.states[version - 1]

    def test_an_offset_that_puts_the_instant_before_creation_is_404(self, story: Story) -> None:
        # 10:30 local at +02:00 is 08:30Z, half an hour before the insight existed.
        result = story.project.get_insight(story.id, as_of="2026-03-02T10:30:00+02:00")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize(
        ("as_of", "version"),
        [("2026-03-02T09:59:59", 1), ("2026-03-02T10:00:00", 2), ("2026-03-02 10:00:00", 2)],
    )
    def test_a_naive_instant_is_utc(self, story: Story, as_of: str, version: int) -> None:
        past = story.project.get_insight(story.id, as_of=as_of)

        assert past.status_code == 200
        assert past.json == story.states[version - 1]

    def test_as_of_works_by_short_id_under_environments(self, story: Story) -> None:
        past = story.project.get_insight(
            story.short_id, prefix="environments", as_of="2026-03-02T10:30:00Z"
        )

        assert past.status_code == 200
        assert past.json == story.states[1]

    @pytest.mark.parametrize(
        "value", ["yesterday", "2026-13-01", "2026-03-02T25:00:00Z", "1700000000", ""]
    )
    def test_an_unparseable_instant_is_400(self, story: Story, value: str) -> None:
        result = story.project.get_insight(story.id, as_of=value)

        assert result.status_code == 400
        assert result.json == invalid_as_of(value)

    def test_version_and_as_of_together_are_400_on_as_of(self, story: Story) -> None:
        result = story.project.get_insight(story.id, version="1", as_of=iso(story.times[1]))

        assert result.status_code == 400
        assert result.json == BOTH_VERSION_AND_AS_OF

    def test_the_last_representable_instant_far_west_gives_the_current_insight(
        self, story: Story
    ) -> None:
        # 9999-12-31T23:59:59-14:00 is a valid ISO-8601 instant after every version (it is in
        # year 10000 in UTC): never a 500 (CONTRACT §4).
        past = story.project.get_insight(story.id, as_of="9999-12-31T23:59:59-14:00")

        assert past.status_code == 200
        assert past.json == story.project.current(story.id)

    def test_the_first_representable_instant_far_east_is_before_creation(
        self, story: Story
    ) -> None:
        # 0001-01-01T00:00:00+14:00 is in year 0 in UTC, long before the insight: a 404.
        result = story.project.get_insight(story.id, as_of="0001-01-01T00:00:00+14:00")

        assert result.status_code == 404
        assert result.json == NOT_FOUND
