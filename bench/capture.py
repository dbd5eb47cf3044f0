"""Capture: events/s through HTTP `/batch/` (100 events a request, `insightlog serve
--workers 2`) against inserting the same events straight into the same store; then checks
that every event was stored exactly once, retries included."""

from __future__ import annotations

import http.client
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson

from bench.backends import scratch_database
from bench.element_data import chains
from bench.seed import bench_key, bench_tenant
from bench.serving import insightlog_server
from domain.analytics_event import captured_event
from store.backend import Backend, open_backend

PER_REQUEST = 100
CLIENT_THREADS = 4


def _batches(count: int, rng: random.Random, pool: list[str]) -> list[list[dict[str, Any]]]:
    """`count` batches of events as posthog-js sends them: clicks with a chain, page views."""
    start = datetime.now(UTC) - timedelta(days=3)
    return [
        [
            {
                "event": "$autocapture" if rng.random() < 0.7 else "$pageview",
                "distinct_id": f"user-{rng.randrange(5000)}",
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "timestamp": (start + timedelta(seconds=rng.randrange(250_000))).isoformat(),
                "properties": {
                    "$current_url": f"https://shop.example/{rng.choice(['home', 'cart', 'pay'])}",
                    "$browser": rng.choice(["Chrome", "Firefox", "Safari"]),
                    "$elements_chain": rng.choice(pool),
                },
            }
            for _ in range(PER_REQUEST)
        ]
        for _ in range(count)
    ]


def _direct_rate(backend: Backend, project_id: int, batches: list[list[dict[str, Any]]]) -> float:
    """Events/s of `AnalyticsEvents.insert` on already-checked events, 100 at a time."""
    now = datetime.now(UTC)
    checked = [
        [
            captured_event(raw, index=i, project_id=project_id, now=now, new_uuid=uuid.uuid4())
            for i, raw in enumerate(batch)
        ]
        for batch in batches
    ]
    started = time.perf_counter()
    for batch in checked:
        backend.analytics.insert(batch)
    return len(batches) * PER_REQUEST / (time.perf_counter() - started)


def _post_all(url: str, bodies: list[bytes]) -> float:
    """Post every body once, from several keep-alive connections; events/s."""
    parts = urlsplit(url)
    failures: list[str] = []

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=60
        )
        for body in bodies[slot::CLIENT_THREADS]:
            connection.request(
                "POST", parts.path, body=body, headers={"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{response.status}")
        connection.close()

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(CLIENT_THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} capture requests failed: {failures[:3]}")
    return len(bodies) * PER_REQUEST / elapsed


def _stored(backend: Backend, project_id: int) -> int:
    row = backend.analytics.database.query(
        "SELECT count(*) FROM analytics_events WHERE project_id = %s", (project_id,)
    )
    return int(row[0][0])


def run(backend_kind: str, *, requests: int = 600) -> dict[str, Any]:
    """HTTP capture rate vs direct inserts, and the exactly-once check."""
    rng = random.Random(5)
    pool = chains(rng, 2_000)
    with scratch_database(backend_kind) as url:
        backend = open_backend(url)
        try:
            direct = bench_tenant(backend, "Direct")
            served = bench_tenant(backend, "Served")
            key = bench_key(backend)
            direct_rate = _direct_rate(backend, direct.project_id, _batches(requests, rng, pool))
            bodies = [
                orjson.dumps({"api_key": served.project_api_key, "batch": batch})
                for batch in _batches(requests, rng, pool)
            ]
            headers = {"Authorization": f"Bearer {key}"}
            with insightlog_server(url, served.project_id, headers) as base:
                capture_url = base.split("/api/")[0] + "/batch/"
                http_rate = _post_all(capture_url, bodies)
                _post_all(capture_url, bodies[: requests // 2])  # retries store nothing
            stored = _stored(backend, served.project_id)
        finally:
            backend.close()
    sent = requests * PER_REQUEST
    if stored != sent:
        raise RuntimeError(f"sent {sent} distinct events, stored {stored}")
    return {
        "backend": backend_kind,
        "http_events_per_second": round(http_rate),
        "direct_events_per_second": round(direct_rate),
        "ratio": round(http_rate / direct_rate, 2),
        "events_sent": sent,
        "events_stored": stored,
    }


if __name__ == "__main__":
    import sys

    print(run(sys.argv[1] if len(sys.argv) > 1 else "sqlite", requests=200))
