"""`projections.similarity.word_similarity` gives what PostgreSQL's pg_trgm `word_similarity`
gives, so that search ranks the same on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from projections.similarity import whole_words, word_similarity
from tests.databases import DatabaseFactory, require_postgres
from tests.texts import SEPARATORS, near_words, sentences, texts, words

# PostgreSQL answers in float4.
TOLERANCE = 1e-6


@st.composite
def phrase_in_text(draw: st.DrawFn, text: st.SearchStrategy[str]) -> tuple[str, str]:
    """A needle, and a haystack holding its words in order as whole words among others."""
    needle = draw(text.filter(lambda value: whole_words(value) is not None))
    words = [word for word in re.split(r"[\W_]+", needle.lower()) if word]
    phrase = draw(st.sampled_from(SEPARATORS)).join(words)
    return needle, f"{draw(sentences)} {phrase} {draw(sentences)}"


@pytest.fixture(scope="module")
def postgres(databases: DatabaseFactory) -> Iterator[psycopg.Connection]:
    """A connection to a fresh migrated database, which has the pg_trgm extension."""
    require_postgres()
    url = databases.create("postgresql")
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        yield connection


def pg_word_similarity(connection: psycopg.Connection, needle: str, haystack: str) -> float:
    row = connection.execute("SELECT word_similarity(%s, %s)", (needle, haystack)).fetchone()
    assert row is not None
    return float(row[0])


class TestWordSimilarityMatchesPgTrgm:
    @pytest.mark.parametrize(
        ("needle", "haystack"),
        [
            ("word", "two words"),
            ("signup", "Weekly signups"),
            ("sign up", "signup funnel"),
            ("abc", "ab abc abcd"),
            ("pageview", "page views per week"),
            ("", "anything"),
            ("anything", ""),
            ("---", "a b c"),
            ("Growth", "GROWTH"),
            ("foo_bar", "foo bar"),
            ("aaa", "aaaa aaa aa a"),
        ],
    )
    def test_known_pairs(self, postgres: psycopg.Connection, needle: str, haystack: str) -> None:
        assert word_similarity(needle, haystack) == pytest.approx(
            pg_word_similarity(postgres, needle, haystack), abs=TOLERANCE
        )

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(needle=texts, haystack=texts)
    @example(needle="abab", haystack="ab abab baba abab")
    @example(needle="week signup", haystack="signup weekly week sign")
    def test_random_ascii_sentences(
        self, postgres: psycopg.Connection, needle: str, haystack: str
    ) -> None:
        assert word_similarity(needle, haystack) == pytest.approx(
            pg_word_similarity(postgres, needle, haystack), abs=TOLERANCE
        )

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        needle=words, haystack=st.lists(near_words | words, min_size=1, max_size=10).map(" ".join)
    )
    def test_a_single_word_against_a_sentence(
        self, postgres: psycopg.Connection, needle: str, haystack: str
    ) -> None:
        assert word_similarity(needle, haystack) == pytest.approx(
            pg_word_similarity(postgres, needle, haystack), abs=TOLERANCE
        )

    def test_the_similarity_is_not_symmetric_like_pg_trgm(
        self, postgres: psycopg.Connection
    ) -> None:
        forward = word_similarity("word", "two words")
        backward = word_similarity("two words", "word")

        assert forward != backward
        assert forward == pytest.approx(
            pg_word_similarity(postgres, "word", "two words"), abs=TOLERANCE
        )
        assert backward == pytest.approx(
            pg_word_similarity(postgres, "two words", "word"), abs=TOLERANCE
        )


class TestWholeWords:
    """A search scores 1 without computing the similarity when the term's words occur in order
    as whole words: both must agree."""

    @settings(max_examples=300, deadline=None)
    @given(case=phrase_in_text(st.one_of(sentences, st.text(max_size=20))))
    def test_a_whole_words_match_has_similarity_one(self, case: tuple[str, str]) -> None:
        needle, haystack = case
        pattern = whole_words(needle)

        assert pattern is not None and pattern.search(haystack.lower())
        assert word_similarity(needle, haystack) == 1.0

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(case=phrase_in_text(sentences))
    def test_pg_trgm_agrees(self, postgres: psycopg.Connection, case: tuple[str, str]) -> None:
        needle, haystack = case

        assert pg_word_similarity(postgres, needle, haystack) == pytest.approx(1.0, abs=TOLERANCE)

    @pytest.mark.parametrize(
        ("needle", "haystack"),
        [
            ("sign", "signup funnel"),
            ("signup", "sign up"),
            ("week signup", "signup week"),  # Similarity 1 too: the fast path is only a shortcut.
            ("up", "signup_"),
        ],
    )
    def test_a_word_inside_another_or_out_of_order_is_not_whole(
        self, needle: str, haystack: str
    ) -> None:
        pattern = whole_words(needle)

        assert pattern is not None and pattern.search(haystack.lower()) is None

    @pytest.mark.parametrize("needle", ["", "---", " _ "])
    def test_a_needle_without_words_has_no_pattern(self, needle: str) -> None:
        assert whole_words(needle) is None
