"""Our tables on PostgreSQL: a connection pool for transactions, a connection per thread
for single reads."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from store.config import DatabaseUrl
from store.database import Cursor, Database, LockBusyError, Row, SqlType

READ_ATTEMPTS = 3
WAIT_SECONDS = 5
"""How long a request waits for a connection: when the server is down, it gets a 503 this
soon, well within a worker's timeout."""
RECONNECT_SECONDS = 3.0
"""How long a pool keeps retrying, with growing pauses, before it gives up until the next
request. psycopg_pool's 300 s let its pauses grow to a minute: after an outage of a minute or
two, requests went on failing for 20-30 s once the server was back."""
MAX_READERS = 8
REBUILD_LOCK = 73_638_401  # Any constant: the advisory lock key of rebuilds.


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
        self._max_size = max_size
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
            timeout=WAIT_SECONDS,
            reconnect_timeout=RECONNECT_SECONDS,
            kwargs={"autocommit": True, "options": options, "connect_timeout": WAIT_SECONDS},
        )
        self._opened = False
        self._lock = threading.Lock()
        self._options = options
        self._readers: list[psycopg.Connection[Any]] = []
        self._local = threading.local()

    def _open(self) -> None:
        with self._lock:
            if not self._opened:
                # Not waiting for the first connections: a pool cannot be opened twice, so one
                # that failed to fill (the server down at the first request) must still count
                # as open, and it keeps connecting in the background until the server is back.
                self._pool.open()
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
                        self._url.conninfo,
                        autocommit=True,
                        options=self._options,
                        connect_timeout=WAIT_SECONDS,
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
        self, *, write: bool = False, lock_wait_ms: int | None = None, durable: bool = False
    ) -> Iterator[Cursor]:
        if not self._opened:
            self._open()
        try:
            with self._begun(read_only=not write) as connection:
                cursor = PostgresCursor(connection)
                if durable:
                    cursor.execute("SET LOCAL synchronous_commit = on")
                if lock_wait_ms is not None:
                    cursor.execute(f"SET LOCAL lock_timeout = {int(lock_wait_ms)}")
                yield cursor
        except psycopg.errors.LockNotAvailable as error:
            raise LockBusyError(str(error)) from None

    @contextmanager
    def _begun(self, *, read_only: bool) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection inside a transaction. One the server closed (a restart, a
        terminated backend) fails at BEGIN, before anything ran on it: the pool drops it and
        the next one is tried, so an outage costs no request, and no check costs a round trip
        on every checkout."""
        for attempt in range(self._max_size + 1):
            with ExitStack() as stack:
                connection = stack.enter_context(self._pool.connection())
                # A read sees one snapshot for all its statements (a page and its count, a
                # list and its tiles); the server's default gives each statement its own.
                # Sent with the BEGIN itself: no round trip more.
                connection.isolation_level = (
                    psycopg.IsolationLevel.REPEATABLE_READ if read_only else None
                )
                connection.read_only = read_only or None
                try:
                    stack.enter_context(connection.transaction())
                except psycopg.OperationalError:
                    if attempt == self._max_size:
                        raise
                    continue
                yield connection
                return

    def one_of(
        self, column: str, values: Sequence[int] | Sequence[str], of: SqlType = "bigint"
    ) -> tuple[str, list[Any]]:
        return f"{column} = ANY(%s::{of}[])", [list(values)]

    def json_elements(self, column: str) -> str:
        return f"jsonb_array_elements_text({column}::jsonb) AS elements(value)"

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
        # One rebuild at a time: they share the shadow schema (a second waits for the first;
        # the lock goes with the connection that holds it).
        with psycopg.connect(self._url.conninfo, autocommit=True) as lock:
            lock.execute("SELECT pg_advisory_lock(%s)", (REBUILD_LOCK,))
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
