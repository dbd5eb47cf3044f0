"""HTTP throughput under `insightlog serve --workers 2` against a bare Falcon endpoint that
returns a same-sized JSON document, served by gunicorn the same way."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.backends import scratch_database
from bench.load import requests_per_second
from bench.seed import seed_insights
from bench.serving import BIN, THREADS, WORKERS, fetch, free_port, insightlog_server, serving
from store.backend import open_backend
from store.keys import Keys
from store.tenancy import Tenancy


def run(backend_kind: str, seconds: float = 8.0, insights: int = 200) -> list[dict[str, Any]]:
    """Requests/s of retrieve and list, each against the bare endpoint of the same size."""
    results = []
    with scratch_database(backend_kind) as url, tempfile.TemporaryDirectory() as directory:
        backend = open_backend(url)
        tenant = Tenancy(backend).bootstrap(
            email="bench@example.com",
            first_name="Bench",
            last_name="",
            organization="B",
            project="B",
        )
        key = Keys(backend).create(email="bench@example.com", scopes=["*"]).raw_key
        for _ in seed_insights(
            backend, project_id=tenant.project_id, user_id=tenant.user_id, count=insights
        ):
            pass
        backend.close()
        headers = {"Authorization": f"Bearer {key}"}
        with insightlog_server(url, tenant.project_id, headers) as base:
            targets = {"retrieve an insight": f"{base}/1", "default list (100 insights)": base}
            documents = {label: fetch(target, headers) for label, target in targets.items()}
            ours = {
                label: requests_per_second(target, headers, seconds)
                for label, target in targets.items()
            }
        for label, document in documents.items():
            path = Path(directory) / "document.json"
            path.write_bytes(document)
            bare_port = free_port()
            bare = [
                str(BIN / "gunicorn"),
                "bench.bare_app:application",
                "--bind",
                f"127.0.0.1:{bare_port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "gthread",
                "--threads",
                str(THREADS),
                "--no-control-socket",
            ]
            bare_url = f"http://127.0.0.1:{bare_port}/document"
            with serving(
                bare, {"BENCH_DOCUMENT": str(path), "PYTHONPATH": os.getcwd()}, bare_url, {}
            ):
                baseline = requests_per_second(bare_url, {}, seconds)
            results.append(
                {
                    "backend": backend_kind,
                    "request": label,
                    "bytes": len(document),
                    "insightlog_rps": round(ours[label], 1),
                    "bare_falcon_rps": round(baseline, 1),
                    "ratio": round(ours[label] / baseline, 2),
                }
            )
    return results


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "sqlite", seconds=3), indent=1))
