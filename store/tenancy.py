"""Application service for organizations, projects, environments, users and membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.environment import Environment
from domain.errors import NotFoundError
from domain.organization import Organization
from domain.project import Project
from domain.user import User
from store.backend import Backend
from store.tokens import distinct_id, random_token


class ProjectNotFoundError(NotFoundError):
    """No project has that id."""

    def __init__(self) -> None:
        super().__init__("Project not found.")


@dataclass(frozen=True)
class Bootstrapped:
    """What `bootstrap` created, with the only copy of the raw key."""

    user_id: int
    organization_id: str
    project_id: int
    environment_id: int
    project_api_key: str


class Tenancy:
    """Loads and saves the tenancy aggregates."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def ensure_user(
        self, email: str, first_name: str = "", last_name: str = "", at: datetime | None = None
    ) -> User:
        """The user with this email, registered (now, or `at`) if new (emails are unique)."""
        repository = self._backend.events.repository
        user_uuid = User.create_id(email)
        try:
            return repository.get(user_uuid)
        except AggregateNotFoundError:
            user = User.create(
                user_id=self._backend.sequences.next_id("user"),
                email=email,
                first_name=first_name,
                last_name=last_name,
                distinct_id=distinct_id(),
                at=at or self._backend.clock(),
            )
        try:
            self._backend.record(user)
        except IntegrityError:
            # Registered concurrently by someone else: theirs is the user.
            return repository.get(user_uuid)
        return user

    def get_project(self, project_id: int) -> Project:
        """The project with this id."""
        try:
            return self._backend.events.repository.get(Project.create_id(project_id))
        except AggregateNotFoundError:
            raise ProjectNotFoundError() from None

    def bootstrap(
        self, *, email: str, first_name: str, last_name: str, organization: str, project: str
    ) -> Bootstrapped:
        """A new organization and project with the (new or existing) user as a member."""
        at = self._backend.clock()

        def attempt() -> Bootstrapped:
            # Built afresh each time: a failed save has taken the aggregates' pending events,
            # and a clash is a team id handed out again after a crash.
            # Every name is checked (by creating the aggregates) before the user is registered.
            new_organization = Organization.create(name=organization, actor_id=None, at=at)
            project_id = self._backend.sequences.next_id("team")
            new_project = Project.create(
                project_id=project_id,
                organization_id=str(new_organization.id),
                name=project,
                api_token=random_token("phc_"),
                actor_id=None,
                at=at,
            )
            primary = Environment.create(
                environment_id=project_id,
                project_id=project_id,
                name=project,
                actor_id=None,
                at=at,
            )
            # Registered at the same time: the log's order is also the order of time.
            user = self.ensure_user(email, first_name, last_name, at=at)
            new_project.add_member(user_id=user.user_id, actor_id=None, at=at)
            self._backend.record(new_organization, new_project, primary)
            return Bootstrapped(
                user_id=user.user_id,
                organization_id=str(new_organization.id),
                project_id=project_id,
                environment_id=project_id,
                project_api_key=new_project.api_token,
            )

        return self._backend.retrying(attempt)

    def add_member(self, *, email: str, project_id: int, first_name: str, last_name: str) -> int:
        """Make the user with this email (registered if new) a member of the project."""
        self.get_project(project_id)
        user = self.ensure_user(email, first_name, last_name)

        def attempt() -> None:
            project = self.get_project(project_id)
            if project.add_member(user_id=user.user_id, actor_id=None, at=self._backend.clock()):
                self._backend.record(project)

        self._backend.retrying(attempt)
        return user.user_id

    def add_environment(self, *, project_id: int, name: str) -> int:
        """Create another environment of the project; returns its id."""
        self.get_project(project_id)
        return self._backend.record_new(
            "team",
            lambda environment_id: Environment.create(
                environment_id=environment_id,
                project_id=project_id,
                name=name,
                actor_id=None,
                at=self._backend.clock(),
            ),
        )
