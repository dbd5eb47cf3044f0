"""Bulk seeding through the real domain and projections: events saved in batches, then a
catch-up, so the read models hold exactly what the API would have produced."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from domain.insight import Insight
from domain.short_id import ShortIdClaim
from store.backend import Backend
from store.tokens import short_id

WORDS = (
    "signups pageviews revenue retention churn activation onboarding checkout funnel "
    "mobile web ios android weekly daily monthly active users trial conversion pricing "
    "dashboard referral campaign email search invite team billing upgrade feature flag "
    "experiment cohort session duration bounce landing blog docs api errors latency"
).split()
TAGS = ("growth", "product", "marketing", "sales", "engineering", "kpi", "exec", "mobile")
KINDS = ("TrendsQuery", "FunnelsQuery", "RetentionQuery", "LifecycleQuery", "StickinessQuery")


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Product words plus invented ones (feature and page names), most frequent first."""
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    invented = {
        "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        for _ in range(size)
    }
    return [*WORDS, *sorted(invented)]


def _words(rng: random.Random, words: list[str], count: int) -> str:
    # Half the words are the common product ones, half invented feature and page names.
    common = len(WORDS)
    return " ".join(
        words[rng.randrange(common)] if rng.random() < 0.5 else words[rng.randrange(common, len(words))]
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
) -> Iterator[int]:
    """Create `count` insights in batches; yields the number created so far."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    start = datetime.now(UTC) - timedelta(days=400)
    created = 0
    while created < count:
        aggregates = []
        for _ in range(min(batch, count - created)):
            insight_id = backend.sequences.next_id("insight")
            at = start + timedelta(seconds=insight_id * 17)
            code = short_id()
            aggregates.append(
                Insight.create(
                    insight_id=insight_id,
                    project_id=project_id,
                    environment_id=project_id,
                    short_id=code,
                    actor_id=user_id,
                    at=at,
                    values=insight_values(rng, words),
                    new_tiles={},
                )
            )
            aggregates.append(
                ShortIdClaim.claim(project_id=project_id, short_id=code, insight_id=insight_id, at=at)
            )
        backend.events.save(*aggregates)
        created += len(aggregates) // 2
        backend.projector.catch_up()
        yield created
