"""Our tables on SQLite: one connection per thread to the database file, in WAL mode."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from store.database import MAX_PARAMETERS, Cursor, Database, Row, SqlType


@lru_cache(maxsize=1024)
def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")


class SqliteCursor(Cursor):
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def max_parameters(self) -> int:
        limit = self._cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return min(MAX_PARAMETERS, limit)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._cursor.execute(_qmark(sql), params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(_qmark(sql), rows)

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()


@contextmanager
def _syncing_in_full(connection: sqlite3.Connection, durable: bool) -> Iterator[None]:
    """Commits that wait for the disk, when `durable`; the setting is the connection's."""
    if not durable:
        yield
        return
    connection.execute("PRAGMA synchronous=FULL")
    try:
        yield
    finally:
        connection.execute("PRAGMA synchronous=NORMAL")


class SqliteDatabase(Database):
    """One connection per thread to the SQLite file, in WAL mode."""

    dialect = "sqlite"

    def __init__(
        self, path: str, functions: Mapping[str, tuple[int, Callable[..., Any]]] | None = None
    ) -> None:
        self._path = path
        self._functions = dict(functions or {})
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self._path, timeout=30, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            # NOTE: read models are rebuildable from the event store, which keeps the library's
            # own (full) durability; NORMAL is still crash-safe in WAL mode, though the last
            # commits may not survive a power cut. A `durable` transaction syncs in full.
            connection.execute("PRAGMA synchronous=NORMAL")
            # Reads of large projects want their pages in memory, not behind a syscall.
            connection.execute("PRAGMA cache_size=-65536")
            connection.execute("PRAGMA mmap_size=268435456")
            for name, (arity, function) in self._functions.items():
                connection.create_function(name, arity, function, deterministic=True)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(
        self, *, write: bool = False, lock_wait_ms: int | None = None, durable: bool = False
    ) -> Iterator[Cursor]:
        connection = self._connection()
        with _syncing_in_full(connection, durable):
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield SqliteCursor(connection.cursor())
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def execute_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        # A lone statement is its own transaction: no BEGIN and COMMIT to run. Every row is
        # fetched, because the statement (and its write lock) lasts until it has none left.
        rows = self._connection().execute(_qmark(sql), params).fetchall()
        return rows[0] if rows else None

    def one_of(
        self, column: str, values: Sequence[int] | Sequence[str], of: SqlType = "bigint"
    ) -> tuple[str, list[Any]]:
        return f"{column} IN (SELECT value FROM json_each(%s))", [
            orjson.dumps(list(values)).decode()
        ]

    def json_elements(self, column: str) -> str:
        return f"json_each({column})"

    @contextmanager
    def shadow(self) -> Iterator[Database]:
        path = Path(self._path)
        shadow_path = path.with_name(f"{path.stem}-rebuild{path.suffix}")
        # One rebuild at a time: they share the shadow file (a second waits for the first).
        with open(path.with_name(f"{path.stem}-rebuild.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _remove_sqlite_files(shadow_path)
            shadow = SqliteDatabase(str(shadow_path))
            connection = self._connection()
            # NOTE: SQLite attaches only outside a transaction, and a table cannot move
            # between files: the switch copies the rebuilt rows, in one transaction that
            # writers wait for and readers (WAL) do not notice.
            connection.execute("ATTACH DATABASE ? AS rebuild", (str(shadow_path),))
            try:
                yield shadow
            finally:
                connection.execute("DETACH DATABASE rebuild")
                shadow.close()
                _remove_sqlite_files(shadow_path)

    def replace_tables(
        self, cursor: Cursor, shadow: Database, tables: Sequence[str], ddl: Sequence[str]
    ) -> None:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS main.{table}")
        for statement in ddl:
            cursor.execute(statement)
        for table in tables:
            cursor.execute(f"INSERT INTO main.{table} SELECT * FROM rebuild.{table}")

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
