"""Views under HTTP: POST /viewed with 10 ids per request beside insight creation, to show
that recording views does not hold insight writes back."""

from __future__ import annotations

import random
from typing import Any

import orjson

from bench.backends import scratch_database
from bench.load import Load, start
from bench.seed import bench_key, bench_tenant, seed_insights
from bench.serving import insightlog_server
from store.backend import open_backend

QUERY = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}
# The second arm's view traffic is sent on schedule, at a busy product's rate rather than as
# fast as the server answers: what a steady view load costs creates, short of saturation.
PACED_VIEWS_PER_SECOND = 1_000


def run(backend_kind: str, seconds: float = 8.0, insights: int = 500) -> dict[str, Any]:
    """Creates/s alone, beside as many views as two clients can send, and beside views sent
    at a fixed rate; views/s."""
    with scratch_database(backend_kind) as url:
        backend = open_backend(url)
        tenant = bench_tenant(backend)
        key = bench_key(backend)
        seed_insights(backend, project_id=tenant.project_id, user_id=tenant.user_id, count=insights)
        backend.close()
        rng = random.Random(3)
        headers = {"Authorization": f"Bearer {key}"}
        with insightlog_server(url, tenant.project_id, headers) as base:
            creates = Load(
                base,
                headers,
                method="POST",
                bodies=[orjson.dumps({"name": f"Bench {i}", "query": QUERY}) for i in range(2000)],
                expect=201,
            )
            views = Load(
                f"{base}/viewed",
                headers,
                method="POST",
                bodies=[
                    orjson.dumps({"insight_ids": rng.sample(range(1, insights + 1), 10)})
                    for _ in range(2000)
                ],
            )
            alone = start(creates, seconds, processes=1, threads=1)()
            view_traffic = start(views, seconds, processes=1, threads=2)
            beside_views = start(creates, seconds, processes=1, threads=1)()
            view_requests = view_traffic()
            paced = start(views, seconds, processes=1, threads=2, rate=PACED_VIEWS_PER_SECOND / 10)
            beside_paced = start(creates, seconds, processes=1, threads=1)()
            paced_requests = paced()
    return {
        "backend": backend_kind,
        "views_per_second": round(view_requests * 10, 1),
        "creates_alone_per_second": round(alone, 1),
        "creates_beside_views_per_second": round(beside_views, 1),
        "ratio": round(beside_views / alone, 2),
        "paced_views_per_second": round(paced_requests * 10, 1),
        "creates_beside_paced_views_per_second": round(beside_paced, 1),
        "paced_ratio": round(beside_paced / alone, 2),
    }


if __name__ == "__main__":
    import sys

    print(run(sys.argv[1] if len(sys.argv) > 1 else "sqlite", seconds=4))
