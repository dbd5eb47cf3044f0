"""Our tables' connections on both backends: many-row inserts, reads that outlive a broken
connection, and a rebuild's switch that waits for no read."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import psycopg
import pytest

from projections.rebuild import rebuild
from store.backend import Backend
from store.capture import CaptureService
from store.database import MAX_PARAMETERS
from store.insights import InsightCommands
from store.sqlite_factory import StatementCachingPool
from store.tenancy import Tenancy
from store.views import ViewCommands

UPSERT_TAIL = "ON CONFLICT (k) DO UPDATE SET v = excluded.v"


def _scratch_table(backend: Backend) -> None:
    with backend.database.transaction(write=True) as cursor:
        cursor.execute("CREATE TABLE scratch (k BIGINT PRIMARY KEY, v TEXT NOT NULL)")


def _rows(backend: Backend) -> list[tuple[int, str]]:
    rows = backend.database.query("SELECT k, v FROM scratch ORDER BY k")
    return [(int(k), v) for k, v in rows]


class TestInsertValues:
    def test_more_rows_than_one_statement_holds_all_land(self, fresh_backend: Backend) -> None:
        _scratch_table(fresh_backend)
        count = MAX_PARAMETERS // 2 * 3 + 7  # three statements and a bit
        wanted = [(k, f"v{k}") for k in range(count)]

        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.insert_values("INSERT INTO scratch (k, v)", wanted)

        assert _rows(fresh_backend) == wanted

    @pytest.mark.parametrize("backend_kind", ["sqlite"], indirect=True)
    def test_a_sqlite_build_with_the_old_limit_of_999_parameters_takes_them_all(
        self, fresh_backend: Backend
    ) -> None:
        _scratch_table(fresh_backend)
        wanted = [(k, f"v{k}") for k in range(1_200)]

        with fresh_backend.database.transaction(write=True) as cursor:
            connection = cursor._cursor.connection
            connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
            cursor.insert_values("INSERT INTO scratch (k, v)", wanted)

        assert _rows(fresh_backend) == wanted

    def test_the_tail_applies_to_every_row(self, fresh_backend: Backend) -> None:
        _scratch_table(fresh_backend)
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.insert_values("INSERT INTO scratch (k, v)", [(1, "a"), (2, "b")])
            cursor.insert_values("INSERT INTO scratch (k, v)", [(2, "B"), (3, "C")], UPSERT_TAIL)

        assert _rows(fresh_backend) == [(1, "a"), (2, "B"), (3, "C")]

    def test_no_rows_runs_nothing(self, fresh_backend: Backend) -> None:
        _scratch_table(fresh_backend)
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.insert_values("INSERT INTO no_such_table (k, v)", [])

        assert _rows(fresh_backend) == []


@pytest.mark.parametrize("backend_kind", ["postgresql"], indirect=True)
class TestPostgresReads:
    def test_a_read_outlives_its_connection_being_killed(self, fresh_backend: Backend) -> None:
        database = fresh_backend.database
        (pid,) = database.query("SELECT pg_backend_pid()")[0]
        with psycopg.connect(fresh_backend.url.conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        ((answer,),) = database.query("SELECT 41 + 1")
        (new_pid,) = database.query("SELECT pg_backend_pid()")[0]

        assert (answer, new_pid != pid) == (42, True)

    def test_a_transaction_outlives_its_pooled_connection_being_killed(
        self, fresh_backend: Backend
    ) -> None:
        # The pool used to hand out the dead connection: a 500 per dead connection, long
        # after the server was back (capture, lists).
        database = fresh_backend.database
        with database.transaction() as cursor:
            (pid,) = cursor.execute("SELECT pg_backend_pid()").fetchone() or (None,)
        with psycopg.connect(fresh_backend.url.conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        with database.transaction() as cursor:
            row = cursor.execute("SELECT 41 + 1, pg_backend_pid()").fetchone()
        assert row is not None
        answer, new_pid = row

        assert (answer, new_pid != pid) == (42, True)

    def test_a_transaction_gets_through_when_every_pooled_connection_was_killed(
        self, fresh_backend: Backend
    ) -> None:
        database = fresh_backend.database
        with database.transaction(), database.transaction(), database.transaction():
            pass  # Three connections now wait in the pool.
        with psycopg.connect(fresh_backend.url.conninfo, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

        with database.transaction() as cursor:
            assert cursor.execute("SELECT 41 + 1").fetchone() == (42,)

    def test_a_rebuild_gives_way_to_a_read_that_would_deadlock_with_it(
        self, fresh_backend: Backend
    ) -> None:
        Tenancy(fresh_backend).bootstrap(
            email="ada@example.com",
            first_name="Ada",
            last_name="Lovelace",
            organization="Engines",
            project="Analytical",
        )
        before = fresh_backend.database.query("SELECT id, email FROM users ORDER BY id")
        holding = threading.Event()
        read: list[object] = []

        def read_users_then_organizations() -> None:
            # The switch replaces organizations before users; this read takes them the
            # other way round, which once ended in a deadlock one side lost.
            with psycopg.connect(fresh_backend.url.conninfo) as reader:
                reader.execute("SELECT count(*) FROM users").fetchall()
                holding.set()
                time.sleep(0.5)  # the switch has taken organizations and waits for users
                read.append(reader.execute("SELECT count(*) FROM organizations").fetchall())

        reader = threading.Thread(target=read_users_then_organizations)
        reader.start()
        holding.wait(10)
        rebuilt = rebuild(fresh_backend.projectors, ["accounts"]).events
        reader.join(10)

        after = fresh_backend.database.query("SELECT id, email FROM users ORDER BY id")
        assert (rebuilt, read) == (fresh_backend.projector.head(), [[(1,)]])
        assert after == before


def _insert_elsewhere(backend: Backend, k: int) -> None:
    """A row committed by another connection than the database's own."""
    sql = "INSERT INTO scratch (k, v) VALUES (%s, 'elsewhere')"
    if backend.url.backend == "sqlite":
        with sqlite3.connect(backend.url.sqlite_path) as connection:
            connection.execute(sql.replace("%s", "?"), (k,))
    else:
        with psycopg.connect(backend.url.conninfo, autocommit=True) as connection:
            connection.execute(sql, (k,))


def test_a_read_transaction_sees_one_snapshot_for_all_its_statements(
    fresh_backend: Backend,
) -> None:
    # A page and its count, or a list and its tiles, read apart: PostgreSQL's default
    # isolation gave each statement its own snapshot, so pages disagreed with their counts.
    _scratch_table(fresh_backend)
    _insert_elsewhere(fresh_backend, 1)
    with fresh_backend.database.transaction() as cursor:
        row = cursor.execute("SELECT count(*) FROM scratch").fetchone()
        assert row is not None
        (counted,) = row
        _insert_elsewhere(fresh_backend, 2)
        listed = cursor.execute("SELECT k FROM scratch ORDER BY k").fetchall()

    assert (counted, listed) == (1, [(1,)])
    assert _rows(fresh_backend) == [(1, "elsewhere"), (2, "elsewhere")]


@pytest.mark.parametrize("backend_kind", ["sqlite"], indirect=True)
def test_the_event_logs_sqlite_connections_keep_their_compiled_statements(
    backend: Backend,
) -> None:
    # The library's own pool keeps one statement, compiling a write's dozen again each time.
    for log in (backend.events, backend.views):
        datastore = log.recorder.datastore  # type: ignore[attr-defined]
        assert isinstance(datastore.pool, StatementCachingPool)
        with datastore.transaction(commit=False) as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"


@pytest.mark.parametrize("backend_kind", ["sqlite"], indirect=True)
def test_sqlites_integrity_check_finds_every_table_sound_after_insight_writes(
    fresh_backend: Backend,
) -> None:
    # SQLite 3.40-3.41 misreports WITHOUT ROWID tables whose key is not their first columns.
    owner = Tenancy(fresh_backend).bootstrap(
        email="ann@example.com", first_name="Ann", last_name="", organization="O", project="P"
    )
    commands = InsightCommands(fresh_backend)
    scope: dict[str, Any] = {"project_id": owner.project_id, "environment_id": owner.environment_id}
    insight_id = commands.create(
        **scope, actor_id=owner.user_id, values={"name": "Signups", "tags": ["growth"]}
    )
    commands.update(**scope, actor_id=owner.user_id, insight_id=insight_id, values={"name": "X"})
    ViewCommands(fresh_backend).record(**scope, user_id=owner.user_id, insight_ids=[insight_id])

    with sqlite3.connect(fresh_backend.url.sqlite_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


class TestDurability:
    """Read models can be rebuilt after a crash; captured events are no read model."""

    def test_captured_events_are_committed_in_a_durable_transaction(
        self, fresh_backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        database = fresh_backend.analytics.database
        asked: list[dict[str, object]] = []
        real = database.transaction

        def recorded(**kwargs: object) -> object:
            asked.append(kwargs)
            return real(**kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(database, "transaction", recorded)
        stored = CaptureService(fresh_backend).capture(
            [(1, {"event": "$pageview", "distinct_id": "a"})]
        )

        assert stored == 1
        assert [kwargs.get("durable") for kwargs in asked] == [True]

    def test_a_durable_commit_waits_for_the_disk_and_a_read_model_commit_need_not(
        self, fresh_backend: Backend
    ) -> None:
        analytics: object
        read_models: object
        if fresh_backend.url.backend == "postgresql":
            setting = "SHOW synchronous_commit"
            analytics, read_models = "on", "off"
        else:  # Per connection, for the transaction.
            setting = "PRAGMA synchronous"
            analytics, read_models = 2, 1  # FULL, NORMAL
        database = fresh_backend.analytics.database

        with database.transaction(write=True, durable=True) as cursor:
            durable = cursor.execute(setting).fetchone()
        with fresh_backend.database.transaction(write=True) as cursor:
            plain = cursor.execute(setting).fetchone()
        with database.transaction(write=True) as cursor:
            after = cursor.execute(setting).fetchone()

        assert (durable, plain, after) == ((analytics,), (read_models,), (read_models,))
