"""What every command shares: an installed backend, one-line errors, JSON output."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click
import orjson
import psycopg
from eventsourcing import persistence

from domain.errors import DomainError
from store.backend import Backend, open_backend
from store.config import ConfigError, database_url_from_env

# A database that cannot be reached, refuses the connection or the login, or is read-only.
UNUSABLE_DATABASE = (
    sqlite3.OperationalError,
    psycopg.OperationalError,
    persistence.OperationalError,
    persistence.InterfaceError,
)


def print_json(payload: dict[str, Any]) -> None:
    """Write one JSON object on its own line to stdout."""
    click.echo(orjson.dumps(payload).decode())


@contextmanager
def installed_backend() -> Iterator[Backend]:
    """The backend named by INSIGHTLOG_DATABASE_URL; refuses one never migrated."""
    backend = open_backend(database_url_from_env())
    try:
        backend.check_installed()
        yield backend
    finally:
        backend.close()


def friendly(command: Callable[..., None]) -> Callable[..., None]:
    """Report configuration, domain and database errors as one line on stderr and exit 1."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (ConfigError, DomainError) as error:
            raise click.ClickException(str(error)) from None
        except UNUSABLE_DATABASE as error:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise click.ClickException(
                f"cannot use the database at {database_url_from_env().describe()}: {first_line}"
            ) from None

    return run
