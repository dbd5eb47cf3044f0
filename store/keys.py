"""Application service for personal API keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.errors import InvalidInputError
from domain.personal_api_key import KEY_PREFIX, PersonalApiKey, PersonalApiKeyNotFoundError
from domain.user import User
from store.backend import Backend
from store.tenancy import ProjectNotFoundError, Tenancy
from store.tokens import random_token


@dataclass(frozen=True)
class CreatedKey:
    """A new key; `raw_key` exists only here, never in storage."""

    id: str
    raw_key: str
    scopes: list[str]


class Keys:
    """Creates and revokes personal API keys."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._tenancy = Tenancy(backend)

    def create(
        self,
        *,
        email: str,
        scopes: Sequence[str],
        projects: Sequence[int] | None = None,
        label: str = "insightlog",
    ) -> CreatedKey:
        """Issue a key for an existing user, optionally limited to projects they belong to."""
        try:
            user: User = self._backend.events.repository.get(User.create_id(email))
        except AggregateNotFoundError:
            raise InvalidInputError(f"No user has the email {email}.", attr="email") from None
        for project_id in projects or ():
            try:
                project = self._tenancy.get_project(project_id)
            except ProjectNotFoundError:
                raise InvalidInputError(
                    f"Project {project_id} does not exist.", "projects"
                ) from None
            if user.user_id not in project.members:
                raise InvalidInputError(
                    "You must be a member of all projects that you are scoping the key to.",
                    attr="projects",
                )
        raw_key = random_token(KEY_PREFIX)
        key = PersonalApiKey.create(
            raw_key=raw_key,
            user_id=user.user_id,
            label=label,
            scopes=scopes,
            scoped_projects=projects,
            actor_id=user.user_id,
            at=self._backend.clock(),
        )
        self._backend.record(key)
        return CreatedKey(id=str(key.id), raw_key=raw_key, scopes=list(key.scopes))

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by id; False if it already was revoked."""
        try:
            key_uuid = UUID(key_id)
        except ValueError:
            raise PersonalApiKeyNotFoundError(f"No personal API key has the id {key_id}.") from None

        def attempt() -> bool:
            try:
                key: PersonalApiKey = self._backend.events.repository.get(key_uuid)
            except AggregateNotFoundError:
                raise PersonalApiKeyNotFoundError(
                    f"No personal API key has the id {key_id}."
                ) from None
            if not isinstance(key, PersonalApiKey):
                raise PersonalApiKeyNotFoundError(f"No personal API key has the id {key_id}.")
            if not key.revoke(actor_id=None, at=self._backend.clock()):
                return False
            self._backend.record(key)
            self._backend.accounts.forget_keys()
            return True

        return self._backend.retrying(attempt)
