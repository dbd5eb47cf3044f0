"""Keeps projections current by reading a notification log from their tracked positions.

Works the same on SQLite (which cannot push notifications) and PostgreSQL: the read-model
rows of a batch and the new positions are committed in one transaction, so each event is
applied exactly once whoever runs the catch-up, and a crash loses nothing but time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application

from projections.projection import Projection
from store.config import ConfigError
from store.database import Cursor, Database

BATCH_SIZE = 500
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
        # Ours (store/projecting_recorders.py): it knows the position before another.
        self._recorder: Any = event_store.recorder
        self._database = database
        self.projections = tuple(projections)
        self._batch_size = batch_size
        self._names = tuple(p.name for p in self.projections)
        self._marks = ", ".join(["%s"] * len(self._names))
        whens = " ".join(["WHEN %s THEN %s"] * len(self._names))
        self._advance_all = (
            "UPDATE projection_tracking SET position = %s "
            f"WHERE name IN ({self._marks}) AND position = %s "
            f"AND version = CASE name {whens} END RETURNING name"
        )
        self._versions = tuple(v for p in self.projections for v in (p.name, p.version))
        self._topics = tuple(sorted({topic for p in self.projections for topic in p.topics}))

    @property
    def database(self) -> Database:
        """Where this projector's read models are."""
        return self._database

    @property
    def log_name(self) -> str:
        """The name of the application whose log this projector follows."""
        return str(self._events.name)

    def create_missing(self) -> list[str]:
        """Create the tables and tracking rows that do not exist yet. Returns the names of
        the read models that are new or whose version changed: they need a rebuild."""
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
                # Version 0: nothing built yet. Should the rebuild that follows never finish,
                # the read model stays outdated (refused until `migrate`), not taken as built.
                cursor.execute(
                    "INSERT INTO projection_tracking (name, position, version) "
                    "VALUES (%s, 0, 0) ON CONFLICT DO NOTHING",
                    (projection.name,),
                )
        return stale

    def on(
        self, database: Database, projections: Sequence[Projection], batch_size: int = BATCH_SIZE
    ) -> Projector:
        """A projector of the same log for some of these projections, writing to `database`."""
        return Projector(self._events, database, projections, batch_size)

    def outdated(self) -> list[str]:
        """The read models whose tables were built by another version of their projection."""
        rows = self._database.query("SELECT name, version FROM projection_tracking")
        versions = {name: version for name, version in rows}
        return [p.name for p in self.projections if versions.get(p.name) != p.version]

    def positions(self) -> dict[str, int]:
        """The last notification id each projection has applied."""
        with self._database.transaction() as cursor:
            return self.read_positions(cursor, lock=False)

    def head(self) -> int:
        """The id of the newest notification in the log (0 when it is empty)."""
        return self._events.recorder.max_notification_id() or 0

    def step(self) -> tuple[int, bool]:
        """Apply one batch of the events not applied yet: (events applied, whether the
        positions moved at all; False means caught up)."""
        with self._database.transaction(write=True) as cursor:
            positions = self.read_positions(cursor, lock=True)
            low = min(positions.values())
            head = self.head()
            if low >= head:
                return 0, False
            return self.apply_batch(cursor, positions, low, head), True

    def catch_up(self, until: int | None = None, recorded: Sequence[Recorded] = ()) -> int:
        """Apply every event up to `until` (default: the head); returns events applied.

        `recorded` are events this process has just saved, with their positions: when they
        are all that is missing, they are applied as they are instead of read back.
        """
        applied = 0
        while True:
            with self._database.transaction(write=True) as cursor:
                positions = self.read_positions(cursor, lock=True)
                low = min(positions.values())
                target = self.head() if until is None else until
                if low >= target:
                    return applied
                if _covers(recorded, low, target):
                    missing = [event for event in recorded if event[0] > low]
                    self._apply(cursor, positions, missing, target)
                    return applied + len(missing)
                applied += self.apply_batch(cursor, positions, low, target)

    def apply_recorded(self, cursor: Cursor, recorded: Sequence[Recorded]) -> bool:
        """Inside the transaction writing `recorded`: apply them when every projection has
        applied everything before them. Returns False, changing nothing, otherwise (then
        `catch_up` after the commit reads what is missing from the log)."""
        first, reached = recorded[0][0], recorded[-1][0]
        # NOTE: SQLite only. PostgreSQL locks the rows an UPDATE finds in no set order, and
        # a catch-up locks them by name: the two deadlocked.
        if self._database.dialect == "sqlite" and self._advanced(cursor, first - 1, reached):
            # The common case, in one statement: nothing to read first.
            for projection in self.projections:
                projection.process_batch(cursor, recorded)
            return True
        positions = self.read_positions(cursor, lock=True)
        low = min(positions.values())
        if low != first - 1 and (
            max(positions.values()) != low or low != self._recorder.previous_position(cursor, first)
        ):
            return False
        self._apply(cursor, positions, recorded, reached)
        return True

    def _advanced(self, cursor: Cursor, previous: int, reached: int) -> bool:
        """Move every position from `previous` to `reached` when all are there and of this
        code's versions (the rows stay locked until the commit); otherwise change nothing."""
        moved = cursor.execute(
            self._advance_all, (reached, *self._names, previous, *self._versions)
        ).fetchall()
        if len(moved) == len(self._names):
            return True
        if moved:
            names = [row[0] for row in moved]
            cursor.execute(
                "UPDATE projection_tracking SET position = %s "
                f"WHERE name IN ({', '.join(['%s'] * len(names))})",
                (previous, *names),
            )
        return False

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

    def read_positions(
        self, cursor: Cursor, *, lock: bool, rebuilding: bool = False
    ) -> dict[str, int]:
        """Every projection's position; `lock` keeps other catch-ups out until the commit,
        and then the read models must be this code's versions (unless `rebuilding` them)."""
        sql = (
            "SELECT name, position, version FROM projection_tracking "
            f"WHERE name IN ({self._marks}) ORDER BY name"
        )
        if lock and self._database.dialect == "postgresql":
            sql += " FOR UPDATE"
        rows = cursor.execute(sql, self._names).fetchall()
        positions = {name: int(position) for name, position, _ in rows}
        missing = set(self._names) - set(positions)
        if missing:
            raise ConfigError(
                f"the read model {min(missing)} has no tracking row (run `insightlog migrate`)"
            )
        if lock and not rebuilding:
            # A process that outlived an upgrade: the tables now have another version's
            # layout, and writing its rows into them would corrupt them unnoticed.
            versions = {name: int(version) for name, _, version in rows}
            other = sorted(p.name for p in self.projections if versions[p.name] != p.version)
            if other:
                raise ConfigError(
                    f"the read models {', '.join(other)} were built by another version of "
                    "insightlog: restart this process with the version that built them"
                )
        return positions

    def apply_batch(self, cursor: Cursor, positions: dict[str, int], low: int, target: int) -> int:
        """Apply the next batch of events after `low`, up to `target`; returns how many."""
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
