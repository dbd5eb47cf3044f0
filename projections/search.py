"""Insight search: exact substring matches first, then trigram-similar ones.

Candidates come from the trigram postings in SQL; matching and ranking run in Python once
per candidate, with pg_trgm's word similarity, so every backend answers identically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from projections.similarity import inner_trigrams, word_similarity, word_trigrams

NAME_THRESHOLD = 0.3
DESCRIPTION_THRESHOLD = 0.4
DESCRIPTION_WEIGHT = 0.5
MAX_CANDIDATE_LIST = 20_000
_POSTINGS = "SELECT insight_id FROM insight_trigrams WHERE project_id = %s AND trigram IN"


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def like_pattern(term: str) -> str:
    """A LIKE pattern (escape character `\\`) matching `term` anywhere."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Match:
    """How a row matched: exact (substring) or similar, and its ranking score."""

    exact: bool
    score: float


class SearchTerm:
    """A normalised search term (NULs stripped, trimmed, lower-cased)."""

    def __init__(self, raw: str) -> None:
        self.text = raw.replace("\x00", "").strip().lower()
        self._inner = sorted(inner_trigrams(self.text))
        self._grams = sorted(set(word_trigrams(self.text)))
        # A similarity of at least NAME_THRESHOLD needs at least this many shared trigrams,
        # because similarity <= shared / trigrams of the term.
        self._needed = math.ceil(NAME_THRESHOLD * len(self._grams) - 1e-9)

    def __bool__(self) -> bool:
        return bool(self.text)

    def candidate_ids_sql(self, project_id: int) -> tuple[str, list[Any]] | None:
        """SQL selecting every insight id that may match, from the postings; None when the
        term has no inner trigram (too short to narrow an exact match that way)."""
        if not self._inner:
            return None
        return (
            f"{_POSTINGS} ({_marks(len(self._inner))}) GROUP BY insight_id HAVING count(*) = %s "
            f"UNION {_POSTINGS} ({_marks(len(self._grams))}) "
            "GROUP BY insight_id HAVING count(*) >= %s",
            [project_id, *self._inner, len(self._inner), project_id, *self._grams, self._needed],
        )

    def scan_clause(self, project_id: int) -> tuple[str, list[Any]]:
        """A WHERE clause for terms too short for postings: substring, or similar via postings."""
        if not self._grams:
            return "search_text LIKE %s ESCAPE '\\'", [like_pattern(self.text)]
        return (
            f"(search_text LIKE %s ESCAPE '\\' OR id IN ({_POSTINGS} ({_marks(len(self._grams))}) "
            "GROUP BY insight_id HAVING count(*) >= %s))",
            [like_pattern(self.text), project_id, *self._grams, self._needed],
        )

    def match(
        self, name: str | None, derived_name: str | None, description: str | None, search_text: str
    ) -> Match | None:
        """How a row matches, or None when it does not."""
        exact = self.text in search_text
        name_score = self._similarity(name)
        derived_score = self._similarity(derived_name)
        description_score = self._similarity(description)
        similar = (
            name_score >= NAME_THRESHOLD
            or derived_score >= NAME_THRESHOLD
            or description_score >= DESCRIPTION_THRESHOLD
        )
        if not exact and not similar:
            return None
        score = max(name_score, derived_score, DESCRIPTION_WEIGHT * description_score)
        return Match(exact=exact, score=score)

    def _similarity(self, text: str | None) -> float:
        return word_similarity(self.text, text) if text else 0.0
