"""The library's application recorders, extended so that more rows can be written inside the
transaction that writes the events: the hash chain (store/chained_recorders.py), and the
read models brought up to the new events (`save(..., project=...)`, store/backend.py).

One commit then holds the events and everything they cause, instead of a second
transaction after the first. They also read events by log position (`select_at`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    Notification,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry

from store.database import Cursor, Row
from store.postgres_database import PostgresCursor
from store.sqlite_database import SqliteCursor

Project = Callable[[Cursor, Sequence[int]], None]
"""Called with a cursor in the writing transaction and the new events' positions."""

# As the library retries its own statements (eventsourcing.postgres.insert_events, and its
# reads).
WRITE_ATTEMPTS = 10
RETRY_WAIT_SECONDS = 0.2
# psycopg's errors and the library's, most specific first, as the library maps them.
_PERSISTENCE_ERRORS: tuple[tuple[type[Exception], type[PersistenceError]], ...] = (
    (psycopg.InterfaceError, InterfaceError),
    (psycopg.OperationalError, OperationalError),
    (psycopg.DataError, DataError),
    (psycopg.IntegrityError, IntegrityError),
    (psycopg.InternalError, InternalError),
    (psycopg.ProgrammingError, ProgrammingError),
    (psycopg.NotSupportedError, NotSupportedError),
    (psycopg.DatabaseError, DatabaseError),
    (psycopg.Error, PersistenceError),
)


class _WriteAborted(BaseException):
    """Carries an error raised inside the writing transaction past the library's own
    `except Exception`, which would otherwise commit the transaction before re-raising."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


class _WritesBesideEvents:
    """Where a subclass adds rows of its own to the transaction writing events."""

    def _read_for_writing(self, cursor: Cursor) -> Cursor:
        """Start reading what `_written` needs (nothing here)."""
        return cursor

    def _written(
        self, reading: Cursor, positions: Sequence[int], stored_events: Sequence[StoredEvent]
    ) -> None:
        """Write what belongs with newly inserted events (nothing here)."""


class ProjectingSQLiteApplicationRecorder(_WritesBesideEvents, SQLiteApplicationRecorder):
    """SQLite: everything runs on the writer's own connection, in its transaction."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            cursor = SqliteCursor(c.sqlite_cursor)
            self._written(self._read_for_writing(cursor), positions, stored_events)
            project: Project | None = kwargs.get("project")
            if project is not None:
                project(cursor, positions)
        return positions

    def previous_position(self, cursor: Cursor, first: int) -> int:
        """Inside the writing transaction: the last position before `first` (0 if none)."""
        row = cursor.execute(
            f"SELECT max(rowid) FROM {self.events_table_name} WHERE rowid < %s", (first,)
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def versions_now(self, cursor: Cursor, originator_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Inside the writing transaction: each aggregate's latest version."""
        # The library stores ids as 32 hex digits here.
        rows = cursor.execute(
            f"SELECT originator_id, max(originator_version) FROM {self.events_table_name} "
            "WHERE originator_id IN (SELECT value FROM json_each(%s)) GROUP BY originator_id",
            (orjson.dumps([i.hex for i in originator_ids]).decode(),),
        ).fetchall()
        return {UUID(str(row[0])): int(row[1]) for row in rows}

    def read_on_writer(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """One read, on one of the connections that write the events: their cached pages are
        current, where a connection of ours would read them again after every write there."""
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute(sql.replace("%s", "?"), params)
            rows = cursor.fetchall()
        return tuple(rows[0]) if rows else None

    def select_at(self, positions: Sequence[int]) -> list[Notification]:
        """The events at these log positions, in one read."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} "
                "WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid",
                (orjson.dumps(list(positions)).decode(),),
            )
            return [
                Notification(
                    id=row["rowid"],
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in c.fetchall()
            ]


class ProjectingPostgresApplicationRecorder(_WritesBesideEvents, PostgresApplicationRecorder):
    """PostgreSQL: runs after the insert, under the store's table lock, so no other
    writer's events can come between."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        attempt = 1
        while True:
            try:
                return super().insert_events(stored_events, **kwargs)
            except IntegrityError:
                # The library retries a write whose connection was lost; if the loss came
                # after the commit, the retry finds these very events stored. That is our
                # write having landed, not a concurrent one: running the command again
                # would apply it twice.
                landed = self._landed(stored_events)
                if landed is None:
                    raise
                return landed
            except _WriteAborted as aborted:
                error = aborted.error
                persistence = _persistence_error(error)
                # A lost connection or a lock given up is worth another try, as the library
                # gives its own statements; anything else is final.
                if attempt == WRITE_ATTEMPTS or not isinstance(
                    persistence, (OperationalError, InterfaceError)
                ):
                    if persistence is None:
                        raise error from None
                    raise persistence from error
            attempt += 1
            time.sleep(RETRY_WAIT_SECONDS)

    def _landed(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """The positions of these events if every one is stored exactly as given."""
        table = f'"{self.datastore.schema}"."{self.events_table_name}"'
        positions = []
        with self.datastore.get_connection() as connection:
            for event in stored_events:
                row = connection.execute(
                    f"SELECT notification_id, topic, state FROM {table} "
                    "WHERE originator_id = %s AND originator_version = %s",
                    (event.originator_id, event.originator_version),
                ).fetchone()
                # The library's connections give rows as dicts.
                if row is None or (row["topic"], bytes(row["state"])) != (
                    event.topic,
                    event.state,
                ):
                    return None
                positions.append(int(row["notification_id"]))
        return positions

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if not positions:
            return positions
        try:
            # The connection is in pipeline mode: the read started here and the first read
            # of `project` travel to the server and back together.
            reading = self._read_for_writing(_cursor(curs))
            project: Project | None = kwargs.get("project")
            if project is not None:
                project(_cursor(curs), positions)
            self._written(reading, positions, stored_events)
        except Exception as error:
            # Every error, the database's own included: caught by the library, it would
            # commit, and an aborted pipeline would then report "pipeline aborted" instead.
            raise _WriteAborted(error) from error
        return positions

    def previous_position(self, cursor: Cursor, first: int) -> int:
        """Inside the writing transaction: the last position before `first` (0 if none).
        Positions can skip numbers: a rolled-back write still used them up."""
        table = f'"{self.datastore.schema}"."{self.events_table_name}"'
        row = cursor.execute(
            f"SELECT max(notification_id) FROM {table} WHERE notification_id < %s", (first,)
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def versions_now(self, cursor: Cursor, originator_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Inside the writing transaction: each aggregate's latest version."""
        table = f'"{self.datastore.schema}"."{self.events_table_name}"'
        rows = cursor.execute(
            f"SELECT originator_id, max(originator_version) FROM {table} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id",
            (list(originator_ids),),
        ).fetchall()
        return {UUID(str(row[0])): int(row[1]) for row in rows}

    # As the library retries its own reads of the log.
    @retry((InterfaceError, OperationalError), max_attempts=WRITE_ATTEMPTS, wait=RETRY_WAIT_SECONDS)
    def select_at(self, positions: Sequence[int]) -> list[Notification]:
        """The events at these log positions, in one read."""
        table = f'"{self.datastore.schema}"."{self.events_table_name}"'
        with self.datastore.get_connection() as connection:
            rows = connection.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                f"FROM {table} WHERE notification_id = ANY(%s) ORDER BY notification_id",
                (list(positions),),
            ).fetchall()
        return [
            Notification(
                id=row["notification_id"],
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]


def _persistence_error(error: Exception) -> PersistenceError | None:
    """The library's exception for a psycopg error, as its own statements would raise it
    (None for any other error)."""
    for raised, persistence in _PERSISTENCE_ERRORS:
        if isinstance(error, raised):
            return persistence(str(error))
    return None


def _cursor(curs: Any) -> Cursor:
    return PostgresCursor(curs.connection)
