"""`insightlog audit log`: JSON lines and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.e2e.audit_helpers import audit_log, jsonl_entries
from tests.e2e.audit_log.support import CSV_HEADER, Entry, Story, without_cli_times

pytestmark = pytest.mark.e2e


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
