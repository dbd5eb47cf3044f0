"""Real processes for end-to-end tests: the `insightlog` console script, a gunicorn server,
and databases handed to them through INSIGHTLOG_DATABASE_URL."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import requests

from store.backend import projections
from store.config import DATABASE_URL_VARIABLE, DatabaseUrl
from tests.databases import require_postgres

INSIGHTLOG = str(Path(sys.executable).parent / "insightlog")
CLI_TIMEOUT_SECONDS = 60
READ_MODEL_TABLES = tuple(
    table for projection in projections("sqlite") for table in projection.model_tables
)


def url_text(url: DatabaseUrl) -> str:
    """The INSIGHTLOG_DATABASE_URL spelling of a parsed URL."""
    if url.backend == "sqlite":
        assert Path(url.sqlite_path).is_absolute(), url.sqlite_path
        return f"sqlite:///{url.sqlite_path}"
    password = f":{url.password}" if url.password else ""
    return f"postgresql://{url.user}{password}@{url.host}:{url.port}/{url.dbname}"


def process_env(url: DatabaseUrl) -> dict[str, str]:
    env = dict(os.environ)
    env[DATABASE_URL_VARIABLE] = url_text(url)
    return env


# ---------------------------------------------------------------------------- the CLI


def cli(url: DatabaseUrl, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `insightlog ARGS` against the database and wait for it."""
    return subprocess.run(
        [INSIGHTLOG, *args],
        env=process_env(url),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )


def start_cli(url: DatabaseUrl, *args: str) -> subprocess.Popen[str]:
    """Start `insightlog ARGS` without waiting (for concurrent runs)."""
    return subprocess.Popen(
        [INSIGHTLOG, *args],
        env=process_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def single_json_object(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON object a successful command printed (and nothing else on stdout)."""
    assert completed.returncode == 0, (completed.returncode, completed.stderr)
    # json.loads refuses anything after the first value, so this is exactly one object.
    payload = json.loads(completed.stdout)
    assert isinstance(payload, dict), payload
    return payload


def cli_json(url: DatabaseUrl, *args: str) -> dict[str, Any]:
    return single_json_object(cli(url, *args))


# ---------------------------------------------------------------------------- databases


class EmptyDatabases:
    """Databases nobody has migrated yet: SQLite paths that do not exist and empty
    PostgreSQL databases, dropped again at `drop_all`."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._created: list[str] = []

    def create(self, backend: str) -> DatabaseUrl:
        name = f"insightlog_e2e_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return DatabaseUrl.parse(f"sqlite:///{self._directory / name}.sqlite3")
        server = require_postgres()
        with psycopg.connect(server.conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return DatabaseUrl(
            backend="postgresql",
            user=server.user,
            password=server.password,
            host=server.host,
            port=server.port,
            dbname=name,
        )

    def drop_all(self) -> None:
        if not self._created:
            return
        server = require_postgres()
        with psycopg.connect(server.conninfo, autocommit=True) as connection:
            for name in self._created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _sql(url: DatabaseUrl) -> Iterator[Any]:
    if url.backend == "sqlite":
        connection = sqlite3.connect(url.sqlite_path)
        try:
            yield connection
        finally:
            connection.close()
    else:
        with psycopg.connect(url.conninfo, autocommit=True) as postgres:
            yield postgres


def query(url: DatabaseUrl, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of one statement, written with `%s` placeholders, on either backend."""
    with _sql(url) as connection:
        if url.backend == "sqlite":
            sql = sql.replace("%s", "?")
        return [tuple(row) for row in connection.execute(sql, params).fetchall()]


def read_models(url: DatabaseUrl) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read-model table and of the tracking table, in a stable order."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    for table in (*READ_MODEL_TABLES, "projection_tracking"):
        rows = query(url, f"SELECT * FROM {table}")
        contents[table] = sorted(rows, key=repr)
    return contents


def stored_bytes(url: DatabaseUrl) -> bytes:
    """Everything the database holds: for SQLite the files themselves (with the WAL), for
    PostgreSQL every value of every column of every table outside the system schemas."""
    if url.backend == "sqlite":
        path = Path(url.sqlite_path)
        return b"".join(
            candidate.read_bytes()
            for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
            if candidate.exists()
        )
    chunks: list[bytes] = []
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_type = 'BASE TABLE'"
        ).fetchall()
        assert tables, "no tables found"
        for schema, table in tables:
            for row in connection.execute(f'SELECT * FROM "{schema}"."{table}"'):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        chunks.append(bytes(value))
                    else:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


# ---------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return sorted(int(child) for child in text.split())
    except FileNotFoundError:
        return []


def _ipv4_hex(host: str, port: int) -> str:
    packed = socket.inet_aton(host)
    return f"{int.from_bytes(packed, 'little'):08X}:{port:04X}"


def _socket_inode(local: tuple[str, int], remote: tuple[str, int]) -> str | None:
    wanted_local, wanted_remote = _ipv4_hex(*local), _ipv4_hex(*remote)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted_local and fields[2] == wanted_remote:
            return fields[9]
    return None


class Server:
    """`insightlog serve` as a subprocess, with its output collected in files."""

    def __init__(self, url: DatabaseUrl, log_dir: Path, workers: int = 2) -> None:
        self.url = url
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self._stdout_path = log_dir / f"serve-{self.port}.stdout"
        self._stderr_path = log_dir / f"serve-{self.port}.stderr"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_within: float = 30.0) -> None:
        with self._stdout_path.open("wb") as stdout, self._stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    INSIGHTLOG,
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                env=process_env(self.url),
                stdout=stdout,
                stderr=stderr,
            )
        self._wait_until_every_worker_answers(ready_within)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace") if self._stderr_path.exists() else ""

    def worker_pids(self) -> list[int]:
        return _children(self.pid)

    def url_for(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request on a new connection."""
        return requests.request(method, self.url_for(path), timeout=30, **kwargs)

    def request_with_worker(
        self, method: str, path: str, **kwargs: Any
    ) -> tuple[requests.Response, int]:
        """One request on a new connection; returns the response and the pid of the worker
        that answered it, found through the server end of the still open (keep-alive) TCP
        connection, so only for responses after which the server keeps the connection."""
        with requests.Session() as session:
            response = session.request(
                method, self.url_for(path), stream=True, timeout=30, **kwargs
            )
            try:
                connection = response.raw.connection
                assert connection is not None
                assert connection.sock is not None
                client = connection.sock.getsockname()
                worker = self._worker_holding(client)
                response.content  # noqa: B018 - read the body while we know the worker
            finally:
                response.close()
        return response, worker

    def _worker_holding(self, client: tuple[str, int]) -> int:
        inode = _socket_inode(("127.0.0.1", self.port), client)
        assert inode is not None, f"no server socket for client {client}"
        target = f"socket:[{inode}]"
        for worker in self.worker_pids():
            fd_dir = Path(f"/proc/{worker}/fd")
            try:
                for fd in fd_dir.iterdir():
                    try:
                        if os.readlink(fd) == target:
                            return worker
                    except OSError:
                        continue
            except OSError:
                continue
        raise AssertionError(f"no worker of {self.pid} holds {target}")

    def _wait_until_every_worker_answers(self, within: float) -> None:
        deadline = time.monotonic() + within
        answered: set[int] = set()
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"insightlog serve exited with {self.process.returncode}:\n{self.stderr}"
                )
            try:
                _, worker = self.request_with_worker("GET", "/api/projects/0/insights")
            except (requests.ConnectionError, AssertionError):
                time.sleep(0.05)
                continue
            answered.add(worker)
            if len(answered) == self.workers and len(self.worker_pids()) == self.workers:
                return
        raise AssertionError(
            f"insightlog serve did not answer from {self.workers} workers within {within} s "
            f"(answered: {sorted(answered)}):\n{self.stderr}"
        )

    def terminate(self, within: float = 10.0) -> int | None:
        """SIGTERM and wait; returns the exit code, or None if it had to be killed."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            return None
