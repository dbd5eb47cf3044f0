"""A name and a description for a query, derived deterministically (no AI, works offline).

The same query always gives the same words; a different kind, event or math gives a
different name.
"""

from __future__ import annotations

import hashlib
from typing import Any

from domain.errors import InvalidInputError
from domain.insight_query import INSIGHT_SOURCE_KINDS, WRAPPER_KINDS, check_query

MAX_NAME = 100
MAX_DESCRIPTION = 200
BARE_KINDS = frozenset({"ActorsQuery", "EventsQuery", "GroupsQuery"})

_MATH = {
    "total": "count",
    "dau": "unique users",
    "weekly_active": "weekly active users",
    "monthly_active": "monthly active users",
    "unique_session": "unique sessions",
    "first_time_for_user": "first-time users",
    "first_matching_event_for_user": "first matching events per user",
    "unique_group": "unique groups",
    "hogql": "custom formula",
}
_INSIGHT_KINDS = frozenset({*INSIGHT_SOURCE_KINDS, "PathsV2Query"})
_WRAPPER_WORDS = {
    "InsightVizNode": "Insight",
    "DataTableNode": "Table",
    "DataVisualizationNode": "Chart",
}
_PROPERTY_MATH = ("avg", "sum", "min", "max", "median", "p75", "p90", "p95", "p99")
_INTERVALS = {
    "minute": "per minute",
    "hour": "hourly",
    "day": "daily",
    "week": "weekly",
    "month": "monthly",
}


def _object(value: Any) -> dict[str, Any]:
    # A client may send any JSON where a settings object belongs: anything else says nothing.
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _cut_name(name: str) -> str:
    """The name within MAX_NAME characters. A cut one ends in a digest of the whole, so two
    names that differ only past the cut (long event names, say) stay different."""
    whole = " ".join(name.split())
    if len(whole) <= MAX_NAME:
        return whole
    digest = hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
    return f"{_cut(whole, MAX_NAME - len(digest) - 1)} {digest}"


def _event(node: dict[str, Any]) -> str:
    if str(node.get("custom_name") or "").strip():
        return str(node["custom_name"])
    if node.get("kind") == "ActionsNode" or node.get("type") == "actions":
        return str(node.get("name") or f"action {node.get('id')}")
    if node.get("kind") == "DataWarehouseNode":
        return str(node.get("table_name") or node.get("name") or "warehouse table")
    # Retention's entities name their event in `id` ({"id": "signup", "type": "events"}).
    event = node.get("event", node.get("name", node.get("id")))
    return "all events" if event is None else str(event)


def _math(node: dict[str, Any]) -> str:
    math = str(node.get("math") or "total")
    # The formula or the group type makes these two different maths.
    if math == "hogql" and str(node.get("math_hogql") or "").strip():
        return f"{_MATH[math]} {node['math_hogql']}"
    if math == "unique_group" and node.get("math_group_type_index") is not None:
        return f"{_MATH[math]} of type {node['math_group_type_index']}"
    if math in _MATH:
        return _MATH[math]
    if math in _PROPERTY_MATH:
        return f"{math} of {node.get('math_property') or 'a property'}"
    if math.endswith("_count_per_actor"):
        return f"{math.removesuffix('_count_per_actor')} count per user"
    return math.replace("_", " ")


def _series(source: dict[str, Any]) -> list[str]:
    labels = [
        f"{_event(node)} {_math(node)}"
        for node in _list(source.get("series"))
        if isinstance(node, dict)
    ]
    return labels or ["all events"]


def _breakdown(source: dict[str, Any]) -> str:
    breakdown = _object(source.get("breakdownFilter"))
    keys = [b.get("property") for b in _list(breakdown.get("breakdowns")) if isinstance(b, dict)]
    if breakdown.get("breakdown") not in (None, ""):
        keys.insert(0, breakdown["breakdown"])
    names = [str(key) for key in keys if key not in (None, "")]
    return f" by {', '.join(names)}" if names else ""


def _period(source: dict[str, Any]) -> str:
    date_range = _object(source.get("dateRange"))
    start = date_range.get("date_from") or "-7d"
    end = date_range.get("date_to")
    return f"from {start} to {end}" if end else f"since {start}"


def _trends(kind: str, source: dict[str, Any]) -> tuple[str, str]:
    series = _series(source)
    interval = _INTERVALS.get(str(source.get("interval") or "day"), str(source.get("interval")))
    label = {
        "TrendsQuery": "trend",
        "StickinessQuery": "stickiness",
        "LifecycleQuery": "lifecycle",
    }[kind]
    name = f"{' & '.join(series)} {label}{_breakdown(source)}"
    description = f"{label.capitalize()} of {', '.join(series)}{_breakdown(source)}, {interval}, {_period(source)}."
    return name, description


def _funnel(source: dict[str, Any]) -> tuple[str, str]:
    steps = [
        _event(node) if node.get("math") in (None, "total") else f"{_event(node)} ({_math(node)})"
        for node in _list(source.get("series"))
        if isinstance(node, dict)
    ] or ["all events"]
    settings = _object(source.get("funnelsFilter"))
    window = settings.get("funnelWindowInterval", 14)
    unit = settings.get("funnelWindowIntervalUnit", "day")
    order = settings.get("funnelOrderType", "ordered")
    visual = settings.get("funnelVizType", "steps")
    name = f"Funnel: {' → '.join(steps)}{_breakdown(source)}"
    description = (
        f"{len(steps)}-step {order} funnel ({visual}) from {steps[0]} to {steps[-1]}, "
        f"converting within {window} {unit}(s), {_period(source)}."
    )
    return name, description


def _retention(source: dict[str, Any]) -> tuple[str, str]:
    settings = _object(source.get("retentionFilter"))
    target = _event(_object(settings.get("targetEntity")) or {"event": "$pageview"})
    returning = _event(_object(settings.get("returningEntity")) or {"event": "$pageview"})
    period = str(settings.get("period") or "Day").lower()
    intervals = settings.get("totalIntervals", 8)
    kind = str(settings.get("retentionType") or "retention_first_time").replace("_", " ")
    name = f"Retention: {target} then {returning}, by {period}"
    description = f"{kind.capitalize()} of users who did {target} and came back to do {returning}, over {intervals} {period}s."
    return name, description


def _paths(kind: str, source: dict[str, Any]) -> tuple[str, str]:
    settings = _object(source.get("pathsFilter"))
    start, end = settings.get("startPoint"), settings.get("endPoint")
    types = ", ".join(map(str, _list(settings.get("includeEventTypes")) or ["$pageview"]))
    ends = (f" from {start}" if start else "") + (f" to {end}" if end else "")
    title = "User journeys" if kind == "PathsV2Query" else "User paths"
    name = f"{title}{ends or ' across ' + types}"
    description = f"Paths users take through {types}{ends}, up to {settings.get('stepLimit', 5)} steps, {_period(source)}."
    return name, description


def _sql(source: dict[str, Any]) -> tuple[str, str]:
    text = " ".join(str(source.get("query") or "").split())
    return f"SQL: {text or 'query'}", f"SQL insight running: {text or 'an empty query'}"


def _table(kind: str, source: dict[str, Any]) -> tuple[str, str]:
    subject = {"EventsQuery": "Events", "ActorsQuery": "Persons", "GroupsQuery": "Groups"}.get(
        kind, kind
    )
    columns = [str(column) for column in _list(source.get("select"))]
    listed = f" with {', '.join(columns)}" if columns else ""
    return f"{subject} table{listed}", f"A table of {subject.lower()}{listed}."


def _natural_wrapper(source_kind: str) -> str:
    """The node that usually wraps a source: insights are drawn, SQL charted, the rest tabled."""
    if source_kind in _INSIGHT_KINDS:
        return "InsightVizNode"
    return "DataVisualizationNode" if source_kind == "HogQLQuery" else "DataTableNode"


def describe(query: Any) -> tuple[str, str]:
    """A (name, description) for `query`: at most 100 and 200 characters."""
    if not query:
        raise InvalidInputError("Missing 'query' field in request body")
    check_query(query)
    kind = query["kind"]
    if kind not in BARE_KINDS and kind not in WRAPPER_KINDS:
        raise InvalidInputError("Invalid query format")
    source = query.get("source") if kind not in BARE_KINDS else query
    source_kind = source["kind"]
    if source_kind in ("TrendsQuery", "StickinessQuery", "LifecycleQuery"):
        name, description = _trends(source_kind, source)
    elif source_kind == "FunnelsQuery":
        name, description = _funnel(source)
    elif source_kind == "RetentionQuery":
        name, description = _retention(source)
    elif source_kind in ("PathsQuery", "PathsV2Query"):
        name, description = _paths(source_kind, source)
    elif source_kind == "HogQLQuery":
        name, description = _sql(source)
    else:
        name, description = _table(source_kind, source)
    # A different kind gives a different name, the wrapper's too; first, so no cut drops it.
    if kind in BARE_KINDS:
        name = f"Query: {name}"
    elif kind != _natural_wrapper(source_kind):
        name = f"{_WRAPPER_WORDS[kind]}: {name}"
    # NOTE: event names keep their case: "Login" and "login" are two events.
    return _cut_name(name), _cut(description, MAX_DESCRIPTION)
