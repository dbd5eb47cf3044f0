"""Read-model rows rendered in PostHog's JSON shapes."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from domain.insight import Insight
from domain.instants import to_micros
from projections.accounts import Accounts
from projections.dashboards import DashboardRow, Dashboards, Deletions
from projections.insight_queries import InsightReader, InsightRow, Tile

# NOTE: PostHog's access-control constants: 21 = everyone in the project can edit,
# 37 = the caller can edit. Every member is an editor here.
RESTRICTION_EVERYONE_EDITS = 21
PRIVILEGE_CAN_EDIT = 37
ACCESS_LEVEL = "editor"


def iso(micros: int | None) -> str | None:
    """ISO-8601 UTC with `Z`, without a fraction when it is zero."""
    if micros is None:
        return None
    seconds, fraction = divmod(micros, 1_000_000)
    year, month, day, hour, minute, second = time.gmtime(seconds)[:6]
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{fraction:06d}Z" if fraction else f"{text}Z"


class InsightPresenter:
    """Turns insight rows into PostHog's Insight or InsightBasic objects."""

    def __init__(self, reader: InsightReader, accounts: Accounts, dashboards: Dashboards) -> None:
        self._reader = reader
        self._accounts = accounts
        self._dashboards = dashboards

    def present(
        self,
        rows: Sequence[InsightRow],
        *,
        basic: bool,
        last_viewed: dict[int, int] | None = None,
    ) -> list[dict[str, Any]]:
        """Every row's shape, loading tiles and users for the whole page at once.
        `last_viewed` gives each insight's `last_viewed_at` (null without it, as on retrieve)."""
        tiles = self._reader.tiles(row.id for row in rows if row.tiles is None)
        users = self.users(
            {row.created_by_id for row in rows} | {row.last_modified_by_id for row in rows}
        )
        viewed = last_viewed or {}
        return [
            self._shape(
                row,
                list(row.tiles) if row.tiles is not None else tiles[row.id],
                users,
                basic=basic,
                last_viewed=viewed.get(row.id),
            )
            for row in rows
        ]

    def one(self, row: InsightRow, *, basic: bool = False) -> dict[str, Any]:
        return self.present([row], basic=basic)[0]

    def historical(
        self, insight: Insight, *, at: int | None = None, basic: bool = False
    ) -> dict[str, Any]:
        """An insight as it was at some version, and at instant `at` (by default, when that
        version was written): the links it showed then, not the live ones."""
        row = _historical_row(insight)
        shown_at = row.updated_at if at is None else at
        hidden = self.dashboard_deletions(insight.dashboard_ids).deleted_at(
            insight.dashboard_ids, shown_at
        )
        tiles = [Tile(insight.tiles[str(d)], d) for d in insight.dashboard_ids if d not in hidden]
        users = self.users([row.created_by_id, row.last_modified_by_id])
        return self._shape(row, tiles, users, basic=basic, last_viewed=None)

    def dashboard_deletions(self, dashboard_ids: Iterable[int]) -> Deletions:
        """When these dashboards were deleted and restored: links to a deleted one are hidden."""
        return self._dashboards.deletions(dashboard_ids)

    def users(self, user_ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
        """PostHog's UserBasic of each of these users."""
        return self._accounts.users(uid for uid in user_ids if uid is not None)

    @staticmethod
    def _shape(
        row: InsightRow,
        tiles: list[Tile],
        users: dict[int, dict[str, Any]],
        *,
        basic: bool,
        last_viewed: int | None,
    ) -> dict[str, Any]:
        shape: dict[str, Any] = {
            "id": row.id,
            "short_id": row.short_id,
            "name": row.name,
            "derived_name": row.derived_name,
            "filters": {} if row.query is not None else row.filters,
            "query": row.query,
            "dashboards": [tile.dashboard_id for tile in tiles],
            "dashboard_tiles": [
                {"id": tile.id, "dashboard_id": tile.dashboard_id, "deleted": None}
                for tile in tiles
            ],
            "description": row.description,
            "last_refresh": None,
            "refreshing": False,
            "saved": row.saved,
            "tags": row.tags,
            "updated_at": iso(row.updated_at),
            "created_by": users.get(row.created_by_id) if row.created_by_id else None,
            "created_at": iso(row.created_at),
            "last_modified_at": iso(row.last_modified_at),
            "favorited": row.favorited,
            "user_access_level": ACCESS_LEVEL,
            "last_viewed_at": iso(last_viewed),
        }
        if not basic:
            shape.update(
                {
                    "order": row.order,
                    "deleted": row.deleted,
                    "cache_target_age": None,
                    "next_allowed_client_refresh": None,
                    "result": None,
                    "hasMore": None,
                    "columns": None,
                    "last_modified_by": (
                        users.get(row.last_modified_by_id) if row.last_modified_by_id else None
                    ),
                    "is_sample": False,
                    "effective_restriction_level": RESTRICTION_EVERYONE_EDITS,
                    "effective_privilege_level": PRIVILEGE_CAN_EDIT,
                    "timezone": None,
                    "is_cached": False,
                    "query_status": None,
                    "hogql": None,
                    "types": None,
                    "resolved_date_range": None,
                    "alerts": [],
                    "filters_hash": None,
                }
            )
        if row.search_match_type is not None:
            shape["search_match_type"] = row.search_match_type
        return shape


def dashboard_shape(row: DashboardRow, users: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A dashboard in PostHog's basic shape."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "pinned": row.pinned,
        "created_at": iso(row.created_at),
        "created_by": users.get(row.created_by_id) if row.created_by_id else None,
        "last_accessed_at": None,
        "is_shared": False,
        "deleted": row.deleted,
        "creation_mode": "default",
        "tags": [],
        "restriction_level": RESTRICTION_EVERYONE_EDITS,
        "effective_restriction_level": RESTRICTION_EVERYONE_EDITS,
        "effective_privilege_level": PRIVILEGE_CAN_EDIT,
        "user_access_level": ACCESS_LEVEL,
    }


def _historical_row(insight: Insight) -> InsightRow:
    """An insight aggregate (at some version) as a read-model row."""
    values = insight.values
    return InsightRow(
        id=insight.insight_id,
        project_id=insight.project_id,
        environment_id=insight.environment_id,
        short_id=insight.short_id,
        name=values["name"],
        derived_name=values["derived_name"],
        description=values["description"],
        query=values["query"],
        filters=values["filters"],
        tags=values["tags"],
        order=values["order"],
        favorited=values["favorited"],
        saved=values["saved"],
        deleted=values["deleted"],
        created_at=to_micros(insight.created_on),
        created_by_id=insight.created_by,
        last_modified_at=to_micros(insight.last_modified_at),
        last_modified_by_id=insight.last_modified_by,
        updated_at=to_micros(insight.modified_on),
    )
