"""Integer id allocation for aggregates that PostHog clients address by number."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from store.database import Cursor, Database, Row

ReadOne = Callable[[str, Sequence[Any]], Row | None]

SEQUENCES = ("team", "insight", "dashboard", "tile", "user", "element")


def sequence_ddl(dialect: str) -> list[str]:
    """Statements that create every sequence (idempotent)."""
    if dialect == "postgresql":
        return [f"CREATE SEQUENCE IF NOT EXISTS {name}_id_seq" for name in SEQUENCES]
    return [
        "CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        *(
            f"INSERT INTO sequences (name, value) VALUES ('{name}', 0) ON CONFLICT DO NOTHING"
            for name in SEQUENCES
        ),
    ]


class Sequences:
    """Hands out increasing ids. Gaps are possible; after a crash an id may come again,
    which a create detects (its aggregate exists) and answers by drawing another."""

    def __init__(self, database: Database, read_on_writer: ReadOne | None = None) -> None:
        """`read_on_writer` (SQLite): a read on one of the connections that write the events."""
        self._database = database
        self._read = read_on_writer or database.execute_one
        self._lock = threading.Lock()
        self._proposed: dict[str, int] = {}

    def propose(self, name: str) -> int:
        """An id for a new aggregate, from a sequence whose ids name aggregates of one kind
        only; the transaction saving the aggregate `claim`s it. Two writers that propose
        the same id clash on the aggregate's own id, and the loser proposes again."""
        if self._database.dialect == "postgresql":
            return self.next_id(name)
        # NOTE: on SQLite, read, not drawn: drawing is a write transaction of its own. And
        # read on the events' own connection: after each write there, another connection
        # reads every page again. Together these were a sixth of an insight create.
        row = self._read("SELECT value FROM sequences WHERE name = %s", (name,))
        assert row is not None
        with self._lock:
            # Threads of this process never propose alike; a failed attempt's id is skipped.
            proposed = max(int(row[0]), self._proposed.get(name, 0)) + 1
            self._proposed[name] = proposed
        return proposed

    def claim(self, cursor: Cursor, name: str, value: int) -> None:
        """Inside the transaction saving the aggregate that proposed `value` is for: count
        it as taken (PostgreSQL's sequence already has)."""
        if self._database.dialect == "sqlite":
            cursor.execute(
                "UPDATE sequences SET value = %s WHERE name = %s AND value < %s",
                (value, name, value),
            )

    def next_id(self, name: str) -> int:
        """Allocate the next id of sequence `name`."""
        if name not in SEQUENCES:
            raise ValueError(f"unknown sequence {name!r}")
        if self._database.dialect == "postgresql":
            # A single statement on the thread's own connection: one round trip, no pool.
            # Should it be retried after a lost connection, an id is skipped, never reused.
            row: tuple[Any, ...] | None = self._database.query(f"SELECT nextval('{name}_id_seq')")[
                0
            ]
        else:
            row = self._database.execute_one(
                "UPDATE sequences SET value = value + 1 WHERE name = %s RETURNING value", (name,)
            )
        assert row is not None
        return int(row[0])
