"""The `insightlog` console script. Commands that create something print one JSON object."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click
import orjson

from domain.errors import DomainError
from store.backend import Backend, open_backend
from store.config import ConfigError, database_url_from_env


def _print_json(payload: dict[str, Any]) -> None:
    click.echo(orjson.dumps(payload).decode())


@contextmanager
def _backend() -> Iterator[Backend]:
    backend = open_backend(database_url_from_env())
    try:
        backend.check_installed()
        yield backend
    finally:
        backend.close()


def _int_list(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from None


def _friendly(command: Callable[..., None]) -> Callable[..., None]:
    """Report configuration and domain errors as one line on stderr and exit 1."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (ConfigError, DomainError) as error:
            raise click.ClickException(str(error)) from None

    return run


@click.group()
def main() -> None:
    """insightlog: a PostHog-compatible insights API on an event-sourced backend."""


@main.command()
@_friendly
def migrate() -> None:
    """Create every table (idempotent, safe to run concurrently)."""
    from store.migrate import migrate as run_migrations

    run_migrations(database_url_from_env())
    _print_json({"migrated": True})


@main.command()
@click.option("--email", required=True)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--organization", default="Default Organization", show_default=True)
@click.option("--project", default="Default Project", show_default=True)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write `export KEY=... PROJECT=...` lines for shells to this file.",
)
@_friendly
def bootstrap(
    email: str, first_name: str, last_name: str, organization: str, project: str, env_file: str | None
) -> None:
    """Create an organization and a project with the user as member, and a `*` key."""
    from store.keys import Keys
    from store.tenancy import Tenancy

    with _backend() as backend:
        created = Tenancy(backend).bootstrap(
            email=email,
            first_name=first_name,
            last_name=last_name,
            organization=organization,
            project=project,
        )
        key = Keys(backend).create(email=email, scopes=["*"], label="bootstrap")
    if env_file:
        with open(env_file, "w", encoding="utf-8") as handle:
            handle.write(f"export KEY={key.raw_key}\nexport PROJECT={created.project_id}\n")
    _print_json(
        {
            "user_id": created.user_id,
            "organization_id": created.organization_id,
            "project_id": created.project_id,
            "environment_id": created.environment_id,
            "personal_api_key": key.raw_key,
            "project_api_key": created.project_api_key,
        }
    )


@main.group()
def members() -> None:
    """Project membership."""


@members.command("add")
@click.option("--email", required=True)
@click.option("--project", "project_id", required=True, type=int)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@_friendly
def members_add(email: str, project_id: int, first_name: str, last_name: str) -> None:
    """Make a user (created if new) a member of a project."""
    from store.tenancy import Tenancy

    with _backend() as backend:
        user_id = Tenancy(backend).add_member(
            email=email, project_id=project_id, first_name=first_name, last_name=last_name
        )
    _print_json({"user_id": user_id})


@main.group()
def environments() -> None:
    """Environments of a project."""


@environments.command("add")
@click.option("--project", "project_id", required=True, type=int)
@click.option("--name", default="Staging", show_default=True)
@_friendly
def environments_add(project_id: int, name: str) -> None:
    """Create another environment of a project."""
    from store.tenancy import Tenancy

    with _backend() as backend:
        environment_id = Tenancy(backend).add_environment(project_id=project_id, name=name)
    _print_json({"environment_id": environment_id, "project_id": project_id})


@main.group()
def keys() -> None:
    """Personal API keys."""


@keys.command("create")
@click.option("--email", required=True)
@click.option("--scopes", required=True, help="Comma-separated, e.g. insight:read,dashboard:write")
@click.option("--projects", default=None, help="Comma-separated project ids the key is limited to")
@click.option("--label", default="insightlog", show_default=True)
@_friendly
def keys_create(email: str, scopes: str, projects: str | None, label: str) -> None:
    """Create a key; the raw key is printed once and never stored."""
    from store.keys import Keys

    with _backend() as backend:
        created = Keys(backend).create(
            email=email,
            scopes=[scope for scope in scopes.split(",") if scope.strip()],
            projects=_int_list(projects),
            label=label,
        )
    _print_json({"id": created.id, "personal_api_key": created.raw_key, "scopes": created.scopes})


@keys.command("revoke")
@click.argument("key_id")
@_friendly
def keys_revoke(key_id: str) -> None:
    """Revoke a key by id; it stops working immediately."""
    from store.keys import Keys

    with _backend() as backend:
        revoked = Keys(backend).revoke(key_id)
    _print_json({"id": key_id, "revoked": True, "already_revoked": not revoked})


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--access-log/--no-access-log", default=False)
@_friendly
def serve(host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Serve the HTTP API with gunicorn."""
    from cli.serve import serve as run_server

    with _backend():
        pass  # Fail fast, before forking, when the tables were never created.
    run_server(host, port, workers, threads, access_log)


@main.group()
def projections() -> None:
    """Read models."""


def _status(backend: Backend) -> list[dict[str, Any]]:
    entries = []
    for projector in backend.projectors:
        head = projector.head()
        for name, position in projector.positions().items():
            entries.append(
                {
                    "name": name,
                    "log": projector.log_name,
                    "position": position,
                    "head": head,
                    "lag": head - position,
                }
            )
    return entries


@projections.command("status")
@_friendly
def projections_status() -> None:
    """Position, log head and lag of every read model."""
    with _backend() as backend:
        _print_json({"projections": _status(backend)})


@projections.command("run")
@click.option("--once", is_flag=True, help="Catch up every read model, then exit.")
@_friendly
def projections_run(once: bool) -> None:
    """Keep every read model current until SIGTERM or Ctrl-C (or, --once, catch up and exit)."""
    from projections.worker import ProjectionWorker
    from store.notices import event_notices

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with _backend() as backend, event_notices(backend) as wait_for_events:
        worker = ProjectionWorker(backend.projectors, wait_for_events)
        if once:
            applied = worker.run_once()
            _print_json({"applied": applied, "projections": _status(backend)})
            return
        stop = threading.Event()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: stop.set())
        worker.run(stop)


@projections.command("rebuild")
@click.argument("name", required=False)
@_friendly
def projections_rebuild(name: str | None) -> None:
    """Replay the event logs into fresh tables (every read model, or NAME) while the
    current ones keep serving; they are switched in when complete."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with _backend() as backend:
        known = [p.name for projector in backend.projectors for p in projector.projections]
        if name is not None and name not in known:
            raise click.BadParameter(f"unknown projection {name!r}; known: {', '.join(known)}")
        rebuilt, applied = [], 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),  # stdout carries the one JSON object
        ) as bar:
            for projector in backend.projectors:
                names = [p.name for p in projector.projections if name in (None, p.name)]
                if not names:
                    continue
                task = bar.add_task(f"{', '.join(names)}", total=projector.head() or 1)
                applied += projector.rebuild(
                    names, progress=lambda done, head, task=task: bar.update(task, completed=done, total=head)
                )
                bar.update(task, completed=bar.tasks[task].total)
                rebuilt += names
        _print_json({"rebuilt": rebuilt, "events": applied, "projections": _status(backend)})


if __name__ == "__main__":
    sys.exit(main())
