"""`insightlog audit log` prints every change to every aggregate in log order, keys without
their secrets, and the insight fields the activity log leaves out."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from domain.insight_views import ViewBatch
from domain.personal_api_key import hash_key
from store.backend import open_backend
from store.config import DatabaseUrl
from store.insights import InsightCommands
from store.tenancy import Tenancy
from tests.e2e.audit_helpers import MAIN_LOG, VIEWS_LOG, audit_entries, log_tables
from tests.e2e.audit_log.support import (
    CSV_HEADER,
    SCOPES,
    Entry,
    Story,
    _change,
    _email,
    positions,
    without_cli_times,
)

pytestmark = pytest.mark.e2e

ENTRY_KEYS = set(CSV_HEADER)


def _parse_at(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


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


# ---------------------------------------------------------------------------- fresh and unmigrated


def _insight_entries(url: DatabaseUrl, created: Entry, update: Entry) -> list[Entry]:
    """The insight entries `audit log` prints after one insight is created, then updated."""
    backend = open_backend(url)
    try:
        ada = Tenancy(backend).bootstrap(
            email=_email("Ada"), first_name="Ada", last_name="", organization="O", project="P"
        )
        where: dict[str, Any] = {
            "project_id": ada.project_id,
            "environment_id": ada.environment_id,
            "actor_id": ada.user_id,
        }
        insights = InsightCommands(backend)
        insight_id = insights.create(**where, values=created)
        insights.update(**where, insight_id=insight_id, values=update)
    finally:
        backend.close()
    return audit_entries(url, "--scope", "insight")


class TestInsightEntries:
    def test_an_update_of_fields_the_activity_log_leaves_out_lists_them(
        self, fresh_url: DatabaseUrl
    ) -> None:
        entries = _insight_entries(fresh_url, {"name": "Funnel"}, {"order": 5, "saved": False})

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

    def test_a_change_between_two_empty_values_is_listed_though_the_activity_log_hides_it(
        self, fresh_url: DatabaseUrl
    ) -> None:
        entries = _insight_entries(fresh_url, {"name": None}, {"name": ""})

        assert [(e["activity"], e["changes"]) for e in entries] == [
            ("created", None),
            ("updated", [_change("name", None, "")]),
        ]
