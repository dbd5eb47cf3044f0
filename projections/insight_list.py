"""Read model of insights: one row per insight with every filterable and sortable column,
plus its tags and its dashboard tiles."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from eventsourcing.utils import get_topic

from domain.insight import DEFAULTS, Insight
from domain.insight_query import legacy_type, query_events, query_type
from domain.instants import to_micros
from projections.projection import EventByEventProjection
from projections.search_index import search_index
from store import json_codec
from store.database import Cursor, clustered, integer_key

# The columns an insight's editable fields are stored in; JSON ones are encoded.
FIELD_COLUMNS = {
    "name": "name",
    "derived_name": "derived_name",
    "description": "description",
    "query": "query",
    "filters": "filters",
    "order": "sort_order",
    "favorited": "favorited",
    "saved": "saved",
    "deleted": "deleted",
    "tags": "tags",
}
JSON_FIELDS = frozenset({"query", "filters", "tags"})
SEARCH_SEPARATOR = "\x1f"


def search_text(name: Any, derived_name: Any, description: Any, tags: list[str]) -> str:
    """What an exact search matches against, lower-cased: the texts and every tag."""
    parts = [name or "", derived_name or "", description or "", *tags]
    return SEARCH_SEPARATOR.join(part.lower() for part in parts)


def _events_column(query: Any, filters: Any) -> str:
    """The events an insight uses, as a JSON array for the `events` list filter."""
    return json_codec.dumps(query_events(query, filters)).decode()


def _lower_text(value: Any) -> str | None:
    # NOTE: PostHog compares a JSON key's text (a string bare, anything else as JSON) and
    # the whole query's JSON text, case-insensitively. A NUL, which PostgreSQL's text cannot
    # hold, is kept as JSON writes it, as in the JSON of anything else.
    if value is None:
        return None
    text = value if isinstance(value, str) else json_codec.dumps(value).decode()
    return text.replace("\x00", "\\u0000").lower()


def _flag_columns(query: Any, filters: Any) -> dict[str, str | None]:
    """What the `feature_flag` list filter looks into, lower-cased."""
    filters = filters if isinstance(filters, dict) else {}
    return {
        "flag_breakdown": _lower_text(filters.get("breakdown")),
        "flag_properties": _lower_text(filters.get("properties")),
        "flag_query": _lower_text(query),
    }


def _encode(field: str, value: Any) -> Any:
    if field in JSON_FIELDS:
        return None if value is None else json_codec.dumps(value).decode()
    if isinstance(value, bool):
        return int(value)
    return value


class InsightListProjection(EventByEventProjection):
    """Keeps `insights`, `insight_tags` and `insight_tiles` from Insight events."""

    name = "insight_list"
    version = 8
    topics: ClassVar[tuple[str, ...]] = tuple(
        get_topic(cls)
        for cls in (Insight.Created, Insight.Updated, Insight.Deleted, Insight.Restored)
    )

    def __init__(self, dialect: str) -> None:
        self._search = search_index(dialect)
        self.tables = (*self.model_tables, *self._search.tables)

    @property
    def model_tables(self) -> tuple[str, ...]:
        return ("insights", "insight_tags", "insight_tiles", "insight_counts")

    def ddl(self, dialect: str) -> list[str]:
        statements = [
            (
                "CREATE TABLE IF NOT EXISTS insights ("
                f"id {integer_key(dialect)}, project_id BIGINT NOT NULL, "
                "environment_id BIGINT NOT NULL, short_id TEXT NOT NULL, "
                "name TEXT, derived_name TEXT, description TEXT, "
                "query TEXT, filters TEXT NOT NULL, tags TEXT NOT NULL, sort_order BIGINT, "
                "favorited INTEGER NOT NULL, saved INTEGER NOT NULL, deleted INTEGER NOT NULL, "
                "query_type TEXT, legacy_type TEXT, query_events TEXT NOT NULL, "
                "flag_breakdown TEXT, flag_properties TEXT, flag_query TEXT, "
                "search_text TEXT NOT NULL, "
                "created_at BIGINT NOT NULL, created_by_id BIGINT, "
                "last_modified_at BIGINT NOT NULL, last_modified_by_id BIGINT, "
                "updated_at BIGINT NOT NULL)"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insights_by_modified "
                "ON insights (project_id, deleted, last_modified_at, id)"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insights_by_created "
                "ON insights (project_id, deleted, created_at, id)"
            ),
            "CREATE INDEX IF NOT EXISTS insights_by_short_id ON insights (project_id, short_id)",
            # Sorting by name: NULL after every name, names compared byte by byte.
            "CREATE INDEX IF NOT EXISTS insights_by_name ON insights (project_id, deleted, "
            + ('name COLLATE "C", id)' if dialect == "postgresql" else "name IS NULL, name, id)"),
            # The tags filter counts from here alone, so the row carries the deleted flag.
            (
                "CREATE TABLE IF NOT EXISTS insight_tags ("
                "insight_id BIGINT NOT NULL, project_id BIGINT NOT NULL, tag TEXT NOT NULL, "
                f"deleted INTEGER NOT NULL, PRIMARY KEY (insight_id, tag)){clustered(dialect)}"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insight_tags_by_tag "
                "ON insight_tags (project_id, tag, deleted, insight_id)"
            ),
            # The number of live insights of each project, for the unfiltered list.
            (
                "CREATE TABLE IF NOT EXISTS insight_counts ("
                f"project_id {integer_key(dialect)}, live BIGINT NOT NULL)"
            ),
            (
                "CREATE TABLE IF NOT EXISTS insight_tiles ("
                "insight_id BIGINT NOT NULL, dashboard_id BIGINT NOT NULL, tile_id BIGINT NOT NULL, "
                f"active INTEGER NOT NULL, PRIMARY KEY (insight_id, dashboard_id)){clustered(dialect)}"
            ),
            (
                "CREATE INDEX IF NOT EXISTS insight_tiles_by_dashboard "
                "ON insight_tiles (dashboard_id, active, insight_id)"
            ),
        ]
        return statements + self._search.ddl()

    def process(self, cursor: Cursor, event: Any) -> None:
        if isinstance(event, Insight.Created):
            self._created(cursor, event)
        elif isinstance(event, Insight.Changed):
            self._changed(cursor, event)

    def _created(self, cursor: Cursor, event: Insight.Created) -> None:
        values = {**DEFAULTS, **event.values}
        at = to_micros(event.timestamp)
        row = {
            "id": event.insight_id,
            "project_id": event.project_id,
            "environment_id": event.environment_id,
            "short_id": event.short_id,
            **{column: _encode(field, values[field]) for field, column in FIELD_COLUMNS.items()},
            "query_type": query_type(values["query"]),
            "legacy_type": legacy_type(values["filters"]),
            "query_events": _events_column(values["query"], values["filters"]),
            **_flag_columns(values["query"], values["filters"]),
            "search_text": search_text(
                values["name"], values["derived_name"], values["description"], values["tags"]
            ),
            "created_at": at,
            "created_by_id": event.actor_id,
            "last_modified_at": at,
            "last_modified_by_id": event.actor_id,
            "updated_at": at,
        }
        cursor.execute(
            f"INSERT INTO insights ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))})",
            tuple(row.values()),
        )
        self._insert_tags(
            cursor, event.insight_id, event.project_id, values["tags"], values["deleted"]
        )
        self._link(cursor, event.insight_id, values["dashboards"], event.new_tiles)
        if not values["deleted"]:
            self._count(cursor, event.project_id, +1)
        self._search.index(
            cursor,
            event.insight_id,
            event.project_id,
            (values["name"], values["derived_name"], values["description"], values["tags"]),
        )

    def _changed(self, cursor: Cursor, event: Insight.Changed) -> None:
        after = {change["field"]: change["after"] for change in event.changes}
        columns: dict[str, Any] = {
            FIELD_COLUMNS[field]: _encode(field, value)
            for field, value in after.items()
            if field in FIELD_COLUMNS
        }
        if "query" in after:
            columns["query_type"] = query_type(after["query"])
        if "filters" in after:
            columns["legacy_type"] = legacy_type(after["filters"])
        if {"query", "filters"} & set(after):
            query, filters = self._query_after(cursor, event.insight_id, after)
            columns["query_events"] = _events_column(query, filters)
            columns.update(_flag_columns(query, filters))
        texts = None
        if {"name", "derived_name", "description", "tags"} & set(after):
            texts = self._texts(cursor, event.insight_id, after)
            columns["search_text"] = search_text(*texts)
        if event.modified:
            columns["last_modified_at"] = to_micros(event.timestamp)
            columns["last_modified_by_id"] = event.actor_id
        columns["updated_at"] = to_micros(event.timestamp)
        assignments = ", ".join(f"{column} = %s" for column in columns)
        cursor.execute(
            f"UPDATE insights SET {assignments} WHERE id = %s",
            (*columns.values(), event.insight_id),
        )
        if "deleted" in after:
            cursor.execute(
                "UPDATE insight_tags SET deleted = %s WHERE insight_id = %s",
                (int(after["deleted"]), event.insight_id),
            )
            self._count(cursor, event.project_id, -1 if after["deleted"] else +1)
        if "tags" in after:
            cursor.execute("DELETE FROM insight_tags WHERE insight_id = %s", (event.insight_id,))
            deleted = cursor.execute(
                "SELECT deleted FROM insights WHERE id = %s", (event.insight_id,)
            ).fetchone()
            assert deleted is not None
            self._insert_tags(
                cursor, event.insight_id, event.project_id, after["tags"], bool(deleted[0])
            )
        if "dashboards" in after:
            cursor.execute(
                "UPDATE insight_tiles SET active = 0 WHERE insight_id = %s", (event.insight_id,)
            )
            self._link(cursor, event.insight_id, after["dashboards"], event.new_tiles)
        if texts is not None:
            self._search.index(cursor, event.insight_id, event.project_id, texts)

    @staticmethod
    def _query_after(cursor: Cursor, insight_id: int, after: dict[str, Any]) -> tuple[Any, Any]:
        """The query and the filters after a change of either."""
        row = cursor.execute(
            "SELECT query, filters FROM insights WHERE id = %s", (insight_id,)
        ).fetchone()
        assert row is not None
        query = after["query"] if "query" in after else json_codec.loads(row[0] or "null")
        filters = after["filters"] if "filters" in after else json_codec.loads(row[1])
        return query, filters

    @staticmethod
    def _texts(cursor: Cursor, insight_id: int, after: dict[str, Any]) -> tuple[Any, ...]:
        """The searchable texts after a change."""
        row = cursor.execute(
            "SELECT name, derived_name, description, tags FROM insights WHERE id = %s",
            (insight_id,),
        ).fetchone()
        assert row is not None
        current = {
            "name": row[0],
            "derived_name": row[1],
            "description": row[2],
            "tags": orjson.loads(row[3]),
        }
        current.update({k: v for k, v in after.items() if k in current})
        return tuple(current.values())

    @staticmethod
    def _count(cursor: Cursor, project_id: int, change: int) -> None:
        cursor.execute(
            "INSERT INTO insight_counts (project_id, live) VALUES (%s, %s) "
            "ON CONFLICT (project_id) DO UPDATE SET live = insight_counts.live + excluded.live",
            (project_id, change),
        )

    @staticmethod
    def _insert_tags(
        cursor: Cursor, insight_id: int, project_id: int, tags: list[str], deleted: bool
    ) -> None:
        if tags:
            cursor.executemany(
                "INSERT INTO insight_tags (insight_id, project_id, tag, deleted) "
                "VALUES (%s, %s, %s, %s)",
                [(insight_id, project_id, tag, int(deleted)) for tag in tags],
            )

    @staticmethod
    def _link(
        cursor: Cursor, insight_id: int, dashboards: list[dict[str, Any]], new_tiles: dict[str, int]
    ) -> None:
        """Activate the tiles of `dashboards`: reactivated or newly inserted."""
        for ref in dashboards:
            tile_id = new_tiles.get(str(ref["id"]))
            if tile_id is None:
                cursor.execute(
                    "UPDATE insight_tiles SET active = 1 WHERE insight_id = %s AND dashboard_id = %s",
                    (insight_id, ref["id"]),
                )
            else:
                cursor.execute(
                    "INSERT INTO insight_tiles (insight_id, dashboard_id, tile_id, active) "
                    "VALUES (%s, %s, %s, 1)",
                    (insight_id, ref["id"], tile_id),
                )
