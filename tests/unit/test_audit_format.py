"""Audit entries written as JSON lines and CSV keep every value a client could store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from store.audit_format import CSV_COLUMNS, write_entries

HUGE = 123456789012345678901234567890


def entry(changes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "position": 7,
        "at": datetime(2026, 11, 27, 3, 0, tzinfo=UTC),
        "scope": "Insight",
        "activity": "updated",
        "item_id": "12",
        "project_id": 1,
        "environment_id": 1,
        "actor_id": 2,
        "actor_email": "ann@example.com",
        "changes": changes,
        "trigger": None,
    }


CHANGES = [{"field": "filters", "before": {}, "after": {"n": HUGE, "m": -HUGE}}]


def test_an_integer_beyond_64_bits_is_written_exactly_as_a_json_line() -> None:
    stream = io.StringIO()

    assert write_entries([entry(CHANGES), entry([])], "jsonl", stream) == 2

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["changes"] == CHANGES
    assert (first["at"], second["changes"]) == ("2026-11-27T03:00:00Z", [])


def test_an_integer_beyond_64_bits_is_written_exactly_in_csv() -> None:
    stream = io.StringIO()

    write_entries([entry(CHANGES)], "csv", stream)

    [row] = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert list(row) == list(CSV_COLUMNS)
    assert json.loads(row["changes"]) == CHANGES
    assert row["at"] == "2026-11-27T03:00:00Z"
