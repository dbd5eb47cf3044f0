"""The Organization aggregate: the tenant that owns projects."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError
from domain.text import check_text

MAX_NAME_LENGTH = 64


class Organization(Aggregate):
    """An organization; its id is a random UUID as in PostHog."""

    TOPIC = "insightlog.Organization"

    class Created(Aggregate.Created):
        TOPIC = "insightlog.Organization.Created"
        name: str
        actor_id: int | None

    def __init__(self, name: str, actor_id: int | None) -> None:
        self.name = name
        self.created_by = actor_id

    @classmethod
    def create(cls, *, name: str, actor_id: int | None, at: datetime) -> Organization:
        """Found an organization."""
        name = (check_text(name, "organization") or "").strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidInputError(
                f"Organization name must be 1 to {MAX_NAME_LENGTH} characters.", attr="organization"
            )
        return cls._create(cls.Created, timestamp=at, name=name, actor_id=actor_id)
