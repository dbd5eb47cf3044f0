"""The library's application recorders, writing each event's chain hash in the same
transaction as the event (selected with APPLICATION_RECORDER_TOPIC)."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.sql import SQL, Identifier

from store.database import Cursor
from store.hash_chain import hash_table, insert_hashes, stored_hash
from store.projecting_recorders import (
    ProjectingPostgresApplicationRecorder,
    ProjectingSQLiteApplicationRecorder,
)


class _Chaining:
    """Each new event's hash, chained to the last one stored, in the transaction writing it."""

    hashes: str
    """The hash table, as SQL names it."""

    def _read_for_writing(self, cursor: Cursor) -> Cursor:
        return cursor.execute(
            f"SELECT hash FROM {self.hashes} ORDER BY notification_id DESC LIMIT 1"
        )

    def _written(
        self, reading: Cursor, positions: Sequence[int], stored_events: Sequence[StoredEvent]
    ) -> None:
        row = reading.fetchone()
        insert_hashes(
            reading, self.hashes, bytes(row[0]) if row else None, positions, stored_events
        )


class ChainedSQLiteApplicationRecorder(_Chaining, ProjectingSQLiteApplicationRecorder):
    """SQLite: the single writer lock orders the chain."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        self.hash_table_name = hash_table(events_table_name)
        self.hashes = self.hash_table_name
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            (
                f"CREATE TABLE IF NOT EXISTS {self.hash_table_name} ("
                "notification_id INTEGER PRIMARY KEY, hash BLOB NOT NULL)"
            ),
        ]

    def last_hashed(self) -> int:
        """The highest position with a hash (0 when none)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT max(notification_id) FROM {self.hash_table_name}")
            row = c.fetchone()
            return int(row[0]) if row and row[0] is not None else 0

    def select_hashes(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        """(position, hash) pairs after `after`, in position order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, hash FROM {self.hash_table_name} "
                "WHERE notification_id > ? ORDER BY notification_id LIMIT ?",
                (after, limit),
            )
            return [(int(row[0]), stored_hash(row[1])) for row in c.fetchall()]

    def first_unreadable(self, head: int) -> tuple[int, str] | None:
        """The first event up to `head` whose originator id is not written as the library
        writes it (32 lower-case hex digits), and why: the library cannot decode it, or,
        spelled otherwise, decodes and hashes it alike but no longer finds it in its
        aggregate's stream."""
        # NOTE: SQLite's length() and GLOB stop at a NUL; Python reads past it.
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT min(rowid) FROM {self.events_table_name} WHERE rowid <= ? AND ("
                "typeof(originator_id) != 'text' "
                "OR length(CAST(originator_id AS BLOB)) != 32 "
                "OR instr(originator_id, char(0)) > 0 "
                "OR originator_id GLOB '*[^0-9a-f]*')",
                (head,),
            )
            row = c.fetchone()
        if row is None or row[0] is None:
            return None
        return int(row[0]), "was altered: its originator id is not as the store writes it"


class ChainedPostgresApplicationRecorder(_Chaining, ProjectingPostgresApplicationRecorder):
    """PostgreSQL: the store's EXCLUSIVE table lock orders the chain."""

    def __init__(
        self, datastore: PostgresDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.hash_table_name = hash_table(events_table_name)
        self.hashes = f'"{self.datastore.schema}"."{self.hash_table_name}"'
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "notification_id bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(
                schema=Identifier(self.datastore.schema), table=Identifier(self.hash_table_name)
            )
        )

    def last_hashed(self) -> int:
        """The highest position with a hash (0 when none)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(f"SELECT max(notification_id) AS last FROM {self.hashes}")
            row = curs.fetchone()
            return int(row["last"]) if row and row["last"] is not None else 0

    def first_unreadable(self, head: int) -> tuple[int, str] | None:
        """The first event up to `head` without a state, which the library cannot decode,
        and why (a uuid column holds each id in one form only, the version is NOT NULL, and
        a NULL topic decodes, for the chain to report)."""
        statement = SQL(
            "SELECT min(notification_id) AS first FROM {schema}.{table} "
            "WHERE notification_id <= %s AND state IS NULL"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (head,))
            row = curs.fetchone()
        if row is None or row["first"] is None:
            return None
        return int(row["first"]), "was altered"

    def select_hashes(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        """(position, hash) pairs after `after`, in position order."""
        statement = SQL(
            "SELECT notification_id, hash FROM {schema}.{table} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.hash_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (after, limit))
            return [
                (int(row["notification_id"]), stored_hash(row["hash"])) for row in curs.fetchall()
            ]
