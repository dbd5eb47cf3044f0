"""Element stats and values over many autocapture events: p50/p99 of in-process WSGI
requests, from the day-grained read model (no filter) and by scanning (a URL filter)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import falcon.testing
import orjson

from api.app import create_app
from bench.backends import scratch_database
from bench.element_data import PAGES, chains, clicks
from bench.seed import bench_key, bench_tenant
from bench.stats import percentile, timed_ms
from store.backend import open_backend

INSERT_BATCH = 5_000


def _after_each_click(
    call: Callable[[], None], capture: Callable[[], None], repeat: int
) -> list[float]:
    """Milliseconds of each call, each made right after a click was captured."""
    samples = []
    for _ in range(repeat):
        capture()
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def run(
    backend_kind: str, *, events: int = 1_000_000, distinct: int = 10_000, repeat: int = 100
) -> list[dict[str, Any]]:
    """Latency percentiles for stats, filtered stats and values."""
    rng = random.Random(9)
    with scratch_database(backend_kind) as url:
        backend = open_backend(url)
        try:
            tenant = bench_tenant(backend)
            key = bench_key(backend)
            pool = chains(rng, distinct)
            # Every chain at least once, so the stats really hold `distinct` chains.
            stream = clicks(rng, tenant.project_id, pool, events, datetime.now(UTC), days=7)
            first = islice(stream, distinct)
            backend.analytics.insert(
                [replace(event, elements_chain=chain) for event, chain in zip(first, pool)]
            )
            while batch := list(islice(stream, INSERT_BATCH)):
                backend.analytics.insert(batch)
            client = falcon.testing.TestClient(create_app(backend))
            headers = {"Authorization": f"Bearer {key}"}
            base = f"/api/projects/{tenant.project_id}/elements"
            requests = {
                "stats, last 7 days": ("stats", {}),
                "stats, $current_url filter": (
                    "stats",
                    {
                        "properties": orjson.dumps(
                            [{"key": "$current_url", "value": PAGES[1]}]
                        ).decode()
                    },
                ),
                "values, key=text": ("values", {"key": "text"}),
                "values, key=text&value=Buy": ("values", {"key": "text", "value": "Buy"}),
            }
            results = []
            later = clicks(rng, tenant.project_id, pool, repeat * 10, datetime.now(UTC), days=1)

            def capture_one() -> None:
                backend.analytics.insert([next(later)])

            runs = [(*item, False) for item in requests.items()]
            runs += [(r, a, True) for r, a in requests.items() if a[0] == "stats"]
            for request, (action, params), fresh in runs:
                first_answer = client.simulate_get(
                    f"{base}/{action}", params=params, headers=headers
                )
                assert first_answer.status_code == 200, first_answer.text
                body = first_answer.json
                rows = len(body["results"] if isinstance(body, dict) else body)

                def call(action: str = action, params: dict[str, Any] = params) -> None:
                    client.simulate_get(f"{base}/{action}", params=params, headers=headers)

                if fresh:
                    # A click captured before every request: nothing computed can be reused.
                    samples = _after_each_click(call, capture_one, repeat)
                    request = f"{request}, a click captured before each"
                else:
                    samples = timed_ms(call, repeat)
                results.append(
                    {
                        "backend": backend_kind,
                        "events": events,
                        "request": request,
                        "rows": rows,
                        "p50_ms": round(percentile(samples, 0.5), 1),
                        "p99_ms": round(percentile(samples, 0.99), 1),
                    }
                )
        finally:
            backend.close()
    return results


if __name__ == "__main__":
    import sys

    print(run(sys.argv[1] if len(sys.argv) > 1 else "sqlite", events=100_000, repeat=20))
