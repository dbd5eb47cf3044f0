"""What an insight's query is: known node kinds and the list filter's insight type."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidInputError, UnparsableQueryError

INSIGHT_SOURCE_KINDS = {
    "TrendsQuery": "TRENDS",
    "FunnelsQuery": "FUNNELS",
    "RetentionQuery": "RETENTION",
    "PathsQuery": "PATHS",
    "StickinessQuery": "STICKINESS",
    "LifecycleQuery": "LIFECYCLE",
}
WRAPPER_KINDS = frozenset({"InsightVizNode", "DataTableNode", "DataVisualizationNode"})
SERIES_KINDS = frozenset({"EventsNode", "ActionsNode", "DataWarehouseNode"})

# NOTE: the node kinds of PostHog's query schema that can be stored on an insight or
# nested in one. A kind outside this set is a client mistake, not a new feature.
KNOWN_KINDS = frozenset(
    {
        *INSIGHT_SOURCE_KINDS,
        *WRAPPER_KINDS,
        *SERIES_KINDS,
        "PathsV2Query",
        "FunnelCorrelationQuery",
        "HogQLQuery",
        "HogQuery",
        "EventsQuery",
        "ActorsQuery",
        "GroupsQuery",
        "PersonsNode",
        "SessionsQuery",
        "SavedInsightNode",
        "InsightActorsQuery",
        "FunnelsActorsQuery",
        "FunnelCorrelationActorsQuery",
        "StickinessActorsQuery",
        "SessionsTimelineQuery",
        "RecordingsQuery",
        "ErrorTrackingQuery",
        "WebOverviewQuery",
        "WebStatsTableQuery",
        "WebExternalClicksTableQuery",
        "WebGoalsQuery",
        "WebVitalsQuery",
        "WebVitalsPathBreakdownQuery",
        "RevenueAnalyticsOverviewQuery",
        "ExperimentQuery",
        "ExperimentFunnelsQuery",
        "ExperimentTrendsQuery",
        "TracesQuery",
        "MarketingAnalyticsTableQuery",
    }
)

QUERY_TYPES = (*INSIGHT_SOURCE_KINDS.values(), "SQL", "JSON")


def check_query(query: Any) -> None:
    """Raise unless `query` is null or a node whose kinds are all known."""
    if query is None:
        return
    if not query:
        raise InvalidInputError("Query must be a valid JSON object", attr="query")
    if not isinstance(query, dict):
        raise UnparsableQueryError("Query must be a valid JSON object")
    _check_node(query, "query")


def _check_node(node: Any, path: str) -> None:
    if not isinstance(node, dict):
        raise UnparsableQueryError(f"{path} must be a JSON object with a 'kind'.")
    kind = node.get("kind")
    if not isinstance(kind, str) or not kind:
        raise UnparsableQueryError(f"{path} has no 'kind'.")
    if kind not in KNOWN_KINDS:
        raise UnparsableQueryError(f"Unknown query kind '{kind}' in {path}.")
    if kind in WRAPPER_KINDS:
        if "source" not in node:
            raise UnparsableQueryError(f"{path}.source is required for {kind}.")
        _check_node(node["source"], f"{path}.source")
        if kind == "InsightVizNode" and node["source"]["kind"] not in (
            *INSIGHT_SOURCE_KINDS,
            "PathsV2Query",
            "FunnelCorrelationQuery",
        ):
            raise UnparsableQueryError(f"InsightVizNode cannot wrap a {node['source']['kind']}.")
    series = node.get("series")
    if series is not None:
        if not isinstance(series, list):
            raise UnparsableQueryError(f"{path}.series must be a list.")
        for index, item in enumerate(series):
            _check_node(item, f"{path}.series[{index}]")
            if item["kind"] not in SERIES_KINDS:
                raise UnparsableQueryError(f"{path}.series[{index}] cannot be a {item['kind']}.")


def query_type(query: dict[str, Any] | None) -> str | None:
    """The `insight` list-filter type of a query insight; None for legacy insights."""
    if query is None:
        return None
    source = query.get("source")
    source_kind = source.get("kind") if isinstance(source, dict) else None
    if query.get("kind") == "InsightVizNode" and source_kind in INSIGHT_SOURCE_KINDS:
        return INSIGHT_SOURCE_KINDS[source_kind]
    if query.get("kind") in WRAPPER_KINDS and source_kind == "HogQLQuery":
        return "SQL"
    if query.get("kind") in WRAPPER_KINDS and source_kind in INSIGHT_SOURCE_KINDS:
        return None  # Another wrapper of an insight kind: PostHog's JSON excludes it too.
    return "JSON"


def legacy_type(filters: dict[str, Any] | None) -> str | None:
    """The `filters.insight` value of a legacy (query-less) insight."""
    value = (filters or {}).get("insight")
    # A value no column can hold (a NUL) names no insight type either.
    return value if isinstance(value, str) and "\x00" not in value else None


EVENT_NODE_KINDS = frozenset({"EventsNode", "FunnelExclusionEventsNode"})


def query_events(query: Any, filters: Any) -> list[str]:
    """The event names an insight uses (what PostHog keeps in `query_metadata.events`): every
    events node of its query, or for a legacy insight every event entity of its filters."""
    found: set[str] = set()
    stack = [query if query is not None else filters]
    while stack:  # Not recursive: stored queries may nest deeply.
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("kind") in EVENT_NODE_KINDS and isinstance(node.get("event"), str):
                found.add(node["event"])
            if node.get("type") == "events" and isinstance(node.get("id"), str):
                found.add(node["id"])  # A legacy entity or a retention entity.
            stack.extend(node.values())
    # A name with a NUL names no event that can be captured or filtered for.
    return sorted(name for name in found if "\x00" not in name)
