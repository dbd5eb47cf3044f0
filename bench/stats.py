"""Small statistics helpers for latency samples."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `samples`."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed_ms(call: Callable[[], Any], repeat: int, budget_seconds: float = 20.0) -> list[float]:
    """Milliseconds taken by each of `repeat` calls, stopping early (after at least 20)
    once `budget_seconds` are spent, so a slow request cannot stall the whole run."""
    samples: list[float] = []
    deadline = time.perf_counter() + budget_seconds
    while len(samples) < repeat and (len(samples) < 20 or time.perf_counter() < deadline):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples
