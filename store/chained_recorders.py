"""The library's application recorders, writing each event's chain hash in the same
transaction as the event (selected with APPLICATION_RECORDER_TOPIC)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg.sql import SQL, Identifier

from store.hash_chain import hash_table, insert_hashes


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """SQLite: the single writer lock orders the chain."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        self.hash_table_name = hash_table(events_table_name)
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            (
                f"CREATE TABLE IF NOT EXISTS {self.hash_table_name} ("
                "notification_id INTEGER PRIMARY KEY, hash BLOB NOT NULL)"
            ),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            c.execute(
                f"SELECT hash FROM {self.hash_table_name} ORDER BY notification_id DESC LIMIT 1"
            )
            row = c.fetchone()
            insert_hashes(
                c, self.hash_table_name, row[0] if row else None, positions, stored_events, "?"
            )
        return positions

    def select_hashes(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        """(position, hash) pairs after `after`, in position order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, hash FROM {self.hash_table_name} "
                "WHERE notification_id > ? ORDER BY notification_id LIMIT ?",
                (after, limit),
            )
            return [(int(row[0]), bytes(row[1])) for row in c.fetchall()]


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """PostgreSQL: the store's EXCLUSIVE table lock orders the chain."""

    def __init__(
        self, datastore: PostgresDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.hash_table_name = hash_table(events_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "notification_id bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(
                schema=Identifier(self.datastore.schema), table=Identifier(self.hash_table_name)
            )
        )

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if positions:
            table = f'"{self.datastore.schema}"."{self.hash_table_name}"'
            curs.execute(f"SELECT hash FROM {table} ORDER BY notification_id DESC LIMIT 1")
            row = curs.fetchone()
            previous = bytes(row["hash"]) if row else None
            insert_hashes(curs, table, previous, positions, stored_events, "%s")
        return positions

    def select_hashes(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        """(position, hash) pairs after `after`, in position order."""
        statement = SQL(
            "SELECT notification_id, hash FROM {schema}.{table} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.hash_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (after, limit))
            return [(int(row["notification_id"]), bytes(row["hash"])) for row in curs.fetchall()]
