"""Read models on both backends: incremental processing equals a rebuild, every event is applied
exactly once whoever catches up, a new process sees the same positions and rows, and the read
model agrees with the aggregates it is built from."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import falcon.testing
import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from domain.dashboard import Dashboard
from domain.errors import ConflictError, DomainError
from domain.insight import Insight
from domain.personal_api_key import PersonalApiKey
from domain.project import Project
from projections.rebuild import rebuild
from store.backend import Backend, open_backend
from store.config import ConfigError, DatabaseUrl
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.keys import Keys
from store.tenancy import Bootstrapped, Tenancy
from store.views import ViewCommands
from tests.bodies import TRENDS
from tests.databases import BACKENDS, DatabaseFactory

Dump = dict[str, list[tuple[Any, ...]]]
AT = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Reading every read-model table


def _sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, repr(value)) for value in row)


def dump(backend: Backend) -> Dump:
    """Every row of every table of every projection, in a canonical order."""
    tables: Dump = {}
    for projection in backend.projector.projections:
        for table in projection.model_tables:
            rows = backend.database.query(f"SELECT * FROM {table}")
            tables[table] = sorted((tuple(row) for row in rows), key=_sort_key)
    return tables


def rows(backend: Backend, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in backend.database.query(sql, params)]


def assert_caught_up(backend: Backend) -> None:
    head = backend.projector.head()
    assert head > 0
    assert backend.projector.positions() == {p.name: head for p in backend.projector.projections}


def assert_read_model_matches_aggregates(
    backend: Backend, insight_ids: Sequence[int], dashboard_ids: Sequence[int]
) -> None:
    """Each insight's and dashboard's row says what its aggregate says."""
    repository = backend.events.repository
    for insight_id in insight_ids:
        insight = repository.get(Insight.create_id(insight_id))
        values = insight.values
        row = rows(
            backend,
            "SELECT name, description, deleted, favorited, saved, sort_order "
            "FROM insights WHERE id = %s",
            insight_id,
        )
        assert row == [
            (
                values["name"],
                values["description"],
                int(values["deleted"]),
                int(values["favorited"]),
                int(values["saved"]),
                values["order"],
            )
        ], f"insight {insight_id}"
        tags = rows(
            backend, "SELECT tag FROM insight_tags WHERE insight_id = %s ORDER BY tag", insight_id
        )
        assert [tag for (tag,) in tags] == values["tags"], f"tags of insight {insight_id}"
        active = rows(
            backend,
            "SELECT dashboard_id FROM insight_tiles WHERE insight_id = %s AND active = 1 "
            "ORDER BY dashboard_id",
            insight_id,
        )
        assert [int(d) for (d,) in active] == insight.dashboard_ids, (
            f"tiles of insight {insight_id}"
        )
    for dashboard_id in dashboard_ids:
        dashboard = repository.get(Dashboard.create_id(dashboard_id))
        row = rows(
            backend, "SELECT name, pinned, deleted FROM dashboards WHERE id = %s", dashboard_id
        )
        assert row == [
            (
                dashboard.values["name"],
                int(dashboard.values["pinned"]),
                int(dashboard.values["deleted"]),
            )
        ], f"dashboard {dashboard_id}"


# ---------------------------------------------------------------------------------------------
# Random command sequences through the application services

EMAILS = ("ann@example.com", "bea@example.com", "cy@example.com")
TAG_WORDS = ("growth", " Growth", "KPI", "kpi ", "q3", "")
SQL = {"kind": "DataTableNode", "source": {"kind": "HogQLQuery", "query": "select 1"}}

index = st.integers(0, 7)
names = st.sampled_from(["Weekly signups", "Churn", "Revenue", "", "Café ☕"])
insight_values = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.none(), names),
        "description": st.one_of(st.none(), names),
        "tags": st.lists(st.sampled_from(TAG_WORDS), max_size=4),
        "favorited": st.booleans(),
        "saved": st.booleans(),
        "order": st.one_of(st.none(), st.integers(-5, 5)),
        "query": st.sampled_from([None, TRENDS, SQL]),
        "filters": st.sampled_from(
            [
                {},
                {"insight": "FUNNELS"},
                {"breakdown": "$feature/Beta", "properties": [{"key": "beta"}]},
            ]
        ),
        "deleted": st.booleans(),
        "dashboards": st.lists(index, max_size=3),
    },
)
dashboard_values = st.fixed_dictionaries(
    {},
    optional={
        "name": names,
        "description": st.one_of(st.none(), names),
        "pinned": st.booleans(),
        "deleted": st.booleans(),
    },
)
COMMAND = st.one_of(
    st.tuples(st.just("bootstrap"), index, names),
    st.tuples(st.just("add_member"), index, index),
    st.tuples(st.just("add_environment"), index, names),
    st.tuples(
        st.just("create_key"), index, st.sampled_from([["*"], ["insight:read"]]), st.booleans()
    ),
    st.tuples(st.just("revoke_key"), index),
    st.tuples(st.just("create_dashboard"), index, names, st.booleans()),
    st.tuples(st.just("update_dashboard"), index, dashboard_values),
    st.tuples(st.just("create_insight"), index, index, insight_values),
    st.tuples(st.just("update_insight"), index, index, insight_values),
    st.tuples(st.just("delete_insight"), index),
    st.tuples(st.just("restore_insight"), index),
    st.tuples(st.just("view_insights"), index, index, st.lists(index, min_size=1, max_size=3)),
)


def pick(items: Sequence[Any], i: int) -> Any:
    return items[i % len(items)]


@dataclass
class World:
    """Runs commands against the services, remembering what exists to address it later."""

    backend: Backend
    projects: list[int] = field(default_factory=list)
    environments: dict[int, list[int]] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    dashboards: list[tuple[int, int]] = field(default_factory=list)
    insights: list[tuple[int, int]] = field(default_factory=list)

    def run(self, commands: Sequence[tuple[Any, ...]]) -> None:
        for command in commands:
            handler: Callable[..., None] = getattr(self, command[0])
            try:
                handler(*command[1:])
            except DomainError:
                pass  # e.g. editing a deleted insight: refused, and nothing is recorded

    def bootstrap(self, who: int, name: str) -> None:
        email = pick(EMAILS, who)
        created = Tenancy(self.backend).bootstrap(
            email=email,
            first_name="Ann",
            last_name="Tester",
            organization=f"{name} org",
            project=name or "P",
        )
        self.users[email] = created.user_id
        self.projects.append(created.project_id)
        self.environments[created.project_id] = [created.environment_id]
        self.members[created.project_id] = [created.user_id]

    def add_member(self, project: int, who: int) -> None:
        if not self.projects:
            return
        project_id = pick(self.projects, project)
        email = pick(EMAILS, who)
        user_id = Tenancy(self.backend).add_member(
            email=email, project_id=project_id, first_name="Bea", last_name=""
        )
        self.users[email] = user_id
        if user_id not in self.members[project_id]:
            self.members[project_id].append(user_id)

    def add_environment(self, project: int, name: str) -> None:
        if not self.projects:
            return
        project_id = pick(self.projects, project)
        environment_id = Tenancy(self.backend).add_environment(
            project_id=project_id, name=name or "Staging"
        )
        self.environments[project_id].append(environment_id)

    def create_key(self, who: int, scopes: list[str], limited: bool) -> None:
        if not self.users:
            return
        email = pick(sorted(self.users), who)
        projects = (
            [p for p in self.projects if self.users[email] in self.members[p]] if limited else None
        )
        self.keys.append(
            Keys(self.backend).create(email=email, scopes=scopes, projects=projects).id
        )

    def revoke_key(self, key: int) -> None:
        if self.keys:
            Keys(self.backend).revoke(pick(self.keys, key))

    def _where(self, project: int) -> tuple[int, int, int]:
        project_id = pick(self.projects, project)
        environment_id = pick(self.environments[project_id], project)
        return project_id, environment_id, self.members[project_id][0]

    def create_dashboard(self, project: int, name: str, pinned: bool) -> None:
        if not self.projects:
            return
        project_id, environment_id, actor = self._where(project)
        dashboard_id = DashboardCommands(self.backend).create(
            project_id=project_id,
            environment_id=environment_id,
            actor_id=actor,
            values={"name": name, "pinned": pinned},
        )
        self.dashboards.append((project_id, dashboard_id))

    def update_dashboard(self, dashboard: int, values: dict[str, Any]) -> None:
        if not self.dashboards:
            return
        project_id, dashboard_id = pick(self.dashboards, dashboard)
        _, environment_id, actor = self._where(self.projects.index(project_id))
        DashboardCommands(self.backend).update(
            project_id=project_id,
            environment_id=environment_id,
            actor_id=actor,
            dashboard_id=dashboard_id,
            values=values,
        )

    def _dashboard_ids(self, project_id: int, picks: list[int]) -> list[int]:
        own = [d for p, d in self.dashboards if p == project_id]
        return [pick(own, i) for i in picks] if own else []

    def create_insight(self, project: int, environment: int, values: dict[str, Any]) -> None:
        if not self.projects:
            return
        project_id, _, actor = self._where(project)
        environment_id = pick(self.environments[project_id], environment)
        if "dashboards" in values:
            values = {**values, "dashboards": self._dashboard_ids(project_id, values["dashboards"])}
        insight_id = InsightCommands(self.backend).create(
            project_id=project_id, environment_id=environment_id, actor_id=actor, values=values
        )
        self.insights.append((project_id, insight_id))

    def view_insights(self, project: int, who: int, insights: list[int]) -> None:
        if not self.insights:
            return
        project_id, _ = pick(self.insights, insights[0])
        ViewCommands(self.backend).record(
            project_id=project_id,
            environment_id=pick(self.environments[project_id], who),
            user_id=pick(self.members[project_id], who),
            insight_ids=[pick(self.insights, i)[1] for i in insights],
        )

    def update_insight(self, insight: int, environment: int, values: dict[str, Any]) -> None:
        if not self.insights:
            return
        project_id, insight_id = pick(self.insights, insight)
        if "dashboards" in values:
            values = {**values, "dashboards": self._dashboard_ids(project_id, values["dashboards"])}
        InsightCommands(self.backend).update(
            project_id=project_id,
            environment_id=pick(self.environments[project_id], environment),
            actor_id=self.members[project_id][-1],
            insight_id=insight_id,
            values=values,
        )

    def delete_insight(self, insight: int) -> None:
        self.update_insight(insight, 0, {"deleted": True})

    def restore_insight(self, insight: int) -> None:
        self.update_insight(insight, 0, {"deleted": False})


@pytest.fixture
def opened() -> Iterator[list[Backend]]:
    """Backends a test opens itself; closed at the end even when it fails."""
    backends: list[Backend] = []
    yield backends
    for backend in backends:
        backend.close()


def open_on(url: DatabaseUrl, opened: list[Backend]) -> Backend:
    backend = open_backend(url)
    opened.append(backend)
    return backend


class TestIncrementalEqualsRebuild:
    @pytest.mark.parametrize("kind", BACKENDS)
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(commands=st.lists(COMMAND, min_size=1, max_size=25))
    def test_random_commands_leave_the_same_tables_as_a_rebuild(
        self, kind: str, databases: DatabaseFactory, commands: list[tuple[Any, ...]]
    ) -> None:
        backend = open_backend(databases.create(kind))
        try:
            world = World(backend)
            world.run([("bootstrap", 0, "Acme"), *commands])

            # Check the incremental read model is complete and agrees with the aggregates.
            assert_caught_up(backend)
            assert_read_model_matches_aggregates(
                backend, [i for _, i in world.insights], [d for _, d in world.dashboards]
            )
            incremental = dump(backend)

            # Check a rebuild from the log gives the very same rows.
            rebuild(backend.projectors)
            assert_caught_up(backend)
            assert dump(backend) == incremental
        finally:
            backend.close()


class TestReadModelAgreesWithAggregates:
    def test_rebuilding_one_read_model_rebuilds_those_sharing_its_tables(
        self, fresh_backend: Backend
    ) -> None:
        # The third insight's only view is its creator's, which is in the main log.
        World(fresh_backend).run(
            [
                ("bootstrap", 0, "Acme"),
                *[("create_insight", 0, 0, {"name": name}) for name in ("A", "B", "C")],
                ("view_insights", 0, 0, [0, 1]),
            ]
        )
        before = dump(fresh_backend)

        rebuilt = rebuild(fresh_backend.projectors, ["insight_views"])

        assert rebuilt.names == ["insight_views", "insight_views_on_create"]
        assert len(before["insight_views"]) == 3
        assert dump(fresh_backend) == before
        assert_caught_up(fresh_backend)

    def test_an_insight_created_deleted_on_a_dashboard_shows_the_tile_once_placed_on_it(
        self, fresh_backend: Backend
    ) -> None:
        world = World(fresh_backend)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("create_dashboard", 0, "Growth", False),
                ("create_insight", 0, 0, {"name": "Ghost", "deleted": True, "dashboards": [0]}),
                ("restore_insight", 0),
                ("update_insight", 0, 0, {"dashboards": [0]}),
            ]
        )
        (_, insight_id), (_, dashboard_id) = world.insights[0], world.dashboards[0]
        insight = fresh_backend.events.repository.get(Insight.create_id(insight_id))
        assert insight.dashboard_ids == [dashboard_id]

        active = rows(
            fresh_backend,
            "SELECT dashboard_id FROM insight_tiles WHERE insight_id = %s AND active = 1",
            insight_id,
        )

        assert [int(d) for (d,) in active] == [dashboard_id]

    def test_tags_tiles_and_flags_follow_every_edit(self, fresh_backend: Backend) -> None:
        world = World(fresh_backend)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("create_dashboard", 0, "Growth", True),
                ("create_dashboard", 0, "Exec", False),
                (
                    "create_insight",
                    0,
                    0,
                    {"name": "Signups", "tags": ["KPI", " kpi"], "dashboards": [0]},
                ),
                (
                    "update_insight",
                    0,
                    0,
                    {"tags": ["growth", "Q3"], "dashboards": [1], "favorited": True},
                ),
                ("delete_insight", 0),
                ("restore_insight", 0),
                ("update_insight", 0, 0, {"dashboards": [0, 1], "order": 3}),
                ("update_dashboard", 1, {"deleted": True, "name": "Exec (old)"}),
            ]
        )

        assert_caught_up(fresh_backend)
        assert_read_model_matches_aggregates(
            fresh_backend, [i for _, i in world.insights], [d for _, d in world.dashboards]
        )
        (_, insight_id) = world.insights[0]
        tiles = rows(
            fresh_backend,
            "SELECT dashboard_id, active FROM insight_tiles WHERE insight_id = %s "
            "ORDER BY dashboard_id",
            insight_id,
        )
        assert [(int(d), int(a)) for d, a in tiles] == [
            (world.dashboards[0][1], 1),
            (world.dashboards[1][1], 1),
        ]

    def test_revoked_keys_and_members_are_in_the_accounts_tables(
        self, fresh_backend: Backend
    ) -> None:
        world = World(fresh_backend)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("add_member", 0, 1),
                ("add_member", 0, 1),
                ("create_key", 0, ["*"], False),
                ("create_key", 1, ["insight:read"], True),
                ("revoke_key", 0),
            ]
        )
        project_id = world.projects[0]
        project = fresh_backend.events.repository.get(Project.create_id(project_id))

        members = rows(
            fresh_backend,
            "SELECT user_id FROM project_members WHERE project_id = %s ORDER BY user_id",
            project_id,
        )
        keys = rows(fresh_backend, "SELECT id, revoked FROM personal_api_keys ORDER BY id")

        assert [int(u) for (u,) in members] == sorted(project.members)
        assert len(project.members) == 2
        expected_keys = []
        for key_id in world.keys:
            key = fresh_backend.events.repository.get(uuid.UUID(key_id))
            assert isinstance(key, PersonalApiKey)
            expected_keys.append((key_id, int(key.revoked)))
        assert [(k, int(r)) for k, r in keys] == sorted(expected_keys)
        assert sorted(int(r) for _, r in keys) == [0, 1]


class TestOpaqueJson:
    """Insight JSON is the client's: nothing in it may change meaning in the event store."""

    def test_a_rebuild_reproduces_filters_that_look_like_a_transcoded_uuid(
        self, fresh_backend: Backend
    ) -> None:
        world = World(fresh_backend)
        filters = {"_type_": "uuid_hex", "_data_": "5d0b3c526f1a4c9e9a432f8e4b7d1c60"}
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("create_insight", 0, 0, {"name": "Lookalike", "filters": filters}),
            ]
        )
        incremental = dump(fresh_backend)

        rebuild(fresh_backend.projectors)

        assert dump(fresh_backend) == incremental

    def test_catching_up_over_an_unknown_type_marker_applies_it_and_what_follows(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer, reader = open_on(fresh_url, opened), open_on(fresh_url, opened)
        query = {"kind": "HogQuery", "code": {"_type_": "nope", "_data_": 1}}
        writer.events.save(new_insight(1, {"name": "Opaque", "query": query}))
        writer.events.save(new_dashboard(1, "After the opaque one"))

        reader.projector.catch_up()

        assert rows(reader, "SELECT id FROM insights") == [(1,)]
        assert rows(reader, "SELECT name FROM dashboards") == [("After the opaque one",)]


# ---------------------------------------------------------------------------------------------
# Exactly once


def new_dashboard(dashboard_id: int, name: str) -> Dashboard:
    return Dashboard.create(
        dashboard_id=dashboard_id,
        project_id=1,
        environment_id=1,
        actor_id=None,
        at=AT,
        values={"name": name},
    )


def new_insight(insight_id: int, values: dict[str, Any]) -> Insight:
    return Insight.create(
        insight_id=insight_id,
        project_id=1,
        environment_id=1,
        short_id=f"s{insight_id:07d}",
        actor_id=None,
        at=AT,
        values=values,
        new_tiles={},
    )


def write_lagging(writer: Backend, start: int, count: int, batch: int = 25) -> tuple[int, int]:
    """Save `count` dashboards and `count` insights (two tags each) straight into the event
    store, bypassing the projector; returns (events written, tags written)."""
    for offset in range(0, count, batch):
        aggregates: list[Any] = []
        for n in range(start + offset, start + min(offset + batch, count)):
            aggregates.append(new_dashboard(n, f"Board {n}"))
            aggregates.append(new_insight(n, {"name": f"Insight {n}", "tags": [f"t{n}", "shared"]}))
        writer.events.save(*aggregates)
    return 2 * count, 2 * count


def counts(backend: Backend) -> tuple[int, int, int]:
    ((dashboards,),) = rows(backend, "SELECT count(*) FROM dashboards")
    ((insights,),) = rows(backend, "SELECT count(*) FROM insights")
    ((tags,),) = rows(backend, "SELECT count(*) FROM insight_tags")
    return int(dashboards), int(insights), int(tags)


def race(workers: int, job: Callable[[int], int]) -> list[int]:
    """Run `job(i)` in `workers` threads released together; re-raise the first error."""
    barrier = threading.Barrier(workers)
    results: list[int] = [0] * workers
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = job(i)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    if errors:
        raise errors[0]
    return results


class TestExactlyOnce:
    def test_the_tracking_position_is_the_log_head_after_each_write(
        self, fresh_backend: Backend
    ) -> None:
        world = World(fresh_backend)
        for command in [
            ("bootstrap", 0, "Acme"),
            ("create_dashboard", 0, "Growth", False),
            ("create_insight", 0, 0, {"name": "Signups", "dashboards": [0]}),
            ("update_insight", 0, 0, {"tags": ["kpi"]}),
            ("create_key", 0, ["*"], False),
        ]:
            world.run([command])

            assert_caught_up(fresh_backend)

    def test_a_second_catch_up_applies_nothing(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer, reader = open_on(fresh_url, opened), open_on(fresh_url, opened)
        written, tags = write_lagging(writer, 1, 60)

        first = reader.projector.catch_up()
        before = dump(reader)
        second = reader.projector.catch_up()

        assert (first, second) == (written, 0)
        assert dump(reader) == before
        assert counts(reader) == (60, 60, tags)
        assert_caught_up(reader)

    def test_threads_sharing_one_projector_apply_each_event_once(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer, reader = open_on(fresh_url, opened), open_on(fresh_url, opened)
        written, tags = write_lagging(writer, 1, 700)

        applied = race(4, lambda _: reader.projector.catch_up())

        assert sum(applied) == written
        assert counts(reader) == (700, 700, tags)
        assert_caught_up(reader)

    def test_workers_with_their_own_backends_apply_each_event_once(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer = open_on(fresh_url, opened)
        workers = [open_on(fresh_url, opened) for _ in range(4)]
        written, tags = write_lagging(writer, 1, 700)

        applied = race(4, lambda i: workers[i].projector.catch_up())

        assert sum(applied) == written
        assert counts(writer) == (700, 700, tags)
        assert_caught_up(writer)

    def test_catching_up_while_another_process_writes_applies_each_event_once(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer = open_on(fresh_url, opened)
        workers = [open_on(fresh_url, opened) for _ in range(3)]
        done = threading.Event()

        def job(i: int) -> int:
            if i == 0:
                try:
                    return -write_lagging(writer, 1, 300, batch=5)[0]
                finally:
                    done.set()
            applied = 0
            while not done.is_set():
                applied += workers[i - 1].projector.catch_up()
            return applied + workers[i - 1].projector.catch_up()

        results = race(4, job)

        assert sum(results[1:]) == -results[0] == 600
        assert counts(writer) == (300, 300, 600)
        assert_caught_up(writer)

    def test_catch_up_counts_only_the_recorded_events_it_applies(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer, reader = open_on(fresh_url, opened), open_on(fresh_url, opened)
        recordings = writer.events.save(*(new_dashboard(n, f"Board {n}") for n in range(1, 5)))
        recorded = [(r.notification.id, r.domain_event) for r in recordings]
        assert reader.projector.catch_up(until=recorded[1][0]) == 2

        applied = reader.projector.catch_up(until=recorded[-1][0], recorded=recorded)

        assert applied == 2
        assert counts(reader)[0] == 4


class TestInTheWritingTransaction:
    """A command's read-model rows are committed with its events, in one transaction."""

    def test_a_failing_read_model_update_stores_neither_the_events_nor_any_row(
        self, fresh_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        world = World(fresh_backend)
        world.run([("bootstrap", 0, "Acme"), ("create_dashboard", 0, "Growth", False)])
        head, tables = fresh_backend.projector.head(), dump(fresh_backend)
        dashboards = next(
            p for p in fresh_backend.projector.projections if "dashboards" in p.tables
        )

        def broken(cursor: Any, events: Any) -> None:
            raise RuntimeError("read model refused the events")

        monkeypatch.setattr(dashboards, "process_batch", broken)
        with pytest.raises(RuntimeError, match="refused"):
            fresh_backend.record(new_dashboard(99, "Never"))

        assert fresh_backend.projector.head() == head
        assert dump(fresh_backend) == tables
        assert_caught_up(fresh_backend)

    def test_a_read_model_update_the_database_refuses_stores_nothing_either(
        self, fresh_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        World(fresh_backend).run([("bootstrap", 0, "Acme")])
        head, tables = fresh_backend.projector.head(), dump(fresh_backend)
        dashboards = next(
            p for p in fresh_backend.projector.projections if "dashboards" in p.tables
        )

        def clashing(cursor: Any, events: Any) -> None:
            cursor.execute(
                "INSERT INTO projection_tracking (name, position, version) VALUES (%s, 0, 1)",
                ("accounts",),
            )
            # As on a loaded machine: the refusal arrives before the projector's next
            # statement is sent, so psycopg raises it there, with that statement queued
            # behind it (which once made the write report "pipeline aborted" instead).
            time.sleep(0.05)

        monkeypatch.setattr(dashboards, "process_batch", clashing)
        with pytest.raises(ConflictError):
            fresh_backend.retrying(lambda: fresh_backend.record(new_dashboard(99, "Never")))

        assert fresh_backend.projector.head() == head
        assert dump(fresh_backend) == tables
        assert_caught_up(fresh_backend)

    def test_a_read_model_update_that_loses_its_connection_is_written_again(
        self, fresh_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        if fresh_backend.url.backend != "postgresql":
            pytest.skip("psycopg's errors arise on PostgreSQL only")
        World(fresh_backend).run([("bootstrap", 0, "Acme")])
        head = fresh_backend.projector.head()
        dashboards = next(
            p for p in fresh_backend.projector.projections if "dashboards" in p.tables
        )
        process_batch, failures = dashboards.process_batch, [psycopg.OperationalError("lost")]

        def flaky(cursor: Any, events: Any) -> None:
            if failures:
                raise failures.pop()
            process_batch(cursor, events)

        monkeypatch.setattr(dashboards, "process_batch", flaky)
        position = fresh_backend.record(new_dashboard(99, "Once"))

        written = fresh_backend.events.recorder.select_notifications(start=head + 1, limit=10)
        assert [n.id for n in written] == [position]
        assert failures == []
        assert fresh_backend.dashboards.get(1, 99) is not None
        assert_caught_up(fresh_backend)

    def test_a_write_whose_commit_was_not_acknowledged_is_recognised_not_repeated(
        self, fresh_backend: Backend
    ) -> None:
        # After a connection lost once COMMIT had succeeded, the library inserts the events
        # again: finding them stored exactly so is the write having landed. The command ran
        # again before, and a create was stored twice.
        if fresh_backend.url.backend != "postgresql":
            pytest.skip("psycopg's errors arise on PostgreSQL only")
        World(fresh_backend).run([("bootstrap", 0, "Acme")])
        recorder = fresh_backend.events.recorder
        mapper = fresh_backend.events.mapper
        stored = [mapper.to_stored_event(e) for e in new_dashboard(99, "Once").collect_events()]
        other = [mapper.to_stored_event(e) for e in new_dashboard(99, "Twice").collect_events()]

        first = recorder.insert_events(stored)
        again = recorder.insert_events(stored)

        assert again == first
        with pytest.raises(IntegrityError):
            recorder.insert_events(other)  # The same stream and version, another write.
        assert fresh_backend.events.repository.get(Dashboard.create_id(99)).name == "Once"

    def test_a_read_after_many_writes_in_the_writing_transaction_gets_its_own_rows(
        self, fresh_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        World(fresh_backend).run([("bootstrap", 0, "Acme")])
        dashboards = next(
            p for p in fresh_backend.projector.projections if "dashboards" in p.tables
        )
        process_batch = dashboards.process_batch
        read: list[tuple[Any, ...]] = []

        def reading_after_writing(cursor: Any, events: Any) -> None:
            process_batch(cursor, events)
            # Enough results to fill the server's output buffer, which it then sends unasked
            # (PostgreSQL, in the write's pipeline): they arrive while the read is sent.
            for _ in range(2_000):
                cursor.execute("UPDATE dashboards SET name = name WHERE id = %s", (99,))
            time.sleep(0.1)
            row = cursor.execute("SELECT name FROM dashboards WHERE id = %s", (99,)).fetchone()
            read.append(tuple(row))

        monkeypatch.setattr(dashboards, "process_batch", reading_after_writing)
        fresh_backend.record(new_dashboard(99, "Once"))

        assert read == [("Once",)]

    def test_a_write_behind_a_lagging_read_model_is_applied_after_what_it_missed(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer = open_on(fresh_url, opened)
        written, tags = write_lagging(writer, 1, 30)

        position = writer.record(new_dashboard(500, "Late"))

        assert position == written + 1
        assert counts(writer) == (31, 30, tags)
        assert_caught_up(writer)

    def test_positions_a_rolled_back_write_used_up_do_not_stop_the_next_one(
        self, fresh_backend: Backend
    ) -> None:
        fresh_backend.record(new_dashboard(1, "First"))
        with pytest.raises(IntegrityError):
            fresh_backend.events.save(new_dashboard(1, "Clash"))  # Same stream, same version.
        answers: list[bool] = []
        apply_recorded = fresh_backend.projector.apply_recorded

        def spy(cursor: Any, recorded: Any) -> bool:
            answers.append(apply_recorded(cursor, recorded))
            return answers[-1]

        fresh_backend.projector.apply_recorded = spy  # type: ignore[method-assign]

        fresh_backend.record(new_dashboard(2, "Second"))

        assert answers == [True]
        assert counts(fresh_backend)[0] == 2
        assert_caught_up(fresh_backend)


# ---------------------------------------------------------------------------------------------
# A new process on the same database


class TestRestart:
    def test_a_new_backend_sees_the_same_positions_rows_and_aggregates(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        first = open_on(fresh_url, opened)
        world = World(first)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("add_member", 0, 1),
                ("create_dashboard", 0, "Growth", True),
                ("create_insight", 0, 0, {"name": "Signups", "tags": ["KPI"], "dashboards": [0]}),
                ("update_insight", 0, 0, {"description": "Weekly", "favorited": True}),
                ("create_key", 1, ["insight:read"], True),
            ]
        )
        positions, tables = first.projector.positions(), dump(first)

        second = open_on(fresh_url, opened)

        assert second.projector.positions() == positions
        assert dump(second) == tables
        assert second.projector.catch_up() == 0
        (_, insight_id) = world.insights[0]
        insight_uuid = Insight.create_id(insight_id)
        assert second.events.repository.get(insight_uuid) == first.events.repository.get(
            insight_uuid
        )

    def test_a_new_backend_finishes_what_a_crashed_one_saved_but_did_not_project(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        crashed = open_on(fresh_url, opened)
        World(crashed).run([("bootstrap", 0, "Acme")])
        written, tags = write_lagging(crashed, 1, 40)
        crashed.close()
        opened.remove(crashed)

        restarted = open_on(fresh_url, opened)
        assert restarted.projector.catch_up() == written
        assert counts(restarted) == (40, 40, tags)
        assert_caught_up(restarted)
        incremental = dump(restarted)
        rebuild(restarted.projectors)
        assert dump(restarted) == incremental


class TestInterruptedInstall:
    def test_a_new_read_model_whose_first_build_never_finished_stays_outdated(
        self, fresh_backend: Backend
    ) -> None:
        # As after an upgrade that adds a read model, with `migrate` killed between creating
        # what was missing and the rebuild that builds it.
        projector = fresh_backend.projector
        dashboards = next(p for p in projector.projections if "dashboards" in p.tables)
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.execute("DELETE FROM projection_tracking WHERE name = %s", (dashboards.name,))
            for table in dashboards.tables:
                cursor.execute(f"DROP TABLE {table}")

        assert projector.create_missing() == [dashboards.name]

        assert projector.outdated() == [dashboards.name]
        with pytest.raises(ConfigError, match="dashboards"):
            fresh_backend.check_installed()

    def test_a_database_from_before_a_read_model_existed_is_refused_in_one_line(
        self, fresh_backend: Backend
    ) -> None:
        # Every command but `migrate` ended in a traceback on such a database.
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.execute("DELETE FROM projection_tracking WHERE name = 'insight_views_on_create'")

        with pytest.raises(ConfigError, match="insight_views_on_create has no tracking row"):
            fresh_backend.check_installed()


class TestUpgradedUnderARunningProcess:
    """`migrate` rebuilt a read model for another version while this process still runs: its
    writes must not put rows of its own layout into those tables (found by an upgrade audit:
    old servers broke search and past versions' links that way, unnoticed)."""

    @pytest.fixture
    def upgraded(self, fresh_backend: Backend) -> tuple[Bootstrapped, str]:
        """Ada's project and key, written before the upgrade."""
        ada = Tenancy(fresh_backend).bootstrap(
            email="ada@example.com",
            first_name="Ada",
            last_name="",
            organization="Engines",
            project="Analytical",
        )
        key = Keys(fresh_backend).create(email="ada@example.com", scopes=["*"]).raw_key
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.execute(
                "UPDATE projection_tracking SET version = version + 1 WHERE name = 'insight_list'"
            )
        return ada, key

    def test_a_write_is_refused_and_nothing_is_recorded(
        self, fresh_backend: Backend, upgraded: tuple[Bootstrapped, str]
    ) -> None:
        ada, _ = upgraded
        head, tables = fresh_backend.projector.head(), dump(fresh_backend)

        with pytest.raises(ConfigError, match="insight_list were built by another version"):
            InsightCommands(fresh_backend).create(
                project_id=ada.project_id,
                environment_id=ada.environment_id,
                actor_id=ada.user_id,
                values={"name": "Signups"},
            )

        assert fresh_backend.projector.head() == head
        assert dump(fresh_backend) == tables

    def test_the_api_answers_503_in_the_envelope(
        self, fresh_backend: Backend, upgraded: tuple[Bootstrapped, str]
    ) -> None:
        ada, key = upgraded
        client = falcon.testing.TestClient(create_app(fresh_backend))

        result = client.simulate_post(
            f"/api/projects/{ada.project_id}/insights/",
            headers={"Authorization": f"Bearer {key}"},
            json={"name": "Signups"},
        )

        assert result.status_code == 503
        assert result.json == {
            "type": "server_error",
            "code": "unavailable",
            "detail": "The service is being upgraded; try again shortly.",
            "attr": None,
        }
