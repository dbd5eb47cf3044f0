"""SQLite's search index, posting lists merged into chunks of several levels, never loses a
candidate: whatever was written, updated or merged, every insight the rules match is found.
(PostgreSQL's is pg_trgm's GIN index, maintained by the database.)"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections import search_index
from projections.search import SearchTerm
from projections.search_index import TrigramChunks
from projections.similarity import word_similarity
from store.backend import Backend
from tests.texts import sentences
from tests.unit.test_search_term import rules

texts = st.tuples(
    st.one_of(st.none(), sentences),
    st.one_of(st.none(), sentences),
    st.one_of(st.none(), sentences),
    st.lists(sentences, max_size=2),
)
projects = itertools.count(1_000)


@pytest.fixture
def backend_kind() -> str:
    return "sqlite"


@pytest.fixture
def small_merges(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Merge every 3 writes and combine every 2 chunks, so a few dozen writes reach level 3."""
    monkeypatch.setattr(search_index, "MERGE_AT", 3)
    monkeypatch.setattr(search_index, "CHECK_EVERY", 1)
    monkeypatch.setattr(search_index, "FAN_IN", 2)
    yield


def similar(term: str, name: str | None, derived: str | None, description: str | None) -> bool:
    text = SearchTerm(term).text
    names = max(word_similarity(text, name), word_similarity(text, derived))
    return names >= 0.3 or word_similarity(text, description) >= 0.4


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    writes=st.lists(st.tuples(st.integers(1, 12), texts), min_size=1, max_size=40),
    terms=st.lists(sentences, min_size=1, max_size=4),
    spread=st.sampled_from([1, 10**12]),
)
def test_every_matching_insight_is_a_candidate(
    fresh_backend: Backend,
    small_merges: None,
    writes: list[tuple[int, tuple[object, ...]]],
    terms: list[str],
    spread: int,
) -> None:
    # Ids close together are counted by offset, ids far apart by sorting.
    project_id = next(projects)
    index = TrigramChunks()
    current: dict[int, tuple[object, ...]] = {}
    for offset, values in writes:
        insight_id = offset * spread + project_id * 100
        with fresh_backend.database.transaction() as cursor:
            index.index(cursor, insight_id, project_id, values)
        current[insight_id] = values

    for raw in terms:
        term = SearchTerm(raw)
        with fresh_backend.database.transaction() as cursor:
            found = set(index.candidates(cursor, project_id, term))
        # Exact matches of a term without a trigram inside its words come from a scan of the
        # insights table, which this test does not fill.
        expected = {
            insight_id
            for insight_id, (name, derived, description, tags) in current.items()
            if rules(raw, name, derived, description, tags)  # type: ignore[arg-type]
            and (term.inner or similar(raw, name, derived, description))  # type: ignore[arg-type]
        }
        assert expected <= found


def test_a_trigram_keeps_fewer_chunks_per_level_than_combine(
    fresh_backend: Backend, small_merges: None
) -> None:
    index = TrigramChunks()
    for insight_id in range(1, 101):
        with fresh_backend.database.transaction() as cursor:
            index.index(cursor, insight_id, 7, (f"Signups {insight_id}", None, None, []))

    rows = fresh_backend.database.query(
        "SELECT level, count(*) FROM insight_trigram_chunks "
        "WHERE project_id = 7 AND trigram = 'sig' GROUP BY level ORDER BY level"
    )
    # 33 merges of 3 writes: 33 = 100001 in binary, one chunk at levels 0 and 5.
    assert [(int(level), int(count)) for level, count in rows] == [(0, 1), (5, 1)]
    with fresh_backend.database.transaction() as cursor:
        assert index.candidates(cursor, 7, SearchTerm("signups")) == list(range(1, 101))
