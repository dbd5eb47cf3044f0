"""Throwaway databases for benchmarks: a SQLite file or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from store.config import DatabaseUrl
from store.migrate import migrate

POSTGRES_SERVER = os.environ.get(
    "INSIGHTLOG_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def scratch_database(backend: str) -> Iterator[DatabaseUrl]:
    """A migrated, empty database that is removed afterwards."""
    name = f"insightlog_bench_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="insightlog-bench-") as directory:
            url = DatabaseUrl.parse(f"sqlite:///{Path(directory) / name}.sqlite3")
            migrate(url)
            yield url
        return
    server = DatabaseUrl.parse(POSTGRES_SERVER)
    with psycopg.connect(server.conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = DatabaseUrl(
        backend="postgresql",
        user=server.user,
        password=server.password,
        host=server.host,
        port=server.port,
        dbname=name,
    )
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(server.conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
