"""The `insightlog` console script. Commands that create something print one JSON object."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cli.audit import audit
from cli.projections import projections
from cli.runtime import friendly, installed_backend, print_json
from store.config import database_url_from_env


def _project_ids(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated integers, got {text!r}", param_hint="--projects"
        ) from None
    if not ids:
        # An empty list would mean no limit at all: the opposite of what was asked for.
        raise click.BadParameter("names no project id", param_hint="--projects")
    return ids


def _check_writable(path: str) -> None:
    directory = Path(path).resolve().parent
    if not directory.is_dir() or not os.access(directory, os.W_OK):
        raise click.BadParameter(f"cannot write a file in {directory}", param_hint="--env-file")


@click.group()
def main() -> None:
    """insightlog: a PostHog-compatible insights API on an event-sourced backend."""


@main.command()
@friendly
def migrate() -> None:
    """Create every table (idempotent, safe to run concurrently)."""
    from store.migrate import migrate as run_migrations

    run_migrations(database_url_from_env())
    print_json({"migrated": True})


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
    help="Also write `export KEY=... PROJECT=... TOKEN=...` lines for shells to this file.",
)
@friendly
def bootstrap(
    email: str,
    first_name: str,
    last_name: str,
    organization: str,
    project: str,
    env_file: str | None,
) -> None:
    """Create an organization and a project with the user as member, and a `*` key."""
    from store.keys import Keys
    from store.tenancy import Tenancy

    if env_file:
        _check_writable(env_file)  # Before anything is created: the key is shown only once.
    with installed_backend() as backend:
        created = Tenancy(backend).bootstrap(
            email=email,
            first_name=first_name,
            last_name=last_name,
            organization=organization,
            project=project,
        )
        key = Keys(backend).create(email=email, scopes=["*"], label="bootstrap")
    print_json(
        {
            "user_id": created.user_id,
            "organization_id": created.organization_id,
            "project_id": created.project_id,
            "environment_id": created.environment_id,
            "personal_api_key": key.raw_key,
            "project_api_key": created.project_api_key,
        }
    )
    if env_file:
        try:
            # Only its owner may read it: it holds the secret key.
            descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)  # An existing file keeps its mode otherwise.
            with open(descriptor, "w", encoding="utf-8") as handle:
                handle.write(
                    f"export KEY={key.raw_key}\nexport PROJECT={created.project_id}\n"
                    f"export TOKEN={created.project_api_key}\n"
                )
        except OSError as error:
            raise click.ClickException(f"could not write {env_file}: {error.strerror}") from None


@main.group()
def members() -> None:
    """Project membership."""


@members.command("add")
@click.option("--email", required=True)
@click.option("--project", "project_id", required=True, type=int)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@friendly
def members_add(email: str, project_id: int, first_name: str, last_name: str) -> None:
    """Make a user (created if new) a member of a project."""
    from store.tenancy import Tenancy

    with installed_backend() as backend:
        user_id = Tenancy(backend).add_member(
            email=email, project_id=project_id, first_name=first_name, last_name=last_name
        )
    print_json({"user_id": user_id})


@main.group()
def environments() -> None:
    """Environments of a project."""


@environments.command("add")
@click.option("--project", "project_id", required=True, type=int)
@click.option("--name", default="Staging", show_default=True)
@friendly
def environments_add(project_id: int, name: str) -> None:
    """Create another environment of a project."""
    from store.tenancy import Tenancy

    with installed_backend() as backend:
        environment_id = Tenancy(backend).add_environment(project_id=project_id, name=name)
    print_json({"environment_id": environment_id, "project_id": project_id})


@main.group()
def keys() -> None:
    """Personal API keys."""


@keys.command("create")
@click.option("--email", required=True)
@click.option("--scopes", required=True, help="Comma-separated, e.g. insight:read,dashboard:write")
@click.option("--projects", default=None, help="Comma-separated project ids the key is limited to")
@click.option("--label", default="insightlog", show_default=True)
@friendly
def keys_create(email: str, scopes: str, projects: str | None, label: str) -> None:
    """Create a key; the raw key is printed once and never stored."""
    from store.keys import Keys

    with installed_backend() as backend:
        created = Keys(backend).create(
            email=email,
            scopes=[scope for scope in scopes.split(",") if scope.strip()],
            projects=_project_ids(projects),
            label=label,
        )
    print_json({"id": created.id, "personal_api_key": created.raw_key, "scopes": created.scopes})


@keys.command("revoke")
@click.argument("key_id")
@friendly
def keys_revoke(key_id: str) -> None:
    """Revoke a key by id; every server worker refuses it within a second."""
    from store.keys import Keys

    with installed_backend() as backend:
        revoked = Keys(backend).revoke(key_id)
    print_json({"id": key_id, "revoked": True, "already_revoked": not revoked})


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--access-log/--no-access-log", default=False)
@friendly
def serve(host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Serve the HTTP API with gunicorn."""
    from cli.serve import serve as run_server

    with installed_backend():
        pass  # Fail fast, before forking, when the tables were never created.
    run_server(host, port, workers, threads, access_log)


main.add_command(projections)
main.add_command(audit)


if __name__ == "__main__":
    sys.exit(main())
