"""A claim on an insight short_id within a project; saving a second claim conflicts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.ids import NAMESPACE


class ShortIdClaim(Aggregate):
    """Exists once per (project, short_id); its id makes duplicates an integrity error."""

    TOPIC = "insightlog.ShortIdClaim"

    @staticmethod
    def create_id(project_id: int, short_id: str) -> UUID:
        return uuid5(NAMESPACE, f"/projects/{project_id}/short_ids/{short_id}")

    class Created(Aggregate.Created):
        TOPIC = "insightlog.ShortIdClaim.Created"
        project_id: int
        short_id: str
        insight_id: int

    def __init__(self, project_id: int, short_id: str, insight_id: int) -> None:
        self.project_id = project_id
        self.short_id = short_id
        self.insight_id = insight_id

    @classmethod
    def claim(
        cls, *, project_id: int, short_id: str, insight_id: int, at: datetime
    ) -> ShortIdClaim:
        """Claim `short_id` in `project_id` for `insight_id`."""
        return cls._create(
            cls.Created,
            id=cls.create_id(project_id, short_id),
            timestamp=at,
            project_id=project_id,
            short_id=short_id,
            insight_id=insight_id,
        )
