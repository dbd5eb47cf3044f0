"""An index of every insight event: where it sits in the log, its version, when it happened,
and whether it shows in the activity log. Activity pages and time travel find their events
here, then read just those events from the log by position: the history itself is never
copied out of the event store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from domain.insight import Insight
from domain.insight_activity import activity_verb
from domain.instants import to_micros
from projections.projection import Projection
from store.database import Cursor, Database, clustered

_COLUMNS = "position, insight_id, version, environment_id, at"


@dataclass(frozen=True)
class HistoryEntry:
    """Where one insight event is: its log position and its version in the insight stream."""

    position: int
    insight_id: int
    version: int
    environment_id: int
    at: int


class InsightHistoryProjection(Projection):
    """Keeps `insight_history`, one row per insight event."""

    name = "insight_history"
    # 2: a change between values only Python deems equal (1, true) shows in the activity log.
    # 3: rows keyed by insight (on SQLite, stored in that order).
    version = 3
    tables = ("insight_history",)
    topics: ClassVar[tuple[str, ...]] = tuple(
        get_topic(cls)
        for cls in (Insight.Created, Insight.Updated, Insight.Deleted, Insight.Restored)
    )

    def ddl(self, dialect: str) -> list[str]:
        statements = [
            (
                # NOTE: the key's columns first, in its order: SQLite 3.40-3.41's integrity
                # check misreads a WITHOUT ROWID table whose key is ordered otherwise.
                "CREATE TABLE IF NOT EXISTS insight_history ("
                "insight_id BIGINT NOT NULL, environment_id BIGINT NOT NULL, "
                "activity INTEGER NOT NULL, position BIGINT NOT NULL, version BIGINT NOT NULL, "
                "project_id BIGINT NOT NULL, at BIGINT NOT NULL, "
                f"PRIMARY KEY (insight_id, environment_id, activity, position)){clustered(dialect)}"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insight_history_by_environment "
                "ON insight_history (environment_id, activity, position)"
            ),
        ]
        if dialect == "postgresql":
            # Time travel reads an insight's times. SQLite keeps an insight's rows together in
            # the table itself, so reading them there spares every write a third b-tree.
            statements.append(
                "CREATE INDEX IF NOT EXISTS insight_history_by_time "
                "ON insight_history (insight_id, at)"
            )
        return statements

    def process_batch(self, cursor: Cursor, events: Sequence[tuple[int, Any]]) -> None:
        cursor.executemany(
            "INSERT INTO insight_history "
            "(position, insight_id, version, project_id, environment_id, at, activity) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    position,
                    event.insight_id,
                    event.originator_version,
                    event.project_id,
                    event.environment_id,
                    to_micros(event.timestamp),
                    int(activity_verb(event) is not None),
                )
                for position, event in events
                if isinstance(event, Insight.Created | Insight.Changed)
            ],
        )


class InsightHistory:
    """Queries over the history index."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def activity_page(
        self,
        environment_id: int,
        insight_id: int | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[HistoryEntry]]:
        """(total, page) of the events that show in the activity log of this environment,
        for one insight or all of them, newest first in log order."""
        where = "environment_id = %s AND activity = 1"
        params: list[Any] = [environment_id]
        if insight_id is not None:
            where = "insight_id = %s AND " + where
            params.insert(0, insight_id)
        with self._database.transaction() as cursor:
            total = cursor.execute(
                f"SELECT count(*) FROM insight_history WHERE {where}", params
            ).fetchone()
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM insight_history WHERE {where} "
                "ORDER BY position DESC LIMIT %s OFFSET %s",
                (*params, limit, offset),
            ).fetchall()
        assert total is not None
        return int(total[0]), [HistoryEntry(*(int(value) for value in row)) for row in rows]

    def version_at(self, insight_id: int, at: int) -> int | None:
        """The insight's version at an instant (microseconds), or None before it existed."""
        rows = self._database.query(
            "SELECT max(version) FROM insight_history WHERE insight_id = %s AND at <= %s",
            (insight_id, at),
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])
