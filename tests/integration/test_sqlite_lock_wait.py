"""On SQLite, creates wait for another process's long transaction as long as SQLite waits for
the file's lock (30 s), instead of failing after the event store's pool gave up on its one
writer (5 s) or after the clash that follows counted the wait as time spent retrying."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from store.backend import Backend
from store.insights import InsightCommands
from store.tenancy import Tenancy

HELD_SECONDS = 6.5
"""Longer than the pool's own default wait for its writer."""


@pytest.fixture
def backend_kind() -> str:
    return "sqlite"


def test_creates_behind_another_processs_long_transaction_all_succeed(
    fresh_backend: Backend,
) -> None:
    tenant = Tenancy(fresh_backend).bootstrap(
        email="ann@example.com", first_name="Ann", last_name="", organization="O", project="P"
    )
    commands = InsightCommands(fresh_backend)
    other_process = sqlite3.connect(
        fresh_backend.url.sqlite_path, isolation_level=None, check_same_thread=False
    )
    other_process.execute("BEGIN IMMEDIATE")
    released = threading.Timer(HELD_SECONDS, other_process.execute, ("COMMIT",))
    released.start()

    def create(n: int) -> int:
        return commands.create(
            project_id=tenant.project_id,
            environment_id=tenant.environment_id,
            actor_id=tenant.user_id,
            values={"name": f"Waiting {n}"},
        )

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            ids = list(pool.map(create, range(4)))
    finally:
        released.join()
        other_process.close()

    assert time.monotonic() - started >= HELD_SECONDS
    assert sorted(ids) == list(range(min(ids), min(ids) + 4))
    listed = fresh_backend.database.query(
        "SELECT name FROM insights WHERE project_id = %s ORDER BY name", (tenant.project_id,)
    )
    assert [row[0] for row in listed] == [f"Waiting {n}" for n in range(4)]
