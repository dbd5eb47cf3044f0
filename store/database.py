"""Connections for our own tables (read models, sequences), on SQLite or PostgreSQL.

SQL is written once with `%s` placeholders; the SQLite adapter rewrites them to `?`.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Literal

import psycopg
from eventsourcing.persistence import ConnectionUnavailableError

Row = tuple[Any, ...]
SqlType = Literal["bigint", "text"]
MAX_PARAMETERS = 30_000
"""Parameters per statement, within PostgreSQL's 65,535 and the 32,766 of SQLite builds
since 3.32 (older ones say less: `SqliteCursor.max_parameters`)."""


def integer_key(dialect: str) -> str:
    """A column definition of a BIGINT primary key. On SQLite it is the rowid itself (only
    `INTEGER PRIMARY KEY` is), not an index beside the table that every insert writes too."""
    return "INTEGER PRIMARY KEY" if dialect == "sqlite" else "BIGINT PRIMARY KEY"


def clustered(dialect: str) -> str:
    """The end of a CREATE TABLE with a composite primary key. On SQLite the rows are then
    kept in that key's order: one b-tree to write, not a rowid table and an index."""
    return " WITHOUT ROWID" if dialect == "sqlite" else ""


# sqlite3 says "OperationalError" for a mistyped statement too: only these words mean the
# file could not be used just now ("database table is locked" is a clash on one connection,
# which waiting does not clear).
_SQLITE_OUTAGES = (
    "database is locked",
    "unable to open database file",
    "disk I/O error",
    "database or disk is full",
)
# PostgreSQL's SQLSTATEs (classes and codes) of a server that cannot serve just now: a lost
# or refused connection, a shutdown or restart, exhausted resources, a lock or a statement
# that waited past its timeout. Program limits (54) and other states are the statement's own.
_POSTGRES_OUTAGE_CLASSES = ("08", "53")
_POSTGRES_OUTAGES = frozenset(
    {"57P01", "57P02", "57P03", "57P04", "57P05", "55P03", "57014", "25P03"}
)
"""25P03: the server ended a transaction whose client went silent (a network gone quiet)."""


def is_outage(error: BaseException) -> bool:
    """Whether `error`, or what it was raised from, says the database cannot be used just now
    (unreachable, restarting, locked past waiting), not that a statement was wrong."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionUnavailableError):
            return True  # The event store's pool waited past its timeout.
        if isinstance(seen, psycopg.Error):
            state = seen.sqlstate
            if state is None:
                # The client's own failure to connect, or its pool's timeout.
                return isinstance(seen, psycopg.OperationalError)
            return state[:2] in _POSTGRES_OUTAGE_CLASSES or state in _POSTGRES_OUTAGES
        if isinstance(seen, sqlite3.OperationalError):
            return any(words in str(seen) for words in _SQLITE_OUTAGES)
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return False


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
    def transaction(
        self, *, write: bool = False, lock_wait_ms: int | None = None, durable: bool = False
    ) -> Any:
        """A context manager yielding a Cursor inside one transaction; `write` takes the
        write lock up front (SQLite). With `lock_wait_ms` (PostgreSQL), waiting longer than
        that for any lock rolls the transaction back with LockBusyError. A `durable` commit
        waits for the disk: read models can be rebuilt after a crash, data of its own cannot."""

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

    @abstractmethod
    def json_elements(self, column: str) -> str:
        """A table expression of the elements of `column`'s JSON array of texts, one row
        each, in a column named `value`."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement that changes no table (a read, or drawing from a sequence) and
        return every row."""
        with self.transaction() as cursor:
            return cursor.execute(sql, params).fetchall()
