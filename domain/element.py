"""The Element aggregate: one DOM element a project records, with PostHog's nine fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.elements_chain import ELEMENT_FIELDS
from domain.errors import InvalidInputError, NotFoundError
from domain.ids import NAMESPACE
from domain.insight import INT32_MAX, INT32_MIN
from domain.json_values import field_changes
from domain.text import check_text

MAX_LENGTHS = {"text": 10_000, "tag_name": 1_000, "href": 10_000, "attr_id": 10_000}
MAX_CLASS_LENGTH = 200
INTEGER_FIELDS = ("nth_child", "nth_of_type", "order")


class ElementNotFoundError(NotFoundError):
    """No such element in this project, or it was deleted."""


def _check_integer(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError("A valid integer is required.", attr=field)
    if value < INT32_MIN:
        raise InvalidInputError(
            f"Ensure this value is greater than or equal to {INT32_MIN}.",
            attr=field,
            code="min_value",
        )
    if value > INT32_MAX:
        raise InvalidInputError(
            f"Ensure this value is less than or equal to {INT32_MAX}.", attr=field, code="max_value"
        )
    return value


def _check_classes(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInputError("attr_class must be a list of strings.", attr="attr_class")
    for index, item in enumerate(value):
        check_text(item, f"attr_class__{index}", MAX_CLASS_LENGTH)
    return list(value)


def normalize(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check every field's invariants; unknown fields are a programming error."""
    unknown = set(values) - set(ELEMENT_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown element field {min(unknown)}.")
    result = dict(values)
    for field, max_length in MAX_LENGTHS.items():
        if field in result:
            result[field] = check_text(result[field], field, max_length)
    if "attr_class" in result:
        result["attr_class"] = _check_classes(result["attr_class"])
    for field in INTEGER_FIELDS:
        if field in result:
            result[field] = _check_integer(result[field], field)
    if "attributes" in result and result["attributes"] is None:
        raise InvalidInputError("This field may not be null.", attr="attributes", code="null")
    return result


class Element(Aggregate):
    """An element of a project. Deleting it is final."""

    TOPIC = "insightlog.Element"

    @staticmethod
    def create_id(element_id: int) -> UUID:
        return uuid5(NAMESPACE, f"/elements/{element_id}")

    class Created(Aggregate.Created):
        TOPIC = "insightlog.Element.Created"
        element_id: int
        project_id: int
        environment_id: int
        actor_id: int | None
        values: dict[str, Any]

    class Updated(Aggregate.Event):
        TOPIC = "insightlog.Element.Updated"
        element_id: int
        project_id: int
        environment_id: int
        actor_id: int | None
        changes: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Element)
            for change in self.changes:
                aggregate.values[change["field"]] = change["after"]

    class Deleted(Aggregate.Event):
        TOPIC = "insightlog.Element.Deleted"
        element_id: int
        project_id: int
        environment_id: int
        actor_id: int | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Element)
            aggregate.deleted = True

    def __init__(
        self,
        element_id: int,
        project_id: int,
        environment_id: int,
        actor_id: int | None,
        values: dict[str, Any],
    ) -> None:
        self.element_id = element_id
        self.project_id = project_id
        self.deleted = False
        self.values: dict[str, Any] = {
            **dict.fromkeys(ELEMENT_FIELDS),
            "attributes": {},
            **values,
        }

    @classmethod
    def create(
        cls,
        *,
        element_id: int,
        project_id: int,
        environment_id: int,
        actor_id: int | None,
        at: datetime,
        values: Mapping[str, Any],
    ) -> Element:
        """Create an element with an allocated id; every field is optional."""
        return cls._create(
            cls.Created,
            id=cls.create_id(element_id),
            timestamp=at,
            element_id=element_id,
            project_id=project_id,
            environment_id=environment_id,
            actor_id=actor_id,
            values=normalize(values),
        )

    def _check_live(self) -> None:
        if self.deleted:
            raise ElementNotFoundError()

    def update(
        self, *, environment_id: int, actor_id: int | None, at: datetime, values: Mapping[str, Any]
    ) -> bool:
        """Apply a partial update; returns False when it changes nothing."""
        self._check_live()
        changes = field_changes(self.values, normalize(values))
        if not changes:
            return False
        self.trigger_event(
            self.Updated,
            timestamp=at,
            element_id=self.element_id,
            project_id=self.project_id,
            environment_id=environment_id,
            actor_id=actor_id,
            changes=changes,
        )
        return True

    def delete(self, *, environment_id: int, actor_id: int | None, at: datetime) -> None:
        """Delete the element for good."""
        self._check_live()
        self.trigger_event(
            self.Deleted,
            timestamp=at,
            element_id=self.element_id,
            project_id=self.project_id,
            environment_id=environment_id,
            actor_id=actor_id,
        )
