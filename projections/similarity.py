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
    # Where each trigram occurred before and occurs next: a window's own trigrams are known
    # from its bounds, with no set of them to keep.
    previous = [-1] * len(grams)
    following = [len(grams)] * len(grams)
    seen: dict[str, int] = {}
    for position, gram in enumerate(grams):
        if gram in seen:
            previous[position] = seen[gram]
            following[seen[gram]] = position
        seen[gram] = position
    lower = 0
    window_unique = 0
    window_found = 0
    best = 0.0
    for upper, hit in enumerate(found):
        if previous[upper] < lower:
            window_unique += 1
            window_found += hit
        if not hit:
            continue
        current = window_found / (size + window_unique - window_found)
        # Try every later lower bound; keep the first best window it gives.
        unique, hits, start = window_unique, window_found, lower
        for candidate in range(start, upper + 1):
            score = hits / (size + unique - hits)
            if score > current:
                current, window_unique, window_found, lower = score, unique, hits, candidate
            if following[candidate] > upper:
                unique -= 1
                hits -= found[candidate]
        best = max(best, current)
    return best
