"""Application service for capture: analytics events checked, then stored in one go."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from domain.analytics_event import captured_event
from store.backend import Backend


class CaptureService:
    """Stores what PostHog SDKs send; the element stats include it once this returns."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def capture(self, events: Sequence[tuple[int, Any]], *, sent_at: Any = None) -> int:
        """Check every (project id, raw event) pair, then store them all or none.
        Returns how many were new (a retried batch stores nothing twice)."""
        now = self._backend.clock()
        checked = [
            captured_event(
                raw, index=index, project_id=project_id, now=now, new_uuid=uuid4(), sent_at=sent_at
            )
            for index, (project_id, raw) in enumerate(events)
        ]
        return self._backend.analytics.insert(checked)
