"""Fresh, migrated databases for tests: SQLite files and PostgreSQL databases on a real server."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

from store.config import DatabaseUrl
from store.migrate import migrate

POSTGRES_URL_VARIABLE = "INSIGHTLOG_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def postgres_server() -> DatabaseUrl:
    return DatabaseUrl.parse(os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL)


def require_postgres() -> DatabaseUrl:
    """The test server; unreachable fails the run under CI and skips it loudly elsewhere."""
    server = postgres_server()
    try:
        with psycopg.connect(server.conninfo, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        reason = (
            f"PostgreSQL at {server.host}:{server.port} is unreachable ({error}); "
            f"set {POSTGRES_URL_VARIABLE} to a server where the tests may create databases"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(f"!!! SKIPPING POSTGRESQL TESTS: {reason}")
    return server


class DatabaseFactory:
    """Creates migrated databases and drops the PostgreSQL ones at the end of the session."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._created: list[str] = []

    def create(self, backend: str) -> DatabaseUrl:
        name = f"insightlog_test_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            url = DatabaseUrl.parse(f"sqlite:///{self._directory / name}.sqlite3")
        else:
            server = require_postgres()
            with psycopg.connect(server.conninfo, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            self._created.append(name)
            url = DatabaseUrl(
                backend="postgresql",
                user=server.user,
                password=server.password,
                host=server.host,
                port=server.port,
                dbname=name,
            )
        migrate(url)
        return url

    def drop_all(self) -> None:
        if not self._created:
            return
        server = postgres_server()
        with psycopg.connect(server.conninfo, autocommit=True) as connection:
            for name in self._created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
