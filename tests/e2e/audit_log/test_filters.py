"""`insightlog audit log`: the project, user, scope and time filters, alone and together."""

from __future__ import annotations

import pytest

from tests.e2e.audit_helpers import audit_entries, audit_log
from tests.e2e.audit_log.support import (
    SCOPES,
    Story,
    failed_with_one_line,
    positions,
    without_cli_times,
)

pytestmark = pytest.mark.e2e


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
