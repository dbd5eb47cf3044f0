"""The story the `insightlog audit log` tests read (a database on which every aggregate type
changes, in process and through the CLI, and the entries it must print), and helpers to read
what the command printed."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from store.backend import open_backend
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.tenancy import Tenancy
from store.views import ViewCommands
from tests.clock import Clock
from tests.e2e.audit_helpers import audit_log, jsonl_entries
from tests.e2e.processes import cli, cli_json, query

Entry = dict[str, Any]

CSV_HEADER = [
    "position",
    "at",
    "scope",
    "activity",
    "item_id",
    "project_id",
    "environment_id",
    "actor_id",
    "actor_email",
    "changes",
    "trigger",
]
SCOPES = (
    "insight",
    "dashboard",
    "element",
    "key",
    "member",
    "project",
    "environment",
    "organization",
    "user",
)
# The in-process part of the story happens on these (future) hours, so that every entry
# written by the CLI (at the real time) comes before it.
DAY = datetime(2040, 1, 1, tzinfo=UTC)


def hour(h: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=h, minutes=minute)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _email(name: str) -> str:
    return f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"


# ---------------------------------------------------------------------------- the story


@dataclass
class Story:
    """A fresh database with a known history, and the entries `audit log` must print for it
    (`at` is None where the CLI wrote the event at the real time, between `cli_started`
    and `cli_finished`)."""

    url: DatabaseUrl
    ada: dict[str, Any]
    ada_email: str
    hedy: dict[str, Any]
    grace_id: int
    grace_email: str
    bystander_email: str
    nightly_key: dict[str, Any]
    cli_started: datetime
    cli_finished: datetime
    expected: list[Entry] = field(default_factory=list)

    @property
    def secrets(self) -> list[str]:
        return [
            self.ada["personal_api_key"],
            self.hedy["personal_api_key"],
            self.nightly_key["personal_api_key"],
        ]

    @cached_property
    def printed(self) -> subprocess.CompletedProcess[str]:
        """`audit log` without options, run once for the tests that only read its output."""
        return audit_log(self.url)

    @cached_property
    def printed_csv(self) -> subprocess.CompletedProcess[str]:
        """`audit log --format csv`, run once likewise."""
        return audit_log(self.url, "--format", "csv")

    @property
    def entries(self) -> list[Entry]:
        return jsonl_entries(self.printed)

    def expected_where(self, admits: Callable[[Entry], bool]) -> list[Entry]:
        return [entry for entry in self.expected if admits(entry)]


def _entry(
    position: int,
    scope: str,
    activity: str,
    item_id: Any,
    *,
    at: datetime | None = None,
    project_id: int | None = None,
    environment_id: int | None = None,
    actor: tuple[int, str] | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> Entry:
    return {
        "position": position,
        "at": None if at is None else iso(at),
        "scope": scope,
        "activity": activity,
        "item_id": str(item_id),
        "project_id": project_id,
        "environment_id": environment_id,
        "actor_id": None if actor is None else actor[0],
        "changes": changes,
        "trigger": None,
        "actor_email": None if actor is None else actor[1],
    }


def _bootstrap_entries(
    start: int, created: dict[str, Any], key_id: str, **names: str
) -> list[Entry]:
    """The six entries of `insightlog bootstrap` for a new user."""
    project, user = created["project_id"], created["user_id"]
    organization = created["organization_id"]
    return [
        _entry(
            start, "user", "created", user, changes=[{"field": "email", "after": names["email"]}]
        ),
        _entry(
            start + 1,
            "organization",
            "created",
            organization,
            changes=[{"field": "name", "after": names["organization"]}],
        ),
        _entry(
            start + 2,
            "project",
            "created",
            project,
            project_id=project,
            changes=[
                {"field": "name", "after": names["project"]},
                {"field": "organization_id", "after": organization},
            ],
        ),
        _entry(start + 3, "member", "added", user, project_id=project),
        _entry(
            start + 4,
            "environment",
            "created",
            project,
            project_id=project,
            environment_id=project,
            changes=[{"field": "name", "after": names["project"]}],
        ),
        _entry(
            start + 5,
            "key",
            "created",
            key_id,
            actor=(user, names["email"]),
            changes=[
                {"field": "user_id", "after": user},
                {"field": "label", "after": "bootstrap"},
                {"field": "scopes", "after": ["*"]},
                {"field": "scoped_projects", "after": None},
            ],
        ),
    ]


def _bootstrap_key_id(url: DatabaseUrl, user_id: int) -> str:
    rows = query(
        url,
        "SELECT id FROM personal_api_keys WHERE user_id = %s AND label = %s",
        (user_id, "bootstrap"),
    )
    (row,) = rows
    return str(row[0])


def _change(field_name: str, before: Any, after: Any) -> dict[str, Any]:
    return {
        "type": "Insight",
        "action": "changed",
        "field": field_name,
        "before": before,
        "after": after,
    }


def tell_the_story(url: DatabaseUrl) -> Story:
    """Ada bootstraps the Difference Engine project, Hedy her own; Grace joins Ada's project;
    Ada creates and revokes a nightly export key (all through the CLI). Then, on fixed
    hours of 2040-01-01: Ada makes a dashboard and an insight on it, Grace renames and deletes
    the insight, Ada renames the dashboard and restores the insight, a Staging environment
    is added, and Hedy makes an insight in her project."""
    ada_email, hedy_email, grace_email = _email("Ada"), _email("Hedy"), _email("Grace")
    bystander_email = _email("Charles")
    cli_started = datetime.now(UTC)
    ada = cli_json(
        url,
        "bootstrap",
        "--email", ada_email,
        "--first-name", "Ada",
        "--last-name", "Lovelace",
        "--organization", "Analytical Engines",
        "--project", "Difference Engine",
    )  # fmt: skip
    hedy = cli_json(
        url,
        "bootstrap",
        "--email", hedy_email,
        "--first-name", "Hedy",
        "--organization", "Frequency Hopping",
        "--project", "Spread Spectrum",
    )  # fmt: skip
    grace = cli_json(
        url,
        "members", "add",
        "--email", grace_email,
        "--project", str(ada["project_id"]),
        "--first-name", "Grace",
    )  # fmt: skip
    nightly_key = cli_json(
        url,
        "keys", "create",
        "--email", ada_email,
        "--scopes", "insight:read,dashboard:write",
        "--projects", str(ada["project_id"]),
        "--label", "Nightly export",
    )  # fmt: skip
    revoked = cli(url, "keys", "revoke", nightly_key["id"])
    assert revoked.returncode == 0, revoked.stderr
    cli_finished = datetime.now(UTC)

    clock = Clock(hour(9))
    backend = open_backend(url, clock=clock)
    project, environment = ada["project_id"], ada["project_id"]
    where = {"project_id": project, "environment_id": environment}
    ada_id, grace_id, hedy_id = ada["user_id"], grace["user_id"], hedy["user_id"]
    try:
        dashboards, insights = DashboardCommands(backend), InsightCommands(backend)
        clock.now = hour(9)
        board = dashboards.create(**where, actor_id=ada_id, values={"name": "Engine room"})
        clock.now = hour(10)
        signups = insights.create(
            **where,
            actor_id=ada_id,
            values={"name": "Weekly signups", "tags": ["growth"], "dashboards": [board]},
        )
        clock.now = hour(12)
        insights.update(
            **where, actor_id=grace_id, insight_id=signups, values={"name": "Weekly signups (EU)"}
        )
        clock.now = hour(13)
        insights.update(**where, actor_id=grace_id, insight_id=signups, values={"deleted": True})
        clock.now = hour(14)
        dashboards.update(
            **where, actor_id=ada_id, dashboard_id=board, values={"name": "Boiler room"}
        )
        clock.now = hour(15)
        insights.update(**where, actor_id=ada_id, insight_id=signups, values={"deleted": False})
        clock.now = hour(16)
        staging = Tenancy(backend).add_environment(project_id=project, name="Staging")
        clock.now = hour(17)
        radio = insights.create(
            project_id=hedy["project_id"],
            environment_id=hedy["environment_id"],
            actor_id=hedy_id,
            values={"name": "Radio guidance funnel"},
        )
        ViewCommands(backend).record(**where, user_id=grace_id, insight_ids=[signups])
        clock.now = hour(18)
        bystander_id = Tenancy(backend).add_member(
            email=bystander_email,
            project_id=hedy["project_id"],
            first_name="Charles",
            last_name="Babbage",
        )
    finally:
        backend.close()

    story = Story(
        url=url,
        ada=ada,
        ada_email=ada_email,
        hedy=hedy,
        grace_id=grace_id,
        grace_email=grace_email,
        bystander_email=bystander_email,
        nightly_key=nightly_key,
        cli_started=cli_started,
        cli_finished=cli_finished,
    )
    ada_actor, grace_actor, hedy_actor = (
        (ada_id, ada_email),
        (grace_id, grace_email),
        (hedy_id, hedy_email),
    )
    in_ada = {"project_id": project, "environment_id": environment}
    # Positions 19 and 26 are the views the two insights' creators made by creating them:
    # saved with the insights, in the main log, and no audit entries.
    story.expected = [
        *_bootstrap_entries(
            1,
            ada,
            _bootstrap_key_id(url, ada_id),
            email=ada_email,
            organization="Analytical Engines",
            project="Difference Engine",
        ),
        *_bootstrap_entries(
            7,
            hedy,
            _bootstrap_key_id(url, hedy_id),
            email=hedy_email,
            organization="Frequency Hopping",
            project="Spread Spectrum",
        ),
        _entry(13, "user", "created", grace_id, changes=[{"field": "email", "after": grace_email}]),
        _entry(14, "member", "added", grace_id, project_id=project),
        _entry(
            15,
            "key",
            "created",
            nightly_key["id"],
            actor=ada_actor,
            changes=[
                {"field": "user_id", "after": ada_id},
                {"field": "label", "after": "Nightly export"},
                {"field": "scopes", "after": ["insight:read", "dashboard:write"]},
                {"field": "scoped_projects", "after": [project]},
            ],
        ),
        _entry(16, "key", "revoked", nightly_key["id"]),
        _entry(
            17,
            "dashboard",
            "created",
            board,
            at=hour(9),
            actor=ada_actor,
            changes=[{"field": "name", "after": "Engine room"}],
            **in_ada,
        ),
        _entry(18, "insight", "created", signups, at=hour(10), actor=ada_actor, **in_ada),
        _entry(
            19,
            "insight",
            "updated",
            signups,
            at=hour(12),
            actor=grace_actor,
            changes=[_change("name", "Weekly signups", "Weekly signups (EU)")],
            **in_ada,
        ),
        _entry(
            20,
            "insight",
            "deleted",
            signups,
            at=hour(13),
            actor=grace_actor,
            changes=[
                _change("deleted", False, True),
                _change("dashboards", [{"id": board, "name": "Engine room"}], []),
            ],
            **in_ada,
        ),
        _entry(
            21,
            "dashboard",
            "updated",
            board,
            at=hour(14),
            actor=ada_actor,
            changes=[{"field": "name", "before": "Engine room", "after": "Boiler room"}],
            **in_ada,
        ),
        _entry(
            22,
            "insight",
            "restored",
            signups,
            at=hour(15),
            actor=ada_actor,
            # Deleting took the insight off the dashboard; restoring does not put it back.
            changes=[_change("deleted", True, False)],
            **in_ada,
        ),
        _entry(
            23,
            "environment",
            "created",
            staging,
            at=hour(16),
            project_id=project,
            environment_id=staging,
            changes=[{"field": "name", "after": "Staging"}],
        ),
        _entry(
            24,
            "insight",
            "created",
            radio,
            at=hour(17),
            project_id=hedy["project_id"],
            environment_id=hedy["environment_id"],
            actor=hedy_actor,
        ),
        _entry(
            25,
            "user",
            "created",
            bystander_id,
            at=hour(18),
            changes=[{"field": "email", "after": bystander_email}],
        ),
        _entry(26, "member", "added", bystander_id, at=hour(18), project_id=hedy["project_id"]),
    ]
    return story


def without_cli_times(entries: list[Entry], story: Story) -> list[Entry]:
    """The entries with `at` blanked where the CLI wrote the event (checked apart, against
    the real time window of the CLI part of the story)."""
    cli_positions = {entry["position"] for entry in story.expected if entry["at"] is None}
    return [
        {**entry, "at": None} if entry["position"] in cli_positions else entry for entry in entries
    ]


def positions(entries: list[Entry]) -> list[int]:
    return [entry["position"] for entry in entries]


def failed_with_one_line(completed: subprocess.CompletedProcess[str]) -> str:
    """Exited non-zero, nothing on stdout, exactly one non-empty line on stderr; returns it."""
    assert completed.returncode != 0, completed
    assert completed.stdout == "", completed.stdout
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr
    return lines[0]
