"""An insight's past, read from the event store: events for activity pages, the insight as it
was at a version, and reverting to one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.errors import InvalidInputError
from domain.insight import Insight, InsightNotFoundError
from projections.insight_history import HistoryEntry
from store.backend import Backend
from store.insights import InsightCommands

MAX_VERSION = 2**63 - 1


class InsightHistoryService:
    """Reads insight streams for the audit trail and time travel; records reverts."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._commands = InsightCommands(backend)

    def events(self, entries: Iterable[HistoryEntry]) -> dict[tuple[int, int], Any]:
        """The events behind history entries, by (insight id, version), in one read of the
        log at their positions."""
        positions = sorted({entry.position for entry in entries})
        if not positions:
            return {}  # A page past the end: nothing to read.
        events = self._backend.events
        found: dict[tuple[int, int], Any] = {}
        recorder: Any = events.recorder  # Ours: it reads events by position.
        for notification in recorder.select_at(positions):
            event: Any = events.mapper.to_domain_event(notification)
            found[(event.insight_id, event.originator_version)] = event
        return found

    def at_version(self, project_id: int, insight_id: int, version: int) -> Insight:
        """The insight as it was right after its `version`-th event."""
        if version > MAX_VERSION:
            raise InsightNotFoundError()
        try:
            insight: Insight = self._backend.events.repository.get(
                Insight.create_id(insight_id), version=version
            )
        except AggregateNotFoundError:
            raise InsightNotFoundError() from None
        if insight.project_id != project_id or insight.version != version:
            raise InsightNotFoundError()
        return insight

    def revert(
        self, *, project_id: int, environment_id: int, actor_id: int, insight_id: int, version: int
    ) -> None:
        """Make the insight's editable fields what they were at `version`, as a new event
        whose trigger names the revert."""
        try:
            past = self.at_version(project_id, insight_id, version)
        except InsightNotFoundError:
            raise InvalidInputError(
                f"This insight has no version {version}.", attr="version"
            ) from None
        self._commands.revert(
            project_id=project_id,
            environment_id=environment_id,
            actor_id=actor_id,
            insight_id=insight_id,
            past=past,
            trigger={"job_type": "revert", "job_id": str(version), "payload": {"version": version}},
        )
