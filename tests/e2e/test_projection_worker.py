"""The projection worker (`insightlog projections run`) and rebuilds (`insightlog projections
rebuild`) as real processes, on SQLite and PostgreSQL: events saved by a process that never
caught up (a web worker that crashed between the save and the catch-up) reach the read models,
SIGKILL at any moment loses nothing and applies nothing twice, a rebuild while the API serves
fails no request and hides no write, and `projections status` tells the lag."""

from __future__ import annotations

import random
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from domain.insight_views import ViewBatch
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.keys import Keys
from store.tenancy import Tenancy
from tests.e2e.backlog import (
    BacklogTenant,
    Dump,
    ProjectionWorkerProcess,
    differences,
    dump_read_models,
    log_heads,
    new_tenant,
    positions_and_heads,
    positions_sum,
    projected_backend,
    query_write,
    unprojected_backend,
    wait_until,
    write_backlog,
    write_bulk,
    write_views,
)
from tests.e2e.processes import Server, cli, cli_json, query, single_json_object, start_cli

pytestmark = pytest.mark.e2e

MAIN_LOG, VIEWS_LOG = "insightlog", "insightlog_views"
LOG_OF = {
    "accounts": MAIN_LOG,
    "dashboards": MAIN_LOG,
    "elements": MAIN_LOG,
    "insight_history": MAIN_LOG,
    "insight_list": MAIN_LOG,
    "insight_views_on_create": MAIN_LOG,
    "insight_views": VIEWS_LOG,
}
EVERY_PROJECTION = list(LOG_OF)
"""In the order `projections status` lists them: each log's by name, the main log's first."""
APPLIED_WITHIN_SECONDS = 5.0
# On SQLite the worker polls every 0.2 s. On PostgreSQL it waits up to 1 s for a NOTIFY: six
# events each applied within 0.3 s would happen by chance with a 1 s poll once in 1,400 runs.
WOKEN_WITHIN_SECONDS = {"sqlite": 0.6, "postgresql": 0.3}
STOPPED_WITHIN_SECONDS = 5.0
PROGRESS = re.compile(r"(insightlog(?:_views)?): applied (\d+) events, at (\d+) of (\d+)$")


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def worker(fresh_url: DatabaseUrl, tmp_path: Path) -> Iterator[ProjectionWorkerProcess]:
    """`insightlog projections run` on the test's fresh database, not started yet; always
    stopped at the end."""
    process = ProjectionWorkerProcess(fresh_url, tmp_path / "worker-logs")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def idle_tenant(fresh_url: DatabaseUrl) -> BacklogTenant:
    """Ada's organization and project, written with the catch-up, so nothing is pending."""
    with projected_backend(fresh_url) as backend:
        return new_tenant(backend, "Ada")


def status_of(url: DatabaseUrl) -> list[dict[str, Any]]:
    return list(cli_json(url, "projections", "status")["projections"])


def expected_status(positions: dict[str, int], heads: dict[str, int]) -> list[dict[str, Any]]:
    """Status entries for `positions` of each projection and `heads` of each log."""
    return [
        {
            "name": name,
            "log": LOG_OF[name],
            "position": positions[name],
            "head": heads[LOG_OF[name]],
            "lag": heads[LOG_OF[name]] - positions[name],
        }
        for name in EVERY_PROJECTION
    ]


def seconds_until_found(url: DatabaseUrl, table: str, column: str, value: int) -> float:
    """Poll until `table` has a row whose `column` is `value`; the monotonic time when found."""
    sql = f"SELECT 1 FROM {table} WHERE {column} = %s"
    wait_until(
        lambda: query(url, sql, (value,)) != [],
        APPLIED_WITHIN_SECONDS,
        interval=0.005,
        what=f"{table}.{column} = {value}",
    )
    return time.monotonic()


def caught_up(url: DatabaseUrl) -> bool:
    positions, heads = positions_and_heads(url)
    return positions == heads


def assert_caught_up(url: DatabaseUrl) -> None:
    positions, heads = positions_and_heads(url)
    head_of = log_heads(url)
    assert positions == {name: head_of[LOG_OF[name]] for name in EVERY_PROJECTION}
    assert heads == positions


def assert_read_models_equal_a_fresh_rebuild(url: DatabaseUrl) -> None:
    """The read models as they are equal the ones `insightlog projections rebuild` makes
    from the logs, and every projection is at its log's head before and after."""
    assert_caught_up(url)
    incremental = dump_read_models(url)
    assert sum(len(rows) for rows in incremental.values()) > 0

    rebuilt = cli_json(url, "projections", "rebuild")

    assert rebuilt["rebuilt"] == sorted(EVERY_PROJECTION)
    assert differences(incremental, dump_read_models(url)) == {}
    assert_caught_up(url)


def assert_clean_stderr(worker: ProjectionWorkerProcess) -> None:
    assert "Traceback" not in worker.stderr, worker.stderr
    assert "ERROR" not in worker.stderr, worker.stderr


def bulk_projected(url: DatabaseUrl, count: int) -> Dump:
    """`count` bulk writes, projected by the worker run once; the read models they made."""
    with unprojected_backend(url) as backend:
        tenant = new_tenant(backend, "Grace")
        write_bulk(backend, tenant, random.Random(1906), count)
    assert cli(url, "projections", "run", "--once").returncode == 0
    return dump_read_models(url)


def one_of_each(backend: Any, tenant: BacklogTenant) -> dict[str, Any]:
    """One write of each kind, recorded by `backend`; returns what to look for."""
    where: dict[str, Any] = {
        "project_id": tenant.project_id,
        "environment_id": tenant.environment_id,
        "actor_id": tenant.owner_id,
    }
    insights = InsightCommands(backend)
    board = DashboardCommands(backend).create(**where, values={"name": "Engine room"})
    kept = insights.create(**where, values={"name": "Weekly signups", "dashboards": [board]})
    insights.update(**where, insight_id=kept, values={"name": "Weekly signups (EU)"})
    doomed = insights.create(**where, values={"name": "Doomed funnel"})
    insights.update(**where, insight_id=doomed, values={"deleted": True})
    member = Tenancy(backend).add_member(
        email=f"charles-{uuid.uuid4().hex[:8]}@example.com",
        project_id=tenant.project_id,
        first_name="Charles",
        last_name="Babbage",
    )
    key = Keys(backend).create(email=tenant.owner_email, scopes=["insight:read"], label="Nightly")
    backend.record_views(
        ViewBatch.record(
            project_id=tenant.project_id,
            environment_id=tenant.environment_id,
            user_id=member,
            insight_ids=[kept],
            at=backend.clock(),
        )
    )
    return {"board": board, "kept": kept, "doomed": doomed, "member": member, "key": key.id}


# ---------------------------------------------------------------------------- following the logs


class TestWorkerFollowsTheLogs:
    def test_events_saved_without_a_catch_up_reach_every_read_model_within_a_few_seconds(
        self, fresh_url: DatabaseUrl, worker: ProjectionWorkerProcess, idle_tenant: BacklogTenant
    ) -> None:
        worker.start()
        worker.wait_until_following()
        with unprojected_backend(fresh_url) as crashed_web_worker:
            written = one_of_each(crashed_web_worker, idle_tenant)

        worker.wait_until(
            lambda: caught_up(fresh_url), APPLIED_WITHIN_SECONDS, what="the worker to catch up"
        )

        assert query(
            fresh_url,
            "SELECT id, name, deleted FROM insights WHERE project_id = %s ORDER BY id",
            (idle_tenant.project_id,),
        ) == [(written["kept"], "Weekly signups (EU)", 0), (written["doomed"], "Doomed funnel", 1)]
        assert query(
            fresh_url,
            "SELECT insight_id, active FROM insight_tiles WHERE dashboard_id = %s",
            (written["board"],),
        ) == [(written["kept"], 1)]
        assert query(
            fresh_url, "SELECT name FROM dashboards WHERE id = %s", (written["board"],)
        ) == [("Engine room",)]
        assert query(
            fresh_url,
            "SELECT user_id FROM project_members WHERE project_id = %s ORDER BY user_id",
            (idle_tenant.project_id,),
        ) == sorted([(idle_tenant.owner_id,), (written["member"],)])
        assert query(
            fresh_url,
            "SELECT label, revoked FROM personal_api_keys WHERE id = %s",
            (written["key"],),
        ) == [("Nightly", 0)]
        assert query(
            fresh_url,
            "SELECT user_id FROM insight_views WHERE insight_id = %s ORDER BY user_id",
            (written["kept"],),
        ) == sorted([(idle_tenant.owner_id,), (written["member"],)])
        assert worker.running()

    def test_a_worker_whose_connections_are_terminated_carries_on(
        self, fresh_url: DatabaseUrl, worker: ProjectionWorkerProcess, idle_tenant: BacklogTenant
    ) -> None:
        # It used to exit at the first lost connection (a PostgreSQL restart, say).
        if fresh_url.backend != "postgresql":
            pytest.skip("only PostgreSQL connections can be terminated from outside")
        worker.start()
        worker.wait_until_following()
        with psycopg.connect(fresh_url.conninfo, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with unprojected_backend(fresh_url) as crashed_web_worker:
            written = one_of_each(crashed_web_worker, idle_tenant)

        worker.wait_until(
            lambda: caught_up(fresh_url), APPLIED_WITHIN_SECONDS, what="the worker to catch up"
        )

        assert query(fresh_url, "SELECT name FROM insights WHERE id = %s", (written["kept"],)) == [
            ("Weekly signups (EU)",)
        ]
        assert worker.running()

    def test_each_new_event_wakes_the_worker_within_a_fraction_of_a_second(
        self, fresh_url: DatabaseUrl, worker: ProjectionWorkerProcess, idle_tenant: BacklogTenant
    ) -> None:
        rng = random.Random(1843)
        worker.start()
        worker.wait_until_following()
        latencies: list[tuple[float, float]] = []
        with unprojected_backend(fresh_url) as crashed_web_worker:
            insights = InsightCommands(crashed_web_worker)
            for number in range(6):
                # Land each write at another phase of the worker's wait.
                time.sleep(rng.uniform(0.05, 0.4))
                insight_id = insights.create(
                    project_id=idle_tenant.project_id,
                    environment_id=idle_tenant.environment_id,
                    actor_id=idle_tenant.owner_id,
                    values={"name": f"Signals from the Engine #{number}"},
                )
                saved = time.monotonic()
                listed = seconds_until_found(fresh_url, "insights", "id", insight_id)
                viewed = seconds_until_found(
                    fresh_url, "insight_last_views", "insight_id", insight_id
                )
                latencies.append((round(listed - saved, 3), round(viewed - saved, 3)))

        bound = WOKEN_WITHIN_SECONDS[fresh_url.backend]
        slow = [pair for pair in latencies if max(pair) > bound]
        assert slow == [], latencies

    def test_the_worker_logs_its_progress_on_each_log_on_stderr(
        self, fresh_url: DatabaseUrl, worker: ProjectionWorkerProcess
    ) -> None:
        with unprojected_backend(fresh_url) as crashed_web_worker:
            rng = random.Random(1815)
            tenant = write_backlog(crashed_web_worker, rng, 300).tenant
            write_bulk(crashed_web_worker, tenant, rng, 600)
        heads = log_heads(fresh_url)
        assert heads[MAIN_LOG] > 500 and heads[VIEWS_LOG] > 0, heads
        worker.start()

        worker.wait_until(lambda: caught_up(fresh_url), 30, what="the catch-up")
        worker.wait_until(
            lambda: f"at {heads[VIEWS_LOG]} of {heads[VIEWS_LOG]}" in worker.stderr, 5, what="log"
        )

        progress: dict[str, list[tuple[int, int, int]]] = {MAIN_LOG: [], VIEWS_LOG: []}
        for line in worker.stderr.splitlines():
            if (found := PROGRESS.search(line)) is not None:
                log, applied, at, of = found.groups()
                progress[log].append((int(applied), int(at), int(of)))
        for log, head in heads.items():
            steps = progress[log]
            assert len(steps) >= 1, (log, worker.stderr)
            assert [at for _, at, _ in steps] == sorted({at for _, at, _ in steps}), steps
            assert steps[-1][1:] == (head, head), steps
            assert sum(applied for applied, _, _ in steps) == head, steps
        assert len(progress[MAIN_LOG]) >= 2, progress  # batch by batch, not all at the end
        assert_clean_stderr(worker)


# ---------------------------------------------------------------------------- stopping


class TestWorkerStops:
    @pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
    def test_a_stop_signal_ends_an_idle_worker_with_exit_code_0_within_seconds_and_no_traceback(
        self,
        worker: ProjectionWorkerProcess,
        idle_tenant: BacklogTenant,
        stop_signal: signal.Signals,
    ) -> None:
        worker.start()
        worker.wait_until_following()
        time.sleep(1.2)  # past a whole idle wait
        assert worker.process is not None

        started = time.monotonic()
        worker.process.send_signal(stop_signal)
        code = worker.process.wait(timeout=30)
        took = time.monotonic() - started

        assert code == 0, worker.stderr
        assert took < STOPPED_WITHIN_SECONDS, took
        assert_clean_stderr(worker)
        assert worker.stderr.rstrip().endswith("stopped"), worker.stderr
        assert worker.stdout == ""

    def test_sigterm_while_catching_up_ends_it_with_exit_code_0_and_loses_nothing(
        self, fresh_url: DatabaseUrl, worker: ProjectionWorkerProcess
    ) -> None:
        with unprojected_backend(fresh_url) as crashed_web_worker:
            rng = random.Random(1852)
            tenant = write_backlog(crashed_web_worker, rng, 300).tenant
            write_bulk(crashed_web_worker, tenant, rng, 2000)
        worker.start()
        worker.wait_until(
            lambda: positions_sum(fresh_url) > 0, 30, interval=0.005, what="a first batch"
        )

        code, took = worker.terminate(within=30)

        assert code == 0, worker.stderr
        assert took < STOPPED_WITHIN_SECONDS, took
        assert_clean_stderr(worker)
        finished = cli(fresh_url, "projections", "run", "--once")
        assert finished.returncode == 0, finished.stderr
        assert_read_models_equal_a_fresh_rebuild(fresh_url)


# ---------------------------------------------------------------------------- SIGKILL


@dataclass
class Kill:
    """Where the worker was when it was killed: the sum of its projections' positions, and
    of the heads of their logs."""

    moment: str
    reached: int
    heads: int


# A kill is armed this many events before the head of the log it watches: more than two
# batches, so the worker is still catching up when the signal lands.
KILL_MARGIN = 1100
KILL_BACKLOG = 2600


def tracked(url: DatabaseUrl, log: str) -> int:
    """The lowest position of the projections of one log, straight from the tracking table."""
    names = [name for name in EVERY_PROJECTION if LOG_OF[name] == log]
    marks = ", ".join(["%s"] * len(names))
    sql = f"SELECT MIN(position) FROM projection_tracking WHERE name IN ({marks})"
    return int(query(url, sql, names)[0][0])


def _reached(url: DatabaseUrl, log: str, target: float) -> bool:
    return tracked(url, log) >= target


def top_up(
    url: DatabaseUrl, backend: Any, tenant: BacklogTenant, rng: random.Random, log: str
) -> None:
    """At least KILL_BACKLOG events on `log` that no projection has applied yet."""
    missing = KILL_BACKLOG - (log_heads(url)[log] - tracked(url, log))
    if missing <= 0:
        return
    if log == MAIN_LOG:
        write_bulk(backend, tenant, rng, int(missing / 1.25) + 1)  # 1.3 events an insight
    else:
        write_views(backend, tenant, rng, missing)


class TestWorkerSurvivesSigkill:
    @pytest.mark.parametrize("seed", [1833, 1991])
    def test_killed_at_random_moments_it_ends_with_the_read_models_of_a_fresh_rebuild(
        self, fresh_url: DatabaseUrl, worker: ProjectionWorkerProcess, seed: int
    ) -> None:
        rng = random.Random(seed)
        kills: list[Kill] = []
        with unprojected_backend(fresh_url) as crashed_web_worker:
            tenant = write_backlog(crashed_web_worker, rng, 600).tenant
            # Once right after it starts, once within the main log, once within the views log.
            for moment in ("early", MAIN_LOG, VIEWS_LOG):
                top_up(
                    fresh_url,
                    crashed_web_worker,
                    tenant,
                    rng,
                    VIEWS_LOG if moment == VIEWS_LOG else MAIN_LOG,
                )
                heads = sum(positions_and_heads(fresh_url)[1].values())
                worker.start()
                worker.wait_until_following()
                if moment == "early":
                    time.sleep(rng.uniform(0.0, 0.05))
                else:
                    start, head = tracked(fresh_url, moment), log_heads(fresh_url)[moment]
                    target = start + rng.uniform(0.0, 1.0) * (head - start - KILL_MARGIN)
                    worker.wait_until(
                        partial(_reached, fresh_url, moment, target),
                        60,
                        interval=0.002,
                        what=f"{moment} at {target}",
                    )
                    time.sleep(rng.uniform(0.0, 0.01))
                worker.kill()
                kills.append(Kill(moment, reached=positions_sum(fresh_url), heads=heads))
                # More events arrive while it is down, from every kind of writer.
                write_backlog(crashed_web_worker, rng, 100)

        # Every kill came while there was still a backlog to catch up.
        assert all(kill.reached < kill.heads for kill in kills), kills
        worker.start()
        worker.wait_until(lambda: caught_up(fresh_url), 60, what="the last catch-up")
        code, _ = worker.terminate(within=30)
        assert code == 0, worker.stderr
        assert_clean_stderr(worker)
        assert_read_models_equal_a_fresh_rebuild(fresh_url)


# ---------------------------------------------------------------------------- rebuilds


@dataclass
class Canary:
    """A client that keeps writing and reading one project over HTTP (a new connection per
    request, so either server worker answers), checking each read right after a 2xx write."""

    server: Server
    project_id: int
    key: str
    failures: list[str] = field(default_factory=list)
    cycles: int = 0
    cycles_during_rebuild: int = 0
    created: list[int] = field(default_factory=list)

    def _call(self, method: str, suffix: str, expected: int, **kwargs: Any) -> Any:
        path = f"/api/projects/{self.project_id}/{suffix}"
        try:
            response = self.server.request(
                method, path, headers={"Authorization": f"Bearer {self.key}"}, **kwargs
            )
        except requests.RequestException as error:
            raise CanaryError(f"{method} {path}: {error!r}") from None
        if response.status_code != expected:
            raise CanaryError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def _expect(self, what: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            raise CanaryError(f"{what}: expected {expected!r}, got {actual!r}")

    def cycle(self) -> None:
        number = len(self.created)
        name = f"Canary of the Analytical Engine #{number}"
        created = self._call("POST", "insights", 201, json={"name": name, "tags": ["canary"]})
        insight_id = created["id"]
        self.created.append(insight_id)
        fetched = self._call("GET", f"insights/{insight_id}", 200)
        self._expect(f"name of new insight {insight_id}", fetched["name"], name)

        renamed = f"{name} (renamed)"
        self._call("PATCH", f"insights/{insight_id}", 200, json={"name": renamed})
        fetched = self._call("GET", f"insights/{insight_id}", 200)
        self._expect(f"name of renamed insight {insight_id}", fetched["name"], renamed)
        newest = self._call("GET", "insights", 200, params={"limit": 1})
        self._expect("the most recently modified insight", newest["results"][0]["id"], insight_id)
        tagged = self._call("GET", "insights", 200, params={"tags": '["canary"]', "limit": 1})
        self._expect("insights tagged canary", tagged["count"], len(self.created))

        self._call(
            "POST", "insights/viewed", 200, json={"insight_ids": [self.created[0], insight_id]}
        )
        viewed = self._call("GET", "insights/my_last_viewed", 200)
        self._expect("my last viewed insight", viewed[0]["id"], insight_id)

    def run(self, stop: threading.Event, rebuilding: threading.Event, deadline: float) -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            during = rebuilding.is_set()
            try:
                self.cycle()
            except CanaryError as error:
                self.failures.append(str(error))
            except Exception as error:  # noqa: BLE001 - any failure of the client is a finding
                self.failures.append(repr(error))
            self.cycles += 1
            if during and rebuilding.is_set():
                self.cycles_during_rebuild += 1


class CanaryError(AssertionError):
    """A canary request answered other than expected."""


@pytest.fixture
def serving(fresh_url: DatabaseUrl, tmp_path: Path) -> Iterator[tuple[Server, BacklogTenant, str]]:
    """`insightlog serve --workers 2` on a database holding a few thousand events of one
    project, with a `*` key of its owner."""
    rng = random.Random(1842)
    with unprojected_backend(fresh_url) as backend:
        tenant = new_tenant(backend, "Ada")
        write_bulk(backend, tenant, rng, 4000)
    caught = cli(fresh_url, "projections", "run", "--once")
    assert caught.returncode == 0, caught.stderr
    with projected_backend(fresh_url) as backend:
        key = Keys(backend).create(email=tenant.owner_email, scopes=["*"], label="canary").raw_key
    server = Server(fresh_url, tmp_path / "serve-logs", workers=2)
    try:
        server.start()
        yield server, tenant, key
    finally:
        code = server.terminate()
        tail = server.stderr[-4000:]
        print(f"--- insightlog serve stopped with {code}; the end of its stderr:\n{tail}")


class TestRebuildWhileServing:
    def test_a_rebuild_while_clients_write_and_read_fails_no_request_and_hides_no_write(
        self, fresh_url: DatabaseUrl, serving: tuple[Server, BacklogTenant, str]
    ) -> None:
        server, tenant, key = serving
        canary = Canary(server, tenant.project_id, key)
        stop, rebuilding = threading.Event(), threading.Event()
        client = threading.Thread(
            target=canary.run, args=(stop, rebuilding, time.monotonic() + 90), daemon=True
        )
        client.start()
        try:
            wait_until(lambda: canary.cycles >= 3, 30, what="the client's first cycles")
            heads_before = sum(log_heads(fresh_url).values())
            rebuilding.set()
            started = time.monotonic()
            completed = cli(fresh_url, "projections", "rebuild")
            took = time.monotonic() - started
            rebuilding.clear()
            heads_after = sum(log_heads(fresh_url).values())
            cycles_after_rebuild = canary.cycles
            wait_until(lambda: canary.cycles >= cycles_after_rebuild + 3, 30, what="cycles after")
        finally:
            stop.set()
            client.join(timeout=60)

        assert canary.failures == [], (len(canary.failures), canary.cycles, canary.failures[:10])
        rebuilt = single_json_object(completed)
        assert set(rebuilt) == {"rebuilt", "events", "projections"}, rebuilt
        assert rebuilt["rebuilt"] == sorted(EVERY_PROJECTION)
        assert heads_before <= rebuilt["events"] <= heads_after, (
            heads_before,
            rebuilt,
            heads_after,
        )
        assert [entry["name"] for entry in rebuilt["projections"]] == EVERY_PROJECTION
        # The rebuild took long enough for the client to work through it.
        assert canary.cycles_during_rebuild >= 3, (canary.cycles_during_rebuild, took)
        assert "Traceback" not in server.stderr, server.stderr[-4000:]
        assert_read_models_equal_a_fresh_rebuild(fresh_url)

    def test_a_rebuild_killed_while_building_leaves_the_live_read_models_as_they_were(
        self, fresh_url: DatabaseUrl
    ) -> None:
        before = bulk_projected(fresh_url, 3000)
        rebuild = start_cli(fresh_url, "projections", "rebuild")
        try:
            wait_until(
                lambda: building(fresh_url) or rebuild.poll() is not None,
                30,
                interval=0.005,
                what="the rebuild to start building",
            )
            assert rebuild.poll() is None, "the rebuild finished before it could be killed"
            time.sleep(random.Random(1906).uniform(0.05, 0.3))
            live_while_building = dump_or_error(fresh_url)
        finally:
            rebuild.send_signal(signal.SIGKILL)
            rebuild.communicate(timeout=30)
        live_after_kill = dump_or_error(fresh_url)

        assert isinstance(live_while_building, dict), live_while_building
        assert differences(live_while_building, before) == {}
        assert isinstance(live_after_kill, dict), live_after_kill
        assert differences(live_after_kill, before) == {}
        assert_read_models_equal_a_fresh_rebuild(fresh_url)

    def test_two_rebuilds_at_once_both_finish_and_change_nothing(
        self, fresh_url: DatabaseUrl
    ) -> None:
        # They share the shadow file or schema: each used to remove the other's, and both
        # failed (a malformed shadow file on SQLite, the live tables reached on PostgreSQL).
        before = bulk_projected(fresh_url, 1500)

        rebuilds = [start_cli(fresh_url, "projections", "rebuild") for _ in range(2)]
        outcomes = [(*rebuild.communicate(timeout=300), rebuild.returncode) for rebuild in rebuilds]

        assert [code for _, _, code in outcomes] == [0, 0], outcomes
        assert differences(dump_read_models(fresh_url), before) == {}

    def test_a_rebuild_of_one_read_model_replaces_its_tables_and_leaves_the_others_untouched(
        self, fresh_url: DatabaseUrl
    ) -> None:
        with unprojected_backend(fresh_url) as backend:
            write_backlog(backend, random.Random(1822), 300)
        assert cli(fresh_url, "projections", "run", "--once").returncode == 0
        before = dump_read_models(fresh_url)
        tracking_before = query(fresh_url, "SELECT * FROM projection_tracking ORDER BY name")
        # A row no event explains, in a table of each read model: only a rebuilt table loses it.
        sentinels = {
            "organizations": (
                "INSERT INTO organizations VALUES (%s, %s, %s)",
                ("sentinel", "Sentinel Ltd", 0),
            ),
            "dashboards": (
                "INSERT INTO dashboards VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (-7, -7, -7, "Sentinel board", "", 0, 0, 0, None, 0),
            ),
            "insight_counts": ("INSERT INTO insight_counts VALUES (%s, %s)", (-7, 7)),
            "insight_last_views": (
                "INSERT INTO insight_last_views VALUES (%s, %s, %s)",
                (-7, -7, 0),
            ),
        }
        for sql, params in sentinels.values():
            query_write(fresh_url, sql, params)

        rebuilt = cli_json(fresh_url, "projections", "rebuild", "insight_list")

        assert rebuilt["rebuilt"] == ["insight_list"]
        survivors = {
            table: len(query(fresh_url, f"SELECT * FROM {table} WHERE {_sentinel_where(table)}"))
            for table in sentinels
        }
        assert survivors == {
            "organizations": 1,
            "dashboards": 1,
            "insight_counts": 0,
            "insight_last_views": 1,
        }
        for table in ("organizations", "dashboards", "insight_last_views"):
            query_write(fresh_url, f"DELETE FROM {table} WHERE {_sentinel_where(table)}")
        assert differences(dump_read_models(fresh_url), before) == {}
        assert (
            query(fresh_url, "SELECT * FROM projection_tracking ORDER BY name") == tracking_before
        )


def dump_or_error(url: DatabaseUrl) -> Any:
    """Every read model, or what went wrong reading them."""
    try:
        return dump_read_models(url)
    except Exception as error:  # noqa: BLE001 - sqlite3 and psycopg differ
        return f"reading the read models failed: {error!r}"


def building(url: DatabaseUrl) -> bool:
    """Whether a rebuild is building its fresh tables beside the live ones."""
    if url.backend == "sqlite":
        path = Path(url.sqlite_path)
        return path.with_name(f"{path.stem}-rebuild{path.suffix}").exists()
    tables = query(
        url,
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'insightlog_rebuild'",
    )
    return int(tables[0][0]) > 0


def _sentinel_where(table: str) -> str:
    return {
        "organizations": "id = 'sentinel'",
        "dashboards": "id = -7",
        "insight_counts": "project_id = -7",
        "insight_last_views": "insight_id = -7",
    }[table]


# ---------------------------------------------------------------------------- status


class TestStatus:
    def test_status_reports_the_lag_of_events_saved_without_a_catch_up_on_both_logs(
        self, fresh_url: DatabaseUrl
    ) -> None:
        with unprojected_backend(fresh_url) as crashed_web_worker:
            write_backlog(crashed_web_worker, random.Random(1816), 40)
        heads = log_heads(fresh_url)
        assert heads[MAIN_LOG] > 0 and heads[VIEWS_LOG] > 0, heads

        status = status_of(fresh_url)

        assert status == expected_status(dict.fromkeys(EVERY_PROJECTION, 0), heads)

    def test_status_reports_a_lag_only_on_the_log_that_has_unprojected_events(
        self, fresh_url: DatabaseUrl, idle_tenant: BacklogTenant
    ) -> None:
        with projected_backend(fresh_url) as backend:
            insight_id = InsightCommands(backend).create(
                project_id=idle_tenant.project_id,
                environment_id=idle_tenant.environment_id,
                actor_id=idle_tenant.owner_id,
                values={"name": "Punched cards"},
            )
        with unprojected_backend(fresh_url) as crashed_web_worker:
            for _ in range(2):
                crashed_web_worker.record_views(
                    ViewBatch.record(
                        project_id=idle_tenant.project_id,
                        environment_id=idle_tenant.environment_id,
                        user_id=idle_tenant.owner_id,
                        insight_ids=[insight_id],
                        at=crashed_web_worker.clock(),
                    )
                )
        heads = log_heads(fresh_url)

        status = status_of(fresh_url)

        positions = {name: heads[MAIN_LOG] for name in EVERY_PROJECTION}
        positions["insight_views"] = heads[VIEWS_LOG] - 2
        assert status == expected_status(positions, heads)
        assert [entry["lag"] for entry in status] == [0, 0, 0, 0, 0, 0, 2]

    def test_status_reports_no_lag_once_the_worker_has_run(
        self, fresh_url: DatabaseUrl, worker: ProjectionWorkerProcess
    ) -> None:
        with unprojected_backend(fresh_url) as crashed_web_worker:
            write_backlog(crashed_web_worker, random.Random(1817), 40)
        heads = log_heads(fresh_url)
        assert any(entry["lag"] > 0 for entry in status_of(fresh_url))
        worker.start()

        worker.wait_until(
            lambda: all(entry["lag"] == 0 for entry in status_of(fresh_url)),
            APPLIED_WITHIN_SECONDS * 2,
            interval=0.1,
            what="no lag in the status",
        )

        assert status_of(fresh_url) == expected_status(
            {name: heads[LOG_OF[name]] for name in EVERY_PROJECTION}, heads
        )
        code, _ = worker.terminate(within=30)
        assert code == 0, worker.stderr
