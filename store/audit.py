"""The audit trail, read from the notification log itself: every change to every aggregate,
in log order, in bounded memory; and the verification of the logs' hash chains."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import Application

from store.audit_entries import ENTRY_SCOPES, audit_entry
from store.backend import Backend
from store.database import Database
from store.hash_chain import Tampering, verify
from store.snapshot_check import UNREADABLE, SnapshotCheck

BATCH = 1000
SCOPES = ("insight", *ENTRY_SCOPES)


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


class UnreadableEventError(Exception):
    """An event of the log cannot be read as an audit entry."""

    # NOTE: not "was altered": whether it was is the hash chain's to say, and a row that no
    # longer makes an entry looks the same here as a fault of our own would.
    def __init__(self, position: int) -> None:
        super().__init__(
            f"the event at position {position} cannot be read as an audit entry "
            "(`insightlog audit verify` says whether it was altered)"
        )


def audit_log(backend: Backend, audit_filter: AuditFilter) -> Iterator[dict[str, Any]]:
    """Every entry of the main log that passes the filter, in log order, a batch at a time;
    UnreadableEventError at an event that cannot be read as one (altered, most likely)."""
    store = backend.events
    recorder: Any = store.recorder
    # NOTE: a scan of the whole log before the first entry, since reading such a row raises.
    unreadable = recorder.first_unreadable(recorder.max_notification_id() or 0)
    stop = None if unreadable is None else unreadable[0] - 1
    emails: dict[int, str | None] = {}
    position = 0
    while batch := recorder.select_notifications(start=position + 1, limit=BATCH, stop=stop):
        for notification in batch:
            try:
                event: Any = store.mapper.to_domain_event(notification)
                entry = audit_entry(event)
                admitted = entry is not None and audit_filter.admits(entry, event.timestamp)
            except UNREADABLE:
                raise UnreadableEventError(notification.id) from None
            if entry is None or not admitted:
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
    if stop is not None:
        raise UnreadableEventError(stop + 1)


@dataclass(frozen=True)
class LogCheck:
    """The result of verifying one log's hash chain, then its snapshots."""

    log: str
    events: int
    head_hash: str | None
    tampering: Tampering | None


def verify_log(store: Application[Any], database: Database) -> LogCheck:
    """Recompute a log's hash chain from its first event to the last one written before the
    check began (events and hashes are read in batches, while writers may go on); when it
    holds, check the log's snapshots against its events."""
    recorder: Any = store.recorder
    # Snapshots first: one is saved after its event, so each listed here has its event at or
    # below the head read next, even while writers go on.
    snapshots = SnapshotCheck(store, database)
    # What was written before the check began; a hash past the last event is one whose event
    # was removed, so it counts too.
    head = max(recorder.max_notification_id() or 0, recorder.last_hashed())
    # A row the library cannot decode (or would not find) stops the walk just before it:
    # reading it would raise, not report.
    found = recorder.first_unreadable(head)
    unreadable = None if found is None else Tampering(*found)
    stop = head if found is None else found[0] - 1
    # Positions start at 1: anything lower was put there by hand, where no walk of the chain
    # looks, while loading its aggregate would read it.
    lowest = [row.id for row in recorder.select_notifications(None, 1, stop=min(stop, 0))]
    if found is not None and found[0] < 1:
        lowest.append(found[0])
    if lowest:
        stray = Tampering(min(lowest), "is before the first position: it was inserted")
        return LogCheck(str(store.name), 0, None, stray)

    def events() -> Iterator[Any]:
        position = 0
        while position < stop and (
            batch := recorder.select_notifications(start=position + 1, limit=BATCH, stop=stop)
        ):
            yield from batch
            position = batch[-1].id

    def hashes() -> Iterator[tuple[int, bytes]]:
        position = 0
        while position < stop and (batch := recorder.select_hashes(position, BATCH)):
            yield from (pair for pair in batch if pair[0] <= stop)
            position = batch[-1][0]

    verdict = verify(snapshots.seen(events()), hashes())
    tampering: Tampering | None
    if unreadable is not None:
        # Snapshots are checked against the events they stand for, and not all of those can
        # be read: the event is reported, even where a snapshot of an earlier one is forged.
        tampering = verdict.tampering or unreadable
    else:
        tampering = verdict.tampering or snapshots.first_altered()
    head = verdict.head.hex() if verdict.head and tampering is None else None
    return LogCheck(str(store.name), verdict.checked, head, tampering)
