"""Application service for views of insights."""

from __future__ import annotations

from collections.abc import Iterable

from domain.insight_views import ViewBatch
from store.backend import Backend


class ViewCommands:
    """Records which insights a user viewed."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def record(
        self, *, project_id: int, environment_id: int, user_id: int, insight_ids: Iterable[int]
    ) -> int:
        """Record views of the project's live insights among `insight_ids` (others are
        dropped silently, as PostHog does); returns how many were recorded."""
        live = self._backend.insights.live_ids(project_id, insight_ids)
        if not live:
            return 0
        batch = ViewBatch.record(
            project_id=project_id,
            environment_id=environment_id,
            user_id=user_id,
            insight_ids=live,
            at=self._backend.clock(),
        )
        self._backend.record_views(batch)
        return len(live)
