"""Analytics events on SQLite: a file of their own beside the event store, so a burst of
captured events never waits on (or holds up) the writer of domain events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.analytics_event import CapturedEvent
from store import json_codec
from store.analytics_events import AnalyticsEvents
from store.chain_rows import chain_row
from store.database import Cursor
from store.regex_patterns import compiled
from store.sqlite_database import SqliteDatabase


def _regexp(pattern: str, value: str | None) -> bool | None:
    return None if value is None else compiled(pattern).search(value) is not None


def _lower(value: str | None) -> str | None:
    # SQLite's own lower() folds ASCII only; icontains must fold "Ü" as PostgreSQL does.
    return None if value is None else value.lower()


class SqliteAnalyticsEvents(AnalyticsEvents):
    """AnalyticsEvents in a SQLite file; `x REGEXP p` is RE2's search."""

    def __init__(self, path: str) -> None:
        super().__init__(
            SqliteDatabase(path, functions={"regexp": (2, _regexp), "lower": (1, _lower)})
        )

    def close(self) -> None:
        self.database.close()

    def ddl(self) -> list[str]:
        return [
            (
                "CREATE TABLE IF NOT EXISTS analytics_events ("
                "project_id INTEGER NOT NULL, uuid TEXT NOT NULL, event TEXT NOT NULL, "
                "distinct_id TEXT NOT NULL, timestamp INTEGER NOT NULL, "
                "properties TEXT NOT NULL, elements_chain TEXT NOT NULL, chain_hash INTEGER, "
                "UNIQUE (project_id, uuid))"
            ),
            (
                "CREATE INDEX IF NOT EXISTS analytics_events_by_time "
                "ON analytics_events (project_id, event, timestamp)"
            ),
            *_STATS_DDL,
        ]

    def _insert_new(
        self, cursor: Cursor, events: Sequence[CapturedEvent]
    ) -> list[tuple[int, UUID]]:
        new = []
        for event in events:
            row = cursor.execute(
                "INSERT INTO analytics_events (project_id, uuid, event, distinct_id, "
                "timestamp, properties, elements_chain, chain_hash) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING uuid",
                (
                    event.project_id,
                    str(event.uuid),
                    event.event,
                    event.distinct_id,
                    event.timestamp,
                    json_codec.dumps(event.properties).decode(),
                    event.elements_chain,
                    chain_row(event.elements_chain)[0] if event.elements_chain else None,
                ),
            ).fetchone()
            if row is not None:
                new.append((event.project_id, event.uuid))
        return new

    def _property(self, key: str) -> tuple[str, list[Any]]:
        # PostHog compares the JSON text: booleans as true/false (json_extract gives 1/0),
        # numbers as written (`->` keeps their text; a cast to TEXT would round them).
        # SQLite matches a quoted path label against the key as the JSON text spells it, so
        # the label is the key as our encoder wrote it (a backslash escaped, for one).
        path = "$." + json_codec.dumps(key).decode()
        return (
            (
                "(CASE json_type(properties, %s) WHEN 'text' THEN json_extract(properties, %s) "
                "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN NULL "
                "ELSE properties -> %s END)"
            ),
            [path, path, path],
        )

    def _matches(self, expression: str) -> str:
        return f"{expression} REGEXP %s"


_STATS_DDL = [
    (
        "CREATE TABLE IF NOT EXISTS element_stats ("
        "project_id INTEGER NOT NULL, event TEXT NOT NULL, day INTEGER NOT NULL, "
        "chain_hash INTEGER NOT NULL, count INTEGER NOT NULL, version INTEGER NOT NULL, "
        "PRIMARY KEY (project_id, chain_hash, event, day)) WITHOUT ROWID"
    ),
    (
        "CREATE TABLE IF NOT EXISTS element_chains ("
        "project_id INTEGER NOT NULL, chain_hash INTEGER NOT NULL, chain TEXT NOT NULL, "
        "elements TEXT NOT NULL, tag_name TEXT, text TEXT, href TEXT, attr_id TEXT, "
        "PRIMARY KEY (project_id, chain_hash))"
    ),
]
