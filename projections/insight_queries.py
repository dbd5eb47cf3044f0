"""Queries over the insight read model: lookups by id or short_id, and the filtered list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from domain.insight_query import INSIGHT_SOURCE_KINDS, QUERY_TYPES
from projections.search import Match, SearchTerm, like_pattern
from projections.search_index import search_index
from store import json_codec
from store.database import Cursor, Database

_COLUMNS = (
    "id, project_id, environment_id, short_id, name, derived_name, description, query, "
    "filters, tags, sort_order, favorited, saved, deleted, created_at, created_by_id, "
    "last_modified_at, last_modified_by_id, updated_at"
)
# NOTE: `order` values the API accepts and the columns they sort by. NULL sorts as the
# lowest value everywhere, so `-last_viewed_at` puts never-viewed insights last.
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
_FOUND_WITH_TILES = (
    ", ".join(f"insights.{column.strip()}" for column in _COLUMNS.split(","))
    + ", t.tile_id, t.dashboard_id FROM insights "
    "LEFT JOIN (insight_tiles t JOIN dashboards d ON d.id = t.dashboard_id AND d.deleted = 0) "
    "ON t.insight_id = insights.id AND t.active = 1"
)
NULLABLE_ORDER_COLUMNS = frozenset({"name", ORDER_COLUMNS["last_viewed_at"], "sort_order"})
_SIX_TYPES = frozenset(INSIGHT_SOURCE_KINDS.values())
# The names of the two insights PostHog generates on every feature flag's dashboard.
FEATURE_FLAG_INSIGHT_NAMES = (
    "Feature Flag Called Total Volume",
    "Feature Flag calls made by unique users per variant",
)


@dataclass(frozen=True)
class InsightRow:
    """An insight as the read model holds it; JSON columns decoded."""

    id: int
    project_id: int
    environment_id: int
    short_id: str
    name: str | None
    derived_name: str | None
    description: str | None
    query: Any
    filters: dict[str, Any]
    tags: list[str]
    order: int | None
    favorited: bool
    saved: bool
    deleted: bool
    created_at: int
    created_by_id: int | None
    last_modified_at: int
    last_modified_by_id: int | None
    updated_at: int
    search_match_type: str | None = None
    tiles: tuple[Tile, ...] | None = None
    """Its live tiles when they were read with it (None: ask InsightReader.tiles)."""

    @classmethod
    def from_row(
        cls,
        row: Sequence[Any],
        match_type: str | None = None,
        tiles: tuple[Tile, ...] | None = None,
    ) -> InsightRow:
        return cls(
            id=int(row[0]),
            project_id=int(row[1]),
            environment_id=int(row[2]),
            short_id=row[3],
            name=row[4],
            derived_name=row[5],
            description=row[6],
            query=None if row[7] is None else json_codec.loads(row[7]),
            filters=json_codec.loads(row[8]),
            tags=orjson.loads(row[9]),
            order=None if row[10] is None else int(row[10]),
            favorited=bool(row[11]),
            saved=bool(row[12]),
            deleted=bool(row[13]),
            created_at=int(row[14]),
            created_by_id=None if row[15] is None else int(row[15]),
            last_modified_at=int(row[16]),
            last_modified_by_id=None if row[17] is None else int(row[17]),
            updated_at=int(row[18]),
            search_match_type=match_type,
            tiles=tiles,
        )


@dataclass(frozen=True)
class Tile:
    """A live placement of an insight on a dashboard that is not deleted."""

    id: int
    dashboard_id: int


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


def _rank(
    hits: list[tuple[Sequence[Any], Match]], order: str | None
) -> list[tuple[Sequence[Any], Match]]:
    """Exact matches first; within each group the requested order (NULL lowest, ties by id in
    the same direction), or by score, then name, then newest."""
    ranked: list[tuple[Sequence[Any], Match]] = []
    for exact in (True, False):
        group = [hit for hit in hits if hit[1].exact is exact]
        if order is None:
            group.sort(
                key=lambda hit: (-hit[1].score, hit[0][1] is None, hit[0][1] or "", -hit[0][0])
            )
        else:
            group.sort(
                key=lambda hit: (hit[0][5] is not None, hit[0][5], hit[0][0]),
                reverse=order.startswith("-"),
            )
        ranked += group
    return ranked


class _Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.clauses)


class InsightReader:
    """Reads insights from the read model; never from the event store."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._postgres = database.dialect == "postgresql"
        self._index = search_index(database.dialect)

    def live_ids(self, project_id: int, insight_ids: Iterable[int]) -> list[int]:
        """Those of `insight_ids` that are live insights of the project, in id order."""
        ids = sorted({i for i in insight_ids if 0 < i < 2**63})
        if not ids:
            return []
        among, params = self._database.one_of("id", ids)
        rows = self._database.query(
            f"SELECT id FROM insights WHERE {among} AND project_id = %s AND deleted = 0 "
            "ORDER BY id",
            (*params, project_id),
        )
        return [int(row[0]) for row in rows]

    def get_many(self, project_id: int, insight_ids: Sequence[int]) -> list[InsightRow]:
        """The project's live insights among `insight_ids`, in the order given."""
        if not insight_ids:
            return []
        among, params = self._database.one_of("id", insight_ids)
        rows = self._database.query(
            f"SELECT {_COLUMNS} FROM insights WHERE {among} AND project_id = %s AND deleted = 0",
            (*params, project_id),
        )
        by_id = {int(row[0]): InsightRow.from_row(row) for row in rows}
        return [by_id[i] for i in insight_ids if i in by_id]

    def find(
        self, project_id: int, key: str, *, include_deleted: bool = False
    ) -> InsightRow | None:
        """The insight addressed by `key`: an id if all digits (then a short_id), else a short_id."""
        if "\x00" in key:
            return None  # No column can hold it, so nothing matches.
        deleted = "" if include_deleted else " AND insights.deleted = 0"
        if key.isascii() and key.isdigit() and len(key) < 19:
            found = self._find_with_tiles(
                f"insights.id = %s AND insights.project_id = %s{deleted}", (int(key), project_id)
            )
            if found is not None:
                return found
        return self._find_with_tiles(
            f"insights.project_id = %s AND insights.short_id = %s{deleted}", (project_id, key)
        )

    def _find_with_tiles(self, where: str, params: tuple[Any, ...]) -> InsightRow | None:
        # One round trip: the insight's row comes once per live tile (once if it has none).
        rows = self._database.query(
            f"SELECT {_FOUND_WITH_TILES} WHERE {where} ORDER BY t.dashboard_id", params
        )
        if not rows:
            return None
        tiles = tuple(Tile(int(row[-2]), int(row[-1])) for row in rows if row[-2] is not None)
        return InsightRow.from_row(rows[0], tiles=tiles)

    def tiles(self, insight_ids: Iterable[int]) -> dict[int, list[Tile]]:
        """Live tiles of each insight, by insight id, in dashboard id order."""
        ids = sorted(set(insight_ids))
        result: dict[int, list[Tile]] = {insight_id: [] for insight_id in ids}
        if not ids:
            return result
        among, params = self._database.one_of("t.insight_id", ids)
        rows = self._database.query(
            "SELECT t.insight_id, t.tile_id, t.dashboard_id FROM insight_tiles t "
            "JOIN dashboards d ON d.id = t.dashboard_id "
            f"WHERE {among} AND t.active = 1 AND d.deleted = 0 "
            "ORDER BY t.insight_id, t.dashboard_id",
            params,
        )
        for insight_id, tile_id, dashboard_id in rows:
            result[int(insight_id)].append(Tile(int(tile_id), int(dashboard_id)))
        return result

    def list(self, query: InsightFilter) -> tuple[int, list[InsightRow]]:
        """The total number of matching insights and the requested page of them."""
        term = SearchTerm(query.search or "")
        with self._database.transaction() as cursor:
            if term:
                return self._search(cursor, query, term)
            where = self._where(query)
            count = self._count(cursor, query, where)
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM insights WHERE {where.sql()} "
                f"ORDER BY {self._order_by(query.order)} LIMIT %s OFFSET %s",
                [*where.params, query.limit, query.offset],
            ).fetchall()
        return count, [InsightRow.from_row(row) for row in rows]

    def _count(self, cursor: Cursor, query: InsightFilter, where: _Where) -> int:
        """The number of matches; the two commonest lists count from small tables."""
        unfiltered = InsightFilter(
            project_id=query.project_id, order=query.order, limit=query.limit, offset=query.offset
        )
        if query == unfiltered:
            row = cursor.execute(
                "SELECT live FROM insight_counts WHERE project_id = %s", (query.project_id,)
            ).fetchone()
        elif query == replace(unfiltered, tags=query.tags):
            counted = "DISTINCT insight_id" if len(query.tags) > 1 else "*"
            among, params = self._database.one_of("tag", query.tags, of="text")
            row = cursor.execute(
                f"SELECT count({counted}) FROM insight_tags WHERE project_id = %s "
                f"AND {among} AND deleted = 0",
                (query.project_id, *params),
            ).fetchone()
        else:
            row = cursor.execute(
                f"SELECT count(*) FROM insights WHERE {where.sql()}", where.params
            ).fetchone()
        return int(row[0]) if row else 0

    def _search(
        self, cursor: Cursor, query: InsightFilter, term: SearchTerm
    ) -> tuple[int, list[InsightRow]]:
        candidates = self._index.candidates(cursor, query.project_id, term)
        if not candidates:
            return 0, []
        where = self._where(query, candidates)
        column = ORDER_COLUMNS[query.order.lstrip("-")] if query.order else "id"
        rows = cursor.execute(
            f"SELECT id, name, derived_name, description, tags, {column} "
            f"FROM insights WHERE {where.sql()}",
            where.params,
        ).fetchall()
        similarities = self._index.similarities(cursor, term, [row[0] for row in rows]) or {}
        matches = [
            (
                row,
                term.match(row[1], row[2], row[3], orjson.loads(row[4]), similarities.get(row[0])),
            )
            for row in rows
        ]
        ranked = _rank([(row, match) for row, match in matches if match is not None], query.order)
        page = ranked[query.offset : query.offset + query.limit]
        full = {}
        if page:
            among, params = self._database.one_of("id", [row[0] for row, _ in page])
            full = {
                int(row[0]): row
                for row in cursor.execute(
                    f"SELECT {_COLUMNS} FROM insights WHERE {among}", params
                ).fetchall()
            }
        return len(ranked), [
            InsightRow.from_row(full[row[0]], "exact" if match.exact else "similar")
            for row, match in page
        ]

    def _where(self, query: InsightFilter, candidates: list[int] | None = None) -> _Where:
        where = _Where()
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
    def _type_clause(where: _Where, insight_type: str) -> None:
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

    def _order_by(self, order: str | None) -> str:
        if order is None:
            return "last_modified_at DESC, id DESC"
        descending = order.startswith("-")
        column = ORDER_COLUMNS[order.lstrip("-")]
        direction = "DESC" if descending else "ASC"
        if column in NULLABLE_ORDER_COLUMNS:
            # Spelled out only where NULLs exist: a NULLS clause the index does not have
            # would make PostgreSQL sort instead of reading the index in order.
            direction += " NULLS LAST" if descending else " NULLS FIRST"
        if column == "name" and self._postgres:
            column = 'name COLLATE "C"'
        return (
            f"{column} {direction}, id {direction.split()[0]}"
            if column != "id"
            else f"id {direction}"
        )
