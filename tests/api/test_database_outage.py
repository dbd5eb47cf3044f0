"""A database that cannot be used just now: 503 with Retry-After, and recovery without a restart."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import falcon.testing
import psycopg
import pytest
from eventsourcing.persistence import (
    ConnectionUnavailableError,
    OperationalError,
    ProgrammingError,
)

from api.app import create_app
from store.backend import Backend, open_backend, open_backend_when_reachable
from store.database import is_outage
from tests.databases import DatabaseFactory, postgres_server
from tests.tenants import TenantFactory

OUTAGE_SECONDS = 12
"""Long enough for the pools' pauses between attempts to grow past a request's wait."""
UNAVAILABLE = {
    "type": "server_error",
    "code": "unavailable",
    "detail": "The database is unavailable; try again shortly.",
    "attr": None,
}


@contextmanager
def refusing_connections(dbname: str) -> Iterator[None]:
    """The server refuses new connections to `dbname` and has closed the open ones."""
    with psycopg.connect(postgres_server().conninfo, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            )
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')


def test_an_unreachable_database_is_a_503_until_it_is_back(databases: DatabaseFactory) -> None:
    url = databases.create("postgresql")
    backend = open_backend(url)
    try:
        tenant = TenantFactory(backend, falcon.testing.TestClient(create_app(backend))).create()
        kept = tenant.create_insight(name="Kept")

        with refusing_connections(url.dbname):
            listed = tenant.get("insights")
            created = tenant.post("insights", json={"name": "Lost?"})

        for result in (listed, created):
            assert result.status_code == 503
            assert result.json == UNAVAILABLE
            assert result.headers["Retry-After"] == "1"
        after = tenant.get("insights")
        assert after.status_code == 200
        assert [insight["id"] for insight in after.json["results"]] == [kept["id"]]
        assert tenant.post("insights", json={"name": "Back"}).status_code == 201
    finally:
        backend.close()


def test_after_a_longer_outage_the_first_requests_succeed(databases: DatabaseFactory) -> None:
    # Pools retry with growing pauses while the server is away; after an outage of a minute or
    # so they slept through its return, and requests went on failing for 20-30 s.
    url = databases.create("postgresql")
    backend = open_backend(url)
    try:
        tenant = TenantFactory(backend, falcon.testing.TestClient(create_app(backend))).create()
        tenant.create_insight(name="Kept")
        with refusing_connections(url.dbname):
            ends = time.monotonic() + OUTAGE_SECONDS
            during = []
            while time.monotonic() < ends:
                during.append(tenant.get("insights").status_code)
                during.append(tenant.post("insights", json={"name": "Lost?"}).status_code)

        listed = tenant.get("insights")
        created = tenant.post("insights", json={"name": "Back"})
    finally:
        backend.close()

    assert set(during) == {503}
    assert (listed.status_code, listed.json["count"]) == (200, 1)
    assert created.status_code == 201


def test_a_worker_started_while_the_database_is_down_waits_for_it(
    databases: DatabaseFactory,
) -> None:
    # gunicorn stops altogether when a worker fails to start: it must wait instead.
    url = databases.create("postgresql")
    setup = open_backend(url)
    try:
        tenant = TenantFactory(setup, falcon.testing.TestClient(create_app(setup))).create()
    finally:
        setup.close()
    started: list[Backend] = []

    with refusing_connections(url.dbname):
        starting = threading.Thread(
            target=lambda: started.append(open_backend_when_reachable(url, pause=0.2))
        )
        starting.start()
        starting.join(timeout=1.5)
        assert starting.is_alive()  # Still waiting.
    starting.join(timeout=30)
    try:
        client = falcon.testing.TestClient(create_app(started[0]))
        result = client.simulate_get(tenant.path("insights"), headers=tenant.headers)
    finally:
        started[0].close()

    assert (result.status_code, result.json["count"]) == (200, 0)


def _raised_from_none() -> Exception:
    try:
        try:
            raise psycopg.OperationalError("lost")
        except psycopg.OperationalError:
            raise ValueError("a bug, raised while handling it") from None
    except ValueError as error:
        return error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (psycopg.OperationalError("connection refused"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.TooManyConnections("too many clients"), True),
        (psycopg.errors.LockNotAvailable("lock timeout"), True),
        (psycopg.errors.IdleInTransactionSessionTimeout("idle-in-transaction timeout"), True),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (ConnectionUnavailableError("Timed out waiting for return of writer"), True),
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("unable to open database file"), True),
        (psycopg.errors.ProgramLimitExceeded("index row size exceeds maximum"), False),
        (psycopg.errors.ObjectNotInPrerequisiteState("not in prerequisite state"), False),
        (sqlite3.OperationalError("database table is locked"), False),
        (sqlite3.OperationalError("no such table: insights"), False),
        (sqlite3.OperationalError('near "SELEC": syntax error'), False),
        (psycopg.errors.UndefinedTable("relation does not exist"), False),
        (ValueError("database is locked"), False),
        (_raised_from_none(), False),
    ],
)
def test_only_errors_of_availability_count_as_an_outage(error: Exception, outage: bool) -> None:
    assert is_outage(error) is outage
    # As the eventsourcing library raises them: its own class, from the driver's error.
    wrapped = OperationalError(str(error)) if outage else ProgrammingError(str(error))
    wrapped.__cause__ = error
    assert is_outage(wrapped) is outage
