"""What each domain event says in the audit log: scope, activity, item and changes.

Secrets never appear: a key's hash stays in the event store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.dashboard import Dashboard
from domain.element import Element
from domain.environment import Environment
from domain.insight import Insight
from domain.insight_activity import activity_verb, recorded_changes
from domain.organization import Organization
from domain.personal_api_key import PersonalApiKey
from domain.project import Project
from domain.user import User

Changes = Callable[[Any], list[dict[str, Any]] | None]


def _values(event: Any) -> list[dict[str, Any]]:
    return [{"field": field, "after": value} for field, value in event.values.items()]


def _changes(event: Any) -> list[dict[str, Any]]:
    return list(event.changes)


def _nothing(event: Any) -> None:
    return None


def _fields(*names: str) -> Changes:
    return lambda event: [{"field": name, "after": getattr(event, name)} for name in names]


def _originator(event: Any) -> str:
    return str(event.originator_id)


# Per event class: scope, activity, the item's id, the changes.
_ENTRIES: dict[type, tuple[str, str, Callable[[Any], Any], Changes]] = {
    Dashboard.Created: ("dashboard", "created", lambda e: e.dashboard_id, _values),
    Dashboard.Updated: ("dashboard", "updated", lambda e: e.dashboard_id, _changes),
    Element.Created: ("element", "created", lambda e: e.element_id, _values),
    Element.Updated: ("element", "updated", lambda e: e.element_id, _changes),
    Element.Deleted: ("element", "deleted", lambda e: e.element_id, _nothing),
    PersonalApiKey.Created: (
        "key",
        "created",
        _originator,
        _fields("user_id", "label", "scopes", "scoped_projects"),
    ),
    PersonalApiKey.Revoked: ("key", "revoked", _originator, _nothing),
    Project.MemberAdded: ("member", "added", lambda e: e.user_id, _nothing),
    Project.Created: (
        "project",
        "created",
        lambda e: e.project_id,
        _fields("name", "organization_id"),
    ),
    Environment.Created: ("environment", "created", lambda e: e.environment_id, _fields("name")),
    Organization.Created: ("organization", "created", _originator, _fields("name")),
    User.Created: ("user", "created", lambda e: e.user_id, _fields("email")),
}
ENTRY_SCOPES = tuple(dict.fromkeys(scope for scope, *_ in _ENTRIES.values()))
"""The scopes of the entries above (insights have their own, "insight")."""


def audit_entry(event: Any) -> dict[str, Any] | None:
    """The audit entry of a domain event; None for events that are no change of note."""
    if isinstance(event, Insight.Created | Insight.Changed):
        return {
            "scope": "insight",
            "activity": activity_verb(event) or "updated",
            "item_id": str(event.insight_id),
            "project_id": event.project_id,
            "environment_id": event.environment_id,
            "actor_id": event.actor_id,
            "changes": recorded_changes(event),
            "trigger": getattr(event, "trigger", None),
        }
    described = _ENTRIES.get(type(event))
    if described is None:
        return None
    scope, activity, item_id, changes = described
    return {
        "scope": scope,
        "activity": activity,
        "item_id": str(item_id(event)),
        "project_id": getattr(event, "project_id", None),
        "environment_id": getattr(event, "environment_id", None),
        "actor_id": getattr(event, "actor_id", None),
        "changes": changes(event),
        "trigger": None,
    }
