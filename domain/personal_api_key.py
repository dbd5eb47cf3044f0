"""The PersonalApiKey aggregate: a user's scoped credential, stored only as a hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError, NotFoundError
from domain.scopes import parse_scopes
from domain.text import check_text

KEY_PREFIX = "phx_"
MAX_LABEL_LENGTH = 40


class PersonalApiKeyNotFoundError(NotFoundError):
    """No personal API key has that id."""


def hash_key(raw_key: str) -> str:
    """The stored form of a key: an unsalted SHA-256, fine for a high-entropy token."""
    return "sha256$" + hashlib.sha256(raw_key.encode()).hexdigest()


class PersonalApiKey(Aggregate):
    """A personal API key: owner, scopes, optional project limit, revocation."""

    TOPIC = "insightlog.PersonalApiKey"

    class Created(Aggregate.Created):
        TOPIC = "insightlog.PersonalApiKey.Created"
        user_id: int
        label: str
        scopes: list[str]
        scoped_projects: list[int] | None
        secure_value: str
        actor_id: int | None

    class Revoked(Aggregate.Event):
        TOPIC = "insightlog.PersonalApiKey.Revoked"
        actor_id: int | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PersonalApiKey)
            aggregate.revoked = True

    def __init__(
        self,
        user_id: int,
        label: str,
        scopes: list[str],
        scoped_projects: list[int] | None,
        secure_value: str,
        actor_id: int | None,
    ) -> None:
        self.user_id = user_id
        self.label = label
        self.scopes = scopes
        self.scoped_projects = scoped_projects
        self.secure_value = secure_value
        self.created_by = actor_id
        self.revoked = False

    @classmethod
    def create(
        cls,
        *,
        raw_key: str,
        user_id: int,
        label: str,
        scopes: Iterable[str],
        scoped_projects: Iterable[int] | None,
        actor_id: int | None,
        at: datetime,
    ) -> PersonalApiKey:
        """Record a new key by its hash; the raw key itself is never part of an event."""
        if not raw_key.startswith(KEY_PREFIX):
            raise InvalidInputError(f"A personal API key starts with {KEY_PREFIX}.")
        label = (check_text(label, "label") or "").strip()
        if not label or len(label) > MAX_LABEL_LENGTH:
            raise InvalidInputError(
                f"A key label must be 1 to {MAX_LABEL_LENGTH} characters.", attr="label"
            )
        return cls._create(
            cls.Created,
            timestamp=at,
            user_id=user_id,
            label=label,
            scopes=parse_scopes(scopes),
            scoped_projects=sorted(set(scoped_projects)) if scoped_projects else None,
            secure_value=hash_key(raw_key),
            actor_id=actor_id,
        )

    def revoke(self, *, actor_id: int | None, at: datetime) -> bool:
        """Revoke the key; returns False if it already was."""
        if self.revoked:
            return False
        self.trigger_event(self.Revoked, timestamp=at, actor_id=actor_id)
        return True
