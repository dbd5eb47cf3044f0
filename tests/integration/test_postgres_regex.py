"""Regex property filters mean the same on both backends: a pattern in Python's dialect,
translated for PostgreSQL, matches exactly the texts Python's `re.search` matches there,
whenever PostgreSQL can run it (when it cannot, the filter is a 400)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.analytics_postgres import postgres_regex
from tests.databases import DatabaseFactory, require_postgres

TOKENS = ["a", "b", ":", "[", "]", "^", "-", ".", "*", "?", "|", "(", ")", r"\b", r"\d", " "]
patterns = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8).map("".join)
texts = st.text(alphabet="ab:[]^- 1", max_size=8)


@pytest.fixture(scope="module")
def postgres(databases: DatabaseFactory) -> Iterator[psycopg.Connection]:
    require_postgres()
    url = databases.create("postgresql")
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        yield connection


def python_match(pattern: str, text: str) -> bool | None:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return None


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns, st.lists(texts, min_size=1, max_size=4))
def test_a_translated_pattern_matches_what_python_matches(
    postgres: psycopg.Connection, pattern: str, samples: list[str]
) -> None:
    expected = [python_match(pattern, text) for text in samples]
    if None in expected:
        return  # Not a Python regex: refused before any database sees it.
    try:
        row = postgres.execute(
            "SELECT array_agg(t ~ %s ORDER BY n) FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, n)",
            (postgres_regex(pattern), samples),
        ).fetchone()
    except psycopg.errors.InvalidRegularExpression:
        return  # PostgreSQL cannot run it: the filter answers 400 there.
    assert row is not None
    assert row[0] == expected, postgres_regex(pattern)


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        ("[[:alpha:]]", r"[\[:alpha:]]"),
        (r"[]\b]x\b", r"[]\b]x\y"),
        (r"[^]a]\B", r"[^]a]\Y"),
        (r"(?P<page>pricing)$", "(pricing)$"),
    ],
)
def test_translations(pattern: str, translated: str) -> None:
    assert postgres_regex(pattern) == translated
