"""The Dashboard aggregate: a named board that insights can be placed on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError, NotFoundError
from domain.ids import NAMESPACE
from domain.json_values import field_changes
from domain.text import check_text

MAX_NAME_LENGTH = 400
DASHBOARD_FIELDS = ("name", "description", "pinned", "deleted")


class DashboardNotFoundError(NotFoundError):
    """No such dashboard in this project, or it is soft-deleted."""


def _normalize(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(DASHBOARD_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown dashboard field {min(unknown)}.")
    result = dict(values)
    if "name" in result:
        result["name"] = check_text(result["name"], "name", MAX_NAME_LENGTH)
    if "description" in result:
        result["description"] = check_text(result["description"], "description") or ""
    for flag in ("pinned", "deleted"):
        if flag in result:
            result[flag] = bool(result[flag])
    return result


class Dashboard(Aggregate):
    """A dashboard of a project. Deleting it hides its tiles from every insight."""

    TOPIC = "insightlog.Dashboard"

    @staticmethod
    def create_id(dashboard_id: int) -> UUID:
        return uuid5(NAMESPACE, f"/dashboards/{dashboard_id}")

    class Created(Aggregate.Created):
        TOPIC = "insightlog.Dashboard.Created"
        dashboard_id: int
        project_id: int
        environment_id: int
        actor_id: int | None
        values: dict[str, Any]

    class Updated(Aggregate.Event):
        TOPIC = "insightlog.Dashboard.Updated"
        dashboard_id: int
        project_id: int
        environment_id: int
        actor_id: int | None
        changes: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Dashboard)
            for change in self.changes:
                aggregate.values[change["field"]] = change["after"]

    def __init__(
        self,
        dashboard_id: int,
        project_id: int,
        environment_id: int,
        actor_id: int | None,
        values: dict[str, Any],
    ) -> None:
        self.dashboard_id = dashboard_id
        self.project_id = project_id
        self.environment_id = environment_id
        self.created_by = actor_id
        defaults = {"name": None, "description": "", "pinned": False, "deleted": False}
        self.values: dict[str, Any] = {**defaults, **values}

    @classmethod
    def create(
        cls,
        *,
        dashboard_id: int,
        project_id: int,
        environment_id: int,
        actor_id: int | None,
        at: datetime,
        values: Mapping[str, Any],
    ) -> Dashboard:
        """Create a dashboard with an allocated id."""
        return cls._create(
            cls.Created,
            id=cls.create_id(dashboard_id),
            timestamp=at,
            dashboard_id=dashboard_id,
            project_id=project_id,
            environment_id=environment_id,
            actor_id=actor_id,
            values=_normalize(values),
        )

    @property
    def deleted(self) -> bool:
        return bool(self.values["deleted"])

    @property
    def name(self) -> str | None:
        return self.values["name"]

    def check_linkable_from(self, project_id: int) -> None:
        """Raise unless an insight of `project_id` may be placed on this dashboard."""
        if self.project_id != project_id:
            raise InvalidInputError(
                f'Invalid pk "{self.dashboard_id}" - object does not exist.',
                attr="dashboards",
                code="does_not_exist",
            )

    def update(
        self,
        *,
        environment_id: int,
        actor_id: int | None,
        at: datetime,
        values: Mapping[str, Any],
    ) -> bool:
        """Apply a partial update; a deleted dashboard can only be restored."""
        normalized = _normalize(values)
        if self.deleted and normalized.get("deleted") is not False:
            raise DashboardNotFoundError()
        changes = field_changes(self.values, normalized)
        if not changes:
            return False
        self.trigger_event(
            self.Updated,
            timestamp=at,
            dashboard_id=self.dashboard_id,
            project_id=self.project_id,
            environment_id=environment_id,
            actor_id=actor_id,
            changes=changes,
        )
        return True
