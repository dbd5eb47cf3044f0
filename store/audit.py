"""The audit trail, read from the notification log itself: every change to every aggregate,
in log order, in bounded memory; and the verification of the logs' hash chains."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import Application

from domain.dashboard import Dashboard
from domain.element import Element
from domain.environment import Environment
from domain.insight import Insight
from domain.insight_activity import activity_changes, activity_verb
from domain.organization import Organization
from domain.personal_api_key import PersonalApiKey
from domain.project import Project
from domain.user import User
from store.backend import Backend
from store.hash_chain import Tampering, verify

BATCH = 1000
SCOPES = (
    "insight",
    "dashboard",
    "element",
    "key",
    "member",
    "project",
    "environment",
    "organization",
    "user",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries `audit log` prints; None means any."""

    project_id: int | None = None
    user_id: int | None = None
    scope: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def admits(self, entry: dict[str, Any], at: datetime) -> bool:
        return (
            (self.project_id is None or entry["project_id"] == self.project_id)
            and (self.user_id is None or entry["actor_id"] == self.user_id)
            and (self.scope is None or entry["scope"] == self.scope)
            and (self.since is None or at >= self.since)
            and (self.until is None or at <= self.until)
        )


def _entry(event: Any) -> dict[str, Any] | None:
    """What an event says in the audit trail; None for events that are no change of note.
    Secrets never appear: a key's hash stays in the event store."""
    if isinstance(event, Insight.Created | Insight.Changed):
        verb = activity_verb(event) or "updated"
        return {
            "scope": "insight",
            "activity": verb,
            "item_id": str(event.insight_id),
            "project_id": event.project_id,
            "environment_id": event.environment_id,
            "actor_id": event.actor_id,
            "changes": activity_changes(event),
            "trigger": getattr(event, "trigger", None),
        }
    if isinstance(event, Dashboard.Created):
        return _simple(
            "dashboard",
            "created",
            event.dashboard_id,
            event.project_id,
            event.environment_id,
            event.actor_id,
            [{"field": field, "after": value} for field, value in event.values.items()],
        )
    if isinstance(event, Dashboard.Updated):
        return _simple(
            "dashboard",
            "updated",
            event.dashboard_id,
            event.project_id,
            event.environment_id,
            event.actor_id,
            event.changes,
        )
    if isinstance(event, Element.Created):
        return _simple(
            "element",
            "created",
            event.element_id,
            event.project_id,
            event.environment_id,
            event.actor_id,
            [{"field": field, "after": value} for field, value in event.values.items()],
        )
    if isinstance(event, Element.Updated):
        return _simple(
            "element",
            "updated",
            event.element_id,
            event.project_id,
            event.environment_id,
            event.actor_id,
            event.changes,
        )
    if isinstance(event, Element.Deleted):
        return _simple(
            "element",
            "deleted",
            event.element_id,
            event.project_id,
            event.environment_id,
            event.actor_id,
            None,
        )
    if isinstance(event, PersonalApiKey.Created):
        return _simple(
            "key",
            "created",
            str(event.originator_id),
            None,
            None,
            event.actor_id,
            [
                {"field": "user_id", "after": event.user_id},
                {"field": "label", "after": event.label},
                {"field": "scopes", "after": event.scopes},
                {"field": "scoped_projects", "after": event.scoped_projects},
            ],
        )
    if isinstance(event, PersonalApiKey.Revoked):
        return _simple("key", "revoked", str(event.originator_id), None, None, event.actor_id, None)
    if isinstance(event, Project.MemberAdded):
        return _simple(
            "member", "added", event.user_id, event.project_id, None, event.actor_id, None
        )
    if isinstance(event, Project.Created):
        return _simple(
            "project",
            "created",
            event.project_id,
            event.project_id,
            None,
            event.actor_id,
            [
                {"field": "name", "after": event.name},
                {"field": "organization_id", "after": event.organization_id},
            ],
        )
    if isinstance(event, Environment.Created):
        return _simple(
            "environment",
            "created",
            event.environment_id,
            event.project_id,
            event.environment_id,
            event.actor_id,
            [{"field": "name", "after": event.name}],
        )
    if isinstance(event, Organization.Created):
        return _simple(
            "organization",
            "created",
            str(event.originator_id),
            None,
            None,
            event.actor_id,
            [{"field": "name", "after": event.name}],
        )
    if isinstance(event, User.Created):
        return _simple(
            "user",
            "created",
            event.user_id,
            None,
            None,
            None,
            [{"field": "email", "after": event.email}],
        )
    return None


def _simple(
    scope: str,
    activity: str,
    item_id: Any,
    project_id: int | None,
    environment_id: int | None,
    actor_id: int | None,
    changes: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    return {
        "scope": scope,
        "activity": activity,
        "item_id": str(item_id),
        "project_id": project_id,
        "environment_id": environment_id,
        "actor_id": actor_id,
        "changes": changes,
        "trigger": None,
    }


def audit_log(backend: Backend, audit_filter: AuditFilter) -> Iterator[dict[str, Any]]:
    """Every entry of the main log that passes the filter, in log order, a batch at a time."""
    store = backend.events
    emails: dict[int, str | None] = {}
    position = 0
    while batch := store.recorder.select_notifications(start=position + 1, limit=BATCH):
        for notification in batch:
            event = store.mapper.to_domain_event(notification)
            entry = _entry(event)
            if entry is None or not audit_filter.admits(entry, event.timestamp):
                continue
            actor = entry["actor_id"]
            if actor is not None and actor not in emails:
                emails[actor] = backend.accounts.users([actor]).get(actor, {}).get("email")
            yield {
                "position": notification.id,
                "at": event.timestamp,
                **entry,
                "actor_email": emails.get(actor) if actor is not None else None,
            }
        position = batch[-1].id


@dataclass(frozen=True)
class LogCheck:
    """The result of verifying one log's hash chain."""

    log: str
    events: int
    head_hash: str | None
    tampering: Tampering | None


def verify_log(store: Application[Any]) -> LogCheck:
    """Recompute a log's hash chain from its first event to its last."""
    recorder: Any = store.recorder

    def events() -> Iterator[Any]:
        position = 0
        while batch := recorder.select_notifications(start=position + 1, limit=BATCH):
            yield from batch
            position = batch[-1].id

    def hashes() -> Iterator[tuple[int, bytes]]:
        position = 0
        while batch := recorder.select_hashes(position, BATCH):
            yield from batch
            position = batch[-1][0]

    verdict = verify(events(), hashes())
    head = verdict.head.hex() if verdict.head else None
    return LogCheck(str(store.name), verdict.checked, head, verdict.tampering)
