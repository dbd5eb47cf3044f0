"""Read model of insights: one row per insight with every filterable and sortable column,
plus its tags and its dashboard tiles."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from eventsourcing.utils import get_topic

from domain.insight import DEFAULTS, Insight
from domain.insight_query import legacy_type, query_type
from projections.projection import Projection
from projections.similarity import word_trigrams
from projections.timestamps import to_micros
from store.database import Cursor

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


def search_trigrams(
    name: Any, derived_name: Any, description: Any, tags: list[str]
) -> set[str]:
    """Every word trigram of the searchable texts: the posting lists that let a search
    touch only the insights that can possibly match."""
    grams: set[str] = set()
    for text in (name, derived_name, description, *tags):
        if text:
            grams.update(word_trigrams(text))
    return grams


def _encode(field: str, value: Any) -> Any:
    if field in JSON_FIELDS:
        return None if value is None else orjson.dumps(value).decode()
    if isinstance(value, bool):
        return int(value)
    return value


class InsightListProjection(Projection):
    """Keeps `insights`, `insight_tags` and `insight_tiles` from Insight events."""

    name = "insight_list"
    tables = ("insights", "insight_tags", "insight_tiles", "insight_trigrams")
    topics: ClassVar[tuple[str, ...]] = tuple(
        get_topic(cls)
        for cls in (Insight.Created, Insight.Updated, Insight.Deleted, Insight.Restored)
    )

    def ddl(self, dialect: str) -> list[str]:
        # NOTE: in SQLite only INTEGER PRIMARY KEY is the rowid, which id lookups need.
        key = "INTEGER PRIMARY KEY" if dialect == "sqlite" else "BIGINT PRIMARY KEY"
        statements = [
            "CREATE TABLE IF NOT EXISTS insights ("
            f"id {key}, project_id BIGINT NOT NULL, environment_id BIGINT NOT NULL, "
            "short_id TEXT NOT NULL, name TEXT, derived_name TEXT, description TEXT, "
            "query TEXT, filters TEXT NOT NULL, tags TEXT NOT NULL, sort_order BIGINT, "
            "favorited INTEGER NOT NULL, saved INTEGER NOT NULL, deleted INTEGER NOT NULL, "
            "query_type TEXT, legacy_type TEXT, search_text TEXT NOT NULL, "
            "created_at BIGINT NOT NULL, created_by_id BIGINT, "
            "last_modified_at BIGINT NOT NULL, last_modified_by_id BIGINT, "
            "updated_at BIGINT NOT NULL, last_viewed_at BIGINT)",
            "CREATE INDEX IF NOT EXISTS insights_by_modified "
            "ON insights (project_id, deleted, last_modified_at, id)",
            "CREATE INDEX IF NOT EXISTS insights_by_created "
            "ON insights (project_id, deleted, created_at, id)",
            "CREATE INDEX IF NOT EXISTS insights_by_short_id ON insights (project_id, short_id)",
            "CREATE TABLE IF NOT EXISTS insight_tags ("
            "insight_id BIGINT NOT NULL, project_id BIGINT NOT NULL, tag TEXT NOT NULL, "
            "PRIMARY KEY (insight_id, tag))",
            "CREATE INDEX IF NOT EXISTS insight_tags_by_tag ON insight_tags (project_id, tag, insight_id)",
            "CREATE TABLE IF NOT EXISTS insight_tiles ("
            "insight_id BIGINT NOT NULL, dashboard_id BIGINT NOT NULL, tile_id BIGINT NOT NULL, "
            "active INTEGER NOT NULL, PRIMARY KEY (insight_id, dashboard_id))",
            "CREATE INDEX IF NOT EXISTS insight_tiles_by_dashboard "
            "ON insight_tiles (dashboard_id, active, insight_id)",
            "CREATE TABLE IF NOT EXISTS insight_trigrams ("
            "project_id BIGINT NOT NULL, trigram TEXT NOT NULL, insight_id BIGINT NOT NULL, "
            "PRIMARY KEY (project_id, trigram, insight_id))"
            + (" WITHOUT ROWID" if dialect == "sqlite" else ""),
        ]
        return statements

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
        self._insert_tags(cursor, event.insight_id, event.project_id, values["tags"])
        self._link(cursor, event.insight_id, values["dashboards"], event.new_tiles)
        self._index(
            cursor,
            event.insight_id,
            event.project_id,
            search_trigrams(values["name"], values["derived_name"], values["description"], values["tags"]),
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
        texts = None
        if {"name", "derived_name", "description", "tags"} & set(after):
            texts = self._texts(cursor, event.insight_id, after)
            columns["search_text"] = search_text(*texts[1])
        if event.modified:
            columns["last_modified_at"] = to_micros(event.timestamp)
            columns["last_modified_by_id"] = event.actor_id
        columns["updated_at"] = to_micros(event.timestamp)
        assignments = ", ".join(f"{column} = %s" for column in columns)
        cursor.execute(
            f"UPDATE insights SET {assignments} WHERE id = %s",
            (*columns.values(), event.insight_id),
        )
        if "tags" in after:
            cursor.execute("DELETE FROM insight_tags WHERE insight_id = %s", (event.insight_id,))
            self._insert_tags(cursor, event.insight_id, event.project_id, after["tags"])
        if "dashboards" in after:
            cursor.execute(
                "UPDATE insight_tiles SET active = 0 WHERE insight_id = %s", (event.insight_id,)
            )
            self._link(cursor, event.insight_id, after["dashboards"], event.new_tiles)
        if texts is not None:
            self._index(
                cursor,
                event.insight_id,
                event.project_id,
                search_trigrams(*texts[1]),
                previous=search_trigrams(*texts[0]),
            )

    @staticmethod
    def _texts(
        cursor: Cursor, insight_id: int, after: dict[str, Any]
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """The searchable texts before and after a change."""
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
        before = tuple(current.values())
        current.update({k: v for k, v in after.items() if k in current})
        return before, tuple(current.values())

    @staticmethod
    def _index(
        cursor: Cursor,
        insight_id: int,
        project_id: int,
        grams: set[str],
        previous: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        gone = sorted(previous - grams)
        if gone:
            cursor.executemany(
                "DELETE FROM insight_trigrams "
                "WHERE project_id = %s AND trigram = %s AND insight_id = %s",
                [(project_id, gram, insight_id) for gram in gone],
            )
        new = sorted(grams - previous)
        if new:
            cursor.executemany(
                "INSERT INTO insight_trigrams (project_id, trigram, insight_id) VALUES (%s, %s, %s)",
                [(project_id, gram, insight_id) for gram in new],
            )

    @staticmethod
    def _insert_tags(cursor: Cursor, insight_id: int, project_id: int, tags: list[str]) -> None:
        if tags:
            cursor.executemany(
                "INSERT INTO insight_tags (insight_id, project_id, tag) VALUES (%s, %s, %s)",
                [(insight_id, project_id, tag) for tag in tags],
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
