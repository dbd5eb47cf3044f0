"""Bulk seeding through the real domain and projections: events saved in batches, then a
catch-up, so the read models hold exactly what the API would have produced."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import psycopg

from domain.insight import Insight
from domain.short_id import short_id_for
from store.backend import Backend
from store.keys import Keys
from store.tenancy import Bootstrapped, Tenancy

BENCH_EMAIL = "bench@example.com"

WORDS = [
    "signups",
    "pageviews",
    "revenue",
    "retention",
    "churn",
    "activation",
    "onboarding",
    "checkout",
    "funnel",
    "mobile",
    "web",
    "ios",
    "android",
    "weekly",
    "daily",
    "monthly",
    "active",
    "users",
    "trial",
    "conversion",
    "pricing",
    "dashboard",
    "referral",
    "campaign",
    "email",
    "search",
    "invite",
    "team",
    "billing",
    "upgrade",
    "feature",
    "flag",
    "experiment",
    "cohort",
    "session",
    "duration",
    "bounce",
    "landing",
    "blog",
    "docs",
    "api",
    "errors",
    "latency",
]
TAGS = ("growth", "product", "marketing", "sales", "engineering", "kpi", "exec", "mobile")
KINDS = ("TrendsQuery", "FunnelsQuery", "RetentionQuery", "LifecycleQuery", "StickinessQuery")


ONSETS = [
    "b",
    "bl",
    "br",
    "c",
    "ch",
    "cl",
    "cr",
    "d",
    "dr",
    "f",
    "fl",
    "fr",
    "g",
    "gl",
    "gr",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "pl",
    "pr",
    "qu",
    "r",
    "s",
    "sh",
    "sl",
    "sm",
    "sn",
    "sp",
    "st",
    "str",
    "t",
    "th",
    "tr",
    "v",
    "w",
    "wh",
    "z",
]
NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "oo", "ou", "y"]
CODAS = ["", "", "n", "r", "s", "t", "ck", "ng", "ll", "nd", "st", "x", "m", "p"]


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Product words plus invented, pronounceable ones (feature, page and campaign names)."""
    invented: set[str] = set()
    while len(invented) < size:
        syllables = rng.randint(1, 3)
        invented.add(
            "".join(
                rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS)
                for _ in range(syllables)
            )
        )
    return [*WORDS, *sorted(invented)]


def _words(rng: random.Random, words: list[str], count: int) -> str:
    # Half the words are the common product ones, half invented feature and page names.
    common = len(WORDS)
    return " ".join(
        words[rng.randrange(common)]
        if rng.random() < 0.5
        else words[rng.randrange(common, len(words))]
        for _ in range(count)
    )


def insight_values(rng: random.Random, words: list[str]) -> dict[str, object]:
    """Plausible insight fields: a few words, a description, some tags, a query."""
    return {
        "name": _words(rng, words, rng.randint(2, 5)).capitalize(),
        "description": _words(rng, words, rng.randint(0, 10)) or None,
        "tags": rng.sample(TAGS, rng.randint(0, 3)),
        "favorited": rng.random() < 0.1,
        "query": {
            "kind": "InsightVizNode",
            "source": {
                "kind": rng.choice(KINDS),
                "series": [{"kind": "EventsNode", "event": f"${rng.choice(WORDS)}"}],
            },
        },
    }


def seed_insights(
    backend: Backend, *, project_id: int, user_id: int, count: int, seed: int = 7, batch: int = 250
) -> None:
    """Create `count` insights in batches, with the read models caught up after each."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    start = datetime.now(UTC) - timedelta(days=400)
    created = 0
    while created < count:
        aggregates = []
        for _ in range(min(batch, count - created)):
            insight_id = backend.sequences.next_id("insight")
            at = start + timedelta(seconds=insight_id * 17)
            aggregates.append(
                Insight.create(
                    insight_id=insight_id,
                    project_id=project_id,
                    environment_id=project_id,
                    short_id=short_id_for(insight_id),
                    actor_id=user_id,
                    at=at,
                    values=insight_values(rng, words),
                    new_tiles={},
                )
            )
        backend.events.save(*aggregates)
        created += len(aggregates)
        backend.projector.catch_up()


def settle_after_bulk_load(backend: Backend) -> None:
    """On PostgreSQL, vacuum and gather the planner's statistics as autovacuum would within a
    minute of a bulk load: benchmarks measure the steady state, not autovacuum at work."""
    if backend.url.backend == "postgresql":
        # VACUUM cannot run inside a transaction: a connection of its own, in autocommit.
        with psycopg.connect(backend.url.conninfo, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")


def bench_tenant(backend: Backend, project: str = "Bench") -> Bootstrapped:
    """A fresh organization and project owned by the bench user."""
    return Tenancy(backend).bootstrap(
        email=BENCH_EMAIL, first_name="Bench", last_name="", organization="Bench", project=project
    )


def bench_key(backend: Backend) -> str:
    """A raw personal API key of the bench user with every scope."""
    return Keys(backend).create(email=BENCH_EMAIL, scopes=["*"]).raw_key
