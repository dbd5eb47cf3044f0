"""Where a search finds its candidates, per backend.

PostgreSQL has pg_trgm: a GIN trigram index on the insights' search text answers both the
substring and the word-similarity prefilter in C, and keeps writes cheap with its pending
list. SQLite gets trigram posting lists. Either way the candidates are a superset; the search
verifies and ranks them itself.

On SQLite each insight's word trigrams are posted under (project, trigram), each posting
marking the fields that hold the trigram, so that the similarity prefilter counts per field.
A write touches one row of a small pending table; every MERGE_AT insights the pending postings
become one chunk per trigram (a packed array), and once FAN_IN chunks of a trigram share a
level they are combined into one of the next level. A trigram thus has a few chunks whatever the
project's size, a search reads a few rows per trigram and counts in numpy, and a posting is
rewritten once per level. Postings may keep trigrams a text no longer has (never fewer):
stale entries only add candidates, which the search then rejects.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from typing import Any

import numpy as np
import orjson

from projections.search import (
    DESCRIPTION_THRESHOLD,
    IN_DESCRIPTION,
    IN_NAMES,
    IN_TAGS,
    NAME_THRESHOLD,
    SearchTerm,
    Similarities,
    like_pattern,
)
from projections.similarity import written_trigrams
from store.database import Cursor

MERGE_AT = 256
# Counting the pending rows reads all of them: a process counts them once every CHECK_EVERY
# of its own writes, so the table may outgrow MERGE_AT by that much per process.
CHECK_EVERY = 16
FAN_IN = 4
# Trigrams per statement: a search term has fewer, a merge is split into batches.
BATCH = 500
# A posting is the insight id shifted left by PLACE_BITS, or-ed with where the trigram occurs.
PLACE_BITS = 3
POSTING = np.dtype("<i8")
INSERT_CHUNKS = "INSERT INTO insight_trigram_chunks (project_id, trigram, level, chunk, postings)"
Texts = tuple[Any, ...]
"""An insight's searchable texts: name, derived name, description and the list of tags."""
Count = tuple[np.ndarray, np.ndarray | None, int]
"""Insight ids, what each occurrence counts for (None: 1 each), and the least total that counts."""


def search_trigrams(texts: Texts) -> dict[str, int]:
    """Every word trigram of an insight's searchable texts, with where it occurs."""
    name, derived_name, description, tags = texts
    places: dict[str, int] = defaultdict(int)
    fields = [(name, IN_NAMES), (derived_name, IN_NAMES), (description, IN_DESCRIPTION)]
    for text, place in fields + [(tag, IN_TAGS) for tag in tags]:
        for gram in written_trigrams(text or ""):
            places[gram] |= place
    return places


def _group_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts."""
    return np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))


def _reaching(counts: list[Count]) -> np.ndarray:
    """The insights whose occurrences in some `Count` add up to at least its least total."""
    counts = [count for count in counts if count[2] > 0 and len(count[0])]
    if not counts:
        return np.empty(0, dtype=POSTING)
    low = min(int(ids.min()) for ids, _, _ in counts)
    span = max(int(ids.max()) for ids, _, _ in counts) - low + 1
    if span < 4 * sum(len(ids) for ids, _, _ in counts):
        # Ids close together (one project's insights mostly are): count by offset, no sort.
        reached = np.zeros(span, dtype=bool)
        for ids, weights, least in counts:
            reached |= np.bincount(ids - low, weights, minlength=span) >= least
        return np.flatnonzero(reached) + low
    found = []
    for ids, weights, least in counts:
        order = np.argsort(ids, kind="stable")
        ordered = ids[order]
        starts = _group_starts(ordered)
        each = np.ones(len(ids)) if weights is None else weights[order].astype(np.float64)
        found.append(ordered[starts][np.add.reduceat(each, starts) >= least])
    return np.unique(np.concatenate(found))


def _packed(postings: np.ndarray) -> bytes:
    ordered = np.sort(postings.astype(POSTING))
    return ordered[_group_starts(ordered)].tobytes()


def _one_of(grams: list[str]) -> tuple[str, list[str]]:
    return f"trigram IN ({', '.join(['%s'] * len(grams))})", grams


class SearchIndex(ABC):
    """The insight read model's search prefilter."""

    tables: tuple[str, ...] = ()

    @abstractmethod
    def ddl(self) -> list[str]:
        """Statements creating the index (idempotent)."""

    @abstractmethod
    def index(self, cursor: Cursor, insight_id: int, project_id: int, texts: Texts) -> None:
        """Take note of an insight's current searchable texts."""

    @abstractmethod
    def candidates(self, cursor: Cursor, project_id: int, term: SearchTerm) -> list[int]:
        """Ids of insights that may match `term`: a superset of the project's live matches
        (the search's own filters drop deleted or foreign ids)."""

    def similarities(
        self, cursor: Cursor, term: SearchTerm, insight_ids: list[int]
    ) -> dict[int, Similarities] | None:
        """The database's own word similarities of `term` to each insight's fields, or None
        where the search computes them itself."""
        return None


class PgTrgmIndex(SearchIndex):
    """pg_trgm's GIN index on the search text (for substrings) and on each field."""

    def ddl(self) -> list[str]:
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
            (
                "CREATE INDEX IF NOT EXISTS insights_search_trgm ON insights USING gin ("
                "search_text gin_trgm_ops, name gin_trgm_ops, derived_name gin_trgm_ops, "
                "description gin_trgm_ops)"
            ),
        ]

    def index(self, cursor: Cursor, insight_id: int, project_id: int, texts: Texts) -> None:
        """Nothing to do: PostgreSQL maintains the GIN index."""

    def candidates(self, cursor: Cursor, project_id: int, term: SearchTerm) -> list[int]:
        # NOTE: `<%` compares with one threshold at a time: the names' first, then the
        # description's, each field on its own as the search judges it.
        live = "project_id = %s AND deleted = 0"
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {NAME_THRESHOLD}")
        rows = cursor.execute(
            f"SELECT id FROM insights WHERE {live} AND (search_text LIKE %s ESCAPE '\\' "
            "OR %s <%% name OR %s <%% derived_name)",
            (project_id, like_pattern(term.text), term.text, term.text),
        ).fetchall()
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {DESCRIPTION_THRESHOLD}")
        rows += cursor.execute(
            f"SELECT id FROM insights WHERE {live} AND %s <%% description",
            (project_id, term.text),
        ).fetchall()
        return sorted({int(row[0]) for row in rows})

    def similarities(
        self, cursor: Cursor, term: SearchTerm, insight_ids: list[int]
    ) -> dict[int, Similarities] | None:
        # NOTE: PostgreSQL's, not Python's: the prefilter above judged the fields with them,
        # and pg_trgm splits and lower-cases some scripts differently from Python. They are
        # single precision: read as text (0.6666667, 0.33333334), half of one outranks an equal
        # other; as float8 their exact values come through and halving keeps ties.
        rows = cursor.execute(
            "SELECT id, coalesce(word_similarity(%s, name), 0)::float8, "
            "coalesce(word_similarity(%s, derived_name), 0)::float8, "
            "coalesce(word_similarity(%s, description), 0)::float8 "
            "FROM insights WHERE id = ANY(%s::bigint[])",
            (term.text, term.text, term.text, insight_ids),
        ).fetchall()
        return {int(row[0]): (float(row[1]), float(row[2]), float(row[3])) for row in rows}


class TrigramChunks(SearchIndex):
    """Posting lists in chunks of levels, fed through a pending table (SQLite)."""

    tables = ("insight_trigram_chunks", "insight_trigrams_pending", "insight_trigram_merges")

    def __init__(self) -> None:
        self._writes = 0

    def ddl(self) -> list[str]:
        return [
            # Row-per-posting lists of insight_list version 5 and before.
            "DROP TABLE IF EXISTS insight_trigrams",
            (
                "CREATE TABLE IF NOT EXISTS insight_trigram_chunks ("
                "project_id BIGINT NOT NULL, trigram TEXT NOT NULL, level INTEGER NOT NULL, "
                "chunk BIGINT NOT NULL, postings BLOB NOT NULL, "
                "PRIMARY KEY (project_id, trigram, level, chunk)) WITHOUT ROWID"
            ),
            (
                "CREATE TABLE IF NOT EXISTS insight_trigrams_pending ("
                "insight_id INTEGER PRIMARY KEY, project_id BIGINT NOT NULL, grams TEXT NOT NULL)"
            ),
            (
                "CREATE TABLE IF NOT EXISTS insight_trigram_merges ("
                "id INTEGER PRIMARY KEY, merges BIGINT NOT NULL)"
            ),
        ]

    def index(self, cursor: Cursor, insight_id: int, project_id: int, texts: Texts) -> None:
        cursor.execute(
            "INSERT INTO insight_trigrams_pending (insight_id, project_id, grams) "
            "VALUES (%s, %s, %s) ON CONFLICT (insight_id) DO UPDATE SET grams = excluded.grams",
            (insight_id, project_id, orjson.dumps(search_trigrams(texts)).decode()),
        )
        self._writes += 1
        if self._writes % CHECK_EVERY:
            return
        row = cursor.execute("SELECT count(*) FROM insight_trigrams_pending").fetchone()
        if row is not None and row[0] >= MERGE_AT:
            self._merge(cursor)

    def _merge(self, cursor: Cursor) -> None:
        """Turn the pending postings into level-0 chunks, then combine full levels."""
        merge = self._next_merge(cursor)
        postings: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for insight_id, project_id, grams in cursor.execute(
            "SELECT insight_id, project_id, grams FROM insight_trigrams_pending"
        ).fetchall():
            for gram, places in orjson.loads(grams).items():
                postings[project_id][gram].append(insight_id << PLACE_BITS | places)
        cursor.insert_values(
            INSERT_CHUNKS,
            [
                # Sorted in Python: most trigrams have a few postings here, and numpy's cost
                # per call was most of a merge's.
                (project_id, gram, 0, merge, np.array(sorted(set(values)), POSTING).tobytes())
                for project_id, grams in sorted(postings.items())
                for gram, values in sorted(grams.items())
            ],
        )
        cursor.execute("DELETE FROM insight_trigrams_pending")
        for project_id, grams in sorted(postings.items()):
            touched = sorted(grams)
            for start in range(0, len(touched), BATCH):
                self._combine(cursor, project_id, touched[start : start + BATCH], merge)

    @staticmethod
    def _next_merge(cursor: Cursor) -> int:
        row = cursor.execute("SELECT merges FROM insight_trigram_merges WHERE id = 1").fetchone()
        merge = (int(row[0]) if row else 0) + 1
        cursor.execute(
            "INSERT INTO insight_trigram_merges (id, merges) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET merges = excluded.merges",
            (merge,),
        )
        return merge

    @staticmethod
    def _combine(cursor: Cursor, project_id: int, grams: list[str], merge: int) -> None:
        level = 0
        while grams:
            among, params = _one_of(grams)
            scope = f"project_id = %s AND level = %s AND {among}"
            full = [
                row[0]
                for row in cursor.execute(
                    f"SELECT trigram FROM insight_trigram_chunks WHERE {scope} "
                    "GROUP BY trigram HAVING count(*) >= %s",
                    (project_id, level, *params, FAN_IN),
                ).fetchall()
            ]
            if not full:
                return
            among, params = _one_of(full)
            scope = f"project_id = %s AND level = %s AND {among}"
            chunks: dict[str, list[np.ndarray]] = defaultdict(list)
            for gram, blob in cursor.execute(
                f"SELECT trigram, postings FROM insight_trigram_chunks WHERE {scope}",
                (project_id, level, *params),
            ).fetchall():
                chunks[gram].append(np.frombuffer(blob, dtype=POSTING))
            cursor.execute(
                f"DELETE FROM insight_trigram_chunks WHERE {scope}", (project_id, level, *params)
            )
            cursor.insert_values(
                INSERT_CHUNKS,
                [
                    (project_id, gram, level + 1, merge, _packed(np.concatenate(arrays)))
                    for gram, arrays in sorted(chunks.items())
                ],
            )
            grams, level = full, level + 1

    def candidates(self, cursor: Cursor, project_id: int, term: SearchTerm) -> list[int]:
        found = set(self._posted(cursor, project_id, term))
        if not term.inner:
            # Too short to narrow a substring match: test every live insight of the project.
            found.update(
                int(row[0])
                for row in cursor.execute(
                    "SELECT id FROM insights WHERE project_id = %s AND deleted = 0 "
                    "AND search_text LIKE %s ESCAPE '\\'",
                    (project_id, like_pattern(term.text)),
                ).fetchall()
            )
        for insight_id, grams in cursor.execute(
            "SELECT insight_id, grams FROM insight_trigrams_pending WHERE project_id = %s",
            (project_id,),
        ).fetchall():
            if term.may_match(orjson.loads(grams)):
                found.add(int(insight_id))
        return sorted(found)

    @staticmethod
    def _posted(cursor: Cursor, project_id: int, term: SearchTerm) -> list[int]:
        """Candidates among the merged postings, counted per field in numpy."""
        wanted = sorted({*term.inner, *term.grams})
        if not wanted:
            return []
        among, params = _one_of(wanted)
        inner, grams = set(term.inner), set(term.grams)
        in_inner: list[np.ndarray] = []
        in_grams: list[np.ndarray] = []
        for gram, blob in cursor.execute(
            f"SELECT trigram, postings FROM insight_trigram_chunks WHERE project_id = %s "
            f"AND {among}",
            (project_id, *params),
        ).fetchall():
            postings = np.frombuffer(blob, dtype=POSTING)
            if gram in inner:
                in_inner.append(postings)
            if gram in grams:
                in_grams.append(postings)
        # NOTE: an insight indexed again may appear twice under a trigram until its chunks are
        # combined; counting it twice only adds a candidate, which the search then rejects.
        inner_postings = np.concatenate(in_inner) if in_inner else np.empty(0, dtype=POSTING)
        gram_postings = np.concatenate(in_grams) if in_grams else np.empty(0, dtype=POSTING)
        gram_ids = gram_postings >> PLACE_BITS
        reached = _reaching(
            [
                (inner_postings >> PLACE_BITS, None, len(term.inner)),
                (gram_ids, (gram_postings & IN_NAMES) != 0, term.needed),
                (gram_ids, (gram_postings & IN_DESCRIPTION) != 0, term.needed_in_description),
            ]
        )
        return reached.tolist()


def search_index(dialect: str) -> SearchIndex:
    """The prefilter for this backend."""
    return PgTrgmIndex() if dialect == "postgresql" else TrigramChunks()
