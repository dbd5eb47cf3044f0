"""Connections for our own tables (read models, sequences), on SQLite or PostgreSQL.

SQL is written once with `%s` placeholders; the SQLite adapter rewrites them to `?`.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import orjson
import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from store.config import DatabaseUrl

Row = tuple[Any, ...]
SqlType = Literal["bigint", "text"]
READ_ATTEMPTS = 3
MAX_READERS = 8
MAX_PARAMETERS = 30_000
"""Parameters per statement, within PostgreSQL's 65,535 and the 32,766 of SQLite builds
since 3.32 (older ones say less: `SqliteCursor.max_parameters`)."""


class LockBusyError(Exception):
    """A transaction that would not wait found a table lock taken; nothing was changed."""


class Cursor(ABC):
    """The part of a DB-API cursor our SQL needs, the same on both backends."""

    @property
    def max_parameters(self) -> int:
        """How many parameters one statement may take."""
        return MAX_PARAMETERS

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def fetchone(self) -> Row | None: ...

    @abstractmethod
    def fetchall(self) -> list[Row]: ...

    def insert_values(self, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
        """Run `head VALUES (...), (...) tail` over the rows, many rows per statement: a
        statement per row costs the server far more than the rows themselves."""
        if not rows:
            return
        width = len(rows[0])
        per_statement = max(1, self.max_parameters // width)
        row_marks = "(" + ", ".join(["%s"] * width) + ")"
        for first in range(0, len(rows), per_statement):
            chunk = rows[first : first + per_statement]
            marks = ", ".join([row_marks] * len(chunk))
            self.execute(f"{head} VALUES {marks} {tail}", [value for row in chunk for value in row])


class Database(ABC):
    """A pool of connections to the database that holds the events and our tables."""

    dialect: str

    @abstractmethod
    def transaction(self, *, write: bool = False, lock_wait_ms: int | None = None) -> Any:
        """A context manager yielding a Cursor inside one transaction; `write` takes the
        write lock up front (SQLite). With `lock_wait_ms` (PostgreSQL), waiting longer than
        that for any lock rolls the transaction back with LockBusyError."""

    @abstractmethod
    def execute_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run one statement on its own (autocommit) and return its first row."""

    @abstractmethod
    def shadow(self) -> Any:
        """A context manager yielding an empty Database where unqualified table names resolve
        to tables built beside the live ones (for a rebuild), removed afterwards."""

    @abstractmethod
    def replace_tables(
        self, cursor: Cursor, shadow: Database, tables: Sequence[str], ddl: Sequence[str]
    ) -> None:
        """Inside a live write transaction: make the shadow's `tables` the live ones.
        `ddl` creates them (and their indexes) where a copy is needed."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def one_of(
        self, column: str, values: Sequence[int] | Sequence[str], of: SqlType = "bigint"
    ) -> tuple[str, list[Any]]:
        """A condition that `column` (of SQL type `of`) is one of `values`, and its
        parameters: a single one, so that no number of values reaches the backend's limit on
        parameters."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement that changes no table (a read, or drawing from a sequence) and
        return every row."""
        with self.transaction() as cursor:
            return cursor.execute(sql, params).fetchall()


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


class SqliteDatabase(Database):
    """One connection per thread to the SQLite file, in WAL mode."""

    dialect = "sqlite"

    def __init__(
        self, path: str, functions: Mapping[str, tuple[int, Callable[..., Any]]] | None = None
    ) -> None:
        self._path = path
        self.path = path
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
            # NOTE: our tables are rebuildable from the event store, which keeps the library's
            # own (full) durability; NORMAL is still crash-safe in WAL mode.
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
        self, *, write: bool = False, lock_wait_ms: int | None = None
    ) -> Iterator[Cursor]:
        connection = self._connection()
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

    @contextmanager
    def shadow(self) -> Iterator[Database]:
        path = Path(self._path)
        shadow_path = path.with_name(f"{path.stem}-rebuild{path.suffix}")
        _remove_sqlite_files(shadow_path)
        shadow = SqliteDatabase(str(shadow_path))
        connection = self._connection()
        # NOTE: SQLite attaches only outside a transaction, and a table cannot move between
        # files: the switch copies the rebuilt rows, in one transaction that writers wait
        # for and readers (WAL) do not notice.
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


class PostgresCursor(Cursor):
    """Statements on one connection, each through a psycopg cursor of its own.

    In pipeline mode (a write's transaction), psycopg attaches a result to the cursor that
    sent its statement whenever the result arrives; a reused cursor could then offer an
    earlier statement's result as a later one's rows.
    """

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection
        self._cursor: psycopg.Cursor[Row] | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._cursor = self._connection.cursor(row_factory=tuple_row)
        self._cursor.execute(sql, params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor = self._connection.cursor(row_factory=tuple_row)
        self._cursor.executemany(sql, rows)

    def fetchone(self) -> Row | None:
        return self._executed().fetchone()

    def fetchall(self) -> list[Row]:
        return self._executed().fetchall()

    def _executed(self) -> psycopg.Cursor[Row]:
        if self._cursor is None:
            raise psycopg.ProgrammingError("no statement was executed")
        return self._cursor


class PostgresDatabase(Database):
    """A psycopg connection pool; opened lazily so it is never shared across a fork."""

    dialect = "postgresql"
    SHADOW_SCHEMA = "insightlog_rebuild"

    def __init__(self, url: DatabaseUrl, max_size: int = 10, schema: str = "public") -> None:
        self._url = url
        # NOTE: our tables are rebuildable from the event store, which keeps the library's
        # own (full) durability: commits here need not wait for the disk.
        options = "-c synchronous_commit=off"
        if schema != "public":
            options += f" -c search_path={schema},public"
        self._pool = ConnectionPool(
            url.conninfo,
            min_size=1,
            max_size=max_size,
            open=False,
            name="insightlog",
            kwargs={"autocommit": True, "options": options},
        )
        self._opened = False
        self._lock = threading.Lock()
        self._options = options
        self._readers: list[psycopg.Connection[Any]] = []
        self._local = threading.local()

    def _open(self) -> None:
        with self._lock:
            if not self._opened:
                self._pool.open(wait=True, timeout=30)
                self._opened = True

    def _read(self, sql: str, params: Sequence[Any]) -> list[Row]:
        # Each thread (up to MAX_READERS of them) keeps a connection of its own for single
        # reads: checking one out of the pool and back costs as much client time as the
        # query itself.
        connection: psycopg.Connection[Any] | None = getattr(self._local, "reader", None)
        if connection is None or connection.closed:
            with self._lock:
                self._readers = [reader for reader in self._readers if not reader.closed]
                if len(self._readers) < MAX_READERS:
                    connection = psycopg.connect(
                        self._url.conninfo, autocommit=True, options=self._options
                    )
                    self._readers.append(connection)
            self._local.reader = connection
        if connection is None:
            if not self._opened:
                self._open()
            with self._pool.connection() as pooled:
                return pooled.execute(sql, params).fetchall()
        try:
            return connection.execute(sql, params).fetchall()
        except psycopg.OperationalError:
            connection.close()  # Broken, or the read lost a deadlock: the next gets a new one.
            raise

    @contextmanager
    def transaction(
        self, *, write: bool = False, lock_wait_ms: int | None = None
    ) -> Iterator[Cursor]:
        if not self._opened:
            self._open()
        try:
            with self._pool.connection() as connection, connection.transaction():
                cursor = PostgresCursor(connection)
                if lock_wait_ms is not None:
                    cursor.execute(f"SET LOCAL lock_timeout = {int(lock_wait_ms)}")
                yield cursor
        except psycopg.errors.LockNotAvailable as error:
            raise LockBusyError(str(error)) from None

    def one_of(
        self, column: str, values: Sequence[int] | Sequence[str], of: SqlType = "bigint"
    ) -> tuple[str, list[Any]]:
        return f"{column} = ANY(%s::{of}[])", [list(values)]

    def execute_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        if not self._opened:
            self._open()
        with self._pool.connection() as connection:
            return connection.execute(sql, params).fetchone()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        # One statement is its own transaction: without BEGIN and COMMIT around it, a read
        # costs one round trip instead of three.
        attempts = 1
        while True:
            try:
                return self._read(sql, params)
            except psycopg.OperationalError:
                # A read that lost a deadlock to a rebuild's switch, or whose connection
                # broke (a server restart, say), changed nothing: it can run again.
                if attempts == READ_ATTEMPTS:
                    raise
                attempts += 1

    @contextmanager
    def shadow(self) -> Iterator[Database]:
        schema = self.SHADOW_SCHEMA
        with self.transaction(write=True) as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {schema}")
        shadow = PostgresDatabase(self._url, max_size=2, schema=schema)
        try:
            yield shadow
        finally:
            shadow.close()
            with self.transaction(write=True) as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def replace_tables(
        self, cursor: Cursor, shadow: Database, tables: Sequence[str], ddl: Sequence[str]
    ) -> None:
        # Tables move between schemas with their rows and indexes: nothing is copied.
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS public.{table}")
            cursor.execute(f"ALTER TABLE {self.SHADOW_SCHEMA}.{table} SET SCHEMA public")

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False
        with self._lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()
        self._local = threading.local()


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def connect(url: DatabaseUrl) -> Database:
    """Open our tables' database named by `url`."""
    if url.backend == "sqlite":
        return SqliteDatabase(url.sqlite_path)
    return PostgresDatabase(url)
