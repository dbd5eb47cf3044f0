"""What an insight's query is: validation of node kinds and the list filter's `insight` type
(reference posthog-insights-api.md §7.1, "The `insight` parameter")."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidInputError, UnparsableQueryError
from domain.insight_query import check_query, legacy_type, query_events, query_type

SIX_KINDS = {
    "TrendsQuery": "TRENDS",
    "FunnelsQuery": "FUNNELS",
    "RetentionQuery": "RETENTION",
    "PathsQuery": "PATHS",
    "StickinessQuery": "STICKINESS",
    "LifecycleQuery": "LIFECYCLE",
}
HOGQL = {"kind": "HogQLQuery", "query": "select count() from events"}


def viz(source_kind: str) -> dict[str, Any]:
    return {"kind": "InsightVizNode", "source": {"kind": source_kind, "series": []}}


class TestQueryType:
    def test_a_legacy_insight_has_no_query_type(self) -> None:
        assert query_type(None) is None

    @pytest.mark.parametrize(("source_kind", "expected"), sorted(SIX_KINDS.items()))
    def test_an_insight_viz_node_around_one_of_the_six_kinds_is_that_kind(
        self, source_kind: str, expected: str
    ) -> None:
        assert query_type(viz(source_kind)) == expected

    @pytest.mark.parametrize(
        "wrapper", ["DataTableNode", "DataVisualizationNode", "InsightVizNode"]
    )
    def test_any_wrapper_around_hogql_is_sql(self, wrapper: str) -> None:
        assert query_type({"kind": wrapper, "source": HOGQL}) == "SQL"

    @pytest.mark.parametrize("source_kind", sorted(SIX_KINDS))
    def test_a_bare_insight_source_is_json(self, source_kind: str) -> None:
        assert query_type({"kind": source_kind, "series": []}) == "JSON"

    def test_bare_hogql_is_json(self) -> None:
        assert query_type(HOGQL) == "JSON"

    def test_hog_is_json(self) -> None:
        assert query_type({"kind": "HogQuery", "code": "return 1"}) == "JSON"

    def test_an_events_table_is_json(self) -> None:
        query = {"kind": "DataTableNode", "source": {"kind": "EventsQuery", "select": ["*"]}}

        assert query_type(query) == "JSON"

    def test_a_persons_table_is_json(self) -> None:
        query = {"kind": "DataTableNode", "source": {"kind": "ActorsQuery"}}

        assert query_type(query) == "JSON"

    def test_paths_v2_in_an_insight_viz_node_is_json_in_the_primary_variant(self) -> None:
        """JOURNEYS exists only in variant B; CONTRACT follows variant A."""
        assert query_type(viz("PathsV2Query")) == "JSON"

    @pytest.mark.parametrize("wrapper", ["DataTableNode", "DataVisualizationNode"])
    @pytest.mark.parametrize("source_kind", sorted(SIX_KINDS))
    def test_another_wrapper_around_one_of_the_six_kinds_is_neither_that_kind_nor_json(
        self, wrapper: str, source_kind: str
    ) -> None:
        # Reference §7.1: JSON is what is not a wrapper around HogQL or around the six kinds.
        assert query_type({"kind": wrapper, "source": {"kind": source_kind, "series": []}}) is None

    def test_an_insight_viz_node_without_a_source_is_json(self) -> None:
        assert query_type({"kind": "InsightVizNode"}) == "JSON"


class TestLegacyType:
    def test_the_filters_insight_value_is_the_legacy_type(self) -> None:
        assert legacy_type({"insight": "FUNNELS", "events": []}) == "FUNNELS"

    @pytest.mark.parametrize(
        "filters",
        [None, {}, {"events": []}, {"insight": 3}, {"insight": None}, {"insight": "TRENDS\x00"}],
    )
    def test_filters_without_a_string_insight_have_no_legacy_type(self, filters: Any) -> None:
        assert legacy_type(filters) is None


class TestCheckQuery:
    @pytest.mark.parametrize(
        "query",
        [
            None,
            viz("TrendsQuery"),
            {"kind": "DataVisualizationNode", "source": HOGQL},
            {"kind": "DataTableNode", "source": {"kind": "EventsQuery", "select": ["*"]}},
            {"kind": "HogQuery", "code": "return 1"},
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "FunnelsQuery",
                    "series": [
                        {"kind": "EventsNode", "event": "signed_up"},
                        {"kind": "ActionsNode", "id": 4},
                    ],
                },
            },
        ],
    )
    def test_a_known_query_is_accepted(self, query: Any) -> None:
        check_query(query)

    @pytest.mark.parametrize(
        ("query", "detail"),
        [
            ("select 1", "Query must be a valid JSON object"),
            ([viz("TrendsQuery")], "Query must be a valid JSON object"),
            ({"source": HOGQL}, "query has no 'kind'."),
            ({"kind": ""}, "query has no 'kind'."),
            ({"kind": "MadeUpQuery"}, "Unknown query kind 'MadeUpQuery' in query."),
            ({"kind": "InsightVizNode"}, "query.source is required for InsightVizNode."),
            (
                {"kind": "InsightVizNode", "source": {"kind": "Nope"}},
                "Unknown query kind 'Nope' in query.source.",
            ),
            (
                {"kind": "InsightVizNode", "source": HOGQL},
                "InsightVizNode cannot wrap a HogQLQuery.",
            ),
            (
                {"kind": "TrendsQuery", "series": {"kind": "EventsNode"}},
                "query.series must be a list.",
            ),
            (
                {"kind": "TrendsQuery", "series": [{"kind": "TrendsQuery"}]},
                "query.series[0] cannot be a TrendsQuery.",
            ),
            (
                {"kind": "TrendsQuery", "series": [{"kind": "EventsNode"}, "pageview"]},
                "query.series[1] must be a JSON object with a 'kind'.",
            ),
        ],
    )
    def test_a_malformed_query_is_a_parse_error_of_the_body(self, query: Any, detail: str) -> None:
        with pytest.raises(UnparsableQueryError) as raised:
            check_query(query)

        assert raised.value.detail == detail
        assert raised.value.attr is None
        assert raised.value.code == "parse_error"

    @pytest.mark.parametrize("query", [{}, "", [], 0, False])
    def test_an_empty_query_is_invalid_input_on_query(self, query: Any) -> None:
        # PostHog's parser lets a falsy query through; its field validation refuses it.
        with pytest.raises(InvalidInputError) as raised:
            check_query(query)

        assert type(raised.value) is InvalidInputError
        assert raised.value.detail == "Query must be a valid JSON object"
        assert raised.value.attr == "query"


class TestQueryEvents:
    def test_the_events_of_a_trends_series_sorted_once_each(self) -> None:
        query = {
            "kind": "InsightVizNode",
            "source": {
                "kind": "TrendsQuery",
                "series": [
                    {"kind": "EventsNode", "event": "signup"},
                    {"kind": "EventsNode", "event": "$pageview", "math": "dau"},
                    {"kind": "EventsNode", "event": "signup", "math": "total"},
                    {"kind": "ActionsNode", "id": 7},
                    {"kind": "EventsNode", "event": None},
                ],
            },
        }

        assert query_events(query, {}) == ["$pageview", "signup"]

    def test_funnel_exclusions_and_retention_entities_count(self) -> None:
        funnel = {
            "kind": "FunnelsQuery",
            "series": [{"kind": "EventsNode", "event": "cart"}],
            "funnelsFilter": {
                "exclusions": [{"kind": "FunnelExclusionEventsNode", "event": "refund"}]
            },
        }
        retention = {
            "kind": "RetentionQuery",
            "retentionFilter": {
                "targetEntity": {"id": "signup", "type": "events"},
                "returningEntity": {"id": 3, "type": "actions"},
            },
        }

        assert query_events(funnel, None) == ["cart", "refund"]
        assert query_events(retention, None) == ["signup"]

    def test_a_legacy_insight_uses_its_filters_event_entities(self) -> None:
        filters = {
            "insight": "TRENDS",
            "events": [{"id": "$pageview", "type": "events"}, {"id": None, "type": "events"}],
            "actions": [{"id": 4, "type": "actions"}],
        }

        assert query_events(None, filters) == ["$pageview"]

    def test_a_query_insight_ignores_its_legacy_filters(self) -> None:
        filters = {"events": [{"id": "old", "type": "events"}]}

        assert query_events({"kind": "HogQLQuery", "query": "select 1"}, filters) == []

    def test_a_deeply_nested_query_is_read_without_recursion(self) -> None:
        query: dict[str, Any] = {"kind": "EventsNode", "event": "deep"}
        for _ in range(5000):
            query = {"kind": "DataTableNode", "source": query}

        assert query_events(query, None) == ["deep"]
