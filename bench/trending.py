"""Trending with many views, and rebuilding every read model from the logs.

10,000 insights and 1,000,000 view events by 200 users over 90 days, popular insights
viewed far more often than the rest."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing

from api.app import create_app
from bench.backends import scratch_database
from bench.seed import bench_key, bench_tenant, seed_insights, settle_after_bulk_load
from bench.stats import percentile, timed_ms
from domain.insight_views import ViewBatch
from projections.rebuild import rebuild
from store.backend import Backend, open_backend
from store.tenancy import Tenancy

USERS = 200
SAVE_BATCH = 2000


def _seed_views(
    backend: Backend, project_id: int, insights: int, views: int, start: datetime
) -> None:
    rng = random.Random(11)
    environments = [
        project_id,
        Tenancy(backend).add_environment(project_id=project_id, name="Staging"),
    ]
    span = timedelta(days=90).total_seconds()
    for first in range(0, views, SAVE_BATCH):
        batches = [
            ViewBatch.record(
                project_id=project_id,
                environment_id=environments[n % 7 == 0],
                user_id=1 + int(rng.paretovariate(1.2)) % USERS,
                insight_ids=[1 + int(rng.paretovariate(0.8)) % insights],
                at=start + timedelta(seconds=span * (first + n) / views),
            )
            for n in range(min(SAVE_BATCH, views - first))
        ]
        backend.views.save(*batches)
        backend.view_projector.catch_up()


def _raw_read_rate(backend: Backend) -> float:
    """Events/s of reading and decoding both notification logs, and nothing else."""
    started, count = time.perf_counter(), 0
    for store in (backend.events, backend.views):
        position = 0
        while batch := store.recorder.select_notifications(start=position + 1, limit=5000):
            for notification in batch:
                store.mapper.to_domain_event(notification)
            count += len(batch)
            position = batch[-1].id
    return count / (time.perf_counter() - started)


def run(
    backend_kind: str, insights: int = 10_000, views: int = 1_000_000, repeat: int = 200
) -> dict[str, Any]:
    """Trending latency percentiles; rebuild rate against the raw log read rate."""
    start = datetime.now(UTC) - timedelta(days=90)
    with scratch_database(backend_kind) as url:
        backend = open_backend(url, clock=lambda: start)
        tenant = bench_tenant(backend)
        key = bench_key(backend)
        seed_insights(backend, project_id=tenant.project_id, user_id=tenant.user_id, count=insights)
        _seed_views(backend, tenant.project_id, insights, views, start)
        settle_after_bulk_load(backend)
        backend.close()
        backend = open_backend(url)
        try:
            client = falcon.testing.TestClient(create_app(backend))
            headers = {"Authorization": f"Bearer {key}"}
            path = f"/api/projects/{tenant.project_id}/insights/trending"
            answer = client.simulate_get(path, headers=headers)
            assert answer.status_code == 200, answer.text
            samples = timed_ms(lambda: client.simulate_get(path, headers=headers), repeat)
            events = backend.projector.head() + backend.view_projector.head()
            raw_rate = _raw_read_rate(backend)
            started = time.perf_counter()
            rebuild(backend.projectors)
            rebuild_rate = events / (time.perf_counter() - started)
        finally:
            backend.close()
    return {
        "backend": backend_kind,
        "insights": insights,
        "view_events": views,
        "trending_p50_ms": round(percentile(samples, 0.5), 1),
        "trending_p99_ms": round(percentile(samples, 0.99), 1),
        "rebuild_events_per_second": round(rebuild_rate),
        "raw_read_events_per_second": round(raw_rate),
        "rebuild_ratio": round(rebuild_rate / raw_rate, 2),
    }


if __name__ == "__main__":
    import sys

    print(
        run(
            sys.argv[1] if len(sys.argv) > 1 else "sqlite",
            views=int(sys.argv[2]) if len(sys.argv) > 2 else 100_000,
            repeat=50,
        )
    )
