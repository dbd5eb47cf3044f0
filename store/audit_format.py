"""Writing audit entries as JSON lines or CSV, one at a time."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

import orjson

from store import json_codec

CSV_COLUMNS = (
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
)


def _json(value: Any) -> str:
    # Through json_codec: client data may hold integers beyond 64 bits, which orjson refuses.
    return json_codec.dumps(value, option=orjson.OPT_UTC_Z).decode()


def write_entries(entries: Iterable[dict[str, Any]], output: str, stream: TextIO) -> int:
    """Write every entry to `stream` as `jsonl` or `csv`; returns how many."""
    count = 0
    writer = None
    if output == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
    for entry in entries:
        if writer is None:
            stream.write(_json(entry) + "\n")
        else:
            cells = {**entry, "at": _json(entry["at"]).strip('"')}
            writer.writerow(
                _json(cells[column]) if column in ("changes", "trigger") else cells[column]
                for column in CSV_COLUMNS
            )
        count += 1
    return count
