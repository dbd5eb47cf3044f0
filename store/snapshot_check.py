"""Snapshots checked against the events they stand for. Loading an aggregate (and `?version=`)
starts from its latest snapshot and trusts it; the hash chain covers events only, so each
snapshot is compared with the state its aggregate's events fold to at its version."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import TopicError

from store.database import Database
from store.hash_chain import Tampering

SnapshotKey = tuple[UUID, int]
"""An aggregate id and the version a snapshot of it was taken at."""
# What tampered stored values can raise while they are decoded or applied.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, TopicError)


class SnapshotCheck:
    """The snapshots of one log, to check once its events are known to be intact."""

    def __init__(self, store: Application[Any], database: Database) -> None:
        self._store = store
        self._versions: dict[UUID, list[int]] = defaultdict(list)
        self._positions: dict[SnapshotKey, int] = {}
        self.stray: Tampering | None = None
        """A snapshot whose aggregate id is not one: it was inserted by hand."""
        if store.snapshots is None:
            return
        table = store.snapshots.recorder.events_table_name  # type: ignore[attr-defined]
        for raw_id, version in database.query(
            f"SELECT originator_id, originator_version FROM {table} "
            "ORDER BY originator_id, originator_version"
        ):
            try:
                self._versions[UUID(str(raw_id))].append(int(version))
            except UNREADABLE:
                self.stray = Tampering(None, f"a snapshot of {raw_id!r} was inserted")

    def seen(self, events: Iterable[Any]) -> Iterable[Any]:
        """Pass the log's events through, noting the positions of the snapshotted versions."""
        for event in events:
            if event.originator_version in self._versions.get(event.originator_id, ()):
                self._positions[(event.originator_id, event.originator_version)] = event.id
            yield event

    def first_altered(self) -> Tampering | None:
        """The first snapshot that its events do not give, or that has no event at all."""
        if self.stray is not None:
            return self.stray
        for originator_id, versions in self._versions.items():
            for version in versions:
                if (originator_id, version) not in self._positions:
                    return Tampering(
                        None,
                        f"a snapshot of {originator_id} at version {version} has no event of "
                        "that version: it was inserted",
                    )
            altered = self._altered_version(originator_id, versions)
            if altered is not None:
                return Tampering(
                    self._positions[(originator_id, altered)],
                    "has an altered snapshot: it differs from the state its events give",
                )
        return None

    def _altered_version(self, originator_id: UUID, versions: list[int]) -> int | None:
        """Fold the aggregate's events once, comparing each snapshot on the way."""
        assert self._store.snapshots is not None
        transcoder = self._store.mapper.transcoder
        wanted = set(versions)
        aggregate: Any = None
        events: Iterable[Any] = self._store.events.get(originator_id, lte=max(versions))
        for event in events:
            aggregate = event.mutate(aggregate)
            if aggregate.version not in wanted:
                continue
            try:
                stored: Any = next(
                    iter(
                        self._store.snapshots.get(
                            originator_id, gt=aggregate.version - 1, lte=aggregate.version
                        )
                    )
                )
                # Compared as loading would use it: restored (its state upcast to the class's
                # current version, as an older snapshot's is), not as stored.
                restored = stored.mutate(None)
                as_restored = _state(transcoder, restored)
                same = type(restored) is type(aggregate) and as_restored == _state(
                    transcoder, aggregate
                )
            except (*UNREADABLE, StopIteration):
                same = False
            if not same:
                return int(aggregate.version)
        return None


def _state(transcoder: Transcoder, aggregate: Any) -> Any:
    """An aggregate's state as it reads back from storage, so that equal states compare
    equal (its pending events are not state)."""
    state = {name: value for name, value in vars(aggregate).items() if name != "_pending_events"}
    return transcoder.decode(transcoder.encode(state))
