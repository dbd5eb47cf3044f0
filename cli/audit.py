"""`insightlog audit`: the audit trail replayed from the event logs, and its hash chains."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from cli.runtime import friendly, installed_backend, print_json
from domain.instants import parse_instant
from store.audit import SCOPES


@click.group()
def audit() -> None:
    """The audit trail, straight from the event log."""


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO-8601 date and time") from None


@audit.command("log")
@click.option("--project", "project_id", type=int, default=None)
@click.option("--user", "email", default=None, help="Only changes made by this user.")
@click.option("--scope", type=click.Choice(SCOPES), default=None)
@click.option("--since", default=None, help="ISO-8601; entries at or after it.")
@click.option("--until", default=None, help="ISO-8601; entries at or before it.")
@click.option("--format", "output", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@friendly
def audit_log(
    project_id: int | None,
    email: str | None,
    scope: str | None,
    since: str | None,
    until: str | None,
    output: str,
) -> None:
    """Every change to every aggregate, in log order (streamed: memory stays flat)."""
    from store.audit import AuditFilter, UnreadableEventError
    from store.audit import audit_log as entries
    from store.audit_format import write_entries

    with installed_backend() as backend:
        user_id = None
        if email is not None:
            try:
                email.encode()
            except UnicodeEncodeError:  # Bytes the terminal could not decode.
                raise click.BadParameter("is not valid UTF-8", param_hint="--user") from None
            user = backend.accounts.user_by_email(email)
            if user is None:
                raise click.ClickException(f"No user has the email {email}.")
            user_id = user
        selected = AuditFilter(
            project_id=project_id,
            user_id=user_id,
            scope=scope,
            since=_instant(since),
            until=_instant(until),
        )
        try:
            write_entries(entries(backend, selected), output, sys.stdout)
        except UnreadableEventError as error:
            raise click.ClickException(str(error)) from None


@audit.command("verify")
@friendly
def audit_verify() -> None:
    """Recompute every log's hash chain and check its snapshots against its events; exit 1
    naming the first altered, removed, moved or inserted event or snapshot."""
    from store.audit import verify_log

    with installed_backend() as backend:
        checks = [verify_log(store, backend.database) for store in (backend.events, backend.views)]
    intact = all(check.tampering is None for check in checks)
    print_json(
        {
            "intact": intact,
            "logs": [
                {
                    "log": check.log,
                    "events_verified": check.events,
                    "head_hash": check.head_hash,
                    **(
                        {
                            "position": check.tampering.position,
                            "problem": check.tampering.describe(),
                        }
                        if check.tampering
                        else {}
                    ),
                }
                for check in checks
            ],
        }
    )
    if not intact:
        sys.exit(1)
