"""Queries over the insight read model: lookups by id or short_id, and the filtered list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from projections.insight_filter import (
    NULLS_LOWEST,
    ORDER_COLUMNS,
    FilterSql,
    InsightFilter,
    Where,
)
from projections.search import Match, SearchTerm
from projections.search_index import search_index
from store import json_codec
from store.database import Cursor, Database

_COLUMNS = (
    "id, project_id, environment_id, short_id, name, derived_name, description, query, "
    "filters, tags, sort_order, favorited, saved, deleted, created_at, created_by_id, "
    "last_modified_at, last_modified_by_id, updated_at"
)
_FOUND_WITH_TILES = (
    ", ".join(f"insights.{column.strip()}" for column in _COLUMNS.split(","))
    + ", t.tile_id, t.dashboard_id FROM insights "
    "LEFT JOIN (insight_tiles t JOIN dashboards d ON d.id = t.dashboard_id AND d.deleted = 0) "
    "ON t.insight_id = insights.id AND t.active = 1"
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


def _tiles_by_insight(ids: list[int], rows: Iterable[Sequence[Any]]) -> dict[int, list[Tile]]:
    result: dict[int, list[Tile]] = {insight_id: [] for insight_id in ids}
    for insight_id, tile_id, dashboard_id in rows:
        result[int(insight_id)].append(Tile(int(tile_id), int(dashboard_id)))
    return result


def _rank(
    hits: list[tuple[Sequence[Any], Match]], order: str | None
) -> list[tuple[Sequence[Any], Match]]:
    """Exact matches first; within each group the requested order (NULLs placed as the list
    places them, ties by id in the same direction), or by score, then name, then newest."""
    nulls_low = order is not None and ORDER_COLUMNS[order.lstrip("-")] in NULLS_LOWEST
    ranked: list[tuple[Sequence[Any], Match]] = []
    for exact in (True, False):
        group = [hit for hit in hits if hit[1].exact is exact]
        if order is None:
            group.sort(
                key=lambda hit: (-hit[1].score, hit[0][1] is None, hit[0][1] or "", -hit[0][0])
            )
        else:
            group.sort(
                key=lambda hit: ((hit[0][5] is None) != nulls_low, hit[0][5], hit[0][0]),
                reverse=order.startswith("-"),
            )
        ranked += group
    return ranked


class InsightReader:
    """Reads insights from the read model; never from the event store."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._filters = FilterSql(database)
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
        if not ids:
            return {}
        return _tiles_by_insight(ids, self._database.query(*self._tiles_query(ids)))

    def _tiles(self, cursor: Cursor, insight_ids: Iterable[int]) -> dict[int, list[Tile]]:
        """`tiles`, read in the caller's transaction."""
        ids = sorted(set(insight_ids))
        if not ids:
            return {}
        return _tiles_by_insight(ids, cursor.execute(*self._tiles_query(ids)).fetchall())

    def _tiles_query(self, ids: list[int]) -> tuple[str, list[Any]]:
        among, params = self._database.one_of("t.insight_id", ids)
        sql = (
            "SELECT t.insight_id, t.tile_id, t.dashboard_id FROM insight_tiles t "
            "JOIN dashboards d ON d.id = t.dashboard_id "
            f"WHERE {among} AND t.active = 1 AND d.deleted = 0 "
            "ORDER BY t.insight_id, t.dashboard_id"
        )
        return sql, params

    def _with_tiles(
        self, cursor: Cursor, rows: Sequence[Sequence[Any]], match_types: Sequence[str | None]
    ) -> list[InsightRow]:
        """Rows of a page with their tiles, read in the page's transaction: a page never
        shows an insight with links from another moment than its fields."""
        tiles = self._tiles(cursor, (int(row[0]) for row in rows))
        return [
            InsightRow.from_row(row, match_type, tuple(tiles[int(row[0])]))
            for row, match_type in zip(rows, match_types, strict=True)
        ]

    def page(self, query: InsightFilter) -> tuple[int, list[InsightRow]]:
        """The total number of matching insights and the requested page of them."""
        term = SearchTerm(query.search or "")
        with self._database.transaction() as cursor:
            if term:
                return self._search(cursor, query, term)
            where = self._filters.where(query)
            count = self._count(cursor, query, where)
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM insights WHERE {where.sql()} "
                f"ORDER BY {self._filters.order_by(query.order)} LIMIT %s OFFSET %s",
                [*where.params, query.limit, query.offset],
            ).fetchall()
            return count, self._with_tiles(cursor, rows, [None] * len(rows))

    def _count(self, cursor: Cursor, query: InsightFilter, where: Where) -> int:
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
        where = self._filters.where(query, candidates)
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
        return len(ranked), self._with_tiles(
            cursor,
            [full[row[0]] for row, _ in page],
            ["exact" if match.exact else "similar" for _, match in page],
        )
