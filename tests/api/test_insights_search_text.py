"""Search over texts where the fields' boundaries or the script matter."""

from __future__ import annotations

import pytest

from tests.api.insights_list.support import listing
from tests.tenants import Tenant


def test_a_term_spanning_two_fields_is_not_an_exact_match(tenant: Tenant) -> None:
    # The fields are stored joined by \x1f for the substring prefilter; a term holding it
    # used to match across the join.
    tenant.create_insight(name="weekly zzchurn", derived_name="qqrevenue by plan")

    rows = listing(tenant, search="zzchurn\x1fqqrevenue")["results"]

    assert [(row["name"], row["search_match_type"]) for row in rows] == [
        ("weekly zzchurn", "similar")
    ]


@pytest.mark.parametrize(
    ("name", "term", "on_postgresql", "on_sqlite"),
    [
        # Python lower-cases İ to i and a combining dot, which ends a word; PostgreSQL to i.
        ("Größe İstanbul", "straße", 0, 1),
        # Python ends a word at a Devanagari vowel sign; PostgreSQL keeps it in the word.
        ("दैनिक साइनअप", "हिन्दी", 0, 1),
        # Python lower-cases a final Σ to ς, PostgreSQL to σ: 1/3 there, 0 here.
        ("ΣΑΣ", "ασ", 1, 0),
    ],
)
def test_postgresql_judges_similarity_as_pg_trgm_does(
    tenant: Tenant, name: str, term: str, on_postgresql: int, on_sqlite: int
) -> None:
    tenant.create_insight(name=name)

    body = listing(tenant, search=term)

    # PostgreSQL's own word_similarity decides there, as in PostHog; SQLite uses the Python
    # implementation, equal to it where both split and lower-case words alike.
    postgres = tenant.backend.database.dialect == "postgresql"
    assert body["count"] == (on_postgresql if postgres else on_sqlite)


def test_a_name_and_half_a_description_scoring_alike_tie_and_go_by_name(tenant: Tenant) -> None:
    # 1/3 from the name, half of 2/3 from the description: equal scores, so name order. Read
    # from PostgreSQL's single-precision text, half of 0.6666667 outranked 0.33333334.
    tenant.create_insight(name="zzz", description="kungrill floon")
    tenant.create_insight(name="flag")

    rows = listing(tenant, search="floll")["results"]

    assert [(row["name"], row["search_match_type"]) for row in rows] == [
        ("flag", "similar"),
        ("zzz", "similar"),
    ]
