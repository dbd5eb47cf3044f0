"""Insight search: exact substring matches first, then trigram-similar ones.

Candidates come from the backend's search index (projections/search_index.py); matching and
ranking run here, once per candidate, with pg_trgm's word similarity: PostgreSQL's own where
the database is PostgreSQL, as in PostHog, and a Python implementation of it on SQLite, which
gives the same for texts whose words PostgreSQL and Python split and lower-case alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from projections.similarity import (
    inner_trigrams,
    padded_words,
    whole_words,
    word_similarity,
    word_similarity_bound,
    word_trigrams,
)

NAME_THRESHOLD = 0.3
DESCRIPTION_THRESHOLD = 0.4
DESCRIPTION_WEIGHT = 0.5
# Where a trigram occurs, as bits: similarity is judged per field, exactness on all of them.
IN_NAMES = 1
"""In the name or the derived name."""
IN_DESCRIPTION = 2
IN_TAGS = 4
Similarities = tuple[float, float, float]
"""Word similarities of a term to a name, a derived name and a description."""


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
        self.inner = sorted(inner_trigrams(self.text))
        """Trigrams inside its words: a text containing the term has every one of them."""
        self.grams = sorted(set(word_trigrams(self.text)))
        self._whole_words = whole_words(self.text)
        # A similarity of at least a threshold needs at least this many trigrams of the term
        # in that field, because similarity <= shared trigrams / trigrams of the term.
        self.needed = math.ceil(NAME_THRESHOLD * len(self.grams) - 1e-9)
        self.needed_in_description = math.ceil(DESCRIPTION_THRESHOLD * len(self.grams) - 1e-9)

    def __bool__(self) -> bool:
        return bool(self.text)

    def may_match(self, places: dict[str, int]) -> bool:
        """Whether an insight whose trigrams occur where `places` says can match at all."""
        if self.inner and all(gram in places for gram in self.inner):
            return True
        in_names = in_description = 0
        for gram in self.grams:
            place = places.get(gram, 0)
            in_names += (place & IN_NAMES) != 0
            in_description += (place & IN_DESCRIPTION) != 0
        return bool(self.grams) and (
            in_names >= self.needed or in_description >= self.needed_in_description
        )

    def match(
        self,
        name: str | None,
        derived_name: str | None,
        description: str | None,
        tags: Sequence[str],
        similarities: Similarities | None = None,
    ) -> Match | None:
        """How a row matches, or None when it does not. `similarities` are the database's
        own word similarities of the name, derived name and description, where it has them."""
        exact = any(
            self.text in text.lower() for text in (name, derived_name, description, *tags) if text
        )
        if similarities is not None:
            return self._judged(exact, similarities)
        # (bound, shared trigrams, text, threshold, weight), most promising first by the upper
        # bound of its weighted similarity: a field that cannot beat what is known already is
        # never computed.
        fields = []
        for text, threshold, weight in (
            (name, NAME_THRESHOLD, 1.0),
            (derived_name, NAME_THRESHOLD, 1.0),
            (description, DESCRIPTION_THRESHOLD, DESCRIPTION_WEIGHT),
        ):
            shared = self._shared(text)
            bound = weight * shared / len(self.grams) if shared else 0.0
            fields.append((bound, shared, text, threshold, weight))
        fields.sort(key=lambda field: -field[0])
        if not exact and all(
            bound / weight < threshold or word_similarity_bound(self.text, text) < threshold
            for bound, _, text, threshold, weight in fields
        ):
            return None  # No field shares enough trigrams, or close enough together.
        similar = False
        score = 0.0
        for bound, shared, text, threshold, weight in fields:
            if bound <= score and (similar or bound / weight < threshold):
                continue  # It can neither raise the score nor make the row similar.
            similarity = self._similarity(text, shared)
            similar = similar or similarity >= threshold
            score = max(score, weight * similarity)
        if not exact and not similar:
            return None
        return Match(exact=exact, score=score)

    @staticmethod
    def _judged(exact: bool, similarities: Similarities) -> Match | None:
        name, derived_name, description = similarities
        similar = max(name, derived_name) >= NAME_THRESHOLD or description >= DESCRIPTION_THRESHOLD
        if not exact and not similar:
            return None
        return Match(exact=exact, score=max(name, derived_name, DESCRIPTION_WEIGHT * description))

    def _shared(self, text: str | None) -> int:
        """How many of the term's trigrams `text` has (without listing all of its own)."""
        if not text:
            return 0
        return sum(map(padded_words(text).__contains__, self.grams))

    def _similarity(self, text: str | None, shared: int) -> float:
        """The word similarity to `text`, which has `shared` of the term's trigrams."""
        if not text or not shared:
            return 0.0
        if self._whole_words is not None and self._whole_words.search(text.lower()):
            return 1.0  # A run of exactly the term's trigrams: nothing can score higher.
        if shared == 1:
            return 1 / len(self.grams)  # The best run is that one trigram alone.
        return word_similarity(self.text, text)
