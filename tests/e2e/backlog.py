"""Helpers for end-to-end tests of the projection worker and of rebuilds: events written
without bringing the read models up to them (as a web worker that crashed between the save
and the catch-up leaves them), `insightlog projections run` as a real process, and dumps of
every read model to compare with a fresh rebuild."""

from __future__ import annotations

import dataclasses
import random
import signal
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.domain import Aggregate

from domain.insight import Insight
from domain.insight_views import ViewBatch
from domain.short_id import short_id_for
from store.backend import Backend, open_backend
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.keys import Keys
from store.tenancy import Tenancy
from tests.e2e.processes import INSIGHTLOG, process_env, query

Dump = dict[str, list[tuple[Any, ...]]]


# ---------------------------------------------------------------------------- unprojected writes


class UnprojectedBackend(Backend):
    """A real backend whose writes stop after the save: the events are in the logs, the read
    models do not know of them until a projection worker (or the next catch-up) applies them."""

    def record(
        self,
        *aggregates: Aggregate,
        read: Mapping[UUID, int] | None = None,
        claimed: Mapping[str, int] | None = None,
    ) -> int:
        # Single-threaded backlogs: nothing can change what was `read` before the save.
        position = _save_only(self.events.save(*aggregates))
        # Taken for good, as the saving transaction would: later creates must not draw them.
        with self.database.transaction(write=True) as cursor:
            for name, value in (claimed or {}).items():
                self.sequences.claim(cursor, name, value)
        return position

    def record_views(self, *batches: Aggregate) -> int:
        return _save_only(self.views.save(*batches))


def _save_only(recordings: Any) -> int:
    return max((recording.notification.id for recording in recordings), default=0)


@contextmanager
def unprojected_backend(url: DatabaseUrl) -> Iterator[UnprojectedBackend]:
    backend = open_backend(url)
    try:
        yield UnprojectedBackend(
            **{f.name: getattr(backend, f.name) for f in dataclasses.fields(backend)}
        )
    finally:
        backend.close()


@contextmanager
def projected_backend(url: DatabaseUrl) -> Iterator[Backend]:
    backend = open_backend(url)
    try:
        yield backend
    finally:
        backend.close()


# ---------------------------------------------------------------------------- a backlog


@dataclass
class BacklogTenant:
    project_id: int
    environment_id: int
    owner_id: int
    owner_email: str
    member_ids: list[int] = field(default_factory=list)
    dashboard_ids: list[int] = field(default_factory=list)
    live_dashboard_ids: list[int] = field(default_factory=list)
    insight_ids: list[int] = field(default_factory=list)
    deleted_insight_ids: list[int] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=list)


@dataclass
class Backlog:
    """What `write_backlog` wrote, by kind of command."""

    tenant: BacklogTenant
    commands: Counter[str] = field(default_factory=Counter)


TAGS = ("growth", "retention", "pricing", "north-star", "eu", "mobile")
NAMES = ("Weekly signups", "Checkout funnel", "Churned accounts", "Daily actives", "Pricing page")


def _email(name: str) -> str:
    return f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"


def new_tenant(backend: Backend, first_name: str = "Ada") -> BacklogTenant:
    email = _email(first_name)
    created = Tenancy(backend).bootstrap(
        email=email,
        first_name=first_name,
        last_name="Lovelace",
        organization=f"{first_name}'s engines",
        project=f"{first_name}'s project",
    )
    return BacklogTenant(
        project_id=created.project_id,
        environment_id=created.environment_id,
        owner_id=created.user_id,
        owner_email=email,
        member_ids=[created.user_id],
    )


def write_backlog(backend: Backend, rng: random.Random, commands: int) -> Backlog:
    """`commands` random commands of every kind on a new tenant: members, keys (created and
    revoked), dashboards (created, renamed, deleted), insights (created with tags and tiles,
    renamed, retagged, moved between dashboards, deleted, restored) and views."""
    tenant = new_tenant(backend, rng.choice(("Ada", "Grace", "Charles", "Hedy")))
    backlog = Backlog(tenant)
    tenancy, keys = Tenancy(backend), Keys(backend)
    dashboards, insights = DashboardCommands(backend), InsightCommands(backend)
    where: dict[str, Any] = {
        "project_id": tenant.project_id,
        "environment_id": tenant.environment_id,
        "actor_id": tenant.owner_id,
    }

    def add_member() -> None:
        tenant.member_ids.append(
            tenancy.add_member(
                email=_email("Member"),
                project_id=tenant.project_id,
                first_name="Member",
                last_name=str(len(tenant.member_ids)),
            )
        )

    def create_key() -> None:
        tenant.key_ids.append(
            keys.create(email=tenant.owner_email, scopes=[rng.choice(("*", "insight:read"))]).id
        )

    def revoke_key() -> None:
        if tenant.key_ids:
            keys.revoke(tenant.key_ids.pop(rng.randrange(len(tenant.key_ids))))

    def create_dashboard() -> None:
        dashboard_id = dashboards.create(**where, values={"name": f"Board {rng.randrange(1000)}"})
        tenant.dashboard_ids.append(dashboard_id)
        tenant.live_dashboard_ids.append(dashboard_id)

    def change_dashboard() -> None:
        if not tenant.live_dashboard_ids:
            return create_dashboard()
        dashboard_id = rng.choice(tenant.live_dashboard_ids)
        if rng.random() < 0.2:
            dashboards.update(**where, dashboard_id=dashboard_id, values={"deleted": True})
            tenant.live_dashboard_ids.remove(dashboard_id)
        else:
            dashboards.update(
                **where, dashboard_id=dashboard_id, values={"name": f"Board {rng.randrange(1000)}"}
            )
        return None

    def some_dashboards() -> list[int]:
        pool = tenant.live_dashboard_ids
        return rng.sample(pool, k=min(len(pool), rng.randrange(3)))

    def create_insight() -> None:
        values: dict[str, Any] = {
            "name": f"{rng.choice(NAMES)} #{rng.randrange(10_000)}",
            "tags": rng.sample(TAGS, k=rng.randrange(3)),
            "description": rng.choice(("", "Signups by week", "From the pricing page")),
        }
        if chosen := some_dashboards():
            values["dashboards"] = chosen
        tenant.insight_ids.append(insights.create(**where, values=values))

    def update_insight() -> None:
        if not tenant.insight_ids:
            return create_insight()
        insight_id = rng.choice(tenant.insight_ids)
        change = rng.choice(("name", "tags", "dashboards", "favorited", "delete"))
        values: dict[str, Any]
        if change == "name":
            values = {"name": f"{rng.choice(NAMES)} (v{rng.randrange(100)})"}
        elif change == "tags":
            values = {"tags": rng.sample(TAGS, k=rng.randrange(4))}
        elif change == "dashboards":
            values = {"dashboards": some_dashboards()}
        elif change == "favorited":
            values = {"favorited": rng.random() < 0.5}
        else:
            values = {"deleted": True}
            tenant.insight_ids.remove(insight_id)
            tenant.deleted_insight_ids.append(insight_id)
        insights.update(**where, insight_id=insight_id, values=values)
        return None

    def restore_insight() -> None:
        if not tenant.deleted_insight_ids:
            return update_insight()
        insight_id = tenant.deleted_insight_ids.pop(rng.randrange(len(tenant.deleted_insight_ids)))
        insights.update(**where, insight_id=insight_id, values={"deleted": False})
        tenant.insight_ids.append(insight_id)
        return None

    def view() -> None:
        if not tenant.insight_ids:
            return create_insight()
        viewed = rng.sample(
            tenant.insight_ids, k=min(len(tenant.insight_ids), 1 + rng.randrange(4))
        )
        backend.record_views(
            ViewBatch.record(
                project_id=tenant.project_id,
                environment_id=tenant.environment_id,
                user_id=rng.choice(tenant.member_ids),
                insight_ids=viewed,
                at=backend.clock(),
            )
        )
        return None

    weighted: list[tuple[Callable[[], None], int]] = [
        (add_member, 3),
        (create_key, 3),
        (revoke_key, 1),
        (create_dashboard, 3),
        (change_dashboard, 4),
        (create_insight, 30),
        (update_insight, 30),
        (restore_insight, 4),
        (view, 22),
    ]
    # Every kind at least once, then at random.
    plan = [command for command, _ in weighted]
    plan += rng.choices(
        [command for command, _ in weighted],
        weights=[weight for _, weight in weighted],
        k=max(0, commands - len(plan)),
    )
    for command in plan:
        command()
        backlog.commands[command.__name__] += 1
    return backlog


def write_bulk(
    backend: Backend, tenant: BacklogTenant, rng: random.Random, insights: int, chunk: int = 250
) -> None:
    """Many insights (some renamed) and views of them, saved `chunk` aggregates at a time:
    a large log, quickly."""
    where: dict[str, Any] = {
        "project_id": tenant.project_id,
        "environment_id": tenant.environment_id,
    }
    for start in range(0, insights, chunk):
        made: list[Insight] = []
        for _ in range(min(chunk, insights - start)):
            insight_id = backend.sequences.next_id("insight")
            insight = Insight.create(
                insight_id=insight_id,
                short_id=short_id_for(insight_id),
                actor_id=tenant.owner_id,
                at=backend.clock(),
                values={
                    "name": f"{rng.choice(NAMES)} #{insight_id}",
                    "tags": rng.sample(TAGS, k=rng.randrange(3)),
                },
                new_tiles={},
                **where,
            )
            if rng.random() < 0.3:
                insight.update(
                    environment_id=tenant.environment_id,
                    actor_id=tenant.owner_id,
                    at=backend.clock(),
                    values={"name": f"{rng.choice(NAMES)} #{insight_id} (renamed)"},
                    new_tiles={},
                )
            made.append(insight)
        backend.record(*made)
        tenant.insight_ids.extend(insight.insight_id for insight in made)
        backend.record_views(
            *(
                ViewBatch.record(
                    user_id=tenant.owner_id,
                    insight_ids=[insight.insight_id],
                    at=backend.clock(),
                    **where,
                )
                for insight in made
            )
        )


def write_views(
    backend: Backend, tenant: BacklogTenant, rng: random.Random, count: int, chunk: int = 100
) -> None:
    """`count` view batches by the tenant's members of its live insights, saved `chunk`
    at a time."""
    assert tenant.insight_ids, "no insight to view"
    for start in range(0, count, chunk):
        backend.record_views(
            *(
                ViewBatch.record(
                    project_id=tenant.project_id,
                    environment_id=tenant.environment_id,
                    user_id=rng.choice(tenant.member_ids),
                    insight_ids=rng.sample(tenant.insight_ids, k=min(3, len(tenant.insight_ids))),
                    at=backend.clock(),
                )
                for _ in range(min(chunk, count - start))
            )
        )


# ---------------------------------------------------------------------------- reading the state


def _sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, repr(value)) for value in row)


def model_tables(url: DatabaseUrl) -> list[str]:
    """Every read-model table of every projection of every log."""
    with projected_backend(url) as backend:
        return [
            table
            for projector in backend.projectors
            for projection in projector.projections
            for table in projection.model_tables
        ]


def dump_read_models(url: DatabaseUrl) -> Dump:
    """Every row of every read-model table of every projection, in a canonical order."""
    return {
        table: sorted(query(url, f"SELECT * FROM {table}"), key=_sort_key)
        for table in model_tables(url)
    }


def positions_and_heads(url: DatabaseUrl) -> tuple[dict[str, int], dict[str, int]]:
    """Each projection's tracked position, and the head of the log it follows."""
    positions: dict[str, int] = {}
    heads: dict[str, int] = {}
    with projected_backend(url) as backend:
        for projector in backend.projectors:
            head = projector.head()
            for name, position in projector.positions().items():
                positions[name] = position
                heads[name] = head
    return positions, heads


def query_write(url: DatabaseUrl, sql: str, params: tuple[Any, ...] = ()) -> None:
    """One statement that writes, committed (`query` is for reads), with `%s` placeholders."""
    if url.backend == "sqlite":
        connection = sqlite3.connect(url.sqlite_path)
        try:
            with connection:
                connection.execute(sql.replace("%s", "?"), params)
        finally:
            connection.close()
    else:
        with psycopg.connect(url.conninfo, autocommit=True) as postgres:
            postgres.execute(sql, params)


def log_heads(url: DatabaseUrl) -> dict[str, int]:
    """The newest notification id of each log, straight from the event stores' tables."""
    if url.backend == "sqlite":
        views = DatabaseUrl.parse(f"sqlite:///{url.views_sqlite_path}")
        main_rows = query(url, "SELECT MAX(rowid) FROM stored_events")
        view_rows = query(views, "SELECT MAX(rowid) FROM stored_events")
    else:
        main_rows = query(url, "SELECT MAX(notification_id) FROM insightlog_events")
        view_rows = query(url, "SELECT MAX(notification_id) FROM insightlog_views_events")
    return {"insightlog": int(main_rows[0][0] or 0), "insightlog_views": int(view_rows[0][0] or 0)}


def positions_sum(url: DatabaseUrl) -> int:
    """The sum of every tracked position, straight from the tracking table."""
    return int(query(url, "SELECT COALESCE(SUM(position), 0) FROM projection_tracking")[0][0])


def differences(actual: Dump, expected: Dump, sample: int = 3) -> dict[str, Any]:
    """Per table that differs: row counts and a few rows found on one side only."""
    found: dict[str, Any] = {}
    for table in sorted(set(actual) | set(expected)):
        mine, theirs = actual.get(table, []), expected.get(table, [])
        if mine == theirs:
            continue
        mine_counts, theirs_counts = Counter(mine), Counter(theirs)
        found[table] = {
            "rows": (len(mine), len(theirs)),
            "only_in_actual": list((mine_counts - theirs_counts).elements())[:sample],
            "only_in_expected": list((theirs_counts - mine_counts).elements())[:sample],
        }
    return found


def lowest_position(url: DatabaseUrl) -> int:
    """The lowest position of any projection, straight from the tracking table."""
    return int(query(url, "SELECT MIN(position) FROM projection_tracking")[0][0])


def total_lag(url: DatabaseUrl) -> int:
    positions, heads = positions_and_heads(url)
    return sum(heads[name] - positions[name] for name in positions)


def wait_until(
    condition: Callable[[], bool], within: float, interval: float = 0.02, what: str = ""
) -> float:
    """Poll until `condition()` holds; returns the seconds it took."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------- the worker


class ProjectionWorkerProcess:
    """`insightlog projections run` as a subprocess; stdout and stderr go to files."""

    def __init__(self, url: DatabaseUrl, log_dir: Path) -> None:
        self.url = url
        log_dir.mkdir(parents=True, exist_ok=True)
        self._log_dir = log_dir
        self._runs = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stdout_path = log_dir / "worker-0.stdout"
        self._stderr_path = log_dir / "worker-0.stderr"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self._runs += 1
        self._stdout_path = self._log_dir / f"worker-{self._runs}.stdout"
        self._stderr_path = self._log_dir / f"worker-{self._runs}.stderr"
        with self._stdout_path.open("wb") as stdout, self._stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [INSIGHTLOG, "projections", "run"],
                env=process_env(self.url),
                stdout=stdout,
                stderr=stderr,
            )

    @property
    def stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace") if self._stderr_path.exists() else ""

    @property
    def stdout(self) -> str:
        return self._stdout_path.read_text(errors="replace") if self._stdout_path.exists() else ""

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_until(
        self, condition: Callable[[], bool], within: float, what: str, interval: float = 0.02
    ) -> float:
        """Poll until `condition()` holds while the worker runs; fails at once if it exits."""

        def running_and() -> bool:
            if not self.running():
                raise AssertionError(f"the worker exited while waiting for {what}:\n{self.stderr}")
            return condition()

        try:
            return wait_until(running_and, within, interval=interval, what=what)
        except AssertionError as error:
            raise AssertionError(f"{error}\nthe worker's stderr:\n{self.stderr}") from None

    def wait_until_following(self, within: float = 20.0) -> None:
        """Until it logged that it follows the logs (its connections are open)."""
        self.wait_until(lambda: "following" in self.stderr, within, what="the worker to start")

    def terminate(self, within: float) -> tuple[int | None, float]:
        """SIGTERM; (exit code or None when it had to be killed, seconds it took)."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.kill()
            return None, time.monotonic() - started
        return code, time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL, and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Best effort at the end of a test, whatever happened."""
        if self.running():
            code, _ = self.terminate(within=10)
            if code is None:
                self.kill()
