"""`insightlog audit log` as a real process, on SQLite and PostgreSQL: every aggregate type in
log order, filters, JSON lines and CSV, no secrets, and bounded memory over 100,000 events."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from domain.insight_views import ViewBatch
from domain.personal_api_key import hash_key
from store.backend import open_backend
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.tenancy import Tenancy
from store.views import ViewCommands
from tests.databases import BACKENDS, DatabaseFactory
from tests.e2e.audit_helpers import (
    MAIN_LOG,
    VIEWS_LOG,
    Clock,
    audit_entries,
    audit_log,
    jsonl_entries,
    log_tables,
    run_measuring_peak_rss,
    write_renamed_insight_streams,
)
from tests.e2e.processes import EmptyDatabases, cli, cli_json, query

pytestmark = pytest.mark.e2e

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
ENTRY_KEYS = set(CSV_HEADER)
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


def _parse_at(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


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


@pytest.fixture(scope="module", params=BACKENDS)
def story(request: pytest.FixtureRequest, databases: DatabaseFactory) -> Story:
    """The story, told once per backend on a fresh database; the module's tests only read."""
    return tell_the_story(databases.create(str(request.param)))


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


# ---------------------------------------------------------------------------- every aggregate


class TestEveryChangeInLogOrder:
    def test_audit_log_prints_every_change_to_every_aggregate_in_log_order(
        self, story: Story
    ) -> None:
        entries = story.entries

        assert without_cli_times(entries, story) == story.expected

    def test_every_entry_has_exactly_the_documented_keys(self, story: Story) -> None:
        entries = story.entries

        assert entries
        assert all(set(entry) == ENTRY_KEYS for entry in entries), entries

    def test_changes_made_through_the_cli_carry_the_real_time_in_utc_in_log_order(
        self, story: Story
    ) -> None:
        entries = story.entries

        cli_times = [_parse_at(entry["at"]) for entry in entries if entry["position"] <= 16]
        assert len(cli_times) == 16
        assert cli_times == sorted(cli_times)
        assert story.cli_started <= cli_times[0]
        assert cli_times[-1] <= story.cli_finished

    def test_every_scope_of_the_story_appears(self, story: Story) -> None:
        entries = story.entries

        assert {entry["scope"] for entry in entries} == set(SCOPES) - {"element"}
        assert {(entry["scope"], entry["activity"]) for entry in entries} == {
            ("user", "created"),
            ("organization", "created"),
            ("project", "created"),
            ("environment", "created"),
            ("member", "added"),
            ("key", "created"),
            ("key", "revoked"),
            ("dashboard", "created"),
            ("dashboard", "updated"),
            ("insight", "created"),
            ("insight", "updated"),
            ("insight", "deleted"),
            ("insight", "restored"),
        }

    def test_views_are_not_audit_entries(self, story: Story) -> None:
        # Grace viewed an insight: a view batch in the views log. Creating an insight is its
        # creator's first view, read from its Created event: no view event in the main log.
        entries = story.entries
        main = log_tables(story.url, MAIN_LOG)
        views = [
            p for p in main.positions() if main.topic(p) == get_topic(ViewBatch.InsightsViewed)
        ]

        assert views == []
        assert log_tables(story.url, VIEWS_LOG).count() == 1
        assert main.positions() == list(range(1, 27))
        assert positions(entries) == list(range(1, 27))
        assert len(story.expected) == 26


class TestKeysInTheAuditLog:
    def test_no_raw_key_appears_in_the_json_lines(self, story: Story) -> None:
        completed = story.printed

        assert completed.returncode == 0, completed.stderr
        for secret in story.secrets:
            assert secret not in completed.stdout
            assert secret[len("phx_") :] not in completed.stdout

    def test_no_raw_key_appears_in_the_csv(self, story: Story) -> None:
        completed = story.printed_csv

        assert completed.returncode == 0, completed.stderr
        for secret in story.secrets:
            assert secret not in completed.stdout
            assert secret[len("phx_") :] not in completed.stdout

    def test_no_stored_hash_of_a_key_appears_either(self, story: Story) -> None:
        completed, csv_completed = story.printed, story.printed_csv

        for secret in story.secrets:
            digest = hashlib.sha256(secret.encode()).hexdigest()
            assert hash_key(secret).endswith(digest)
            for output in (completed.stdout, csv_completed.stdout):
                assert digest not in output
                assert digest[:16] not in output
        assert "secure_value" not in completed.stdout
        assert "sha256$" not in completed.stdout

    def test_key_creation_names_owner_label_scopes_and_projects(self, story: Story) -> None:
        entries = audit_entries(story.url, "--scope", "key")

        created = next(e for e in entries if e["item_id"] == story.nightly_key["id"])
        assert created["activity"] == "created"
        assert created["changes"] == [
            {"field": "user_id", "after": story.ada["user_id"]},
            {"field": "label", "after": "Nightly export"},
            {"field": "scopes", "after": ["insight:read", "dashboard:write"]},
            {"field": "scoped_projects", "after": [story.ada["project_id"]]},
        ]

    def test_key_revocation_follows_its_creation(self, story: Story) -> None:
        entries = audit_entries(story.url, "--scope", "key")

        nightly = [
            (e["position"], e["activity"])
            for e in entries
            if e["item_id"] == story.nightly_key["id"]
        ]
        assert nightly == [(15, "created"), (16, "revoked")]


# ---------------------------------------------------------------------------- filters


class TestProjectFilter:
    def test_project_filter_keeps_only_that_projects_entries(self, story: Story) -> None:
        project = story.ada["project_id"]

        entries = audit_entries(story.url, "--project", str(project))

        assert without_cli_times(entries, story) == story.expected_where(
            lambda entry: entry["project_id"] == project
        )
        assert positions(entries) == [3, 4, 5, 14, 17, 18, 19, 20, 21, 22, 23]

    def test_project_filter_on_the_other_project(self, story: Story) -> None:
        entries = audit_entries(story.url, "--project", str(story.hedy["project_id"]))

        assert positions(entries) == [9, 10, 11, 24, 26]

    def test_project_filter_for_a_project_with_no_entries_prints_nothing(
        self, story: Story
    ) -> None:
        completed = audit_log(story.url, "--project", "987654")

        assert (completed.returncode, completed.stdout) == (0, "")

    def test_project_filter_refuses_a_non_numeric_project_as_a_usage_error(
        self, story: Story
    ) -> None:
        completed = audit_log(story.url, "--project", "engine")

        assert completed.returncode == 2, completed
        assert completed.stdout == ""
        assert "engine" in completed.stderr


class TestUserFilter:
    def test_user_filter_keeps_only_changes_made_by_that_user(self, story: Story) -> None:
        entries = audit_entries(story.url, "--user", story.grace_email)

        assert without_cli_times(entries, story) == story.expected_where(
            lambda entry: entry["actor_id"] == story.grace_id
        )
        assert positions(entries) == [19, 20]

    def test_user_filter_covers_every_aggregate_the_user_changed(self, story: Story) -> None:
        entries = audit_entries(story.url, "--user", story.ada_email)

        assert positions(entries) == [6, 15, 17, 18, 21, 22]
        assert {entry["actor_email"] for entry in entries} == {story.ada_email}

    def test_user_filter_ignores_the_case_of_the_email(self, story: Story) -> None:
        entries = audit_entries(story.url, "--user", story.grace_email.upper())

        assert positions(entries) == [19, 20]

    def test_user_filter_for_a_user_who_changed_nothing_prints_nothing(self, story: Story) -> None:
        completed = audit_log(story.url, "--user", story.bystander_email)

        assert (completed.returncode, completed.stdout) == (0, "")

    def test_user_filter_with_an_unknown_email_fails_with_a_one_line_message(
        self, story: Story
    ) -> None:
        completed = audit_log(story.url, "--user", "nobody@example.com")

        line = failed_with_one_line(completed)
        assert "nobody@example.com" in line

    def test_user_filter_with_an_unknown_email_fails_without_printing_entries(
        self, story: Story
    ) -> None:
        completed = audit_log(story.url, "--user", "nobody@example.com")

        assert completed.returncode != 0
        assert completed.stdout == ""
        assert "nobody@example.com" in completed.stderr


class TestScopeFilter:
    @pytest.mark.parametrize("scope", SCOPES)
    def test_scope_filter_keeps_only_entries_of_that_scope(self, story: Story, scope: str) -> None:
        entries = audit_entries(story.url, "--scope", scope)

        assert without_cli_times(entries, story) == story.expected_where(
            lambda entry: entry["scope"] == scope
        )
        assert (entries == []) == (scope == "element")

    def test_scope_filter_refuses_an_unknown_scope_as_a_usage_error(self, story: Story) -> None:
        completed = audit_log(story.url, "--scope", "hedgehog")

        assert completed.returncode == 2, completed
        assert completed.stdout == ""
        assert "hedgehog" in completed.stderr


class TestTimeFilters:
    def test_since_keeps_entries_at_or_after_it(self, story: Story) -> None:
        entries = audit_entries(story.url, "--since", "2040-01-01T12:00:00Z")

        assert without_cli_times(entries, story) == story.expected[18:]
        assert positions(entries) == [19, 20, 21, 22, 23, 24, 25, 26]

    def test_until_keeps_entries_at_or_before_it(self, story: Story) -> None:
        entries = audit_entries(story.url, "--until", "2040-01-01T12:00:00Z")

        assert without_cli_times(entries, story) == story.expected[:19]

    def test_since_and_until_keep_the_entries_between_them(self, story: Story) -> None:
        entries = audit_entries(
            story.url, "--since", "2040-01-01T09:30:00Z", "--until", "2040-01-01T14:59:59Z"
        )

        assert positions(entries) == [18, 19, 20, 21]

    def test_until_before_the_in_process_part_keeps_exactly_the_cli_part(
        self, story: Story
    ) -> None:
        entries = audit_entries(story.url, "--until", "2039-12-31T23:59:59Z")

        assert positions(entries) == list(range(1, 17))

    def test_since_with_an_offset_is_the_same_instant_in_utc(self, story: Story) -> None:
        entries = audit_entries(story.url, "--since", "2040-01-01T14:00:00+02:00")

        assert positions(entries) == [19, 20, 21, 22, 23, 24, 25, 26]

    def test_since_without_a_timezone_is_read_as_utc(self, story: Story) -> None:
        entries = audit_entries(story.url, "--since", "2040-01-01T16:00:00")

        assert positions(entries) == [23, 24, 25, 26]

    def test_since_after_until_prints_nothing(self, story: Story) -> None:
        completed = audit_log(
            story.url, "--since", "2040-01-01T15:00:00Z", "--until", "2040-01-01T10:00:00Z"
        )

        assert (completed.returncode, completed.stdout) == (0, "")

    @pytest.mark.parametrize(
        ("option", "value"),
        [("--since", "yesterday"), ("--until", "2040-13-01")],
    )
    def test_an_unparseable_time_is_a_usage_error(
        self, story: Story, option: str, value: str
    ) -> None:
        completed = audit_log(story.url, option, value)

        assert completed.returncode == 2, completed
        assert completed.stdout == ""
        assert f"'{value}'" in completed.stderr


class TestCombinedFilters:
    def test_project_user_and_scope_together_keep_what_all_admit(self, story: Story) -> None:
        entries = audit_entries(
            story.url,
            "--project", str(story.ada["project_id"]),
            "--user", story.grace_email,
            "--scope", "insight",
        )  # fmt: skip

        assert positions(entries) == [19, 20]

    def test_every_filter_together(self, story: Story) -> None:
        entries = audit_entries(
            story.url,
            "--project", str(story.ada["project_id"]),
            "--user", story.grace_email,
            "--scope", "insight",
            "--since", "2040-01-01T12:30:00Z",
            "--until", "2040-01-01T13:00:00Z",
            "--format", "jsonl",
        )  # fmt: skip

        assert without_cli_times(entries, story) == [story.expected[19]]
        assert entries[0]["activity"] == "deleted"

    def test_filters_that_exclude_each_other_print_nothing(self, story: Story) -> None:
        completed = audit_log(
            story.url, "--project", str(story.hedy["project_id"]), "--user", story.grace_email
        )

        assert (completed.returncode, completed.stdout) == (0, "")


# ---------------------------------------------------------------------------- formats


def csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def as_csv_cells(entry: Entry) -> dict[str, Any]:
    """What one jsonl entry reads as in the CSV: scalars as text (None empty), changes and
    trigger as JSON text, decoded for comparison."""
    cells: dict[str, Any] = {}
    for column in CSV_HEADER:
        value = entry[column]
        if column in ("changes", "trigger"):
            cells[column] = value
        else:
            cells[column] = "" if value is None else str(value)
    return cells


class TestFormats:
    def test_jsonl_is_the_default_and_prints_one_object_per_line(self, story: Story) -> None:
        default = story.printed
        explicit = audit_log(story.url, "--format", "jsonl")

        assert default.returncode == explicit.returncode == 0
        lines = default.stdout.split("\n")
        assert lines[-1] == ""
        assert len(lines[:-1]) == len(story.expected)
        assert all(isinstance(json.loads(line), dict) for line in lines[:-1])
        assert without_cli_times(jsonl_entries(explicit), story) == without_cli_times(
            jsonl_entries(default), story
        )

    def test_csv_has_the_header_then_one_row_per_entry(self, story: Story) -> None:
        completed = story.printed_csv

        assert completed.returncode == 0, completed.stderr
        header, rows = csv_rows(completed.stdout)
        assert header == CSV_HEADER
        assert len(rows) == len(story.expected)

    def test_csv_rows_match_the_json_lines(self, story: Story) -> None:
        entries = story.entries
        completed = story.printed_csv

        _, rows = csv_rows(completed.stdout)
        decoded = [
            {**row, "changes": json.loads(row["changes"]), "trigger": json.loads(row["trigger"])}
            for row in rows
        ]
        assert decoded == [as_csv_cells(entry) for entry in entries]

    def test_csv_quotes_changes_that_contain_commas_and_quotes(self, story: Story) -> None:
        completed = audit_log(story.url, "--format", "csv", "--scope", "insight")

        _, rows = csv_rows(completed.stdout)
        deleted = next(row for row in rows if row["activity"] == "deleted")
        assert json.loads(deleted["changes"])[1]["before"] == [
            {"id": int(story.expected[16]["item_id"]), "name": "Engine room"}
        ]

    def test_csv_with_filters_keeps_the_header_when_nothing_matches(self, story: Story) -> None:
        completed = audit_log(story.url, "--format", "csv", "--scope", "element")

        assert completed.returncode == 0, completed.stderr
        assert completed.stdout == ",".join(CSV_HEADER) + "\n"

    def test_an_unknown_format_is_a_usage_error(self, story: Story) -> None:
        completed = audit_log(story.url, "--format", "xml")

        assert completed.returncode == 2, completed
        assert completed.stdout == ""
        assert "xml" in completed.stderr


# ---------------------------------------------------------------------------- fresh and unmigrated


class TestInsightEntries:
    def test_an_update_of_fields_the_activity_log_leaves_out_lists_them(
        self, fresh_url: DatabaseUrl
    ) -> None:
        backend = open_backend(fresh_url)
        try:
            ada = Tenancy(backend).bootstrap(
                email=_email("Ada"), first_name="Ada", last_name="", organization="O", project="P"
            )
            where = {"project_id": ada.project_id, "environment_id": ada.environment_id}
            insights = InsightCommands(backend)
            funnel = insights.create(**where, actor_id=ada.user_id, values={"name": "Funnel"})
            insights.update(
                **where,
                actor_id=ada.user_id,
                insight_id=funnel,
                values={"order": 5, "saved": False},
            )
        finally:
            backend.close()

        entries = audit_entries(fresh_url, "--scope", "insight")

        assert [(e["activity"], e["changes"]) for e in entries] == [
            ("created", None),
            (
                "updated",
                [
                    {**_change("order", None, 5), "action": "created"},
                    _change("saved", True, False),
                ],
            ),
        ]


class TestEmptyDatabases:
    def test_a_user_email_that_is_not_utf_8_is_one_line_not_a_traceback(
        self, fresh_url: DatabaseUrl
    ) -> None:
        completed = audit_log(fresh_url, "--user", "\udcff@example.com")  # the byte 0xff

        assert completed.returncode == 2, completed
        assert "--user" in completed.stderr and "is not valid UTF-8" in completed.stderr
        assert "Traceback" not in completed.stderr

    def test_a_fresh_database_has_an_empty_audit_log(self, fresh_url: DatabaseUrl) -> None:
        completed = audit_log(fresh_url)

        assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")

    def test_an_unmigrated_database_fails_with_a_one_line_message_naming_migrate(
        self, backend_kind: str, tmp_path: Path
    ) -> None:
        empties = EmptyDatabases(tmp_path)
        try:
            url = empties.create(backend_kind)
            if backend_kind == "sqlite":
                Path(url.sqlite_path).touch()

            completed = audit_log(url)

            line = failed_with_one_line(completed)
            assert "insightlog migrate" in line
        finally:
            empties.drop_all()


# ---------------------------------------------------------------------------- bounded memory


MEBIBYTE_KIB = 1024


def line_count(path: Path) -> int:
    with path.open() as lines:
        return sum(1 for _ in lines)


class TestBoundedMemory:
    def test_audit_log_of_100000_events_streams_in_bounded_memory_as_jsonl_and_csv(
        self, backend_kind: str, databases: DatabaseFactory, tmp_path: Path
    ) -> None:
        url = databases.create(backend_kind)
        backend = open_backend(url)
        try:
            owner = Tenancy(backend).bootstrap(
                email=_email("Ada"),
                first_name="Ada",
                last_name="Lovelace",
                organization="Analytical Engines",
                project="Difference Engine",
            )
            where = {
                "project_id": owner.project_id,
                "environment_id": owner.environment_id,
                "actor_id": owner.user_id,
            }
            bootstrap_events = 5
            # 10,000 events (10 insights created and renamed 999 times) ...
            written = write_renamed_insight_streams(
                backend, **where, streams=10, events_per_stream=1_000
            )
            small = run_measuring_peak_rss(url, ["audit", "log"], tmp_path / "10k")
            # ... then 90,000 more: 100,000 in all.
            written += write_renamed_insight_streams(
                backend, **where, streams=90, events_per_stream=1_000
            )
            large = run_measuring_peak_rss(url, ["audit", "log"], tmp_path / "100k")
            large_csv = run_measuring_peak_rss(
                url, ["audit", "log", "--format", "csv"], tmp_path / "100k-csv"
            )
        finally:
            backend.close()

        assert written == 100_000
        assert small.returncode == 0, small.stderr
        assert large.returncode == 0, large.stderr
        expected_count = bootstrap_events + written
        count, last_position, scopes = 0, 0, set()
        with large.stdout_path.open() as lines:
            for line in lines:
                entry = json.loads(line)
                count += 1
                assert entry["position"] == last_position + 1, (entry, last_position)
                last_position = entry["position"]
                scopes.add(entry["scope"])
        assert count == expected_count
        assert scopes == {"user", "organization", "project", "member", "environment", "insight"}
        assert line_count(small.stdout_path) == bootstrap_events + 10_000
        # Holding 100,000 entries would take well over 100 MiB more than holding 10,000.
        assert large.peak_rss_kib < 1.5 * small.peak_rss_kib, (small, large)
        assert large.peak_rss_kib < 100 * MEBIBYTE_KIB, large
        assert large_csv.returncode == 0, large_csv.stderr
        assert line_count(large_csv.stdout_path) == 1 + expected_count
        assert large_csv.peak_rss_kib < 1.5 * small.peak_rss_kib, (small, large_csv)
