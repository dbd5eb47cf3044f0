"""Table creation: idempotent, and serialized so concurrent runs cannot race."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from projections.rebuild import install
from store.backend import open_backend
from store.config import DatabaseUrl, ensure_directory_of
from store.sequences import sequence_ddl

_ADVISORY_LOCK_KEY = 7_150_424_615


@contextmanager
def _migration_lock(url: DatabaseUrl) -> Iterator[None]:
    if url.backend == "sqlite":
        lock_path = Path(f"{url.sqlite_path}.migrate-lock")
        ensure_directory_of(str(lock_path))
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))


def migrate(url: DatabaseUrl) -> None:
    """Create the event store's tables and every table of ours that does not exist yet."""
    with _migration_lock(url):
        backend = open_backend(url, create_tables=True)
        try:
            with backend.database.transaction(write=True) as cursor:
                for statement in sequence_ddl(backend.database.dialect):
                    cursor.execute(statement)
            install(backend.projectors)
            backend.analytics.install()
        finally:
            backend.close()
