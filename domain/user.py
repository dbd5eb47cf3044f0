"""The User aggregate; its id is derived from the email, which makes emails unique."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError
from domain.ids import NAMESPACE
from domain.text import check_text

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 150


def normalize_email(email: str) -> str:
    """Lower-case and trim an email, and check it has the shape of one."""
    email = (check_text(email, "email") or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInputError("Enter a valid email address.", attr="email")
    return email


class User(Aggregate):
    """A person who can be a member of projects and own personal API keys."""

    TOPIC = "insightlog.User"

    @staticmethod
    def create_id(email: str) -> UUID:
        return uuid5(NAMESPACE, f"/users/{normalize_email(email)}")

    class Created(Aggregate.Created):
        TOPIC = "insightlog.User.Created"
        user_id: int
        email: str
        first_name: str
        last_name: str
        distinct_id: str

    def __init__(
        self, user_id: int, email: str, first_name: str, last_name: str, distinct_id: str
    ) -> None:
        self.user_id = user_id
        self.email = email
        self.first_name = first_name
        self.last_name = last_name
        self.distinct_id = distinct_id

    @classmethod
    def create(
        cls,
        *,
        user_id: int,
        email: str,
        first_name: str,
        last_name: str,
        distinct_id: str,
        at: datetime,
    ) -> User:
        """Register a user under a normalized email."""
        for attr, value in (("first_name", first_name), ("last_name", last_name)):
            check_text(value, attr, MAX_NAME_LENGTH)
        email = normalize_email(email)
        return cls._create(
            cls.Created,
            id=cls.create_id(email),
            timestamp=at,
            user_id=user_id,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            distinct_id=distinct_id,
        )
