"""The Environment aggregate: a team of a project, addressed by the numeric id in URLs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError
from domain.ids import NAMESPACE
from domain.text import check_text

MAX_NAME_LENGTH = 200


class Environment(Aggregate):
    """An environment of a project; the primary one shares the project's id."""

    TOPIC = "insightlog.Environment"

    @staticmethod
    def create_id(environment_id: int) -> UUID:
        return uuid5(NAMESPACE, f"/environments/{environment_id}")

    class Created(Aggregate.Created):
        TOPIC = "insightlog.Environment.Created"
        environment_id: int
        project_id: int
        name: str
        actor_id: int | None

    def __init__(
        self, environment_id: int, project_id: int, name: str, actor_id: int | None
    ) -> None:
        self.environment_id = environment_id
        self.project_id = project_id
        self.name = name
        self.created_by = actor_id

    @classmethod
    def create(
        cls, *, environment_id: int, project_id: int, name: str, actor_id: int | None, at: datetime
    ) -> Environment:
        """Create an environment of `project_id`."""
        name = (check_text(name, "name") or "").strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidInputError(
                f"Environment name must be 1 to {MAX_NAME_LENGTH} characters.", attr="name"
            )
        return cls._create(
            cls.Created,
            id=cls.create_id(environment_id),
            timestamp=at,
            environment_id=environment_id,
            project_id=project_id,
            name=name,
            actor_id=actor_id,
        )
