"""Concurrent writers on one database (file-based SQLite and PostgreSQL), each thread with its
own Backend as a separate worker process would have: no lost updates, no duplicate short_ids,
one user per email."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from domain.errors import ConflictError
from domain.insight import Insight
from domain.short_id import short_id_for
from domain.user import User
from projections.insight_filter import InsightFilter
from store.backend import Backend, open_backend
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.insight_history import InsightHistoryService
from store.insights import InsightCommands
from store.tenancy import Bootstrapped, Tenancy

T = TypeVar("T")
AT = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
WORKERS = 4


@pytest.fixture
def workers(fresh_url: DatabaseUrl) -> Iterator[list[Backend]]:
    """One Backend per simulated worker process, all on the same fresh database."""
    backends = [open_backend(fresh_url) for _ in range(WORKERS)]
    yield backends
    for backend in backends:
        backend.close()


@pytest.fixture
def acme(workers: list[Backend]) -> Bootstrapped:
    return Tenancy(workers[0]).bootstrap(
        email="ann@example.com",
        first_name="Ann",
        last_name="Tester",
        organization="Acme",
        project="Web",
    )


def race(count: int, job: Callable[[int], T]) -> list[T | BaseException]:
    """Run `job(i)` in `count` threads released together; each result or the error it raised."""
    barrier = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("did not run")] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = job(i)
        except BaseException as error:  # noqa: BLE001 - returned to the test
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def only_values(results: list[T | BaseException]) -> list[T]:
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


class TestConcurrentPatches:
    UPDATES_PER_WORKER = 10

    def test_workers_editing_different_fields_of_one_insight_lose_no_update(
        self, workers: list[Backend], acme: Bootstrapped
    ) -> None:
        insight_id = InsightCommands(workers[0]).create(
            project_id=acme.project_id,
            environment_id=acme.environment_id,
            actor_id=acme.user_id,
            values={
                "name": "Signups v0",
                "description": "Described 0 times",
                "order": 0,
                "filters": {"insight": "TRENDS", "revision": 0},
            },
        )
        fields = ["name", "description", "order", "filters"]
        value_of: list[Callable[[int], Any]] = [
            lambda k: f"Signups v{k}",
            lambda k: f"Described {k} times",
            lambda k: k,
            lambda k: {"insight": "TRENDS", "revision": k},
        ]

        def edit(worker: int) -> list[int]:
            """Each update in turn; returns the revisions that landed (others got a 409)."""
            commands = InsightCommands(workers[worker])
            landed = []
            for k in range(1, self.UPDATES_PER_WORKER + 1):
                try:
                    commands.update(
                        project_id=acme.project_id,
                        environment_id=acme.environment_id,
                        actor_id=acme.user_id,
                        insight_id=insight_id,
                        values={fields[worker]: value_of[worker](k)},
                    )
                except ConflictError:
                    continue
                landed.append(k)
            return landed

        landed = only_values(race(WORKERS, edit))

        # Check each update either landed exactly once or was refused with a clean 409:
        # its own event, in the order the worker sent them, and the worker's last one wins.
        final: Insight = workers[1].events.repository.get(Insight.create_id(insight_id))
        assert final.version == 1 + sum(len(revisions) for revisions in landed)
        history: list[Any] = list(workers[2].events.events.get(Insight.create_id(insight_id)))[1:]
        for worker, field in enumerate(fields):
            revisions = [0, *landed[worker]]
            assert final.values[field] == value_of[worker](revisions[-1])
            assert [
                change["after"]
                for event in history
                for change in event.changes
                if change["field"] == field
            ] == [value_of[worker](k) for k in revisions[1:]]
        refused = WORKERS * self.UPDATES_PER_WORKER - sum(len(revisions) for revisions in landed)
        # NOTE: a command is retried for seconds; 4 workers cannot keep one losing that long
        # (with 25 quick retries, 0-2 of 40 got a 409 on PostgreSQL).
        assert refused == 0, f"{refused} of {WORKERS * self.UPDATES_PER_WORKER} updates got a 409"

    def test_the_read_model_ends_with_every_workers_last_change(
        self, workers: list[Backend], acme: Bootstrapped
    ) -> None:
        insight_id = InsightCommands(workers[0]).create(
            project_id=acme.project_id,
            environment_id=acme.environment_id,
            actor_id=acme.user_id,
            values={"name": "Churn"},
        )
        changes: list[dict[str, Any]] = [
            {"name": "Churn by week"},
            {"description": "Weekly churn"},
            {"order": 7},
            {"favorited": True},
        ]

        only_values(
            race(
                WORKERS,
                lambda i: InsightCommands(workers[i]).update(
                    project_id=acme.project_id,
                    environment_id=acme.environment_id,
                    actor_id=acme.user_id,
                    insight_id=insight_id,
                    values=changes[i],
                ),
            )
        )

        for backend in workers:
            assert backend.database.query(
                "SELECT name, description, sort_order, favorited FROM insights WHERE id = %s",
                (insight_id,),
            ) == [("Churn by week", "Weekly churn", 7, 1)]
        head = workers[0].projector.head()
        assert set(workers[3].projector.positions().values()) == {head}

    def test_workers_setting_tags_leave_one_of_the_sets_they_sent_whole(
        self, workers: list[Backend], acme: Bootstrapped
    ) -> None:
        """A PATCH of `tags` sets the full set: concurrent ones must not interleave."""
        insight_id = InsightCommands(workers[0]).create(
            project_id=acme.project_id,
            environment_id=acme.environment_id,
            actor_id=acme.user_id,
            values={"name": "Tagged", "tags": ["base"]},
        )
        sets = [["base", f"w{i}a", f"w{i}b"] for i in range(WORKERS)]

        only_values(
            race(
                WORKERS,
                lambda i: InsightCommands(workers[i]).update(
                    project_id=acme.project_id,
                    environment_id=acme.environment_id,
                    actor_id=acme.user_id,
                    insight_id=insight_id,
                    values={"tags": sets[i]},
                ),
            )
        )

        final: Insight = workers[0].events.repository.get(Insight.create_id(insight_id))
        assert final.values["tags"] in [sorted(s) for s in sets]
        assert final.version == 1 + WORKERS
        stored = workers[1].database.query(
            "SELECT tag FROM insight_tags WHERE insight_id = %s ORDER BY tag", (insight_id,)
        )
        assert [tag for (tag,) in stored] == final.values["tags"]


class TestRevertBesideAnEdit:
    def test_a_revert_whose_save_clashes_with_an_edit_still_makes_the_insight_that_version(
        self, workers: list[Backend], acme: Bootstrapped
    ) -> None:
        ours, theirs = InsightCommands(workers[0]), InsightCommands(workers[1])
        where: dict[str, Any] = {
            "project_id": acme.project_id,
            "environment_id": acme.environment_id,
            "actor_id": acme.user_id,
        }
        insight_id = ours.create(**where, values={"name": "Signups", "description": "Weekly"})
        ours.update(**where, insight_id=insight_id, values={"name": "Renamed"})
        record = workers[0].record
        edits: list[int] = []

        def record_after_an_edit(*aggregates: Any, **options: Any) -> int:
            # Another worker edits a field the revert found unchanged, just before it saves.
            if not edits:
                edits.append(1)
                theirs.update(**where, insight_id=insight_id, values={"description": "Daily"})
            return record(*aggregates, **options)

        workers[0].record = record_after_an_edit  # type: ignore[method-assign]
        InsightHistoryService(workers[0]).revert(**where, insight_id=insight_id, version=1)

        final: Insight = workers[2].events.repository.get(Insight.create_id(insight_id))
        assert (final.version, edits) == (4, [1])
        assert {field: final.values[field] for field in ("name", "description")} == {
            "name": "Signups",
            "description": "Weekly",
        }


class TestShortIds:
    CREATES_PER_WORKER = 25

    def test_concurrent_creates_in_one_project_get_distinct_ids_and_short_ids(
        self, workers: list[Backend], acme: Bootstrapped
    ) -> None:
        def create_many(worker: int) -> list[int]:
            commands = InsightCommands(workers[worker])
            return [
                commands.create(
                    project_id=acme.project_id,
                    environment_id=acme.environment_id,
                    actor_id=acme.user_id,
                    values={"name": f"Worker {worker} insight {n}"},
                )
                for n in range(self.CREATES_PER_WORKER)
            ]

        created = [i for ids in only_values(race(WORKERS, create_many)) for i in ids]

        total = WORKERS * self.CREATES_PER_WORKER
        assert len(set(created)) == total
        rows = workers[0].database.query(
            "SELECT id, short_id FROM insights WHERE project_id = %s", (acme.project_id,)
        )
        assert sorted(int(i) for i, _ in rows) == sorted(created)
        assert len({short_id for _, short_id in rows}) == total
        for insight_id, short_id in rows:
            assert short_id == short_id_for(int(insight_id))


class TestOneUserPerEmail:
    def test_concurrent_ensure_user_with_one_email_gives_one_user(
        self, workers: list[Backend]
    ) -> None:
        users = only_values(
            race(WORKERS, lambda i: Tenancy(workers[i]).ensure_user("zoe@example.com", "Zoe", "Z"))
        )

        assert len({user.user_id for user in users}) == 1
        assert len({user.id for user in users}) == 1
        rows = workers[0].database.query(
            "SELECT id FROM users WHERE email = %s", ("zoe@example.com",)
        )
        assert [int(i) for (i,) in rows] == [users[0].user_id]

    def test_concurrent_bootstraps_with_one_email_share_the_user(
        self, workers: list[Backend]
    ) -> None:
        emails = ["max@example.com", "Max@Example.com", " max@example.com ", "MAX@EXAMPLE.COM"]

        results = only_values(
            race(
                WORKERS,
                lambda i: Tenancy(workers[i]).bootstrap(
                    email=emails[i],
                    first_name="Max",
                    last_name="M",
                    organization=f"Org {i}",
                    project=f"P{i}",
                ),
            )
        )

        assert len({r.user_id for r in results}) == 1
        assert len({r.project_id for r in results}) == WORKERS
        (user_id,) = {r.user_id for r in results}
        assert workers[1].database.query("SELECT id, email FROM users") == [
            (user_id, "max@example.com")
        ]
        members = workers[2].database.query("SELECT project_id, user_id FROM project_members")
        assert sorted((int(p), int(u)) for p, u in members) == sorted(
            (r.project_id, user_id) for r in results
        )
        assert (
            workers[3].events.repository.get(User.create_id("max@example.com")).user_id == user_id
        )


class TestConsistentReads:
    @pytest.mark.parametrize("search", [None, "Churn"], ids=["list", "search"])
    def test_a_page_shows_each_insight_with_its_links_of_the_same_moment(
        self,
        workers: list[Backend],
        acme: Bootstrapped,
        monkeypatch: pytest.MonkeyPatch,
        search: str | None,
    ) -> None:
        # A write committed between reading a page and reading its tiles showed an insight
        # with its old name and its new dashboards: a state no write produced.
        reader_backend, writer_backend = workers[0], workers[1]
        where: dict[str, Any] = {
            "project_id": acme.project_id,
            "environment_id": acme.environment_id,
        }
        boards = [
            DashboardCommands(writer_backend).create(
                **where, actor_id=acme.user_id, values={"name": name}
            )
            for name in ("A", "B")
        ]
        commands = InsightCommands(writer_backend)
        insight_id = commands.create(
            **where, actor_id=acme.user_id, values={"name": "Churn A", "dashboards": [boards[0]]}
        )
        reader = reader_backend.insights
        read_tiles = reader._tiles

        def tiles_after_a_write(cursor: Any, insight_ids: Any) -> Any:
            writer = threading.Thread(
                target=commands.update,
                kwargs={
                    **where,
                    "actor_id": acme.user_id,
                    "insight_id": insight_id,
                    "values": {"name": "Churn B", "dashboards": [boards[1]]},
                },
            )
            writer.start()
            writer.join(30)
            return read_tiles(cursor, insight_ids)

        monkeypatch.setattr(reader, "_tiles", tiles_after_a_write)

        _, (row,) = reader.page(InsightFilter(project_id=acme.project_id, search=search))

        assert (row.name, [tile.dashboard_id for tile in row.tiles or ()]) == (
            "Churn A",
            [boards[0]],
        )
        monkeypatch.undo()
        _, (row,) = reader.page(InsightFilter(project_id=acme.project_id, search=search))
        assert (row.name, [tile.dashboard_id for tile in row.tiles or ()]) == (
            "Churn B",
            [boards[1]],
        )


class TestLinksToDashboardsDeletedMeanwhile:
    """A dashboard deleted between a write's reading it and its save: the write is decided
    again, so it never links the deleted dashboard (restoring it must not bring a link)."""

    @pytest.fixture
    def board(self, workers: list[Backend], acme: Bootstrapped) -> int:
        return DashboardCommands(workers[1]).create(
            project_id=acme.project_id,
            environment_id=acme.environment_id,
            actor_id=acme.user_id,
            values={"name": "Growth"},
        )

    @staticmethod
    def _deleted_after_reading(
        commands: InsightCommands,
        deleter: Backend,
        acme: Bootstrapped,
        board: int,
        monkeypatch: pytest.MonkeyPatch,
    ) -> list[int]:
        """Make `commands` see `board` live the first time, then delete it from another
        worker before the save."""
        refs = commands._dashboards.refs
        deleted: list[int] = []

        def refs_then_delete(*args: Any) -> Any:
            found = refs(*args)
            if not deleted:
                deleted.append(board)
                DashboardCommands(deleter).update(
                    project_id=acme.project_id,
                    environment_id=acme.environment_id,
                    actor_id=acme.user_id,
                    dashboard_id=board,
                    values={"deleted": True},
                )
            return found

        monkeypatch.setattr(commands._dashboards, "refs", refs_then_delete)
        return deleted

    @staticmethod
    def _restore_then_links(
        workers: list[Backend], acme: Bootstrapped, board: int, insight: int
    ) -> list[int]:
        """Restore the dashboard; the insight's links then."""
        DashboardCommands(workers[1]).update(
            project_id=acme.project_id,
            environment_id=acme.environment_id,
            actor_id=acme.user_id,
            dashboard_id=board,
            values={"deleted": False},
        )
        stored: Insight = workers[2].events.repository.get(Insight.create_id(insight))
        return list(stored.dashboard_ids)

    def test_a_create(
        self,
        workers: list[Backend],
        acme: Bootstrapped,
        board: int,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        commands = InsightCommands(workers[0])
        deleted = self._deleted_after_reading(commands, workers[1], acme, board, monkeypatch)

        insight_id = commands.create(
            project_id=acme.project_id,
            environment_id=acme.environment_id,
            actor_id=acme.user_id,
            values={"name": "Signups", "dashboards": [board]},
        )

        assert deleted == [board]
        assert self._restore_then_links(workers, acme, board, insight_id) == []

    def test_a_patch(
        self,
        workers: list[Backend],
        acme: Bootstrapped,
        board: int,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        commands = InsightCommands(workers[0])
        where: dict[str, Any] = {
            "project_id": acme.project_id,
            "environment_id": acme.environment_id,
            "actor_id": acme.user_id,
        }
        insight_id = commands.create(**where, values={"name": "Signups"})
        deleted = self._deleted_after_reading(commands, workers[1], acme, board, monkeypatch)

        commands.update(**where, insight_id=insight_id, values={"dashboards": [board]})

        assert deleted == [board]
        assert self._restore_then_links(workers, acme, board, insight_id) == []
        # Nothing changed, so nothing was recorded (no activity entry without changes).
        assert workers[2].events.repository.get(Insight.create_id(insight_id)).version == 1
