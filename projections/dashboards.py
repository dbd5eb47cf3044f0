"""Read model of dashboards, for the dashboards API and for live insight-to-dashboard links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from domain.dashboard import Dashboard
from domain.instants import to_micros
from projections.projection import Projection
from store.database import Cursor, Database

_COLUMNS = (
    "id, project_id, environment_id, name, description, pinned, deleted, "
    "created_at, created_by_id, updated_at"
)


@dataclass(frozen=True)
class DashboardRow:
    """A dashboard as the read model holds it."""

    id: int
    project_id: int
    environment_id: int
    name: str | None
    description: str
    pinned: bool
    deleted: bool
    created_at: int
    created_by_id: int | None
    updated_at: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> DashboardRow:
        return cls(
            id=int(row[0]),
            project_id=int(row[1]),
            environment_id=int(row[2]),
            name=row[3],
            description=row[4],
            pinned=bool(row[5]),
            deleted=bool(row[6]),
            created_at=int(row[7]),
            created_by_id=None if row[8] is None else int(row[8]),
            updated_at=int(row[9]),
        )


@dataclass(frozen=True)
class Deletions:
    """Dashboards' deletions and restorations: (at, position, deleted) per dashboard, in order."""

    changes: dict[int, list[tuple[int, int, bool]]]

    def deleted_at(self, dashboard_ids: Iterable[int], at: int) -> set[int]:
        """Those of the dashboards that were deleted at this instant (microseconds)."""
        deleted = set()
        for dashboard_id in dashboard_ids:
            latest = [change for change in self.changes.get(dashboard_id, ()) if change[0] <= at]
            if latest and latest[-1][2]:
                deleted.add(dashboard_id)
        return deleted


class DashboardsProjection(Projection):
    """Keeps one row per dashboard, and when each was deleted or restored (an insight's past
    links show only where their dashboard was live then)."""

    name = "dashboards"
    version = 2
    tables = ("dashboards", "dashboard_deletions")
    topics: ClassVar[tuple[str, ...]] = (
        get_topic(Dashboard.Created),
        get_topic(Dashboard.Updated),
    )

    def ddl(self, dialect: str) -> list[str]:
        return [
            (
                "CREATE TABLE IF NOT EXISTS dashboards ("
                "id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, environment_id BIGINT NOT NULL, "
                "name TEXT, description TEXT NOT NULL, pinned INTEGER NOT NULL, "
                "deleted INTEGER NOT NULL, created_at BIGINT NOT NULL, created_by_id BIGINT, "
                "updated_at BIGINT NOT NULL)"
            ),
            "CREATE INDEX IF NOT EXISTS dashboards_by_project ON dashboards (project_id, deleted)",
            (
                "CREATE TABLE IF NOT EXISTS dashboard_deletions ("
                "dashboard_id BIGINT NOT NULL, position BIGINT NOT NULL, at BIGINT NOT NULL, "
                "deleted INTEGER NOT NULL, PRIMARY KEY (dashboard_id, position))"
            ),
        ]

    def process_batch(self, cursor: Cursor, events: Sequence[tuple[int, Any]]) -> None:
        for position, event in events:
            self._process(cursor, event)
            deleted = _deleted_after(event)
            if deleted is not None:
                cursor.execute(
                    "INSERT INTO dashboard_deletions (dashboard_id, position, at, deleted) "
                    "VALUES (%s, %s, %s, %s)",
                    (event.dashboard_id, position, to_micros(event.timestamp), int(deleted)),
                )

    @staticmethod
    def _process(cursor: Cursor, event: Any) -> None:
        if isinstance(event, Dashboard.Created):
            values = event.values
            cursor.execute(
                f"INSERT INTO dashboards ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    event.dashboard_id,
                    event.project_id,
                    event.environment_id,
                    values.get("name"),
                    values.get("description") or "",
                    int(bool(values.get("pinned"))),
                    int(bool(values.get("deleted"))),
                    to_micros(event.timestamp),
                    event.actor_id,
                    to_micros(event.timestamp),
                ),
            )
        elif isinstance(event, Dashboard.Updated):
            assignments = ", ".join(f"{change['field']} = %s" for change in event.changes)
            afters = [_column_value(change["after"]) for change in event.changes]
            cursor.execute(
                f"UPDATE dashboards SET {assignments}, updated_at = %s WHERE id = %s",
                (*afters, to_micros(event.timestamp), event.dashboard_id),
            )


def _deleted_after(event: Any) -> bool | None:
    """Whether the dashboard is deleted after `event`, when the event decides it."""
    if isinstance(event, Dashboard.Created):
        return True if event.values.get("deleted") else None
    if isinstance(event, Dashboard.Updated):
        for change in event.changes:
            if change["field"] == "deleted":
                return bool(change["after"])
    return None


def _column_value(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


class Dashboards:
    """Queries over the dashboards read model."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def deletions(self, dashboard_ids: Iterable[int]) -> Deletions:
        """When each of these dashboards was deleted or restored, in one query."""
        ids = sorted(set(dashboard_ids))
        changes: dict[int, list[tuple[int, int, bool]]] = {}
        if ids:
            among, params = self._database.one_of("dashboard_id", ids)
            for dashboard_id, at, position, deleted in self._database.query(
                "SELECT dashboard_id, at, position, deleted FROM dashboard_deletions "
                f"WHERE {among} ORDER BY dashboard_id, at, position",
                params,
            ):
                changes.setdefault(int(dashboard_id), []).append(
                    (int(at), int(position), bool(deleted))
                )
        return Deletions(changes)

    def get(self, project_id: int, dashboard_id: int) -> DashboardRow | None:
        """A dashboard of the project, deleted or not."""
        rows = self._database.query(
            f"SELECT {_COLUMNS} FROM dashboards WHERE id = %s AND project_id = %s",
            (dashboard_id, project_id),
        )
        return DashboardRow.from_row(rows[0]) if rows else None

    def page(self, project_id: int, limit: int, offset: int) -> tuple[int, list[DashboardRow]]:
        """The live dashboards of a project: total count and one page, pinned first."""
        with self._database.transaction() as cursor:
            count_row = cursor.execute(
                "SELECT count(*) FROM dashboards WHERE project_id = %s AND deleted = 0",
                (project_id,),
            ).fetchone()
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM dashboards WHERE project_id = %s AND deleted = 0 "
                "ORDER BY pinned DESC, id ASC LIMIT %s OFFSET %s",
                (project_id, limit, offset),
            ).fetchall()
        assert count_row is not None
        return int(count_row[0]), [DashboardRow.from_row(row) for row in rows]
