"""Trigram word similarity with the semantics of PostgreSQL's pg_trgm `word_similarity`,
computed in Python so that search ranks the same on every backend."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def _trigrams(text: str) -> tuple[str, ...]:
    grams: list[str] = []
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return tuple(grams)


def word_trigrams(text: str) -> list[str]:
    """Trigrams of each lower-cased word padded as pg_trgm does, in order of appearance."""
    return list(_trigrams(text))


@lru_cache(maxsize=65536)
def trigram_set(text: str) -> frozenset[str]:
    """The distinct word trigrams of `text`."""
    return frozenset(_trigrams(text))


@lru_cache(maxsize=65536)
def padded_words(text: str) -> str:
    """`text`'s lower-cased words, each padded as pg_trgm pads it, run together: every word
    trigram is a substring of it, and no substring spanning two words is a word trigram."""
    return "".join(f"  {word} " for word in _WORD.findall(text.lower()))


def inner_trigrams(text: str) -> set[str]:
    """Trigrams inside the words of `text` (no padding): every one of them occurs in any
    text that contains `text` as a substring."""
    return {word[i : i + 3] for word in _WORD.findall(text.lower()) for i in range(len(word) - 2)}


def whole_words(needle: str) -> re.Pattern[str] | None:
    """A pattern finding `needle`'s words, in order, as whole words of a lower-cased text: the
    run of trigrams they span is exactly the needle's, so its word similarity there is 1."""
    words = _WORD.findall(needle.lower())
    if not words:
        return None
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![^\W_])")


def word_similarity(needle: str | None, haystack: str | None) -> float:
    """The greatest similarity between `needle`'s trigram set and any run of trigrams
    of `haystack` (pg_trgm's greedy bound search, so results match PostgreSQL)."""
    if not needle or not haystack:
        return 0.0
    wanted = trigram_set(needle)
    grams = _trigrams(haystack)
    found = [gram in wanted for gram in grams]
    if not wanted or True not in found:
        return 0.0
    # Only runs between the first and the last shared trigram can score: trim the rest.
    first = found.index(True)
    last = len(found) - found[::-1].index(True)
    grams, found = grams[first:last], found[first:last]
    size = len(wanted)
    last_seen: dict[str, int] = {}
    lower = -1
    window_unique = 0
    window_found = 0
    best = 0.0
    for upper, gram in enumerate(grams):
        if lower >= 0 or found[upper]:
            if gram not in last_seen:
                window_unique += 1
                window_found += found[upper]
            last_seen[gram] = upper
        if not found[upper]:
            continue
        if lower == -1:
            lower = upper
            window_unique = 1
        current = window_found / (size + window_unique - window_found)
        # Try every later lower bound; keep the best window it gives.
        unique, hits, start = window_unique, window_found, lower
        for candidate in range(start, upper + 1):
            score = hits / (size + unique - hits)
            if score > current:
                current, window_unique, window_found, lower = score, unique, hits, candidate
            if last_seen.get(grams[candidate]) == candidate:
                unique -= 1
                hits -= found[candidate]
        best = max(best, current)
        for dropped in range(start, lower):
            if last_seen.get(grams[dropped]) == dropped:
                del last_seen[grams[dropped]]
    return best
