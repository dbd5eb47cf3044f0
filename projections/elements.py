"""Read model of the elements API: one row per live element."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from domain.element import ELEMENT_FIELDS, Element
from projections.projection import EventByEventProjection
from store import json_codec
from store.database import Cursor, Database

# `order` is a reserved word in SQL; the column is `element_order`.
_FIELD_COLUMNS = {field: "element_order" if field == "order" else field for field in ELEMENT_FIELDS}
_JSON_FIELDS = frozenset({"attr_class", "attributes"})
_COLUMNS = "id, project_id, " + ", ".join(_FIELD_COLUMNS.values())


def _column_value(field: str, value: Any) -> Any:
    return json_codec.dumps(value).decode() if field in _JSON_FIELDS else value


@dataclass(frozen=True)
class ElementRow:
    """An element as the read model holds it."""

    id: int
    project_id: int
    values: dict[str, Any]

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> ElementRow:
        values = {
            field: json_codec.loads(value) if field in _JSON_FIELDS else value
            for field, value in zip(ELEMENT_FIELDS, row[2:], strict=True)
        }
        return cls(id=int(row[0]), project_id=int(row[1]), values=values)


class ElementsProjection(EventByEventProjection):
    """Keeps the `elements` table."""

    name = "elements"
    tables = ("elements",)
    topics: ClassVar[tuple[str, ...]] = (
        get_topic(Element.Created),
        get_topic(Element.Updated),
        get_topic(Element.Deleted),
    )

    def ddl(self, dialect: str) -> list[str]:
        return [
            (
                "CREATE TABLE IF NOT EXISTS elements ("
                "id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, text TEXT, tag_name TEXT, "
                "attr_class TEXT NOT NULL, href TEXT, attr_id TEXT, nth_child BIGINT, "
                "nth_of_type BIGINT, attributes TEXT NOT NULL, element_order BIGINT)"
            ),
            "CREATE INDEX IF NOT EXISTS elements_by_project ON elements (project_id, id)",
        ]

    def process(self, cursor: Cursor, event: Any) -> None:
        if isinstance(event, Element.Created):
            values = {**dict.fromkeys(ELEMENT_FIELDS), "attributes": {}, **event.values}
            cursor.execute(
                f"INSERT INTO elements ({_COLUMNS}) VALUES ({', '.join(['%s'] * 11)})",
                (
                    event.element_id,
                    event.project_id,
                    *(_column_value(field, values[field]) for field in ELEMENT_FIELDS),
                ),
            )
        elif isinstance(event, Element.Updated):
            assignments = ", ".join(f"{_FIELD_COLUMNS[c['field']]} = %s" for c in event.changes)
            cursor.execute(
                f"UPDATE elements SET {assignments} WHERE id = %s",
                (
                    *(_column_value(c["field"], c["after"]) for c in event.changes),
                    event.element_id,
                ),
            )
        elif isinstance(event, Element.Deleted):
            cursor.execute("DELETE FROM elements WHERE id = %s", (event.element_id,))


class Elements:
    """Queries over the elements read model."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def get(self, project_id: int, element_id: int) -> ElementRow | None:
        """A live element of the project."""
        rows = self._database.query(
            f"SELECT {_COLUMNS} FROM elements WHERE id = %s AND project_id = %s",
            (element_id, project_id),
        )
        return ElementRow.from_row(rows[0]) if rows else None

    def page(self, project_id: int, limit: int, offset: int) -> tuple[int, list[ElementRow]]:
        """The project's elements in creation order: total count and one page."""
        with self._database.transaction() as cursor:
            count_row = cursor.execute(
                "SELECT count(*) FROM elements WHERE project_id = %s", (project_id,)
            ).fetchone()
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM elements WHERE project_id = %s "
                "ORDER BY id LIMIT %s OFFSET %s",
                (project_id, limit, offset),
            ).fetchall()
        assert count_row is not None
        return int(count_row[0]), [ElementRow.from_row(row) for row in rows]
