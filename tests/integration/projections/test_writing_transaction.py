"""Read models are updated in the writing transaction: all or nothing, and written again
when the connection is lost."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from domain.dashboard import Dashboard
from domain.errors import ConflictError
from store.backend import Backend
from store.config import DatabaseUrl
from tests.integration.projections.support import (
    World,
    assert_caught_up,
    counts,
    dump,
    new_dashboard,
    open_on,
    rows,
    write_lagging,
)


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

    def test_a_write_while_one_read_model_lags_is_applied_to_every_one_once(
        self, fresh_backend: Backend
    ) -> None:
        # As when a read model is new: the others are at the log head, it is at 0. The write
        # first tries to move every position in one statement; it must leave none moved.
        world = World(fresh_backend)
        world.run([("bootstrap", 0, "Acme"), ("create_dashboard", 0, "Growth", False)])
        world.run([("create_insight", 0, 0, {"name": "Before"})])
        caught_up = dump(fresh_backend)
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.execute("UPDATE projection_tracking SET position = 0 WHERE name = 'dashboards'")
            cursor.execute("DELETE FROM dashboards")

        world.run([("create_insight", 0, 0, {"name": "After"})])

        assert_caught_up(fresh_backend)
        names = rows(fresh_backend, "SELECT name FROM insights ORDER BY id")
        assert names == [("Before",), ("After",)]
        assert dump(fresh_backend)["dashboards"] == caught_up["dashboards"]

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
