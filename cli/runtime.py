"""What every command shares: an installed backend, one-line errors, JSON output."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
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
# SQLite's words for a file that is not a database (or no longer one).
_NOT_A_DATABASE = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


def _refused(error: Exception) -> bool:
    """A database that takes no writes, or a file that is not one: retrying cannot help."""
    cause = error.__cause__ if isinstance(error, persistence.PersistenceError) else error
    if isinstance(cause, psycopg.errors.ReadOnlySqlTransaction):
        return True
    return getattr(cause, "sqlite_errorname", None) in _NOT_A_DATABASE


def print_json(payload: dict[str, Any]) -> None:
    """Write one JSON object on its own line to stdout."""
    click.echo(orjson.dumps(payload).decode())


@contextmanager
def installed_backend() -> Iterator[Backend]:
    """The backend named by INSIGHTLOG_DATABASE_URL; refuses one never migrated."""
    url = database_url_from_env()
    if url.backend == "sqlite" and not Path(url.sqlite_path).exists():
        # Opening it would leave an empty file (and directories) behind.
        raise ConfigError(f"there is no database at {url.describe()} (run `insightlog migrate`)")
    backend = open_backend(url)
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
        except Exception as error:
            if not (isinstance(error, UNUSABLE_DATABASE) or _refused(error)):
                raise
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise click.ClickException(
                f"cannot use the database at {database_url_from_env().describe()}: {first_line}"
            ) from None

    return run
