"""Tamper evidence: every stored event carries a hash chained to the previous event of its log.

The hash is computed as the event is written, inside the transaction that writes it (which
the store serializes: a table lock on PostgreSQL, the single writer on SQLite), and kept in
a table beside the events. `verify` recomputes the chain and names the first event that was
altered, removed or moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from store.database import Cursor

GENESIS = bytes(32)


def chain_hash(previous: bytes, position: int, event: StoredEvent | Notification) -> bytes:
    """The hash of an event at `position`, chained to the hash of the event before it."""
    originator = event.originator_id
    fields = (
        previous,
        position.to_bytes(8, "big", signed=True),
        (originator.hex if isinstance(originator, UUID) else str(originator)).encode(),
        event.originator_version.to_bytes(8, "big", signed=True),
        event.topic.encode(),
        bytes(event.state),
    )
    digest = hashlib.sha256()
    for field in fields:
        # Length-prefixed, so no two different events hash the same bytes.
        digest.update(len(field).to_bytes(4, "big"))
        digest.update(field)
    return digest.digest()


def chain(previous: bytes, positions: Sequence[int], events: Sequence[StoredEvent]) -> list[bytes]:
    """The hashes of events written together at these positions, in position order."""
    hashes = []
    for position, event in sorted(zip(positions, events, strict=True), key=lambda pair: pair[0]):
        previous = chain_hash(previous, position, event)
        hashes.append(previous)
    return hashes


@dataclass(frozen=True)
class Tampering:
    """The first place where the stored log and its chain disagree."""

    position: int | None
    """None for a stored snapshot that stands for no event."""
    problem: str

    def describe(self) -> str:
        if self.position is None:
            return self.problem
        return f"event at position {self.position} {self.problem}"


@dataclass(frozen=True)
class Verdict:
    """What a verification found: the events whose chain holds, the first tampering, and
    the hash of the last event (to keep elsewhere: a rewrite of the whole chain after an
    edit is caught only against a head hash recorded before)."""

    checked: int
    tampering: Tampering | None
    head: bytes | None


def _hash_or_none(previous: bytes, event: Notification) -> bytes | None:
    """The event's chained hash; None when a field was changed to a value of another type."""
    try:
        return chain_hash(previous, event.id, event)
    except (TypeError, AttributeError, ValueError, OverflowError):
        return None


def stored_hash(value: Any) -> bytes:
    """A hash column's value as bytes; one changed to another type matches no hash."""
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else b""


def verify(events: Iterable[Notification], hashes: Iterable[tuple[int, bytes]]) -> Verdict:
    """Walk a log and its hash table together, both in position order."""
    remaining = iter(hashes)
    pending = next(remaining, None)
    previous = GENESIS
    checked = 0
    for event in events:
        if pending is not None and pending[0] < event.id:
            return Verdict(checked, Tampering(pending[0], "was removed (its hash remains)"), None)
        if pending is None or pending[0] > event.id:
            tampering = Tampering(event.id, "has no hash: the store did not write it")
            return Verdict(checked, tampering, None)
        if _hash_or_none(previous, event) != pending[1]:
            problem = (
                "was altered" if not checked else "was altered, or one before it removed or moved"
            )
            return Verdict(checked, Tampering(event.id, problem), None)
        previous = pending[1]
        checked += 1
        pending = next(remaining, None)
    if pending is not None:
        return Verdict(checked, Tampering(pending[0], "was removed (its hash remains)"), None)
    return Verdict(checked, None, previous if checked else None)


def hash_table(events_table: str) -> str:
    """The name of the table that keeps the hashes of `events_table`."""
    return f"{events_table}_hashes"


def insert_hashes(
    cursor: Cursor,
    table: str,
    previous: bytes | None,
    positions: Sequence[int],
    events: Sequence[StoredEvent],
) -> None:
    """Record the hashes of newly inserted events, inside the transaction inserting them."""
    hashes = chain(previous or GENESIS, positions, events)
    cursor.executemany(
        f"INSERT INTO {table} (notification_id, hash) VALUES (%s, %s)",
        list(zip(sorted(positions), hashes, strict=True)),
    )
