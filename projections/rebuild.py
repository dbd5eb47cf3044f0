"""Blue/green rebuilds: replay the logs into fresh tables beside the live ones while they keep
serving, then switch them in at once.

Read models that share tables (the views read model follows the views log and the views that
creates record in the main log) are always rebuilt together, from every log they follow.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from projections.projector import Progress, Projector
from store.database import Database, LockBusyError

REBUILD_BATCH_SIZE = 5000
SWITCH_ATTEMPTS = 200
SWITCH_LOCK_WAIT_MS = 100
SWITCH_PAUSE_SECONDS = 0.05
LogProgress = Callable[[str, int, int], None]
"""Told (log name, position reached, log head) as a rebuild advances."""


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild did: the read models it replaced and the events it applied."""

    names: list[str]
    events: int


def plan(projectors: Sequence[Projector], names: Sequence[str] | None) -> list[Projector]:
    """Per log, a projector of the named read models (default: all) and of every read model
    sharing a table with one of them."""
    known = {p.name for projector in projectors for p in projector.projections}
    unknown = set(names or ()) - known
    if unknown:
        raise ValueError(f"unknown projection {min(unknown)!r}")
    every = [p for projector in projectors for p in projector.projections]
    chosen = {p.name for p in every if names is None or p.name in names}
    grown = True
    while grown:
        tables = {t for p in every if p.name in chosen for t in p.tables}
        partners = {p.name for p in every if tables.intersection(p.tables)}
        grown = not partners <= chosen
        chosen |= partners
    parts = []
    for projector in projectors:
        picked = [p for p in projector.projections if p.name in chosen]
        if picked:
            parts.append(projector.on(projector.database, picked))
    return parts


def rebuild(
    projectors: Sequence[Projector],
    names: Sequence[str] | None = None,
    progress: LogProgress | None = None,
) -> Rebuilt:
    """Replay every log into fresh tables of the named read models (default: all) and
    switch them in. Returns what was rebuilt."""
    parts = plan(projectors, names)
    database = parts[0].database
    applied = 0
    with database.shadow() as shadow:
        builders = [part.on(shadow, part.projections, REBUILD_BATCH_SIZE) for part in parts]
        for builder in builders:
            builder.create_fresh()
        for builder in builders:
            applied += builder.run_to_head(_of_log(progress, builder.log_name))
        applied += _switch(
            database, shadow, [(p, b.positions()) for p, b in zip(parts, builders, strict=True)]
        )
    return Rebuilt(sorted(p.name for part in parts for p in part.projections), applied)


def _of_log(progress: LogProgress | None, log: str) -> Progress | None:
    """A log's progress, reported under its name."""
    if progress is None:
        return None

    def report(done: int, head: int) -> None:
        progress(log, done, head)

    return report


def install(projectors: Sequence[Projector]) -> list[str]:
    """Create what is missing; rebuild the read models that are new or whose version changed
    (with their partners). Returns the names rebuilt."""
    stale = [name for projector in projectors for name in projector.create_missing()]
    return rebuild(projectors, stale).names if stale else []


def _switch(
    database: Database, shadow: Database, parts: Sequence[tuple[Projector, dict[str, int]]]
) -> int:
    """Make the shadow tables live; returns the events applied to them on the way."""
    attempt = 0
    while True:
        attempt += 1
        try:
            # NOTE: a read joining tables can hold one the switch needs while it waits for
            # another the switch has taken. Rather than wait into a deadlock, the switch
            # gives way after a moment and tries again.
            with database.transaction(write=True, lock_wait_ms=SWITCH_LOCK_WAIT_MS) as cursor:
                # Live catch-ups wait here. The new tables take over at the positions they
                # reached, and what was written since is applied to them in this same
                # transaction: nothing is missed, nothing applied twice, no read goes back.
                for live, _ in parts:
                    live.read_positions(cursor, lock=True, rebuilding=True)
                replaced: set[tuple[str, ...]] = set()
                for live, positions in parts:
                    for projection in live.projections:
                        if projection.tables not in replaced:  # Partners' tables move once.
                            database.replace_tables(
                                cursor, shadow, projection.tables, projection.ddl(database.dialect)
                            )
                            replaced.add(projection.tables)
                        cursor.execute(
                            "UPDATE projection_tracking SET position = %s, version = %s "
                            "WHERE name = %s",
                            (positions[projection.name], projection.version, projection.name),
                        )
                applied = 0
                for live, positions in parts:
                    reached, head = dict(positions), live.head()
                    while (low := min(reached.values())) < head:
                        applied += live.apply_batch(cursor, reached, low, head)
                        reached = live.read_positions(cursor, lock=False)
            return applied
        except LockBusyError:
            if attempt == SWITCH_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, SWITCH_PAUSE_SECONDS))
