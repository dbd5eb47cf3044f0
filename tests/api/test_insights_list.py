"""The insights list (CONTRACT.md §1 row 13, reference §7.1): every filter, the ordering,
pagination and the basic/full shapes, through the WSGI app on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.bodies import validation_error
from tests.tenants import Tenant, TenantFactory

# Reference §5.3 (InsightBasic) and §5.4 (Insight = InsightBasic plus these).
BASIC_KEYS = frozenset(
    {
        "id", "short_id", "name", "derived_name", "filters", "query", "dashboards",
        "dashboard_tiles", "description", "last_refresh", "refreshing", "saved", "tags",
        "updated_at", "created_by", "created_at", "last_modified_at", "favorited",
        "user_access_level", "last_viewed_at",
    }
)  # fmt: skip
FULL_KEYS = BASIC_KEYS | {
    "order", "deleted", "cache_target_age", "next_allowed_client_refresh", "result", "hasMore",
    "columns", "last_modified_by", "is_sample", "effective_restriction_level",
    "effective_privilege_level", "timezone", "is_cached", "query_status", "hogql", "types",
    "resolved_date_range", "alerts", "filters_hash",
}  # fmt: skip

HOST = "insights.example.com"
START = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)


def _viz(source_kind: str) -> dict[str, Any]:
    return {"kind": "InsightVizNode", "source": {"kind": source_kind, "series": []}}


def _hogql(wrapper: str) -> dict[str, Any]:
    return {"kind": wrapper, "source": {"kind": "HogQLQuery", "query": "select 1"}}


# ---------------------------------------------------------------------------------------------
# Helpers


def listing(tenant: Tenant, **params: str) -> dict[str, Any]:
    result = tenant.get("insights", params=params)
    assert result.status_code == 200, result.text
    return dict(result.json)


def names(tenant: Tenant, **params: str) -> list[str | None]:
    return [row["name"] for row in listing(tenant, **params)["results"]]


def name_set(tenant: Tenant, **params: str) -> set[str | None]:
    return set(names(tenant, **params))


def raw_get(tenant: Tenant, query_string: str, *, suffix: str = "insights", **kwargs: Any) -> Any:
    result = tenant.client.simulate_get(
        tenant.path(suffix), headers=tenant.headers, query_string=query_string, host=HOST, **kwargs
    )
    assert result.status_code == 200, result.text
    return result.json


def as_member(tenant: Tenant, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create_as(tenant: Tenant, key: str, **fields: Any) -> dict[str, Any]:
    result = tenant.client.simulate_post(
        tenant.path("insights"), headers=as_member(tenant, key), json=fields
    )
    assert result.status_code == 201, result.text
    return dict(result.json)


def patch_insight(tenant: Tenant, insight: dict[str, Any], **fields: Any) -> dict[str, Any]:
    result = tenant.patch(f"insights/{insight['id']}", json=fields)
    assert result.status_code == 200, result.text
    return dict(result.json)


def delete_dashboard(tenant: Tenant, dashboard: dict[str, Any]) -> None:
    result = tenant.patch(f"dashboards/{dashboard['id']}", json={"deleted": True})
    assert result.status_code == 200, result.text


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def timed(backend: Backend, clock: Clock) -> Iterator[Tenant]:
    """A tenant served by a second backend on the shared database whose clock the test sets."""
    timed_backend = open_backend(backend.url, clock=clock)
    client = falcon.testing.TestClient(create_app(timed_backend))
    yield TenantFactory(timed_backend, client).create("Tim")
    timed_backend.close()


# ---------------------------------------------------------------------------------------------


class TestShapes:
    def test_list_results_have_the_full_insight_shape_by_default(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups")

        (row,) = listing(tenant)["results"]

        assert set(row) == FULL_KEYS

    @pytest.mark.parametrize("value", ["true", "1", "yes", "Y", "on", "t", "TRUE"])
    def test_truthy_basic_selects_the_basic_shape(self, tenant: Tenant, value: str) -> None:
        tenant.create_insight(name="Weekly signups")

        (row,) = listing(tenant, basic=value)["results"]

        assert set(row) == BASIC_KEYS

    @pytest.mark.parametrize("value", ["false", "0", "no", "nonsense"])
    def test_falsy_basic_keeps_the_full_shape(self, tenant: Tenant, value: str) -> None:
        tenant.create_insight(name="Weekly signups")

        (row,) = listing(tenant, basic=value)["results"]

        assert set(row) == FULL_KEYS

    def test_list_rows_equal_what_retrieve_answers_but_for_the_last_view(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Weekly signups", tags=["growth"])

        (row,) = listing(tenant)["results"]
        retrieved = tenant.get(f"insights/{created['id']}").json

        # Reference §5.3: the list shows the latest view by anyone (creating is a view by
        # the creator); retrieve never annotates it.
        assert row.pop("last_viewed_at") is not None
        assert retrieved.pop("last_viewed_at") is None
        assert row == retrieved

    def test_envelope_has_exactly_count_next_previous_results(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups")

        body = listing(tenant)

        assert set(body) == {"count", "next", "previous", "results"}
        assert (body["count"], body["next"], body["previous"]) == (1, None, None)


class TestDeletedInsights:
    def test_soft_deleted_insights_are_not_listed_nor_counted(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Keeper")
        doomed = tenant.create_insight(name="Doomed")
        patch_insight(tenant, doomed, deleted=True)

        body = listing(tenant)

        assert body["count"] == 1
        assert [row["name"] for row in body["results"]] == ["Keeper"]

    def test_restored_insight_is_listed_again(self, tenant: Tenant) -> None:
        phoenix = tenant.create_insight(name="Phoenix")
        patch_insight(tenant, phoenix, deleted=True)
        patch_insight(tenant, phoenix, deleted=False)

        assert names(tenant) == ["Phoenix"]

    def test_short_id_filter_does_not_find_a_deleted_insight(self, tenant: Tenant) -> None:
        doomed = tenant.create_insight(name="Doomed")
        patch_insight(tenant, doomed, deleted=True)

        assert names(tenant, short_id=doomed["short_id"]) == []


class TestShortIdFilter:
    def test_short_id_selects_exactly_that_insight(self, tenant: Tenant) -> None:
        wanted = tenant.create_insight(name="Wanted")
        tenant.create_insight(name="Other")

        assert names(tenant, short_id=wanted["short_id"]) == ["Wanted"]

    def test_unknown_short_id_gives_an_empty_page(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Other")

        body = listing(tenant, short_id="NoSuchId")

        assert (body["count"], body["results"]) == (0, [])


class TestCreatedByFilter:
    def test_created_by_keeps_insights_of_the_listed_users(self, tenant: Tenant) -> None:
        bea_id, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Ann's funnel")
        create_as(tenant, bea_key, name="Bea's funnel")

        assert names(tenant, created_by=f"[{bea_id}]") == ["Bea's funnel"]

    def test_created_by_with_several_users_keeps_any_of_them(self, tenant: Tenant) -> None:
        bea_id, bea_key = tenant.add_member("Bea")
        cid_id, cid_key = tenant.add_member("Cid")
        tenant.create_insight(name="Ann's funnel")
        create_as(tenant, bea_key, name="Bea's funnel")
        create_as(tenant, cid_key, name="Cid's funnel")

        assert name_set(tenant, created_by=f"[{bea_id}, {cid_id}]") == {
            "Bea's funnel",
            "Cid's funnel",
        }

    def test_empty_created_by_array_applies_no_filter(self, tenant: Tenant) -> None:
        _, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Ann's funnel")
        create_as(tenant, bea_key, name="Bea's funnel")

        assert name_set(tenant, created_by="[]") == {"Ann's funnel", "Bea's funnel"}

    def test_malformed_created_by_json_is_a_400_naming_created_by(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"created_by": "[1,"})

        assert result.status_code == 400
        assert result.json == validation_error("created_by", "Value must be valid JSON.")

    def test_created_by_that_is_not_an_array_is_a_400_naming_created_by(
        self, tenant: Tenant
    ) -> None:
        result = tenant.get("insights", params={"created_by": "7"})

        assert result.status_code == 400
        assert result.json == validation_error(
            "created_by", 'Expected a list of items but got type "int".', code="not_a_list"
        )

    def test_created_by_with_a_non_integer_id_is_a_400_naming_created_by(
        self, tenant: Tenant
    ) -> None:
        result = tenant.get("insights", params={"created_by": '["ann"]'})

        assert result.status_code == 400
        assert result.json == validation_error("created_by", "A valid integer is required.")


class TestUserFilter:
    @pytest.mark.parametrize("value", ["true", "false", "0", ""])
    def test_any_user_value_keeps_only_the_callers_insights(
        self, tenant: Tenant, value: str
    ) -> None:
        _, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Mine")
        create_as(tenant, bea_key, name="Theirs")

        assert names(tenant, user=value) == ["Mine"]

    def test_user_filter_follows_the_caller_not_the_project(self, tenant: Tenant) -> None:
        _, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Ann's")
        create_as(tenant, bea_key, name="Bea's")

        result = tenant.client.simulate_get(
            tenant.path("insights"), headers=as_member(tenant, bea_key), params={"user": "true"}
        )

        assert [row["name"] for row in result.json["results"]] == ["Bea's"]


class TestFavoritedFilter:
    @pytest.mark.parametrize("value", ["true", "false", "0", ""])
    def test_any_favorited_value_keeps_only_favorited_insights(
        self, tenant: Tenant, value: str
    ) -> None:
        tenant.create_insight(name="Starred", favorited=True)
        tenant.create_insight(name="Plain")

        assert names(tenant, favorited=value) == ["Starred"]


class TestSavedFilter:
    @pytest.fixture
    def drafts(self, tenant: Tenant) -> Tenant:
        board = tenant.create_dashboard(name="Board")
        gone = tenant.create_dashboard(name="Gone board")
        tenant.create_insight(name="Saved report")
        tenant.create_insight(name="Draft", saved=False)
        tenant.create_insight(name="Draft on board", saved=False, dashboards=[board["id"]])
        tenant.create_insight(name="Draft on gone board", saved=False, dashboards=[gone["id"]])
        delete_dashboard(tenant, gone)
        return tenant

    @pytest.mark.parametrize("value", ["true", "1", "yes"])
    def test_truthy_saved_keeps_saved_insights_and_those_on_a_live_dashboard(
        self, drafts: Tenant, value: str
    ) -> None:
        assert name_set(drafts, saved=value) == {"Saved report", "Draft on board"}

    @pytest.mark.parametrize("value", ["false", "0", "no"])
    def test_falsy_saved_keeps_only_unsaved_insights(self, drafts: Tenant, value: str) -> None:
        assert name_set(drafts, saved=value) == {"Draft", "Draft on board", "Draft on gone board"}

    def test_without_saved_every_insight_is_listed(self, drafts: Tenant) -> None:
        assert len(names(drafts)) == 4


class TestInsightTypeFilter:
    @pytest.fixture
    def zoo(self, tenant: Tenant) -> Tenant:
        for kind in ("Trends", "Funnels", "Retention", "Paths", "Stickiness", "Lifecycle"):
            tenant.create_insight(name=f"{kind} viz", query=_viz(f"{kind}Query"))
        tenant.create_insight(name="Legacy trends", filters={"insight": "TRENDS"})
        tenant.create_insight(name="Legacy funnels", filters={"insight": "FUNNELS"})
        tenant.create_insight(
            name="Trends query over legacy funnels",
            query=_viz("TrendsQuery"),
            filters={"insight": "FUNNELS"},
        )
        tenant.create_insight(name="SQL table", query=_hogql("DataTableNode"))
        tenant.create_insight(name="SQL chart", query=_hogql("DataVisualizationNode"))
        tenant.create_insight(
            name="Events table",
            query={"kind": "DataTableNode", "source": {"kind": "EventsQuery", "select": ["*"]}},
        )
        tenant.create_insight(name="Hog program", query={"kind": "HogQuery", "code": "return 1"})
        tenant.create_insight(name="Bare trends", query={"kind": "TrendsQuery", "series": []})
        tenant.create_insight(name="Journeys viz", query=_viz("PathsV2Query"))
        tenant.create_insight(
            name="Trends table",
            query={"kind": "DataTableNode", "source": _viz("TrendsQuery")["source"]},
        )
        tenant.create_insight(name="Empty")
        return tenant

    @pytest.mark.parametrize(
        ("insight_type", "expected"),
        [
            ("TRENDS", {"Trends viz", "Legacy trends", "Trends query over legacy funnels"}),
            ("FUNNELS", {"Funnels viz", "Legacy funnels"}),
            ("RETENTION", {"Retention viz"}),
            ("PATHS", {"Paths viz"}),
            ("STICKINESS", {"Stickiness viz"}),
            ("LIFECYCLE", {"Lifecycle viz"}),
            ("SQL", {"SQL table", "SQL chart"}),
            ("JSON", {"Events table", "Hog program", "Bare trends", "Journeys viz"}),
        ],
    )
    def test_insight_type_selects_matching_insights(
        self, zoo: Tenant, insight_type: str, expected: set[str]
    ) -> None:
        assert name_set(zoo, insight=insight_type) == expected

    def test_insight_type_is_case_sensitive(self, zoo: Tenant) -> None:
        assert names(zoo, insight="trends") == []

    def test_other_insight_values_match_legacy_filters_only(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Legacy oddity", filters={"insight": "CUSTOM"})
        tenant.create_insight(
            name="Query oddity", query=_viz("TrendsQuery"), filters={"insight": "CUSTOM"}
        )

        assert names(tenant, insight="CUSTOM") == ["Legacy oddity"]

    def test_changing_the_query_changes_the_type(self, tenant: Tenant) -> None:
        shifty = tenant.create_insight(name="Shifty", query=_viz("TrendsQuery"))
        patch_insight(tenant, shifty, query=_viz("FunnelsQuery"))

        assert (names(tenant, insight="TRENDS"), names(tenant, insight="FUNNELS")) == (
            [],
            ["Shifty"],
        )


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


class TestDashboardsFilter:
    @pytest.fixture
    def boards(self, tenant: Tenant) -> tuple[Tenant, int, int]:
        north = tenant.create_dashboard(name="North")["id"]
        south = tenant.create_dashboard(name="South")["id"]
        tenant.create_insight(name="On both", dashboards=[north, south])
        tenant.create_insight(name="Only north", dashboards=[north])
        tenant.create_insight(name="Only south", dashboards=[south])
        tenant.create_insight(name="Nowhere")
        return tenant, north, south

    def test_one_dashboard_keeps_insights_on_it(self, boards: tuple[Tenant, int, int]) -> None:
        tenant, north, _ = boards

        assert name_set(tenant, dashboards=f"[{north}]") == {"On both", "Only north"}

    def test_several_dashboards_keep_insights_on_all_of_them(
        self, boards: tuple[Tenant, int, int]
    ) -> None:
        tenant, north, south = boards

        assert names(tenant, dashboards=f"[{north}, {south}]") == ["On both"]

    def test_empty_dashboards_array_applies_no_filter(
        self, boards: tuple[Tenant, int, int]
    ) -> None:
        tenant, _, _ = boards

        assert len(names(tenant, dashboards="[]")) == 4

    def test_a_deleted_dashboard_never_matches(self, boards: tuple[Tenant, int, int]) -> None:
        tenant, north, _ = boards
        tenant.patch(f"dashboards/{north}", json={"deleted": True})

        assert names(tenant, dashboards=f"[{north}]") == []

    def test_an_insight_taken_off_a_dashboard_no_longer_matches(
        self, boards: tuple[Tenant, int, int]
    ) -> None:
        tenant, north, _ = boards
        only_north = _row(tenant, "Only north")
        patch_insight(tenant, only_north, dashboards=[])

        assert names(tenant, dashboards=f"[{north}]") == ["On both"]

    def test_malformed_dashboards_json_is_a_400_naming_dashboards(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"dashboards": "[north]"})

        assert result.status_code == 400
        assert result.json == validation_error("dashboards", "Value must be valid JSON.")


class TestTagsFilter:
    @pytest.fixture
    def tagged(self, tenant: Tenant) -> Tenant:
        tenant.create_insight(name="Growth only", tags=["growth"])
        tenant.create_insight(name="KPI only", tags=["kpi"])
        tenant.create_insight(name="Both", tags=["growth", "kpi"])
        tenant.create_insight(name="Untagged")
        return tenant

    def test_one_tag_keeps_insights_carrying_it(self, tagged: Tenant) -> None:
        assert name_set(tagged, tags='["growth"]') == {"Growth only", "Both"}

    def test_several_tags_keep_insights_carrying_any_of_them(self, tagged: Tenant) -> None:
        assert name_set(tagged, tags='["growth", "kpi"]') == {"Growth only", "KPI only", "Both"}

    def test_repeated_tags_do_not_duplicate_results(self, tagged: Tenant) -> None:
        body = listing(tagged, tags='["growth", "growth", "kpi"]')

        assert body["count"] == 3
        assert len(body["results"]) == 3

    def test_empty_tags_array_applies_no_filter(self, tagged: Tenant) -> None:
        assert len(names(tagged, tags="[]")) == 4

    def test_replaced_tags_no_longer_match(self, tagged: Tenant) -> None:
        growth_only = _row(tagged, "Growth only")
        patch_insight(tagged, growth_only, tags=["retired"])

        assert names(tagged, tags='["growth"]') == ["Both"]

    def test_malformed_tags_json_is_a_400_naming_tags(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"tags": "growth"})

        assert result.status_code == 400
        assert result.json == validation_error("tags", "Value must be valid JSON.")


def trends_of(*events: str) -> dict[str, Any]:
    series = [{"kind": "EventsNode", "event": event} for event in events]
    return {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": series}}


class TestEventsFilter:
    @pytest.fixture
    def charted(self, tenant: Tenant) -> Tenant:
        tenant.create_insight(name="Signups", query=trends_of("signup"))
        tenant.create_insight(name="Signups and views", query=trends_of("signup", "$pageview"))
        tenant.create_insight(name="Views", query=trends_of("$pageview"))
        tenant.create_insight(
            name="Legacy views",
            filters={"insight": "TRENDS", "events": [{"id": "$pageview", "type": "events"}]},
        )
        tenant.create_insight(name="No query")
        return tenant

    def test_one_event_keeps_insights_using_it(self, charted: Tenant) -> None:
        assert name_set(charted, events='["signup"]') == {"Signups", "Signups and views"}

    def test_several_events_keep_insights_using_all_of_them(self, charted: Tenant) -> None:
        assert names(charted, events='["$pageview", "signup", "signup"]') == ["Signups and views"]

    def test_a_legacy_insight_matches_by_its_filters_events(self, charted: Tenant) -> None:
        assert name_set(charted, events='["$pageview"]') == {
            "Signups and views",
            "Views",
            "Legacy views",
        }

    def test_event_names_are_case_sensitive(self, charted: Tenant) -> None:
        assert names(charted, events='["SIGNUP"]') == []

    def test_empty_events_array_applies_no_filter(self, charted: Tenant) -> None:
        assert len(names(charted, events="[]")) == 5

    def test_a_changed_query_is_filtered_by_its_new_events(self, charted: Tenant) -> None:
        views = _row(charted, "Views")
        patch_insight(charted, views, query=trends_of("purchase"))

        assert names(charted, events='["purchase"]') == ["Views"]
        assert "Views" not in names(charted, events='["$pageview"]')

    def test_an_event_name_with_a_nul_breaks_no_filter(self, charted: Tenant) -> None:
        # PostgreSQL cannot read a NUL out of JSON: such a name used to make every events
        # filter of the project a 500 there. No captured event has one.
        charted.create_insight(name="Odd", query=trends_of("sign\x00up", "signup"))

        assert name_set(charted, events='["signup"]') == {"Signups", "Signups and views", "Odd"}

    def test_the_events_filter_combines_with_search(self, charted: Tenant) -> None:
        assert names(charted, events='["$pageview"]', search="legacy") == ["Legacy views"]

    @pytest.mark.parametrize(
        ("value", "detail"),
        [
            ("signup", "Value must be valid JSON."),
            ('{"a": 1}', 'Expected a list of items but got type "dict".'),
            ('["a\\u0000b"]', "Null characters are not allowed."),
        ],
    )
    def test_malformed_events_are_a_400_naming_events(
        self, tenant: Tenant, value: str, detail: str
    ) -> None:
        result = tenant.get("insights", params={"events": value})

        assert result.status_code == 400
        assert (result.json["attr"], result.json["detail"]) == ("events", detail)


class TestSearch:
    def test_search_matches_name_derived_name_description_and_tags_exactly(
        self, tenant: Tenant
    ) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(derived_name="Revenue per plan")
        tenant.create_insight(name="Weekly money", description="Tracks revenue weekly")
        tenant.create_insight(name="Tagged board", tags=["revenue-team"])
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search="revenue")["results"]

        assert {(row["name"] or row["derived_name"], row["search_match_type"]) for row in rows} == {
            ("Revenue by country", "exact"),
            ("Revenue per plan", "exact"),
            ("Weekly money", "exact"),
            ("Tagged board", "exact"),
        }

    def test_exact_search_ignores_case(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")

        rows = listing(tenant, search="REVENUE")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Revenue by country", "exact")
        ]

    def test_similar_matches_follow_exact_ones(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Monthly revenu")

        rows = listing(tenant, search="revenue")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Revenue by country", "exact"),
            ("Monthly revenu", "similar"),
        ]

    def test_similar_matches_are_found_on_descriptions(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Quarterly numbers", description="Revnue per user")
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search="revenue")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Quarterly numbers", "similar")
        ]

    def test_percent_in_the_term_is_literal(self, tenant: Tenant) -> None:
        tenant.create_insight(name="100% uptime")
        tenant.create_insight(name="1000 users")

        rows = listing(tenant, search="100%")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("100% uptime", "exact"),
            ("1000 users", "similar"),
        ]

    def test_underscore_in_the_term_is_literal(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Rate_limit hits")
        tenant.create_insight(name="Rate-limit hits")

        assert names(tenant, search="e_l") == ["Rate_limit hits"]

    @pytest.mark.parametrize("term", ["kp", "K", "i b"])
    def test_a_short_search_term_finds_exact_matches(self, tenant: Tenant, term: str) -> None:
        tenant.create_insight(name="KPI board")
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search=term)["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [("KPI board", "exact")]

    def test_exact_search_ignores_case_beyond_ascii(self, tenant: Tenant) -> None:
        tenant.create_insight(name="École visits")

        assert names(tenant, search="ÉCOLE") == ["École visits"]

    def test_exact_matches_come_first_also_with_an_order(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Alpha revenu")
        tenant.create_insight(name="Zeta revenue")

        rows = listing(tenant, search="revenue", order="name")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Zeta revenue", "exact"),
            ("Alpha revenu", "similar"),
        ]

    @pytest.mark.parametrize(
        ("order", "expected"),
        [
            ("name", ["Alpha revenue", "Bravo revenue", None]),
            ("-name", [None, "Bravo revenue", "Alpha revenue"]),
        ],
    )
    def test_a_search_in_name_order_places_unnamed_insights_as_the_list_does(
        self, tenant: Tenant, order: str, expected: list[str | None]
    ) -> None:
        tenant.create_insight(name="Bravo revenue")
        tenant.create_insight(name=None, description="Revenue by week")
        tenant.create_insight(name="Alpha revenue")

        assert names(tenant, search="revenue", order=order) == expected
        assert names(tenant, order=order) == expected

    def test_search_pages_through_the_ranked_matches(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Monthly revenu")

        body = listing(tenant, search="revenue", limit="1", offset="1")

        assert body["count"] == 2
        assert [row["name"] for row in body["results"]] == ["Monthly revenu"]

    def test_search_combines_with_other_filters(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country", favorited=True)
        tenant.create_insight(name="Revenue by plan")

        assert names(tenant, search="revenue", favorited="true") == ["Revenue by country"]

    def test_search_skips_deleted_insights(self, tenant: Tenant) -> None:
        doomed = tenant.create_insight(name="Revenue by country")
        patch_insight(tenant, doomed, deleted=True)

        assert names(tenant, search="revenue") == []

    def test_search_never_finds_another_projects_insights(
        self, tenants: TenantFactory, tenant: Tenant
    ) -> None:
        tenants.create("Olga").create_insight(name="Revenue secret")
        tenant.create_insight(name="Revenue by country")

        assert names(tenant, search="revenue") == ["Revenue by country"]

    def test_search_follows_renames(self, tenant: Tenant) -> None:
        renamed = tenant.create_insight(name="Revenue by country")
        patch_insight(tenant, renamed, name="Churn by country")

        assert (names(tenant, search="revenue"), names(tenant, search="churn")) == (
            [],
            ["Churn by country"],
        )

    def test_search_follows_replaced_tags(self, tenant: Tenant) -> None:
        tagged = tenant.create_insight(name="Board", tags=["marketing"])
        patch_insight(tenant, tagged, tags=["finance"])

        assert (names(tenant, search="marketing"), names(tenant, search="finance")) == (
            [],
            ["Board"],
        )

    def test_search_count_includes_exact_and_similar_matches(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Monthly revenu")
        tenant.create_insight(name="Churned users")

        assert listing(tenant, search="revenue", limit="1")["count"] == 2

    def test_search_match_type_is_absent_without_search(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")

        (row,) = listing(tenant)["results"]

        assert "search_match_type" not in row

    def test_basic_results_carry_search_match_type_when_searched(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")

        (row,) = listing(tenant, search="revenue", basic="true")["results"]

        assert set(row) == BASIC_KEYS | {"search_match_type"}
        assert row["search_match_type"] == "exact"

    def test_blank_search_applies_no_filter(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search="   ")["results"]

        assert len(rows) == 2
        assert all("search_match_type" not in row for row in rows)

    def test_search_of_200_characters_is_accepted(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"search": "r" * 200})

        assert result.status_code == 200

    def test_search_longer_than_200_characters_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"search": "r" * 201})

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "Search query must be 200 characters or fewer.",
            "attr": "search",
        }


class TestOrder:
    def test_default_order_is_most_recently_modified_first(
        self, timed: Tenant, clock: Clock
    ) -> None:
        first = timed.create_insight(name="First")
        clock.advance(minutes=1)
        timed.create_insight(name="Second")
        clock.advance(minutes=1)
        timed.create_insight(name="Third")
        clock.advance(minutes=1)
        patch_insight(timed, first, name="First, edited")

        assert names(timed) == ["First, edited", "Third", "Second"]

    def test_default_order_breaks_ties_by_newest_id(self, timed: Tenant) -> None:
        ids = [timed.create_insight(name=name)["id"] for name in ("One", "Two", "Three")]

        assert [row["id"] for row in listing(timed)["results"]] == sorted(ids, reverse=True)

    # PostHog passes `order` to the ORM: PostgreSQL puts NULL after every value.
    def test_order_by_name_sorts_nulls_last(self, tenant: Tenant) -> None:
        for name in ("Bravo", None, "Charlie", "Alpha"):
            tenant.create_insight(name=name)

        assert names(tenant, order="name") == ["Alpha", "Bravo", "Charlie", None]

    def test_order_by_descending_name_sorts_nulls_first(self, tenant: Tenant) -> None:
        for name in ("Bravo", None, "Charlie", "Alpha"):
            tenant.create_insight(name=name)

        assert names(tenant, order="-name") == [None, "Charlie", "Bravo", "Alpha"]

    def test_order_by_id_and_descending_id(self, tenant: Tenant) -> None:
        ids = [tenant.create_insight(name=name)["id"] for name in ("One", "Two", "Three")]

        ascending = [row["id"] for row in listing(tenant, order="id")["results"]]
        descending = [row["id"] for row in listing(tenant, order="-id")["results"]]

        assert (ascending, descending) == (sorted(ids), sorted(ids, reverse=True))

    def test_order_by_created_at_ignores_later_edits(self, timed: Tenant, clock: Clock) -> None:
        early = timed.create_insight(name="Early")
        clock.advance(minutes=1)
        timed.create_insight(name="Late")
        clock.advance(minutes=1)
        patch_insight(timed, early, name="Early")

        assert (names(timed, order="created_at"), names(timed, order="-created_at")) == (
            ["Early", "Late"],
            ["Late", "Early"],
        )

    def test_order_by_last_modified_at_follows_edits(self, timed: Tenant, clock: Clock) -> None:
        early = timed.create_insight(name="Early")
        clock.advance(minutes=1)
        timed.create_insight(name="Late")
        clock.advance(minutes=1)
        patch_insight(timed, early, description="touched")

        assert (
            names(timed, order="last_modified_at"),
            names(timed, order="-last_modified_at"),
        ) == (["Late", "Early"], ["Early", "Late"])

    def test_order_by_order_sorts_nulls_last(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Five", order=5)
        tenant.create_insight(name="Unordered")
        tenant.create_insight(name="Minus one", order=-1)

        assert names(tenant, order="order") == ["Minus one", "Five", "Unordered"]

    def test_order_by_descending_order_sorts_nulls_first(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Five", order=5)
        tenant.create_insight(name="Unordered")
        tenant.create_insight(name="Minus one", order=-1)

        assert names(tenant, order="-order") == ["Unordered", "Five", "Minus one"]

    @pytest.mark.parametrize("order", ["last_viewed_at", "-last_viewed_at"])
    def test_order_by_last_viewed_at_lists_never_viewed_insights(
        self, tenant: Tenant, order: str
    ) -> None:
        tenant.create_insight(name="Unseen one")
        tenant.create_insight(name="Unseen two")

        assert name_set(tenant, order=order) == {"Unseen one", "Unseen two"}

    @pytest.mark.parametrize("order", ["bogus", "-bogus", "created_by", "--name", "name,id"])
    def test_unknown_order_is_a_400_naming_order(self, tenant: Tenant, order: str) -> None:
        result = tenant.get("insights", params={"order": order})

        assert result.status_code == 400
        assert result.json == validation_error(
            "order", f'"{order}" is not a valid choice.', code="invalid_choice"
        )


class TestPagination:
    @pytest.fixture
    def three(self, tenant: Tenant) -> Tenant:
        """Charlie was modified last, so the default order is Charlie, Bravo, Alpha."""
        for name in ("Alpha", "Bravo", "Charlie"):
            tenant.create_insight(name=name)
        return tenant

    def url(self, tenant: Tenant, query: str, scheme: str = "http") -> str:
        return f"{scheme}://{HOST}/api/projects/{tenant.project_id}/insights?{query}"

    def test_first_page_links_to_the_next_with_an_absolute_url(self, three: Tenant) -> None:
        body = raw_get(three, "limit=2")

        assert [row["name"] for row in body["results"]] == ["Charlie", "Bravo"]
        assert body["count"] == 3
        assert body["next"] == self.url(three, "limit=2&offset=2")
        assert body["previous"] is None

    def test_last_page_has_no_next(self, three: Tenant) -> None:
        body = raw_get(three, "limit=2&offset=2")

        assert [row["name"] for row in body["results"]] == ["Alpha"]
        assert body["next"] is None

    def test_previous_drops_offset_when_it_would_reach_zero(self, three: Tenant) -> None:
        body = raw_get(three, "limit=2&offset=2")

        assert body["previous"] == self.url(three, "limit=2")

    def test_previous_keeps_a_positive_offset(self, three: Tenant) -> None:
        body = raw_get(three, "limit=1&offset=2")

        assert body["previous"] == self.url(three, "limit=1&offset=1")

    def test_middle_page_links_both_ways(self, three: Tenant) -> None:
        body = raw_get(three, "limit=1&offset=1")

        assert [row["name"] for row in body["results"]] == ["Bravo"]
        assert (body["previous"], body["next"]) == (
            self.url(three, "limit=1"),
            self.url(three, "limit=1&offset=2"),
        )

    def test_other_parameters_are_kept_in_the_links(self, three: Tenant) -> None:
        body = raw_get(three, "basic=true&limit=1&offset=1")

        assert (body["previous"], body["next"]) == (
            self.url(three, "basic=true&limit=1"),
            self.url(three, "basic=true&limit=1&offset=2"),
        )

    def test_links_use_the_request_scheme(self, three: Tenant) -> None:
        body = raw_get(three, "limit=1", protocol="https")

        assert body["next"] == self.url(three, "limit=1&offset=1", scheme="https")

    def test_links_keep_a_trailing_slash_of_the_request(self, three: Tenant) -> None:
        result = three.client.simulate_get(
            three.path("insights/"), headers=three.headers, query_string="limit=1", host=HOST
        )

        assert result.json["next"] == (
            f"http://{HOST}/api/projects/{three.project_id}/insights/?limit=1&offset=1"
        )

    # ² and ① are digits to str.isdigit but not to int().
    @pytest.mark.parametrize("limit", ["0", "-5", "abc", "1.5", "", "%C2%B2", "%E2%91%A0"])
    def test_a_limit_that_is_not_a_positive_integer_falls_back_to_100(
        self, three: Tenant, limit: str
    ) -> None:
        body = raw_get(three, f"limit={limit}&offset=1")

        assert [row["name"] for row in body["results"]] == ["Bravo", "Alpha"]
        assert body["next"] is None
        assert body["previous"] == self.url(three, "limit=100")

    @pytest.mark.parametrize("offset", ["-1", "abc", "%C2%B2"])
    def test_an_invalid_offset_falls_back_to_zero(self, three: Tenant, offset: str) -> None:
        body = raw_get(three, f"limit=1&offset={offset}")

        assert [row["name"] for row in body["results"]] == ["Charlie"]
        assert body["previous"] is None

    def test_an_offset_past_the_end_gives_an_empty_page(self, three: Tenant) -> None:
        body = raw_get(three, "offset=10")

        assert (body["count"], body["results"], body["next"]) == (3, [], None)
        assert body["previous"] == self.url(three, "limit=100")

    def test_a_limit_with_thousands_of_leading_zeros_is_its_number(self, three: Tenant) -> None:
        body = raw_get(three, "limit=" + "0" * 5000 + "2")

        assert len(body["results"]) == 2

    # More digits than Python's int() takes (4,300) used to be a 400 with Python's message.
    @pytest.mark.parametrize("limit", ["100000", "9" * 5000])
    def test_limit_has_no_maximum(self, three: Tenant, limit: str) -> None:
        body = raw_get(three, f"limit={limit}")

        assert len(body["results"]) == 3
        assert body["next"] is None


class TestEnvironmentsPrefix:
    def test_environments_list_equals_projects_list(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups", tags=["growth"])
        tenant.create_insight(name="Churn", favorited=True)

        by_environment = tenant.client.simulate_get(
            tenant.path("insights", prefix="environments"), headers=tenant.headers
        )

        assert by_environment.status_code == 200
        assert by_environment.json == listing(tenant)

    def test_environments_list_applies_filters(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups", tags=["growth"])
        tenant.create_insight(name="Churn", favorited=True)

        result = tenant.client.simulate_get(
            tenant.path("insights", prefix="environments"),
            headers=tenant.headers,
            params={"favorited": "true"},
        )

        assert [row["name"] for row in result.json["results"]] == ["Churn"]

    def test_environments_links_point_at_the_environments_path(self, tenant: Tenant) -> None:
        tenant.create_insight(name="One")
        tenant.create_insight(name="Two")

        result = tenant.client.simulate_get(
            tenant.path("insights", prefix="environments"),
            headers=tenant.headers,
            query_string="limit=1",
            host=HOST,
        )

        assert result.json["next"] == (
            f"http://{HOST}/api/environments/{tenant.project_id}/insights?limit=1&offset=1"
        )


def _row(tenant: Tenant, name: str) -> dict[str, Any]:
    """The listed insight called `name`."""
    (row,) = [row for row in listing(tenant)["results"] if row["name"] == name]
    return dict(row)


class TestEmptyFilterValues:
    """PostHog skips these filters when they are sent empty (`if tags_filter:`); a client that
    builds its query string with empty values gets the whole list, not an error."""

    @pytest.mark.parametrize(
        "parameter", ["tags", "created_by", "dashboards", "events", "short_id", "order"]
    )
    def test_an_empty_value_applies_no_filter(self, tenant: Tenant, parameter: str) -> None:
        for name in ("Alpha", "Bravo"):
            tenant.create_insight(name=name)

        result = tenant.get("insights", query_string=f"{parameter}=")

        assert result.status_code == 200
        assert [row["name"] for row in result.json["results"]] == ["Bravo", "Alpha"]
