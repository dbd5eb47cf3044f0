"""Regex property filters mean the same on both backends: what RE2 means (SQLite runs RE2, as
ClickHouse does for PostHog). A pattern both Python and RE2 take, translated for PostgreSQL,
matches exactly the texts RE2 matches there, whenever PostgreSQL can run it (when it
cannot, the filter is a 400)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInputError
from store.analytics_postgres import postgres_regex
from store.regex_patterns import compiled
from tests.databases import DatabaseFactory, require_postgres

TOKENS = [
    *("a", "b", ":", "[", "]", "^", "-", ".", "*", "?", "|", "(", ")", "$", " "),
    # Not \B: RE2 reads UTF-8 bytes, and finds a non-boundary inside a character like "é"
    # (documented).
    *(r"\b", r"\d", r"\D", r"\w", r"\W", r"\s", r"\S"),
    *("[[:alpha:]]", "[[:digit:]]", "[:space:]", "[:upper:]", "[[:punct:]]", "[[:^alpha:]]"),
    *(r"\x41", r"\x{62}", "(?i)", "(?s)", "!", "é"),
]
patterns = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8).map("".join)
texts = st.text(alphabet="abAB:[]^- 1é\n_!", max_size=8)


@pytest.fixture(scope="module")
def postgres(databases: DatabaseFactory) -> Iterator[psycopg.Connection]:
    require_postgres()
    url = databases.create("postgresql")
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        yield connection


def re2_match(pattern: str, text: str) -> bool | None:
    """Whether RE2 finds the pattern in the text; None when Python or RE2 refuses it."""
    try:
        re.compile(pattern)
        return compiled(pattern).search(text) is not None
    except Exception:  # noqa: BLE001 - re.error or re2.error: the filter is refused
        return None


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns, st.lists(texts, min_size=1, max_size=4))
def test_a_translated_pattern_matches_what_re2_matches(
    postgres: psycopg.Connection, pattern: str, samples: list[str]
) -> None:
    expected = [re2_match(pattern, text) for text in samples]
    if None in expected:
        return  # Refused before any database sees it.
    try:
        translated = postgres_regex(pattern)
        row = postgres.execute(
            "SELECT array_agg(t ~ %s ORDER BY n) FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, n)",
            (translated, samples),
        ).fetchone()
    except (InvalidInputError, psycopg.errors.InvalidRegularExpression):
        return  # PostgreSQL cannot mean it as RE2 does: the filter answers 400 there.
    assert row is not None
    assert row[0] == expected, translated


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        ("[[:alpha:]]", "[A-Za-z]"),
        ("[[]", r"[\[]"),
        (r"[\w-]x\d", r"[0-9A-Za-z_-]x[0-9]"),
        (r"a.\S", r"a[^\n][^\t\n\f\r ]"),
        (r"(?P<page>pricing)$", "(pricing)$"),
    ],
)
def test_translations(pattern: str, translated: str) -> None:
    assert postgres_regex(pattern) == translated
