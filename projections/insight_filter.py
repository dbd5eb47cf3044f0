"""The insights list's filters, already parsed, and the SQL they become on `insights`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.insight_query import INSIGHT_SOURCE_KINDS, QUERY_TYPES
from projections.search import like_pattern
from store.database import Database

# NOTE: `order` values the API accepts and the columns they sort by. Where NULL sorts is
# per column (NULLS_HIGHEST, NULLS_LOWEST): `-last_viewed_at` puts never-viewed insights last.
ORDER_COLUMNS = {
    "id": "id",
    "name": "name",
    "created_at": "created_at",
    "last_modified_at": "last_modified_at",
    # Views are another read model: the latest view of each insight by anyone.
    "last_viewed_at": "(SELECT lv.last_viewed_at FROM insight_last_views lv "
    "WHERE lv.insight_id = insights.id)",
    "order": "sort_order",
}
NULLS_HIGHEST = frozenset({"name", "sort_order"})
"""Columns PostHog sorts as PostgreSQL does by default: NULL after every value (the ORM
passes `order` through). `last_viewed_at` has PostHog's own rule: NULL before every value."""
NULLS_LOWEST = frozenset({ORDER_COLUMNS["last_viewed_at"]})
_SIX_TYPES = frozenset(INSIGHT_SOURCE_KINDS.values())
# The names of the two insights PostHog generates on every feature flag's dashboard.
FEATURE_FLAG_INSIGHT_NAMES = (
    "Feature Flag Called Total Volume",
    "Feature Flag calls made by unique users per variant",
)


@dataclass
class InsightFilter:
    """Every list filter of PostHog's insights list, already parsed and validated."""

    project_id: int
    short_id: str | None = None
    search: str | None = None
    created_by: list[int] = field(default_factory=list)
    created_by_caller: int | None = None
    favorited: bool = False
    saved: bool | None = None
    insight_type: str | None = None
    modified_after: int | None = None
    modified_before: int | None = None
    created_after: int | None = None
    created_before: int | None = None
    viewed_after: int | None = None
    viewed_before: int | None = None
    dashboards: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    feature_flag: str | None = None
    hide_feature_flag_insights: bool = False
    order: str | None = None
    limit: int = 100
    offset: int = 0


class Where:
    """SQL conditions joined by AND, with their parameters in order."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        """One more condition, with the parameters of its placeholders."""
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        """Every condition, joined by AND."""
        return " AND ".join(self.clauses)


class FilterSql:
    """Turns filters into SQL for one database's dialect."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._postgres = database.dialect == "postgresql"

    def where(self, query: InsightFilter, candidates: list[int] | None = None) -> Where:
        """The conditions of `query` on `insights`, among `candidates` if given (their ids
        replace the project's live-insight scan)."""
        where = Where()
        if candidates is None:
            where.add("project_id = %s AND deleted = 0", query.project_id)
        else:
            # NOTE: unary + keeps SQLite's planner on the id lookups instead of scanning the
            # whole project through the (project_id, deleted) indexes.
            among, params = self._database.one_of("id", candidates)
            where.add(among, *params)
            where.add("+project_id = %s AND +deleted = 0", query.project_id)
        if query.short_id is not None:
            where.add("short_id = %s", query.short_id)
        if query.created_by:
            among, params = self._database.one_of("created_by_id", query.created_by)
            where.add(among, *params)
        if query.created_by_caller is not None:
            where.add("created_by_id = %s", query.created_by_caller)
        if query.favorited:
            where.add("favorited = 1")
        if query.saved is True:
            where.add(
                "(saved = 1 OR EXISTS (SELECT 1 FROM insight_tiles t "
                "JOIN dashboards d ON d.id = t.dashboard_id "
                "WHERE t.insight_id = insights.id AND t.active = 1 AND d.deleted = 0))"
            )
        elif query.saved is False:
            where.add("saved = 0")
        if query.insight_type is not None:
            self._type_clause(where, query.insight_type)
        for column, operator, value in (
            ("last_modified_at", ">", query.modified_after),
            ("last_modified_at", "<", query.modified_before),
            ("created_at", ">", query.created_after),
            ("created_at", "<", query.created_before),
        ):
            if value is not None:
                where.add(f"{column} {operator} %s", value)
        for operator, value in ((">", query.viewed_after), ("<", query.viewed_before)):
            # Never-viewed insights have no row, so either bound excludes them.
            if value is not None:
                where.add(
                    "id IN (SELECT insight_id FROM insight_last_views "
                    f"WHERE project_id = %s AND last_viewed_at {operator} %s)",
                    query.project_id,
                    value,
                )
        if query.dashboards:
            # On every one of the dashboards: as many of them as it has live tiles on.
            dashboards = sorted(set(query.dashboards))
            among, params = self._database.one_of("t.dashboard_id", dashboards)
            where.add(
                "(SELECT count(*) FROM insight_tiles t JOIN dashboards d ON d.id = t.dashboard_id "
                f"WHERE t.insight_id = insights.id AND {among} AND t.active = 1 "
                "AND d.deleted = 0) = %s",
                *params,
                len(dashboards),
            )
        if query.events:
            # Uses every one of the events: as many of them as its query_events holds.
            events = sorted(set(query.events))
            among, params = self._database.one_of("value", events, of="text")
            where.add(
                f"(SELECT count(*) FROM {self._database.json_elements('query_events')} "
                f"WHERE {among}) = %s",
                *params,
                len(events),
            )
        if query.feature_flag is not None:
            flag = query.feature_flag.lower()
            where.add(
                "(flag_breakdown LIKE %s ESCAPE '\\' OR flag_query LIKE %s ESCAPE '\\' "
                "OR flag_properties LIKE %s ESCAPE '\\')",
                like_pattern(f"$feature/{flag}"),
                like_pattern(f"$feature/{flag}"),
                like_pattern(flag),
            )
        if query.hide_feature_flag_insights:
            where.add("(name IS NULL OR name NOT IN (%s, %s))", *FEATURE_FLAG_INSIGHT_NAMES)
        if query.tags:
            # NOTE: EXISTS lets a page be read in index order, stopping at its last row.
            among, params = self._database.one_of("t.tag", query.tags, of="text")
            where.add(
                "EXISTS (SELECT 1 FROM insight_tags t WHERE t.insight_id = insights.id "
                f"AND {among})",
                *params,
            )
        return where

    @staticmethod
    def _type_clause(where: Where, insight_type: str) -> None:
        if insight_type in _SIX_TYPES:
            where.add(
                "(query_type = %s OR (query IS NULL AND legacy_type = %s))",
                insight_type,
                insight_type,
            )
        elif insight_type in QUERY_TYPES:
            where.add("query_type = %s", insight_type)
        else:
            where.add("query IS NULL AND legacy_type = %s", insight_type)

    def order_by(self, order: str | None) -> str:
        """The ORDER BY of a list in `order` (newest change first by default)."""
        if order is None:
            return "last_modified_at DESC, id DESC"
        descending = order.startswith("-")
        column = ORDER_COLUMNS[order.lstrip("-")]
        direction = "DESC" if descending else "ASC"
        if column == "id":
            return f"id {direction}"
        # NULLS clauses are spelled out only where NULLs exist: one the index does not have
        # would make PostgreSQL sort instead of reading the index in order.
        if column in NULLS_LOWEST:
            sort = f"{column} {direction} NULLS {'LAST' if descending else 'FIRST'}"
        elif column in NULLS_HIGHEST and self._postgres:
            # PostgreSQL's default, which its index on names has too.
            collated = 'name COLLATE "C"' if column == "name" else column
            sort = f"{collated} {direction} NULLS {'FIRST' if descending else 'LAST'}"
        elif column in NULLS_HIGHEST:
            # SQLite's index on names leads with `name IS NULL`, to be read in this order.
            sort = f"{column} IS NULL {direction}, {column} {direction}"
        else:
            sort = f"{column} {direction}"
        return f"{sort}, id {direction}"
