"""Application service for dashboards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.dashboard import Dashboard, DashboardNotFoundError
from domain.errors import InvalidInputError
from domain.insight import DashboardRef
from store.backend import Backend

Read = dict[UUID, int]
"""Aggregates a change was decided on, at the versions it read (`Backend.record`'s `read`)."""


class DashboardCommands:
    """Loads and saves Dashboard aggregates."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def _load(self, dashboard_id: int, read: Read | None = None) -> Dashboard | None:
        try:
            dashboard: Dashboard = self._backend.events.repository.get(
                Dashboard.create_id(dashboard_id)
            )
        except AggregateNotFoundError:
            return None
        if read is not None:
            read[dashboard.id] = dashboard.version
        return dashboard

    def create(
        self, *, project_id: int, environment_id: int, actor_id: int, values: Mapping[str, Any]
    ) -> int:
        """Create a dashboard in the project; returns its id."""
        return self._backend.record_new(
            "dashboard",
            lambda dashboard_id: Dashboard.create(
                dashboard_id=dashboard_id,
                project_id=project_id,
                environment_id=environment_id,
                actor_id=actor_id,
                at=self._backend.clock(),
                values=values,
            ),
        )

    def update(
        self,
        *,
        project_id: int,
        environment_id: int,
        actor_id: int,
        dashboard_id: int,
        values: Mapping[str, Any],
    ) -> None:
        """Apply a partial update (including soft delete and restore)."""

        def attempt() -> None:
            dashboard = self._load(dashboard_id)
            if dashboard is None or dashboard.project_id != project_id:
                raise DashboardNotFoundError()
            if dashboard.update(
                environment_id=environment_id,
                actor_id=actor_id,
                at=self._backend.clock(),
                values=values,
            ):
                self._backend.record(dashboard)

        self._backend.retrying(attempt)

    def linked(self, dashboard_ids: Iterable[int], read: Read) -> dict[int, Dashboard]:
        """Each of these dashboards that exists, as it is now (noted in `read`)."""
        found = {d: self._load(d, read) for d in dashboard_ids}
        return {d: dashboard for d, dashboard in found.items() if dashboard is not None}

    def refs(self, project_id: int, dashboard_ids: Iterable[int], read: Read) -> list[DashboardRef]:
        """The dashboards an insight of `project_id` may be placed on, named; deleted ones
        are skipped as PostHog does, ones of other projects are a 400. Each dashboard looked
        at is noted in `read`, for the save to check that it is still so."""
        refs: list[DashboardRef] = []
        for dashboard_id in dict.fromkeys(dashboard_ids):
            dashboard = self._load(dashboard_id, read)
            if dashboard is None:
                raise InvalidInputError(
                    f'Invalid pk "{dashboard_id}" - object does not exist.',
                    attr="dashboards",
                    code="does_not_exist",
                )
            dashboard.check_linkable_from(project_id)
            if not dashboard.deleted:
                refs.append({"id": dashboard.dashboard_id, "name": dashboard.name})
        return refs
