"""Deterministic names and descriptions for queries: lengths and distinctness."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.insight_metadata import MAX_DESCRIPTION, MAX_NAME, describe

MATHS = ("total", "dau", "weekly_active", "avg", "p90", "unique_session", "hogql")
KINDS = (
    "TrendsQuery",
    "StickinessQuery",
    "LifecycleQuery",
    "FunnelsQuery",
    "RetentionQuery",
    "PathsQuery",
)
events = st.text(min_size=1, max_size=300)
series = st.lists(
    st.builds(
        lambda event, math: {"kind": "EventsNode", "event": event, "math": math},
        events,
        st.sampled_from(MATHS),
    ),
    min_size=1,
    max_size=5,
)


def viz(kind: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "InsightVizNode", "source": {"kind": kind, "series": nodes}}


@given(st.sampled_from(KINDS), series)
def test_names_are_1_to_100_and_descriptions_at_most_200_characters(
    kind: str, nodes: list[dict[str, Any]]
) -> None:
    name, description = describe(viz(kind, nodes))

    assert 1 <= len(name) <= MAX_NAME
    assert len(description) <= MAX_DESCRIPTION


@given(st.sampled_from(KINDS), series)
def test_describing_twice_gives_the_same_words(kind: str, nodes: list[dict[str, Any]]) -> None:
    assert describe(viz(kind, nodes)) == describe(viz(kind, nodes))


# Long enough that a name is cut: events that differ only past the cut are different too.
@given(
    st.sampled_from(("TrendsQuery", "StickinessQuery", "LifecycleQuery")),
    st.text(alphabet="abcdefgh $_", min_size=1, max_size=200),
    st.sampled_from(MATHS),
    st.sampled_from(("TrendsQuery", "StickinessQuery", "LifecycleQuery")),
    st.text(alphabet="abcdefgh $_", min_size=1, max_size=200),
    st.sampled_from(MATHS),
)
def test_a_different_kind_event_or_math_gives_a_different_name(
    kind: str, event: str, math: str, other_kind: str, other_event: str, other_math: str
) -> None:
    first = describe(viz(kind, [{"kind": "EventsNode", "event": event, "math": math}]))[0]
    second = describe(
        viz(other_kind, [{"kind": "EventsNode", "event": other_event, "math": other_math}])
    )[0]

    if (kind, " ".join(event.split()), math) != (
        other_kind,
        " ".join(other_event.split()),
        other_math,
    ):
        assert first != second


def test_events_that_differ_past_the_cut_get_different_names() -> None:
    first = describe(viz("TrendsQuery", [{"kind": "EventsNode", "event": "x" * 150 + "a"}]))[0]
    second = describe(viz("TrendsQuery", [{"kind": "EventsNode", "event": "x" * 150 + "b"}]))[0]

    assert first != second
    assert len(first) == len(second) == MAX_NAME
    assert first.startswith("x" * 80)


def test_the_formula_and_the_group_type_tell_maths_apart() -> None:
    def named(**math: Any) -> str:
        return describe(viz("TrendsQuery", [{"kind": "EventsNode", "event": "signup", **math}]))[0]

    assert named(math="hogql", math_hogql="count()") == "signup custom formula count() trend"
    assert named(math="hogql", math_hogql="sum(1)") == "signup custom formula sum(1) trend"
    assert named(math="unique_group", math_group_type_index=0) == (
        "signup unique groups of type 0 trend"
    )
    assert named(math="unique_group", math_group_type_index=1) == (
        "signup unique groups of type 1 trend"
    )
    assert named(math="hogql") == "signup custom formula trend"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
# Not `series`: the query check refuses a series that is not a list of known nodes.
SETTINGS = (
    "breakdownFilter",
    "dateRange",
    "interval",
    "funnelsFilter",
    "retentionFilter",
    "pathsFilter",
    "select",
    "query",
)


@given(
    st.sampled_from((*KINDS, "HogQLQuery", "EventsQuery")),
    st.dictionaries(st.sampled_from(SETTINGS), json_values),
    st.dictionaries(
        st.sampled_from(("breakdowns", "targetEntity", "returningEntity", "includeEventTypes")),
        json_values,
    ),
)
def test_any_json_in_a_query_s_settings_still_gets_a_name(
    kind: str, settings: dict[str, Any], inner: dict[str, Any]
) -> None:
    # The settings objects may hold anything a client sends, also inside them.
    source = {**settings, "kind": kind}
    for key in ("breakdownFilter", "funnelsFilter", "retentionFilter", "pathsFilter"):
        if isinstance(source.get(key), dict):
            source[key] = {**source[key], **inner}
    name, description = describe({"kind": "DataTableNode", "source": source})
    assert 1 <= len(name) <= MAX_NAME
    assert len(description) <= MAX_DESCRIPTION


def test_settings_that_are_not_objects_are_read_as_absent() -> None:
    query = viz("TrendsQuery", [{"kind": "EventsNode", "event": "signup"}])
    plain = describe(query)
    query["source"] |= {"breakdownFilter": "x", "dateRange": 5}
    assert describe(query) == plain
