"""Application service for insights: the only place insights are loaded and saved."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.insight import Insight, InsightNotFoundError
from domain.short_id import short_id_for
from store.backend import Backend
from store.dashboards import DashboardCommands, Read


class InsightCommands:
    """Creates and changes insights, retrying on concurrent writes."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._dashboards = DashboardCommands(backend)

    def create(
        self, *, project_id: int, environment_id: int, actor_id: int, values: Mapping[str, Any]
    ) -> int:
        """Create an insight from request values; returns its id."""

        def attempt() -> int:
            # A clash here is an id handed out again after a crash, or a dashboard changed
            # since it was read: a fresh attempt draws another id and reads it again.
            read: Read = {}
            sent = self._with_dashboard_refs(project_id, values, read)
            insight_id = self._backend.sequences.propose("insight")
            at = self._backend.clock()
            insight = Insight.create(
                insight_id=insight_id,
                project_id=project_id,
                environment_id=environment_id,
                short_id=short_id_for(insight_id),
                actor_id=actor_id,
                at=at,
                values=sent,
                new_tiles=self._new_tiles(
                    [] if sent.get("deleted") else [ref["id"] for ref in sent.get("dashboards", [])]
                ),
            )
            # Its creator's first view of it is read from its Created event.
            self._backend.record(insight, read=read, claimed={"insight": insight_id})
            return insight_id

        return self._backend.retrying(attempt)

    def update(
        self,
        *,
        project_id: int,
        environment_id: int,
        actor_id: int,
        insight_id: int,
        values: Mapping[str, Any],
        trigger: dict[str, Any] | None = None,
    ) -> None:
        """Apply a partial update, soft delete or restore (`trigger` says what caused it)."""
        self._apply(project_id, environment_id, actor_id, insight_id, lambda _: values, trigger)

    def revert(
        self,
        *,
        project_id: int,
        environment_id: int,
        actor_id: int,
        insight_id: int,
        past: Insight,
        trigger: dict[str, Any],
    ) -> None:
        """Make the insight what `past` (itself at an earlier version) was; nothing is
        recorded when it already is."""

        def values_for(current: Insight) -> dict[str, Any] | None:
            # Against the insight as each attempt loads it: a concurrent edit is undone too,
            # and a concurrent delete makes it 404 even when there is nothing to undo.
            if current.deleted:
                raise InsightNotFoundError()
            return current.differences_from(past) or None

        self._apply(project_id, environment_id, actor_id, insight_id, values_for, trigger)

    def _apply(
        self,
        project_id: int,
        environment_id: int,
        actor_id: int,
        insight_id: int,
        values_for: Callable[[Insight], Mapping[str, Any] | None],
        trigger: dict[str, Any] | None,
    ) -> None:
        def attempt() -> None:
            insight = self._load(project_id, insight_id)
            wanted = values_for(insight)
            if wanted is None:
                return
            # Dashboards are read by each attempt, and the save checks they are unchanged: a
            # link is never made to a dashboard deleted meanwhile.
            read: Read = {}
            values = self._with_dashboard_refs(project_id, wanted, read)
            new_tiles = self._new_tiles(
                insight.dashboards_needing_tiles(ref["id"] for ref in values.get("dashboards", []))
            )
            # Read whatever the change: sent dashboards replace the links, and a delete drops them.
            linked = (
                self._dashboards.linked(insight.dashboard_ids, read)
                if insight.dashboard_ids
                else {}
            )
            if insight.update(
                environment_id=environment_id,
                actor_id=actor_id,
                at=self._backend.clock(),
                values=values,
                new_tiles=new_tiles,
                trigger=trigger,
                dashboard_names={d: dashboard.name for d, dashboard in linked.items()},
                hidden_dashboards={d for d, dashboard in linked.items() if dashboard.deleted},
            ):
                self._backend.record(insight, read=read)

        self._backend.retrying(attempt)

    def _with_dashboard_refs(
        self, project_id: int, values: Mapping[str, Any], read: Read
    ) -> dict[str, Any]:
        """`values` with the sent dashboard ids as the refs an insight is linked with."""
        if "dashboards" not in values:
            return dict(values)
        refs = self._dashboards.refs(project_id, values["dashboards"] or [], read)
        return {**values, "dashboards": refs}

    def _load(self, project_id: int, insight_id: int) -> Insight:
        try:
            insight: Insight = self._backend.events.repository.get(Insight.create_id(insight_id))
        except AggregateNotFoundError:
            raise InsightNotFoundError() from None
        if insight.project_id != project_id:
            raise InsightNotFoundError()
        return insight

    def _new_tiles(self, dashboard_ids: list[int]) -> dict[int, int]:
        return {d: self._backend.sequences.next_id("tile") for d in dashboard_ids}
