"""Servers for HTTP benchmarks: `insightlog serve` and plain gunicorn, as real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.config import DatabaseUrl

BIN = Path(sys.executable).parent
WORKERS, THREADS = 2, 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def url_env(url: DatabaseUrl) -> str:
    """The INSIGHTLOG_DATABASE_URL spelling of `url`."""
    if url.backend == "sqlite":
        return f"sqlite:///{url.sqlite_path}"
    return f"postgresql://{url.user}@{url.host}:{url.port}/{url.dbname}"


def fetch(url: str, headers: dict[str, str]) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as answer:
        return answer.read()


@contextmanager
def serving(
    command: list[str], env: dict[str, str], probe: str, headers: dict[str, str]
) -> Iterator[None]:
    """Run `command` until the block ends, once `probe` answers 200."""
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(probe, headers=headers), timeout=2
                ) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        process.stderr.read().decode() if process.stderr else ""
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def insightlog_server(url: DatabaseUrl, project_id: int, headers: dict[str, str]) -> Iterator[str]:
    """`insightlog serve --workers 2` on `url`; yields the project's insights URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/projects/{project_id}/insights"
    command = [
        str(BIN / "insightlog"), "serve", "--port", str(port),
        "--workers", str(WORKERS), "--threads", str(THREADS),
    ]  # fmt: skip
    with serving(command, {"INSIGHTLOG_DATABASE_URL": url_env(url)}, base, headers):
        yield base
