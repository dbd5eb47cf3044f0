"""List latency with many insights in one project: p50/p99 of typical list requests,
answered in-process through the WSGI app, at two sizes to show how flat it stays."""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import falcon.testing

from api.app import create_app
from bench.backends import scratch_database
from bench.seed import bench_key, bench_tenant, seed_insights, settle_after_bulk_load, vocabulary
from bench.stats import percentile, timed_ms
from store.backend import open_backend


def _requests() -> dict[str, dict[str, str]]:
    words = vocabulary(random.Random(7))
    return {
        "default list": {},
        "search (a feature name)": {"search": words[150]},
        "search (a typo of it)": {"search": words[150][:-1] + "x"},
        "search (a common word)": {"search": "retention"},
        "tags filter": {"tags": '["exec"]'},
        "order=-last_modified_at": {"order": "-last_modified_at"},
    }


def run(
    backend_kind: str, sizes: tuple[int, ...] = (1_000, 100_000), repeat: int = 200
) -> list[dict[str, Any]]:
    """Latency percentiles per request kind and insight count."""
    results = []
    with scratch_database(backend_kind) as url:
        backend = open_backend(url)
        try:
            tenant = bench_tenant(backend)
            key = bench_key(backend)
            client = falcon.testing.TestClient(create_app(backend))
            headers = {"Authorization": f"Bearer {key}"}
            path = f"/api/projects/{tenant.project_id}/insights"
            total = 0
            for size in sizes:
                seed_insights(
                    backend,
                    project_id=tenant.project_id,
                    user_id=tenant.user_id,
                    count=size - total,
                    seed=size,
                )
                total = size
                settle_after_bulk_load(backend)
                for label, params in _requests().items():
                    answer = client.simulate_get(path, headers=headers, params=params)
                    assert answer.status_code == 200, answer.text
                    samples = timed_ms(
                        partial(client.simulate_get, path, headers=headers, params=params),
                        repeat,
                    )
                    results.append(
                        {
                            "backend": backend_kind,
                            "insights": size,
                            "request": label,
                            "matches": answer.json["count"],
                            "p50_ms": round(percentile(samples, 0.5), 1),
                            "p99_ms": round(percentile(samples, 0.99), 1),
                        }
                    )
        finally:
            backend.close()
    return results
