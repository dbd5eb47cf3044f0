"""The insights list: the filters on what an insight holds, its type, dashboards, tags and
events."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_list.support import _row, listing, name_set, names, patch_insight
from tests.bodies import validation_error
from tests.tenants import Tenant


def _viz(source_kind: str) -> dict[str, Any]:
    return {"kind": "InsightVizNode", "source": {"kind": source_kind, "series": []}}


def _hogql(wrapper: str) -> dict[str, Any]:
    return {"kind": wrapper, "source": {"kind": "HogQLQuery", "query": "select 1"}}


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
