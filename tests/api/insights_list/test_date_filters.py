"""The insights list: the date filters on modification, creation and the last view."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_list.support import _row, listing, names, patch_insight
from tests.bodies import validation_error
from tests.clock import Clock
from tests.tenants import Tenant


class TestModifiedDateFilters:
    @pytest.fixture
    def reports(self, timed: Tenant, clock: Clock) -> Tenant:
        """'Old report' created at START, 'Fresh report' ten days later; now = START + 10d."""
        timed.create_insight(name="Old report")
        clock.advance(days=10)
        timed.create_insight(name="Fresh report")
        return timed

    def test_relative_date_from_keeps_recently_modified_insights(self, reports: Tenant) -> None:
        assert names(reports, date_from="-7d") == ["Fresh report"]

    def test_relative_date_to_keeps_insights_modified_before_it(self, reports: Tenant) -> None:
        assert names(reports, date_to="-7d") == ["Old report"]

    @pytest.mark.parametrize("date", ["2024-03-20", "2024-3-20", "2024-03-20T00:00:00Z"])
    def test_absolute_date_from_keeps_insights_modified_after_it(
        self, reports: Tenant, date: str
    ) -> None:
        assert names(reports, date_from=date) == ["Fresh report"]

    def test_absolute_date_to_keeps_insights_modified_before_it(self, reports: Tenant) -> None:
        assert names(reports, date_to="2024-03-20") == ["Old report"]

    def test_date_from_is_exclusive(self, reports: Tenant) -> None:
        assert names(reports, date_from="2024-03-15T12:00:00Z") == ["Fresh report"]

    def test_date_to_is_exclusive(self, reports: Tenant) -> None:
        assert names(reports, date_to="2024-03-25T12:00:00Z") == ["Old report"]

    def test_date_from_follows_last_modified_at_not_created_at(
        self, reports: Tenant, clock: Clock
    ) -> None:
        old = _row(reports, "Old report")
        clock.advance(days=10)
        patch_insight(reports, old, name="Old report, renamed")

        assert names(reports, date_from="-7d") == ["Old report, renamed"]

    def test_a_non_material_edit_does_not_count_as_a_modification(
        self, reports: Tenant, clock: Clock
    ) -> None:
        old = _row(reports, "Old report")
        clock.advance(days=10)
        patch_insight(reports, old, favorited=True, tags=["stale"])

        assert names(reports, date_from="-7d") == []


class TestCreatedDateFilters:
    @pytest.fixture
    def reports(self, timed: Tenant, clock: Clock) -> Tenant:
        """'Old report' created at START and renamed at START + 20d; 'Fresh report' created at
        START + 10d; now = START + 20d."""
        old = timed.create_insight(name="Old report")
        clock.advance(days=10)
        timed.create_insight(name="Fresh report")
        clock.advance(days=10)
        patch_insight(timed, old, name="Old report")
        return timed

    def test_created_date_from_follows_created_at(self, reports: Tenant) -> None:
        assert names(reports, created_date_from="-15d") == ["Fresh report"]

    def test_created_date_to_follows_created_at(self, reports: Tenant) -> None:
        assert names(reports, created_date_to="-15d") == ["Old report"]

    def test_absolute_created_dates_bound_both_sides(self, reports: Tenant) -> None:
        assert names(reports, created_date_from="2024-03-20", created_date_to="2024-03-30") == [
            "Fresh report"
        ]

    def test_created_date_from_is_exclusive(self, reports: Tenant) -> None:
        assert names(reports, created_date_from="2024-03-25T12:00:00Z") == []


@pytest.mark.parametrize(
    "parameter",
    [
        "date_from",
        "date_to",
        "created_date_from",
        "created_date_to",
        "last_viewed_date_from",
        "last_viewed_date_to",
    ],
)
class TestUnparseableDates:
    def test_an_unparseable_date_is_a_400_naming_the_parameter(
        self, tenant: Tenant, parameter: str
    ) -> None:
        result = tenant.get("insights", params={parameter: "next tuesday"})

        assert result.status_code == 400
        assert result.json == validation_error(parameter, "'next tuesday' is not a valid date.")


class TestDatesAtTheEndsOfTheCalendar:
    # In UTC these fall outside the years 1 to 9999 that Python's datetime holds.
    @pytest.mark.parametrize("parameter", ["date_from", "created_date_from"])
    def test_year_1_east_of_greenwich_keeps_everything(
        self, tenant: Tenant, parameter: str
    ) -> None:
        tenant.create_insight(name="Any time")

        assert names(tenant, **{parameter: "0001-01-01T00:00:00+14:00"}) == ["Any time"]

    @pytest.mark.parametrize("parameter", ["date_to", "created_date_to", "last_viewed_date_to"])
    def test_year_9999_west_of_greenwich_keeps_everything(
        self, tenant: Tenant, parameter: str
    ) -> None:
        tenant.create_insight(name="Any time")

        assert names(tenant, **{parameter: "9999-12-31T23:59:59-12:00"}) == ["Any time"]

    @pytest.mark.parametrize("parameter", ["date_to", "last_viewed_date_to"])
    def test_year_1_east_of_greenwich_keeps_nothing_as_an_upper_bound(
        self, tenant: Tenant, parameter: str
    ) -> None:
        tenant.create_insight(name="Any time")

        assert names(tenant, **{parameter: "0001-01-01T00:00:00+14:00"}) == []


def never_viewed(tenant: Tenant, name: str) -> dict[str, Any]:
    """An insight nobody viewed: created deleted (no creator view), then restored."""
    created = tenant.create_insight(name=name, deleted=True)
    restored = tenant.patch(f"insights/{created['id']}", json={"deleted": False})
    assert restored.status_code == 200, restored.text
    return dict(restored.json)


class TestLastViewedFilters:
    @pytest.mark.parametrize(
        ("parameter", "value"),
        [
            ("last_viewed_date_from", "-7d"),
            ("last_viewed_date_from", "2000-01-01"),
            ("last_viewed_date_to", "2999-01-01"),
            ("last_viewed_date_to", "-1d"),
        ],
    )
    def test_never_viewed_insights_are_excluded_by_any_last_viewed_bound(
        self, tenant: Tenant, parameter: str, value: str
    ) -> None:
        never_viewed(tenant, "Unseen")

        body = listing(tenant, **{parameter: value})

        assert (body["count"], body["results"]) == (0, [])

    def test_last_viewed_at_is_null_for_never_viewed_insights(self, tenant: Tenant) -> None:
        never_viewed(tenant, "Unseen")

        (row,) = listing(tenant)["results"]

        assert row["last_viewed_at"] is None

    def test_creating_an_insight_is_a_view_by_its_creator(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Seen")

        body = listing(tenant, last_viewed_date_from="-1h")

        assert [row["name"] for row in body["results"]] == ["Seen"]
        assert body["results"][0]["last_viewed_at"] is not None
