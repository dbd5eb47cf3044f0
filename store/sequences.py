"""Integer id allocation for aggregates that PostHog clients address by number."""

from __future__ import annotations

from typing import Any

from store.database import Database

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

    def __init__(self, database: Database) -> None:
        self._database = database

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
