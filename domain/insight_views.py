"""Views of insights: each request that records views is a small stream of its own.

Views never touch an insight's stream (the audit trail shows changes, not views), and a batch
needs nothing loaded before it is saved, so recording views never waits on other writers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError

MAX_INSIGHT_IDS = 2500


class ViewBatch(Aggregate):
    """Insights a user viewed at one moment, in one environment."""

    TOPIC = "insightlog.ViewBatch"

    class Created(Aggregate.Created):
        TOPIC = "insightlog.ViewBatch.Created"

    class InsightsViewed(Created):
        TOPIC = "insightlog.ViewBatch.InsightsViewed"
        project_id: int
        environment_id: int
        user_id: int
        insight_ids: list[int]

    def __init__(
        self, project_id: int, environment_id: int, user_id: int, insight_ids: list[int]
    ) -> None:
        self.project_id = project_id
        self.environment_id = environment_id
        self.user_id = user_id
        self.insight_ids = insight_ids

    @classmethod
    def record(
        cls,
        *,
        project_id: int,
        environment_id: int,
        user_id: int,
        insight_ids: Iterable[int],
        at: datetime,
    ) -> ViewBatch:
        """Record that `user_id` viewed these insights (each at most once) at `at`."""
        unique = sorted(set(insight_ids))
        if not unique:
            raise InvalidInputError("This list may not be empty.", attr="insight_ids", code="empty")
        if len(unique) > MAX_INSIGHT_IDS:
            raise InvalidInputError(
                f"Ensure this field has no more than {MAX_INSIGHT_IDS} elements.",
                attr="insight_ids",
                code="max_length",
            )
        return cls._create(
            cls.InsightsViewed,
            timestamp=at,
            project_id=project_id,
            environment_id=environment_id,
            user_id=user_id,
            insight_ids=unique,
        )
