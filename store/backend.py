"""The composition root of the write and read sides: one per process, built after fork."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.errors import ConflictError
from projections.accounts import Accounts, AccountsProjection
from projections.dashboards import Dashboards, DashboardsProjection
from projections.elements import Elements, ElementsProjection
from projections.insight_history import InsightHistory, InsightHistoryProjection
from projections.insight_list import InsightListProjection
from projections.insight_queries import InsightReader
from projections.insight_views import (
    InsightViews,
    InsightViewsOnCreateProjection,
    InsightViewsProjection,
)
from projections.projection import Projection
from projections.projector import Projector
from store.analytics_events import AnalyticsEvents
from store.analytics_postgres import PostgresAnalyticsEvents
from store.analytics_sqlite import SqliteAnalyticsEvents
from store.config import ConfigError, DatabaseUrl
from store.database import Cursor, Database, is_outage
from store.event_store import EventStore, ViewStore
from store.postgres_database import RECONNECT_SECONDS, PostgresDatabase
from store.sequences import Sequences
from store.sqlite_database import SqliteDatabase

log = logging.getLogger("insightlog.store")
T = TypeVar("T")
Clock = Callable[[], datetime]
# NOTE: how long a command is re-run against freshly loaded aggregates after a version clash
# before the caller gets a 409; clashes need concurrent writers to the same stream. A
# PostgreSQL write holds the log's lock for tens of milliseconds, so a dozen writers of one
# insight can make one lose many times in a row (25 tries answered 409 to 0.1-0.4% of such
# PATCHes). A short random pause, growing with the attempts, lets a burst spread out.
CONFLICT_SECONDS = 3.0
CONFLICT_PAUSE_SECONDS = 0.002
CONFLICT_MAX_PAUSE_SECONDS = 0.05


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Backend:
    """The event store, our tables, and the projections that connect them."""

    url: DatabaseUrl
    events: EventStore
    views: ViewStore
    database: Database
    sequences: Sequences
    projector: Projector
    """Keeps the read models of the main log: accounts, dashboards, elements, the insight
    list and its history, and the creators' first views (read from insights' Created)."""
    view_projector: Projector
    """Keeps the read models of the views log."""
    analytics: AnalyticsEvents
    """Captured analytics events and the element stats kept from them."""
    accounts: Accounts
    dashboards: Dashboards
    elements: Elements
    insights: InsightReader
    insight_history: InsightHistory
    insight_views: InsightViews
    clock: Clock = utc_now

    @property
    def projectors(self) -> tuple[Projector, Projector]:
        return self.projector, self.view_projector

    def record(
        self,
        *aggregates: Aggregate,
        read: Mapping[UUID, int] | None = None,
        claimed: Mapping[str, int] | None = None,
    ) -> int:
        """Save the aggregates' new events atomically with every read-model change they
        cause, so that any read after this returns sees the change. Returns the position.

        `read` are other aggregates the change was decided on, at the versions read: when
        one has moved on meanwhile, nothing is saved and IntegrityError is raised (a conflict
        `retrying` runs the command again for). `claimed` are the ids `Sequences.propose`
        gave the new aggregates, by sequence."""

        def claim(cursor: Cursor) -> None:
            for name, value in (claimed or {}).items():
                self.sequences.claim(cursor, name, value)

        return _record(
            self.events, self.projector, aggregates, in_transaction=True, read=read, claim=claim
        )

    def record_new(self, sequence: str, build: Callable[[int], Aggregate]) -> int:
        """Save the aggregate `build` makes for the next id of `sequence`; returns the id.
        An id handed out again after a crash clashes with the aggregate saved under it, and
        a fresh attempt draws another."""

        def attempt() -> int:
            new_id = self.sequences.next_id(sequence)
            self.record(build(new_id))
            return new_id

        return self.retrying(attempt)

    def record_views(self, *batches: Aggregate) -> int:
        """`record` for the views log."""
        # NOTE: on SQLite the views log has a file of its own, which one transaction cannot
        # share with the read models: they are brought up to it just after its commit.
        in_transaction = self.url.backend == "postgresql"
        return _record(self.views, self.view_projector, batches, in_transaction=in_transaction)

    def retrying(self, command: Callable[[], T]) -> T:
        """Run a load-change-save command, re-running it when another writer got there first."""
        # Counted from the first clash: an attempt that waited long for a lock (another
        # process's transaction) still gets its retries.
        deadline: float | None = None
        attempt = 0
        while True:
            try:
                return command()
            except IntegrityError:
                attempt += 1
                now = time.monotonic()
                deadline = now + CONFLICT_SECONDS if deadline is None else deadline
                if now >= deadline:
                    raise ConflictError(
                        "The resource was changed concurrently; please retry."
                    ) from None
            pause = min(CONFLICT_MAX_PAUSE_SECONDS, CONFLICT_PAUSE_SECONDS * attempt)
            time.sleep(random.uniform(0, pause))

    def check_installed(self) -> None:
        """Raise ConfigError, with the fix, when `insightlog migrate` never ran here, or not
        since this version of the code."""
        try:
            for projector in self.projectors:
                projector.positions()
                projector.head()
        except Exception as error:
            if not _is_missing_table(error):
                raise  # Not a database without tables: one that cannot be reached, say.
            raise ConfigError(
                f"the database at {self.url.describe()} has no insightlog tables "
                f"(run `insightlog migrate`): {str(error).splitlines()[0]}"
            ) from None
        outdated = [name for projector in self.projectors for name in projector.outdated()]
        if outdated:
            # Their tables lack what this code reads and writes: serving them would fail.
            raise ConfigError(
                f"the read models {', '.join(outdated)} at {self.url.describe()} were built by "
                "another version of insightlog (run `insightlog migrate` to rebuild them)"
            )

    def close(self) -> None:
        self.events.close()
        self.views.close()
        self.analytics.close()
        self.database.close()


def _is_missing_table(error: BaseException) -> bool:
    # sqlite3's and PostgreSQL's words, whichever layer wrapped the error.
    text = str(error)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _record(
    store: EventStore | ViewStore,
    projector: Projector,
    aggregates: tuple[Aggregate, ...],
    *,
    in_transaction: bool,
    read: Mapping[UUID, int] | None = None,
    claim: Callable[[Cursor], None] | None = None,
) -> int:
    events = [event for aggregate in aggregates for event in aggregate.pending_events]
    applied: list[bool] = []

    def project(cursor: Cursor, positions: Sequence[int]) -> None:
        if claim is not None:
            claim(cursor)
        if read:
            # Under the log's write lock: no other write can come between this check and
            # the commit.
            recorder: Any = store.recorder
            if recorder.versions_now(cursor, list(read)) != dict(read):
                raise IntegrityError("an aggregate this change was decided on has changed")
        # The library may run the write again after a lost connection: only the last
        # attempt's answer counts.
        applied[:] = [projector.apply_recorded(cursor, list(zip(positions, events, strict=True)))]

    recordings = store.save(*aggregates, **({"project": project} if in_transaction else {}))
    if not recordings:
        return 0
    position = max(recording.notification.id for recording in recordings)
    if applied != [True]:
        recorded = [(r.notification.id, r.domain_event) for r in recordings]
        projector.catch_up(until=position, recorded=recorded)
    return position


def projections(dialect: str) -> list[Projection]:
    """Every read model of the main log, in the order their tables are created."""
    return [
        AccountsProjection(),
        DashboardsProjection(),
        ElementsProjection(),
        InsightHistoryProjection(),
        InsightListProjection(dialect),
        InsightViewsOnCreateProjection(),
    ]


def view_projections() -> list[Projection]:
    """Every read model of the views log."""
    return [InsightViewsProjection()]


def open_backend(
    url: DatabaseUrl,
    *,
    create_tables: bool = False,
    clock: Clock = utc_now,
    hash_chain: bool = True,
) -> Backend:
    """Connect to the database at `url`; tables must exist unless `create_tables`.
    Events are hash-chained unless `hash_chain=False` (benchmarks only)."""
    if url.backend == "postgresql":
        # The library's pool retries in the background and after 30 s reports only that it
        # timed out; one connection first fails at once with the server's reason.
        psycopg.connect(url.conninfo, connect_timeout=10).close()
    events = EventStore(
        env=url.eventsourcing_env(create_table=create_tables, hash_chain=hash_chain)
    )
    views = ViewStore(
        env=url.eventsourcing_env(create_table=create_tables, views=True, hash_chain=hash_chain)
    )
    if url.backend == "postgresql":
        for store in (events, views):
            # The library sets no such limit: read when a pool starts reconnecting.
            recorder: Any = store.recorder
            recorder.datastore.pool.reconnect_timeout = RECONNECT_SECONDS
    database: Database = (
        SqliteDatabase(url.sqlite_path) if url.backend == "sqlite" else PostgresDatabase(url)
    )
    events_recorder: Any = events.recorder
    return Backend(
        url=url,
        events=events,
        views=views,
        database=database,
        sequences=Sequences(
            database, events_recorder.read_on_writer if url.backend == "sqlite" else None
        ),
        projector=Projector(events, database, projections(database.dialect)),
        view_projector=Projector(views, database, view_projections()),
        analytics=SqliteAnalyticsEvents(url.analytics_sqlite_path)
        if url.backend == "sqlite"
        else PostgresAnalyticsEvents(database),
        accounts=Accounts(database),
        dashboards=Dashboards(database),
        elements=Elements(database),
        insights=InsightReader(database),
        insight_history=InsightHistory(database),
        insight_views=InsightViews(database),
        clock=clock,
    )


def open_backend_when_reachable(url: DatabaseUrl, pause: float = 1.0) -> Backend:
    """`open_backend`, waiting for a database that cannot be reached just now (a server
    worker started during an outage: gunicorn stops altogether when one fails to start)."""
    while True:
        try:
            return open_backend(url)
        except Exception as error:
            if not is_outage(error):
                raise
            log.warning("the database is unavailable, trying again: %s", error)
            time.sleep(pause)
