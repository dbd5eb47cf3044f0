"""Synthetic autocapture data: element chains like a web app's, and a month of clicks."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime

from domain.analytics_event import CapturedEvent
from domain.elements_chain import chain_from_elements

TAGS = ["button", "a", "span", "input", "div", "li", "svg", "img"]
WORDS = ["Buy", "Add to cart", "Sign up", "Next", "Close", "Share", "Pay now", "Learn more"]
PAGES = [f"https://shop.example/{page}" for page in ("", "cart", "pay", "search", "help")]
DAY_MICROS = 86_400_000_000


def chains(rng: random.Random, count: int) -> list[str]:
    """`count` distinct chains, clicked element first, 3 to 6 elements deep."""
    found: set[str] = set()
    while len(found) < count:
        depth = rng.randint(3, 6)
        elements = [
            {
                "tag_name": rng.choice(TAGS),
                "attr_class": rng.sample(["btn", "primary", "nav", "card", "cta", "icon"], 2),
                "nth_child": rng.randint(1, 9),
                "nth_of_type": rng.randint(1, 4),
                "text": f"{rng.choice(WORDS)} {rng.randrange(10_000)}" if level == 0 else None,
                "href": f"/p/{rng.randrange(10_000)}"
                if level == 0 and rng.random() < 0.3
                else None,
                "attributes": {"attr__data-attr": f"cta-{rng.randrange(500)}"},
            }
            for level in range(depth)
        ]
        found.add(chain_from_elements(elements))
    return sorted(found)


def clicks(
    rng: random.Random, project_id: int, pool: list[str], count: int, now: datetime, days: int
) -> Iterator[CapturedEvent]:
    """`count` autocapture events over the last `days` days, on chains drawn from `pool`
    (some far more often than others, as on a real site)."""
    end = int(now.timestamp() * 1_000_000)
    for _ in range(count):
        yield CapturedEvent(
            project_id=project_id,
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            event="$autocapture" if rng.random() < 0.9 else "$rageclick",
            distinct_id=f"user-{rng.randrange(20_000)}",
            timestamp=end - rng.randrange(days * DAY_MICROS),
            properties={"$current_url": rng.choice(PAGES), "$browser": "Chrome"},
            elements_chain=pool[min(len(pool) - 1, int(rng.paretovariate(1.2)) - 1)]
            if rng.random() < 0.5
            else rng.choice(pool),
        )
