"""Read model of tenancy: organizations, projects, environments, users, members and keys.

Authentication reads it on every request, so key, environment and membership lookups are
single indexed queries, and each process remembers what it found for a moment: a revoked
key stops working at once in the process that revoked it, within a second in every other.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from eventsourcing.utils import get_topic

from domain.environment import Environment
from domain.instants import to_micros
from domain.organization import Organization
from domain.personal_api_key import PersonalApiKey
from domain.project import Project
from domain.user import User
from projections.projection import EventByEventProjection
from store.database import Cursor, Database

MAX_KNOWN_USERS = 100_000
MAX_REMEMBERED = 10_000
PRINCIPAL_TTL_SECONDS = 1.0
"""How long a process trusts a key it looked up; the contract allows a revocation 2 s."""

_DDL = [
    (
        "CREATE TABLE IF NOT EXISTS organizations ("
        "id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS projects ("
        "id BIGINT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL, "
        "api_token TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS environments ("
        "id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, name TEXT NOT NULL, "
        "created_at BIGINT NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS users ("
        "id BIGINT PRIMARY KEY, uuid TEXT NOT NULL, email TEXT NOT NULL UNIQUE, "
        "first_name TEXT NOT NULL, last_name TEXT NOT NULL, distinct_id TEXT NOT NULL, "
        "created_at BIGINT NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS project_members ("
        "project_id BIGINT NOT NULL, user_id BIGINT NOT NULL, joined_at BIGINT NOT NULL, "
        "PRIMARY KEY (project_id, user_id))"
    ),
    (
        "CREATE TABLE IF NOT EXISTS personal_api_keys ("
        "id TEXT PRIMARY KEY, user_id BIGINT NOT NULL, label TEXT NOT NULL, scopes TEXT NOT NULL, "
        "scoped_projects TEXT, secure_value TEXT NOT NULL UNIQUE, "
        "created_at BIGINT NOT NULL, revoked INTEGER NOT NULL)"
    ),
]


@dataclass(frozen=True)
class Principal:
    """Who a valid personal API key speaks for, and what it may do."""

    key_id: str
    user_id: int
    scopes: tuple[str, ...]
    scoped_projects: tuple[int, ...] | None


@dataclass(frozen=True)
class EnvironmentAccess:
    """An environment, its project, and whether a given user is a member of it."""

    environment_id: int
    project_id: int
    is_member: bool


class AccountsProjection(EventByEventProjection):
    """Keeps the tenancy tables from the tenancy aggregates' events."""

    name = "accounts"
    tables = (
        "organizations",
        "projects",
        "environments",
        "users",
        "project_members",
        "personal_api_keys",
    )
    topics: ClassVar[tuple[str, ...]] = tuple(
        get_topic(cls)
        for cls in (
            Organization.Created,
            Project.Created,
            Project.MemberAdded,
            Environment.Created,
            User.Created,
            PersonalApiKey.Created,
            PersonalApiKey.Revoked,
        )
    )

    def __init__(self) -> None:
        self._handlers: dict[type, Callable[[Cursor, Any], None]] = {
            Organization.Created: self._organization_created,
            Project.Created: self._project_created,
            Project.MemberAdded: self._member_added,
            Environment.Created: self._environment_created,
            User.Created: self._user_created,
            PersonalApiKey.Created: self._key_created,
            PersonalApiKey.Revoked: self._key_revoked,
        }

    def ddl(self, dialect: str) -> list[str]:
        return [
            *_DDL,
            "CREATE INDEX IF NOT EXISTS environments_by_project ON environments (project_id)",
        ]

    def process(self, cursor: Cursor, event: Any) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(cursor, event)

    def _organization_created(self, cursor: Cursor, event: Organization.Created) -> None:
        cursor.execute(
            "INSERT INTO organizations (id, name, created_at) VALUES (%s, %s, %s)",
            (str(event.originator_id), event.name, to_micros(event.timestamp)),
        )

    def _project_created(self, cursor: Cursor, event: Project.Created) -> None:
        cursor.execute(
            "INSERT INTO projects (id, organization_id, name, api_token, created_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            (
                event.project_id,
                event.organization_id,
                event.name,
                event.api_token,
                to_micros(event.timestamp),
            ),
        )

    def _member_added(self, cursor: Cursor, event: Project.MemberAdded) -> None:
        cursor.execute(
            "INSERT INTO project_members (project_id, user_id, joined_at) VALUES (%s, %s, %s)",
            (event.project_id, event.user_id, to_micros(event.timestamp)),
        )

    def _environment_created(self, cursor: Cursor, event: Environment.Created) -> None:
        cursor.execute(
            "INSERT INTO environments (id, project_id, name, created_at) VALUES (%s, %s, %s, %s)",
            (event.environment_id, event.project_id, event.name, to_micros(event.timestamp)),
        )

    def _user_created(self, cursor: Cursor, event: User.Created) -> None:
        cursor.execute(
            "INSERT INTO users (id, uuid, email, first_name, last_name, distinct_id, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                event.user_id,
                str(event.originator_id),
                event.email,
                event.first_name,
                event.last_name,
                event.distinct_id,
                to_micros(event.timestamp),
            ),
        )

    def _key_created(self, cursor: Cursor, event: PersonalApiKey.Created) -> None:
        cursor.execute(
            "INSERT INTO personal_api_keys (id, user_id, label, scopes, scoped_projects, "
            "secure_value, created_at, revoked) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 0)",
            (
                str(event.originator_id),
                event.user_id,
                event.label,
                orjson.dumps(event.scopes).decode(),
                None
                if event.scoped_projects is None
                else orjson.dumps(event.scoped_projects).decode(),
                event.secure_value,
                to_micros(event.timestamp),
            ),
        )

    def _key_revoked(self, cursor: Cursor, event: PersonalApiKey.Revoked) -> None:
        cursor.execute(
            "UPDATE personal_api_keys SET revoked = 1 WHERE id = %s", (str(event.originator_id),)
        )


class Accounts:
    """Queries over the tenancy read model."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._known_users: dict[int, dict[str, Any]] = {}
        self._known_keys: dict[str, tuple[float, Principal]] = {}
        self._memberships: dict[tuple[int, int], EnvironmentAccess] = {}

    def principal(self, secure_value: str) -> Principal | None:
        """The live key with this hash, or None."""
        now = time.monotonic()
        known = self._known_keys.get(secure_value)
        if known is not None and now - known[0] < PRINCIPAL_TTL_SECONDS:
            return known[1]
        found = self._read_principal(secure_value)
        if len(self._known_keys) >= MAX_REMEMBERED:
            self._known_keys.clear()
        if found is None:
            self._known_keys.pop(secure_value, None)
        else:
            self._known_keys[secure_value] = (now, found)
        return found

    def forget_keys(self) -> None:
        """Look every key up again: one was revoked by this process."""
        self._known_keys.clear()

    def _read_principal(self, secure_value: str) -> Principal | None:
        rows = self._database.query(
            "SELECT id, user_id, scopes, scoped_projects FROM personal_api_keys "
            "WHERE secure_value = %s AND revoked = 0",
            (secure_value,),
        )
        if not rows:
            return None
        key_id, user_id, scopes, scoped = rows[0]
        return Principal(
            key_id=key_id,
            user_id=int(user_id),
            scopes=tuple(orjson.loads(scopes)),
            scoped_projects=None if scoped is None else tuple(orjson.loads(scoped)),
        )

    def environment_access(self, environment_id: int, user_id: int) -> EnvironmentAccess | None:
        """The environment and the user's membership of its project, or None if unknown."""
        # Environments and memberships are never removed, so a membership seen once holds.
        known = self._memberships.get((environment_id, user_id))
        if known is not None:
            return known
        rows = self._database.query(
            "SELECT e.project_id, m.user_id FROM environments e "
            "LEFT JOIN project_members m ON m.project_id = e.project_id AND m.user_id = %s "
            "WHERE e.id = %s",
            (user_id, environment_id),
        )
        if not rows:
            return None
        project_id, member = rows[0]
        access = EnvironmentAccess(environment_id, int(project_id), member is not None)
        if access.is_member:
            if len(self._memberships) >= MAX_REMEMBERED:
                self._memberships.clear()
            self._memberships[environment_id, user_id] = access
        return access

    def project_by_token(self, token: str) -> int | None:
        """The project whose public API token (phc_…) this is, or None."""
        if "\x00" in token:
            return None  # No token holds one, and PostgreSQL refuses to compare with it.
        rows = self._database.query("SELECT id FROM projects WHERE api_token = %s", (token,))
        return int(rows[0][0]) if rows else None

    def user_by_email(self, email: str) -> int | None:
        """The id of the user with this email (compared lower-cased), or None."""
        rows = self._database.query(
            "SELECT id FROM users WHERE email = %s", (email.strip().lower(),)
        )
        return int(rows[0][0]) if rows else None

    def users(self, user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """PostHog's UserBasic shape for each known id."""
        # A user never changes once created (and keeps its id through rebuilds), so what
        # was read once serves every later request of this process.
        found = {uid: self._known_users.get(uid) for uid in set(user_ids)}
        missing = sorted(uid for uid, user in found.items() if user is None)
        if missing:
            if len(self._known_users) > MAX_KNOWN_USERS:
                self._known_users.clear()
            among, params = self._database.one_of("id", missing)
            for row in self._database.query(
                f"SELECT id, uuid, distinct_id, first_name, last_name, email FROM users WHERE {among}",
                params,
            ):
                found[int(row[0])] = self._known_users[int(row[0])] = {
                    "id": int(row[0]),
                    "uuid": row[1],
                    "distinct_id": row[2],
                    "first_name": row[3],
                    "last_name": row[4],
                    "email": row[5],
                    "is_email_verified": None,
                    "hedgehog_config": None,
                    "role_at_organization": None,
                }
        return {uid: dict(user) for uid, user in found.items() if user is not None}
