"""What every command shares: an installed backend, one-line errors, JSON output."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click
import orjson

from domain.errors import DomainError
from store.backend import Backend, open_backend
from store.config import ConfigError, database_url_from_env


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
    """Report configuration and domain errors as one line on stderr and exit 1."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (ConfigError, DomainError) as error:
            raise click.ClickException(str(error)) from None

    return run
