"""HTTP throughput under `insightlog serve --workers 2` against a bare Falcon endpoint that
returns a same-sized JSON document, served by gunicorn the same way."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.backends import scratch_database
from bench.load import requests_per_second
from bench.seed import bench_key, bench_tenant, seed_insights, settle_after_bulk_load
from bench.serving import BIN, THREADS, WORKERS, fetch, free_port, insightlog_server, serving
from store.backend import open_backend

SLICE_SECONDS = 2.0


def run(backend_kind: str, seconds: float = 8.0, insights: int = 200) -> list[dict[str, Any]]:
    """Requests/s of retrieve and list, each against the bare endpoint of the same size."""
    results = []
    with scratch_database(backend_kind) as url, tempfile.TemporaryDirectory() as directory:
        backend = open_backend(url)
        tenant = bench_tenant(backend)
        key = bench_key(backend)
        seed_insights(backend, project_id=tenant.project_id, user_id=tenant.user_id, count=insights)
        settle_after_bulk_load(backend)
        backend.close()
        headers = {"Authorization": f"Bearer {key}"}
        with insightlog_server(url, tenant.project_id, headers) as base:
            targets = {"retrieve an insight": f"{base}/1", "default list (100 insights)": base}
            for label, target in targets.items():
                document = fetch(target, headers)
                path = Path(directory) / "document.json"
                path.write_bytes(document)
                with _bare_server(path) as bare_url:
                    ours, baseline = _alternating(target, headers, bare_url, seconds)
                results.append(
                    {
                        "backend": backend_kind,
                        "request": label,
                        "bytes": len(document),
                        "insightlog_rps": round(ours, 1),
                        "bare_falcon_rps": round(baseline, 1),
                        "ratio": round(ours / baseline, 2),
                    }
                )
    return results


@contextmanager
def _bare_server(document: Path) -> Iterator[str]:
    """The bare Falcon endpoint serving `document`, under gunicorn like ours."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"), "bench.bare_app:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
        "--no-control-socket",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/document"
    with serving(command, {"BENCH_DOCUMENT": str(document), "PYTHONPATH": os.getcwd()}, url, {}):
        yield url


def _alternating(
    ours: str, headers: dict[str, str], bare: str, seconds: float
) -> tuple[float, float]:
    """Mean requests/s of both servers, measured in alternating slices so that a noisy
    neighbour on the machine weighs on both alike."""
    slices = max(1, round(seconds / SLICE_SECONDS))
    ours_rates, bare_rates = [], []
    for _ in range(slices):
        ours_rates.append(requests_per_second(ours, headers, seconds / slices))
        bare_rates.append(requests_per_second(bare, {}, seconds / slices))
    return sum(ours_rates) / slices, sum(bare_rates) / slices


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "sqlite", seconds=3), indent=1))
