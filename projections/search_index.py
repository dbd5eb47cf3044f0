"""Where a search finds its candidates, per backend.

PostgreSQL has pg_trgm: a GIN trigram index on the insights' search text answers both the
substring and the word-similarity prefilter in C, and keeps writes cheap with its pending
list. SQLite gets the same idea by hand: trigram posting lists, fed through a small pending
table that is merged in bulk so a write touches one page, not one per trigram. Either way the
candidates are a superset; the search verifies and ranks them itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import orjson

from projections.search import NAME_THRESHOLD, SearchTerm, like_pattern
from projections.similarity import word_trigrams
from store.database import Cursor

# A merge inserts this many insights' postings at once: one write per page, not per trigram.
MERGE_AT = 256
Texts = tuple[Any, ...]
"""An insight's searchable texts: name, derived name, description and the list of tags."""


def search_trigrams(texts: Texts) -> set[str]:
    """Every word trigram of an insight's searchable texts."""
    name, derived_name, description, tags = texts
    grams: set[str] = set()
    for text in (name, derived_name, description, *tags):
        if text:
            grams.update(word_trigrams(text))
    return grams


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
        """Ids of the project's live insights that may match `term` (a superset)."""


class PgTrgmIndex(SearchIndex):
    """pg_trgm's GIN index on `insights.search_text`."""

    def ddl(self) -> list[str]:
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
            (
                "CREATE INDEX IF NOT EXISTS insights_search_trgm "
                "ON insights USING gin (search_text gin_trgm_ops)"
            ),
        ]

    def index(self, cursor: Cursor, insight_id: int, project_id: int, texts: Texts) -> None:
        """Nothing to do: PostgreSQL maintains the GIN index."""

    def candidates(self, cursor: Cursor, project_id: int, term: SearchTerm) -> list[int]:
        # NOTE: a text similar in one field is at least as similar in their concatenation,
        # so the threshold on search_text is a safe prefilter for every field.
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {NAME_THRESHOLD}")
        rows = cursor.execute(
            "SELECT id FROM insights WHERE project_id = %s AND deleted = 0 "
            "AND (search_text LIKE %s ESCAPE '\\' OR %s <%% search_text)",
            (project_id, like_pattern(term.text), term.text),
        ).fetchall()
        return [int(row[0]) for row in rows]


class TrigramPostings(SearchIndex):
    """Posting lists `(project, trigram) -> insights` plus a pending list merged in bulk.

    Postings may keep trigrams a text no longer has (never fewer): stale entries only add
    candidates, which the search then rejects.
    """

    tables = ("insight_trigrams", "insight_trigrams_pending")

    def ddl(self) -> list[str]:
        return [
            (
                "CREATE TABLE IF NOT EXISTS insight_trigrams ("
                "project_id BIGINT NOT NULL, trigram TEXT NOT NULL, insight_id BIGINT NOT NULL, "
                "PRIMARY KEY (project_id, trigram, insight_id)) WITHOUT ROWID"
            ),
            (
                "CREATE TABLE IF NOT EXISTS insight_trigrams_pending ("
                "insight_id INTEGER PRIMARY KEY, project_id BIGINT NOT NULL, grams TEXT NOT NULL)"
            ),
        ]

    def index(self, cursor: Cursor, insight_id: int, project_id: int, texts: Texts) -> None:
        cursor.execute(
            "INSERT INTO insight_trigrams_pending (insight_id, project_id, grams) "
            "VALUES (%s, %s, %s) ON CONFLICT (insight_id) DO UPDATE SET grams = excluded.grams",
            (insight_id, project_id, orjson.dumps(sorted(search_trigrams(texts))).decode()),
        )
        row = cursor.execute("SELECT count(*) FROM insight_trigrams_pending").fetchone()
        if row is not None and row[0] >= MERGE_AT:
            self._merge(cursor)

    @staticmethod
    def _merge(cursor: Cursor) -> None:
        pending = cursor.execute(
            "SELECT insight_id, project_id, grams FROM insight_trigrams_pending"
        ).fetchall()
        cursor.executemany(
            "INSERT INTO insight_trigrams (project_id, trigram, insight_id) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            sorted(
                (project_id, gram, insight_id)
                for insight_id, project_id, grams in pending
                for gram in orjson.loads(grams)
            ),
        )
        cursor.execute("DELETE FROM insight_trigrams_pending")

    def candidates(self, cursor: Cursor, project_id: int, term: SearchTerm) -> list[int]:
        found: set[int] = set()
        postings = "SELECT insight_id FROM insight_trigrams WHERE project_id = %s AND trigram IN"
        if term.inner:
            marks = ", ".join(["%s"] * len(term.inner))
            sql = f"{postings} ({marks}) GROUP BY insight_id HAVING count(*) = %s"
            found.update(
                row[0]
                for row in cursor.execute(
                    sql, (project_id, *term.inner, len(term.inner))
                ).fetchall()
            )
        else:
            # Too short to narrow a substring match: test every live insight of the project.
            found.update(
                row[0]
                for row in cursor.execute(
                    "SELECT id FROM insights WHERE project_id = %s AND deleted = 0 "
                    "AND search_text LIKE %s ESCAPE '\\'",
                    (project_id, like_pattern(term.text)),
                ).fetchall()
            )
        if term.grams:
            marks = ", ".join(["%s"] * len(term.grams))
            sql = f"{postings} ({marks}) GROUP BY insight_id HAVING count(*) >= %s"
            found.update(
                row[0]
                for row in cursor.execute(sql, (project_id, *term.grams, term.needed)).fetchall()
            )
        for insight_id, grams in cursor.execute(
            "SELECT insight_id, grams FROM insight_trigrams_pending WHERE project_id = %s",
            (project_id,),
        ).fetchall():
            if term.may_match(set(orjson.loads(grams))):
                found.add(insight_id)
        return sorted(int(insight_id) for insight_id in found)


def search_index(dialect: str) -> SearchIndex:
    """The prefilter for this backend."""
    return PgTrgmIndex() if dialect == "postgresql" else TrigramPostings()
