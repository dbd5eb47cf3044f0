"""Trigram word similarity with the semantics of PostgreSQL's pg_trgm `word_similarity`,
computed in Python so that search ranks the same on every backend."""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from itertools import compress, pairwise

_WORD = re.compile(r"[^\W_]+")


# NOTE: the caches hold texts a search scores again and again (its candidates', about 1,700
# texts for a feature name in 100,000 insights). Their size bounds the memory: full, with
# texts of 400 characters (the longest a name may be), the two per-text caches hold about
# 62 MB (measured; 250 MB at 65,536 texts).
TEXTS_CACHED = 16384


@lru_cache(maxsize=TEXTS_CACHED)
def _trigrams(text: str) -> tuple[str, ...]:
    # Interned, a full cache holds one copy of each distinct trigram, not one per occurrence:
    # a fifth of the memory.
    grams: list[str] = []
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.extend([sys.intern(padded[i : i + 3]) for i in range(len(padded) - 2)])
    return tuple(grams)


def written_trigrams(text: str) -> set[str]:
    """The distinct word trigrams of a text being written, not cached: caching every text
    written would push out those searches score again and again."""
    return set(_trigrams.__wrapped__(text))


def word_trigrams(text: str) -> list[str]:
    """Trigrams of each lower-cased word padded as pg_trgm does, in order of appearance."""
    return list(_trigrams(text))


@lru_cache(maxsize=1024)
def trigram_set(text: str) -> frozenset[str]:
    """The distinct word trigrams of `text`."""
    return frozenset(_trigrams(text))


@lru_cache(maxsize=TEXTS_CACHED)
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


def word_similarity_bound(needle: str, haystack: str | None) -> float:
    """An upper bound of `word_similarity`, cheap when the shared trigrams are scattered.

    A run's similarity is its shared trigrams over the needle's plus its other distinct ones,
    which include every trigram of a gap between shared ones inside it. The best runs start
    and end on shared trigrams: the shared trigrams of each stretch and the width of each gap
    between stretches are all it takes."""
    wanted = trigram_set(needle)
    size = len(wanted)
    if not haystack or not size:
        return 0.0
    grams = _trigrams(haystack)
    # Positions of the shared trigrams, found in C: most candidates share only a few.
    hits = list(compress(range(len(grams)), map(wanted.__contains__, grams)))
    if not hits:
        return 0.0
    stretches = [1]  # Shared trigrams in each stretch of consecutive ones.
    gaps: list[int] = []  # Distinct trigrams between each stretch and the next.
    for previous, position in pairwise(hits):
        if position == previous + 1:
            stretches[-1] += 1
        else:
            gaps.append(len(set(grams[previous + 1 : position])))
            stretches.append(1)
    # The best run from each first stretch, stopping once no longer run from it (or from a
    # later first stretch) can beat what is known: all it could add is the shared trigrams
    # left, and its widest gap only grows.
    left = sum(stretches)
    best = 0.0
    for first in range(len(stretches)):
        if min(left, size) / size <= best:
            break
        shared = widest = 0
        for last in range(first, len(stretches)):
            if last > first:
                widest = max(widest, gaps[last - 1])
                if min(left, size) / (size + widest) <= best:
                    break
            shared += stretches[last]
            best = max(best, min(shared, size) / (size + widest))
        left -= stretches[first]
    return best


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
