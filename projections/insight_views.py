"""Read model of views: each user's last view of each insight per environment, and each
insight's last view by anyone. Trending and "my last viewed" are answered from here, so
their cost follows the (environment, user, insight) pairs, not the number of view events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from eventsourcing.utils import get_topic

from domain.insight import Insight
from domain.insight_views import ViewBatch
from domain.instants import to_micros
from projections.projection import Projection
from store.database import Cursor, Database, clustered, integer_key


class View(NamedTuple):
    """Who viewed which insights, where and when (in microseconds)."""

    project_id: int
    environment_id: int
    user_id: int
    insight_ids: list[int]
    at: int


# NOTE: a later view replaces an earlier one; an earlier one arriving late changes nothing.
_LATEST = "CASE WHEN excluded.last_viewed_at > {table}.last_viewed_at THEN excluded.last_viewed_at ELSE {table}.last_viewed_at END"


class InsightViewsProjection(Projection):
    """Keeps `insight_views` and `insight_last_views` from view batches."""

    name = "insight_views"
    version = 2
    tables = ("insight_views", "insight_last_views")
    topics: ClassVar[tuple[str, ...]] = (get_topic(ViewBatch.InsightsViewed),)

    def ddl(self, dialect: str) -> list[str]:
        return [
            (
                "CREATE TABLE IF NOT EXISTS insight_views ("
                "environment_id BIGINT NOT NULL, user_id BIGINT NOT NULL, insight_id BIGINT NOT NULL, "
                "project_id BIGINT NOT NULL, last_viewed_at BIGINT NOT NULL, "
                f"PRIMARY KEY (environment_id, user_id, insight_id)){clustered(dialect)}"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insight_views_by_user "
                "ON insight_views (environment_id, user_id, last_viewed_at)"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insight_views_by_time "
                "ON insight_views (project_id, last_viewed_at, insight_id)"
            ),
            (
                "CREATE TABLE IF NOT EXISTS insight_last_views ("
                f"insight_id {integer_key(dialect)}, project_id BIGINT NOT NULL, "
                "last_viewed_at BIGINT NOT NULL)"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insight_last_views_by_time "
                "ON insight_last_views (project_id, last_viewed_at)"
            ),
        ]

    def process_batch(self, cursor: Cursor, events: Sequence[tuple[int, Any]]) -> None:
        # A later view replaces an earlier one, so the batch is folded to each key's latest
        # view first and written a few statements per table: a rebuild replays millions.
        latest: dict[tuple[int, int, int], tuple[int, int]] = {}
        latest_by_insight: dict[int, tuple[int, int]] = {}
        for _, event in events:
            view = self.view(event)
            if view is None:
                continue
            at = view.at
            for insight_id in view.insight_ids:
                key = (view.environment_id, view.user_id, insight_id)
                if key not in latest or latest[key][1] < at:
                    latest[key] = (view.project_id, at)
                if insight_id not in latest_by_insight or latest_by_insight[insight_id][1] < at:
                    latest_by_insight[insight_id] = (view.project_id, at)
        cursor.insert_values(
            "INSERT INTO insight_views "
            "(environment_id, user_id, insight_id, project_id, last_viewed_at)",
            [(*key, project_id, at) for key, (project_id, at) in latest.items()],
            "ON CONFLICT (environment_id, user_id, insight_id) DO UPDATE SET last_viewed_at = "
            + _LATEST.format(table="insight_views"),
        )
        cursor.insert_values(
            "INSERT INTO insight_last_views (insight_id, project_id, last_viewed_at)",
            [
                (insight_id, project_id, at)
                for insight_id, (project_id, at) in latest_by_insight.items()
            ],
            "ON CONFLICT (insight_id) DO UPDATE SET last_viewed_at = "
            + _LATEST.format(table="insight_last_views"),
        )

    @staticmethod
    def view(event: Any) -> View | None:
        """The view an event records, if any."""
        if not isinstance(event, ViewBatch.InsightsViewed):
            return None
        return View(
            event.project_id,
            event.environment_id,
            event.user_id,
            event.insight_ids,
            to_micros(event.timestamp),
        )


class InsightViewsOnCreateProjection(InsightViewsProjection):
    """The same read model, from the main log: creating an insight is its creator's first
    view of it. It shares the tables, so the two are always rebuilt together
    (projections/rebuild.py)."""

    name = "insight_views_on_create"
    version = 3
    # NOTE: databases written before version 2 also hold, in the main log, a view batch
    # that each create saved beside its insight; it records the same view.
    topics: ClassVar[tuple[str, ...]] = (
        get_topic(Insight.Created),
        get_topic(ViewBatch.InsightsViewed),
    )

    @staticmethod
    def view(event: Any) -> View | None:
        if not isinstance(event, Insight.Created):
            return InsightViewsProjection.view(event)
        if event.actor_id is None or event.values.get("deleted"):
            return None
        return View(
            event.project_id,
            event.environment_id,
            event.actor_id,
            [event.insight_id],
            to_micros(event.timestamp),
        )


@dataclass(frozen=True)
class TrendingRow:
    """An insight's place in trending: its viewers in the window (one per environment and
    user, as PostHog counts them) and its latest viewers."""

    insight_id: int
    view_count: int
    viewer_ids: list[int]


def _marks(values: Iterable[Any]) -> str:
    return ", ".join(["%s"] * len(list(values)))


class InsightViews:
    """Queries over the views read model (joined with the insight list for liveness)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def last_viewed(self, insight_ids: Iterable[int]) -> dict[int, int]:
        """Each insight's latest view by anyone, in microseconds."""
        ids = sorted(set(insight_ids))
        if not ids:
            return {}
        among, params = self._database.one_of("insight_id", ids)
        rows = self._database.query(
            f"SELECT insight_id, last_viewed_at FROM insight_last_views WHERE {among}", params
        )
        return {int(insight_id): int(at) for insight_id, at in rows}

    def my_last_viewed(
        self, environment_id: int, user_id: int, limit: int = 5
    ) -> list[tuple[int, int]]:
        """(insight id, the user's last view) of their most recent live insights, newest first."""
        rows = self._database.query(
            "SELECT v.insight_id, v.last_viewed_at FROM insight_views v "
            "JOIN insights i ON i.id = v.insight_id "
            "WHERE v.environment_id = %s AND v.user_id = %s AND i.deleted = 0 "
            "ORDER BY v.last_viewed_at DESC, v.insight_id DESC LIMIT %s",
            (environment_id, user_id, limit),
        )
        return [(int(insight_id), int(at)) for insight_id, at in rows]

    def trending(
        self, project_id: int, environment_id: int, since: int, limit: int, offset: int
    ) -> list[TrendingRow]:
        """Live insights ranked by viewers (one per environment and user) since `since`
        (microseconds), then by last modification, with up to three of this environment's
        latest viewers each."""
        with self._database.transaction() as cursor:
            ranked = cursor.execute(
                "SELECT v.insight_id, count(*) AS viewers FROM insight_views v "
                "JOIN insights i ON i.id = v.insight_id "
                "WHERE v.project_id = %s AND v.last_viewed_at >= %s AND i.deleted = 0 "
                "GROUP BY v.insight_id, i.last_modified_at "
                "ORDER BY viewers DESC, i.last_modified_at DESC, v.insight_id DESC "
                "LIMIT %s OFFSET %s",
                (project_id, since, limit, offset),
            ).fetchall()
            ids = [int(row[0]) for row in ranked]
            viewers: dict[int, list[int]] = {insight_id: [] for insight_id in ids}
            if ids:
                for insight_id, user_id in cursor.execute(
                    "SELECT insight_id, user_id FROM insight_views "
                    f"WHERE environment_id = %s AND insight_id IN ({_marks(ids)}) "
                    "AND last_viewed_at >= %s ORDER BY insight_id, last_viewed_at DESC, user_id",
                    (environment_id, *ids, since),
                ).fetchall():
                    if len(viewers[int(insight_id)]) < 3:
                        viewers[int(insight_id)].append(int(user_id))
        return [
            TrendingRow(
                insight_id=int(row[0]), view_count=int(row[1]), viewer_ids=viewers[int(row[0])]
            )
            for row in ranked
        ]
