"""`SearchTerm.match` takes shortcuts (upper bounds, whole words, a single shared trigram) to
avoid computing word similarities; it must answer exactly what the rules say, computed the
long way for every field."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from projections.search import Match, SearchTerm
from projections.similarity import (
    padded_words,
    trigram_set,
    word_similarity,
    word_similarity_bound,
    word_trigrams,
)
from tests.texts import sentences, texts

fields = st.one_of(st.none(), sentences, texts, st.text(max_size=30))


def rules(
    raw: str, name: str | None, derived_name: str | None, description: str | None, tags: list[str]
) -> Match | None:
    """PostHog's search rules, straight: a substring of any text is exact; a word similarity of
    0.3 in a name or 0.4 in the description is similar; the score is the best similarity, the
    description's counted half."""
    term = raw.replace("\x00", "").strip().lower()
    name_similarity = word_similarity(term, name)
    derived_similarity = word_similarity(term, derived_name)
    description_similarity = word_similarity(term, description)
    exact = any(term in text.lower() for text in (name, derived_name, description, *tags) if text)
    similar = max(name_similarity, derived_similarity) >= 0.3 or description_similarity >= 0.4
    if not exact and not similar:
        return None
    score = max(name_similarity, derived_similarity, 0.5 * description_similarity)
    return Match(exact=exact, score=score)


@settings(max_examples=1000)
@given(
    raw=st.one_of(sentences, texts),
    name=fields,
    derived_name=fields,
    description=fields,
    tags=st.lists(sentences, max_size=2),
)
@example(raw="a", name="Apple pie", derived_name=None, description="a b", tags=[])
@example(raw="signup", name="Weekly signup", derived_name="signups", description=None, tags=[])
@example(raw="week signup", name="signup week", derived_name=None, description=None, tags=[])
@example(raw="signup", name="see up", derived_name=None, description=None, tags=["signup"])
@example(raw="--", name="a -- b", derived_name=None, description="--", tags=[])
@example(
    raw="zzchurn\x1fqqrevenue",
    name="weekly zzchurn",
    derived_name="qqrevenue",
    description=None,
    tags=[],
)
@example(raw="!!\x1f!!", name="a!!", derived_name="!!b", description=None, tags=[])
def test_match_follows_the_rules(
    raw: str,
    name: str | None,
    derived_name: str | None,
    description: str | None,
    tags: list[str],
) -> None:
    term = SearchTerm(raw)
    expected = rules(raw, name, derived_name, description, tags)

    found = term.match(name, derived_name, description, tags)

    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert found.exact == expected.exact
        assert found.score == pytest.approx(expected.score, abs=1e-12)


@settings(max_examples=500)
@given(needle=st.one_of(sentences, texts), haystack=st.one_of(sentences, texts))
def test_padded_words_hold_exactly_the_word_trigrams(needle: str, haystack: str) -> None:
    padded = padded_words(haystack)

    assert {gram for gram in word_trigrams(needle) if gram in padded} == (
        set(word_trigrams(needle)) & trigram_set(haystack)
    )


@settings(max_examples=1000)
@given(needle=st.one_of(sentences, texts), haystack=st.one_of(st.none(), sentences, texts))
@example(needle="abcd", haystack="abcd x abcd")
@example(needle="ab ab", haystack="ab zz ab")
def test_the_similarity_bound_is_never_below_the_similarity(
    needle: str, haystack: str | None
) -> None:
    assert word_similarity_bound(needle, haystack) >= word_similarity(needle, haystack)


def test_the_bound_rules_out_shared_trigrams_far_apart() -> None:
    # 5 of the term's 16 trigrams, enough for 0.3 if they were together, but in two words.
    term, name = "bleckshellprang", "Search greckspanfrix smeafaistnoong blog bounce"
    shared = set(word_trigrams(term)) & trigram_set(name)

    assert len(shared) / len(trigram_set(term)) >= 0.3
    assert word_similarity_bound(term, name) < 0.3
