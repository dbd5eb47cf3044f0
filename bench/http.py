"""HTTP throughput under `insightlog serve --workers 2` against a bare Falcon endpoint that
returns a same-sized JSON document, served by gunicorn the same way."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.backends import scratch_database
from bench.load import requests_per_second
from bench.seed import seed_insights
from store.backend import open_backend
from store.config import DatabaseUrl
from store.keys import Keys
from store.tenancy import Tenancy

BIN = Path(sys.executable).parent
WORKERS, THREADS = 2, 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _url_env(url: DatabaseUrl) -> str:
    if url.backend == "sqlite":
        return f"sqlite:///{url.sqlite_path}"
    return f"postgresql://{url.user}@{url.host}:{url.port}/{url.dbname}"


@contextmanager
def _serving(command: list[str], env: dict[str, str], probe: str, headers: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(probe, headers=headers)
                with urllib.request.urlopen(request, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode() if process.stderr else "") from None
                time.sleep(0.2)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _fetch(url: str, headers: dict[str, str]) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as answer:
        return answer.read()


def run(backend_kind: str, seconds: float = 8.0, insights: int = 200) -> list[dict[str, Any]]:
    """Requests/s of retrieve and list, each against the bare endpoint of the same size."""
    results = []
    with scratch_database(backend_kind) as url, tempfile.TemporaryDirectory() as directory:
        backend = open_backend(url)
        tenant = Tenancy(backend).bootstrap(
            email="bench@example.com", first_name="Bench", last_name="", organization="B", project="B"
        )
        key = Keys(backend).create(email="bench@example.com", scopes=["*"]).raw_key
        for _ in seed_insights(backend, project_id=tenant.project_id, user_id=tenant.user_id, count=insights):
            pass
        backend.close()
        headers = {"Authorization": f"Bearer {key}"}
        port = _free_port()
        base = f"http://127.0.0.1:{port}/api/projects/{tenant.project_id}/insights"
        targets = {"retrieve an insight": f"{base}/1", "default list (100 insights)": base}
        serve = [str(BIN / "insightlog"), "serve", "--port", str(port), "--workers", str(WORKERS), "--threads", str(THREADS)]
        with _serving(serve, {"INSIGHTLOG_DATABASE_URL": _url_env(url)}, base, headers):
            documents = {label: _fetch(target, headers) for label, target in targets.items()}
            ours = {label: requests_per_second(target, headers, seconds) for label, target in targets.items()}
        for label, document in documents.items():
            path = Path(directory) / "document.json"
            path.write_bytes(document)
            bare_port = _free_port()
            bare = [
                str(BIN / "gunicorn"), "bench.bare_app:application", "--bind", f"127.0.0.1:{bare_port}",
                "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
                "--no-control-socket",
            ]
            bare_url = f"http://127.0.0.1:{bare_port}/document"
            with _serving(bare, {"BENCH_DOCUMENT": str(path), "PYTHONPATH": os.getcwd()}, bare_url, {}):
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
