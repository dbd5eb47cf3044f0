"""The Project aggregate: a product's analytics space, its members and its public token."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError
from domain.ids import NAMESPACE
from domain.text import check_text

MAX_NAME_LENGTH = 200


class Project(Aggregate):
    """A project of an organization. Its id equals the id of its primary environment."""

    TOPIC = "insightlog.Project"

    @staticmethod
    def create_id(project_id: int) -> UUID:
        return uuid5(NAMESPACE, f"/projects/{project_id}")

    class Created(Aggregate.Created):
        TOPIC = "insightlog.Project.Created"
        project_id: int
        organization_id: str
        name: str
        api_token: str
        actor_id: int | None

    class MemberAdded(Aggregate.Event):
        TOPIC = "insightlog.Project.MemberAdded"
        project_id: int
        user_id: int
        actor_id: int | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Project)
            aggregate.members.append(self.user_id)

    def __init__(
        self, project_id: int, organization_id: str, name: str, api_token: str, actor_id: int | None
    ) -> None:
        self.project_id = project_id
        self.organization_id = organization_id
        self.name = name
        self.api_token = api_token
        self.created_by = actor_id
        self.members: list[int] = []

    @classmethod
    def create(
        cls,
        *,
        project_id: int,
        organization_id: str,
        name: str,
        api_token: str,
        actor_id: int | None,
        at: datetime,
    ) -> Project:
        """Create a project; the caller creates its primary environment with the same id."""
        name = (check_text(name, "project") or "").strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidInputError(
                f"Project name must be 1 to {MAX_NAME_LENGTH} characters.", attr="project"
            )
        if not api_token.startswith("phc_"):
            raise InvalidInputError("A project API token starts with phc_.")
        return cls._create(
            cls.Created,
            id=cls.create_id(project_id),
            timestamp=at,
            project_id=project_id,
            organization_id=organization_id,
            name=name,
            api_token=api_token,
            actor_id=actor_id,
        )

    def add_member(self, *, user_id: int, actor_id: int | None, at: datetime) -> bool:
        """Make a user a member; returns False if they already are one."""
        if user_id in self.members:
            return False
        self.trigger_event(
            self.MemberAdded,
            timestamp=at,
            project_id=self.project_id,
            user_id=user_id,
            actor_id=actor_id,
        )
        return True
