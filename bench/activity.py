"""The audit trail: activity pages of a long-lived insight, time travel into it, and the
`audit log` export rate against a raw read of the notification log."""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing

from api.app import create_app
from bench.backends import scratch_database
from bench.seed import bench_key, bench_tenant, seed_insights
from bench.stats import percentile, timed_ms
from domain.insight import Insight
from store.audit import AuditFilter, audit_log
from store.audit_format import write_entries
from store.backend import Backend, open_backend
from store.insights import InsightCommands

SAVE_EVERY = 500
QUERY = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}


def _long_lived_insight(backend: Backend, tenant: Any, events: int) -> int:
    """An insight with `events` events: created, then edited field by field."""
    insight_id = InsightCommands(backend).create(
        project_id=tenant.project_id,
        environment_id=tenant.environment_id,
        actor_id=tenant.user_id,
        values={"name": "Weekly signups", "query": QUERY},
    )
    insight: Insight = backend.events.repository.get(Insight.create_id(insight_id))
    rng = random.Random(11)
    at = datetime.now(UTC) - timedelta(days=300)
    for n in range(1, events):
        change: dict[str, object] = rng.choice(
            [
                {"name": f"Weekly signups, take {n}"},
                {"description": f"Revised after review {n}"},
                {"tags": [f"team-{n % 7}", "growth"]},
                {"favorited": n % 2 == 0},
            ]
        )
        at += timedelta(minutes=30)
        insight.update(
            environment_id=tenant.environment_id, actor_id=tenant.user_id, at=at, values=change
        )
        if n % SAVE_EVERY == 0 or n == events - 1:
            backend.record(insight)
    return insight_id


def _raw_read_rate(backend: Backend) -> tuple[int, float]:
    """(events, events/s) of selecting the main notification log and nothing else."""
    recorder = backend.events.recorder
    started, count, position = time.perf_counter(), 0, 0
    while batch := recorder.select_notifications(start=position + 1, limit=1000):
        count += len(batch)
        position = batch[-1].id
    return count, count / (time.perf_counter() - started)


def _export_rate(backend: Backend) -> tuple[int, float]:
    """(entries, log events/s) of `audit log --format jsonl` into /dev/null."""
    head = backend.events.recorder.max_notification_id() or 0
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        entries = write_entries(audit_log(backend, AuditFilter()), "jsonl", sink)
    return entries, head / (time.perf_counter() - started)


def run(
    backend_kind: str, *, events: int = 10_000, log_events: int = 100_000, repeat: int = 200
) -> dict[str, Any]:
    """Activity and time-travel latency percentiles; audit export rate vs raw read rate."""
    with scratch_database(backend_kind) as url:
        backend = open_backend(url)
        try:
            tenant = bench_tenant(backend)
            key = bench_key(backend)
            insight_id = _long_lived_insight(backend, tenant, events)
            seed_insights(
                backend,
                project_id=tenant.project_id,
                user_id=tenant.user_id,
                count=log_events - events,
            )
            client = falcon.testing.TestClient(create_app(backend))
            headers = {"Authorization": f"Bearer {key}"}
            base = f"/api/projects/{tenant.project_id}/insights"
            requests = {
                "insight activity, page 1": (f"{base}/{insight_id}/activity", {}),
                "project activity, page 1": (f"{base}/activity", {}),
                f"retrieve ?version={events // 2}": (
                    f"{base}/{insight_id}",
                    {"version": str(events // 2)},
                ),
            }
            latencies = []
            for request, (path, params) in requests.items():
                response = client.simulate_get(path, params=params, headers=headers)
                assert response.status_code == 200, response.text

                def call(path: str = path, params: dict[str, str] = params) -> None:
                    client.simulate_get(path, params=params, headers=headers)

                samples = timed_ms(call, repeat)
                latencies.append(
                    {
                        "backend": backend_kind,
                        "request": request,
                        "p50_ms": round(percentile(samples, 0.5), 2),
                        "p99_ms": round(percentile(samples, 0.99), 2),
                    }
                )
            raw_events, raw_rate = _raw_read_rate(backend)
            entries, export_rate = _export_rate(backend)
        finally:
            backend.close()
    return {
        "latency": latencies,
        "export": {
            "backend": backend_kind,
            "log_events": raw_events,
            "entries": entries,
            "export_events_per_second": round(export_rate),
            "raw_read_events_per_second": round(raw_rate),
            "ratio": round(export_rate / raw_rate, 2),
        },
    }
