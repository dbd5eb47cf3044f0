"""Read models: every event is applied exactly once, whoever catches up."""

from __future__ import annotations

import threading
from collections.abc import Callable

from store.backend import Backend
from store.config import DatabaseUrl
from tests.integration.projections.support import (
    World,
    assert_caught_up,
    counts,
    dump,
    new_dashboard,
    open_on,
    write_lagging,
)


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
