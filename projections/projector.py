"""Keeps projections current by reading a notification log from their tracked positions.

Works the same on SQLite (which cannot push notifications) and PostgreSQL: the read-model
rows of a batch and the new positions are committed in one transaction, so each event is
applied exactly once whoever runs the catch-up, and a crash loses nothing but time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application

from projections.projection import Projection
from store.database import Cursor, Database, LockBusyError

BATCH_SIZE = 500
REBUILD_BATCH_SIZE = 5000
SWITCH_ATTEMPTS = 200
SWITCH_LOCK_WAIT_MS = 100
SWITCH_PAUSE_SECONDS = 0.05
Recorded = tuple[int, Any]
"""A domain event and its position in the notification log."""
Progress = Callable[[int, int], None]
"""Told (position reached, log head) as a rebuild advances."""
TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    "name TEXT PRIMARY KEY, position BIGINT NOT NULL, version INTEGER NOT NULL)"
)


def _covers(recorded: Sequence[Recorded], low: int, target: int) -> bool:
    """Whether `recorded` holds exactly every position in (low, target]."""
    positions = [position for position, _ in recorded if position > low]
    return bool(positions) and positions == list(range(low + 1, target + 1))


class Projector:
    """Runs a fixed set of projections over one application's notification log."""

    def __init__(
        self,
        event_store: Application[Any],
        database: Database,
        projections: Sequence[Projection],
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._events = event_store
        self._database = database
        self.projections = tuple(projections)
        self._batch_size = batch_size
        self._names = tuple(p.name for p in self.projections)
        self._marks = ", ".join(["%s"] * len(self._names))
        self._topics = tuple(sorted({topic for p in self.projections for topic in p.topics}))

    @property
    def log_name(self) -> str:
        """The name of the application whose log this projector follows."""
        return str(self._events.name)

    def install(self) -> list[str]:
        """Create what is missing; rebuild the read models that are new or whose version
        changed. Returns the names rebuilt."""
        with self._database.transaction(write=True) as cursor:
            cursor.execute(TRACKING_DDL)
            versions = dict(
                cursor.execute("SELECT name, version FROM projection_tracking").fetchall()
            )
            stale = [p.name for p in self.projections if versions.get(p.name) != p.version]
            for projection in self.projections:
                if projection.name not in stale:
                    for statement in projection.ddl(self._database.dialect):
                        cursor.execute(statement)
                cursor.execute(
                    "INSERT INTO projection_tracking (name, position, version) "
                    "VALUES (%s, 0, %s) ON CONFLICT DO NOTHING",
                    (projection.name, projection.version),
                )
        if stale:
            self.rebuild(stale)
        return stale

    def positions(self) -> dict[str, int]:
        """The last notification id each projection has applied."""
        with self._database.transaction() as cursor:
            return self._read_positions(cursor, lock=False)

    def head(self) -> int:
        """The id of the newest notification in the log (0 when it is empty)."""
        return self._events.recorder.max_notification_id() or 0

    def step(self) -> tuple[int, bool]:
        """Apply one batch of the events not applied yet: (events applied, whether the
        positions moved at all; False means caught up)."""
        with self._database.transaction(write=True) as cursor:
            positions = self._read_positions(cursor, lock=True)
            low = min(positions.values())
            head = self.head()
            if low >= head:
                return 0, False
            return self._apply_batch(cursor, positions, low, head), True

    def catch_up(self, until: int | None = None, recorded: Sequence[Recorded] = ()) -> int:
        """Apply every event up to `until` (default: the head); returns events applied.

        `recorded` are events this process has just saved, with their positions: when they
        are all that is missing, they are applied as they are instead of read back.
        """
        applied = 0
        while True:
            with self._database.transaction(write=True) as cursor:
                positions = self._read_positions(cursor, lock=True)
                low = min(positions.values())
                target = self.head() if until is None else until
                if low >= target:
                    return applied
                if _covers(recorded, low, target):
                    missing = [event for event in recorded if event[0] > low]
                    self._apply(cursor, positions, missing, target)
                    return applied + len(missing)
                applied += self._apply_batch(cursor, positions, low, target)

    def apply_recorded(self, cursor: Cursor, recorded: Sequence[Recorded]) -> bool:
        """Inside the transaction writing `recorded`: apply them when every projection has
        applied everything before them. Returns False, changing nothing, otherwise (then
        `catch_up` after the commit reads what is missing from the log)."""
        positions = self._read_positions(cursor, lock=True)
        low = min(positions.values())
        first = recorded[0][0]
        if low != first - 1 and (
            max(positions.values()) != low
            or low != self._events.recorder.previous_position(cursor, first)
        ):
            return False
        self._apply(cursor, positions, recorded, recorded[-1][0])
        return True

    def rebuild(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Replay the whole log into fresh tables of the named projections (default: all),
        built beside the live ones while they keep serving, then switched in at once.
        Returns the number of events applied."""
        unknown = set(names or ()) - set(self._names)
        if unknown:
            raise ValueError(f"unknown projection {min(unknown)!r}")
        chosen = [p for p in self.projections if names is None or p.name in names]
        live = Projector(self._events, self._database, chosen)
        with self._database.shadow() as shadow:
            builder = Projector(self._events, shadow, chosen, batch_size=REBUILD_BATCH_SIZE)
            builder.create_fresh()
            applied = builder.run_to_head(progress)
            switched = self._switch(live, shadow, chosen, builder.positions())
        return applied + switched

    def _switch(
        self,
        live: Projector,
        shadow: Database,
        chosen: Sequence[Projection],
        positions: dict[str, int],
    ) -> int:
        """Make the shadow tables live; returns the events applied to them on the way."""
        dialect = self._database.dialect
        attempt = 0
        while True:
            attempt += 1
            try:
                # NOTE: a read joining tables can hold one the switch needs while it waits
                # for another the switch has taken. Rather than wait into a deadlock, the
                # switch gives way after a moment and tries again.
                with self._database.transaction(
                    write=True, lock_wait_ms=SWITCH_LOCK_WAIT_MS
                ) as cursor:
                    # Live catch-ups wait here. The new tables take over at the position
                    # they reached, and what was written since is applied to them in this
                    # same transaction: nothing is missed, nothing applied twice, no read
                    # goes back.
                    live._read_positions(cursor, lock=True)
                    for projection in chosen:
                        self._database.replace_tables(
                            cursor, shadow, projection.tables, projection.ddl(dialect)
                        )
                        cursor.execute(
                            "UPDATE projection_tracking SET position = %s, version = %s "
                            "WHERE name = %s",
                            (positions[projection.name], projection.version, projection.name),
                        )
                    applied = 0
                    reached = dict(positions)
                    head = self.head()
                    while (low := min(reached.values())) < head:
                        applied += live._apply_batch(cursor, reached, low, head)
                        reached = live._read_positions(cursor, lock=False)
                return applied
            except LockBusyError:
                if attempt == SWITCH_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, SWITCH_PAUSE_SECONDS))

    def create_fresh(self) -> None:
        """Create this projector's tables and tracking rows at position 0, in an empty
        database (a rebuild's shadow: nothing is dropped, which on PostgreSQL would reach
        through the search path to the live tables)."""
        dialect = self._database.dialect
        with self._database.transaction(write=True) as cursor:
            cursor.execute(TRACKING_DDL)
            for projection in self.projections:
                for statement in projection.ddl(dialect):
                    cursor.execute(statement)
                cursor.execute(
                    "INSERT INTO projection_tracking (name, position, version) VALUES (%s, 0, %s)",
                    (projection.name, projection.version),
                )

    def run_to_head(self, progress: Progress | None = None) -> int:
        """Apply batches until the head; returns the number of events applied."""
        applied = 0
        while True:
            batch, moved = self.step()
            if not moved:
                return applied
            applied += batch
            if progress is not None:
                progress(min(self.positions().values()), self.head())

    def _read_positions(self, cursor: Cursor, *, lock: bool) -> dict[str, int]:
        sql = (
            "SELECT name, position FROM projection_tracking "
            f"WHERE name IN ({self._marks}) ORDER BY name"
        )
        if lock and self._database.dialect == "postgresql":
            sql += " FOR UPDATE"
        rows = cursor.execute(sql, self._names).fetchall()
        positions = {name: int(position) for name, position in rows}
        missing = set(self._names) - set(positions)
        if missing:
            raise RuntimeError(
                f"projection {min(missing)!r} has no tracking row: run `insightlog migrate`"
            )
        return positions

    def _apply_batch(self, cursor: Cursor, positions: dict[str, int], low: int, target: int) -> int:
        notifications = self._events.recorder.select_notifications(
            start=low + 1, limit=self._batch_size, stop=target, topics=self._topics
        )
        reached = notifications[-1].id if len(notifications) == self._batch_size else target
        events = [(n.id, self._events.mapper.to_domain_event(n)) for n in notifications]
        self._apply(cursor, positions, events, reached)
        return len(notifications)

    def _apply(
        self, cursor: Cursor, positions: dict[str, int], events: Sequence[Recorded], reached: int
    ) -> None:
        """Apply events each projection has not seen yet and move every position to `reached`."""
        for projection in self.projections:
            unseen = [pair for pair in events if positions[projection.name] < pair[0]]
            if unseen:
                projection.process_batch(cursor, unseen)
        cursor.execute(
            f"UPDATE projection_tracking SET position = %s WHERE name IN ({self._marks}) "
            "AND position < %s",
            (reached, *self._names, reached),
        )
