"""Analytics events on PostgreSQL: properties as jsonb, a batch inserted in one statement."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg

from domain.analytics_event import CapturedEvent
from domain.errors import InvalidInputError
from store import json_codec
from store.analytics_events import AnalyticsEvents
from store.chain_rows import chain_row
from store.database import Cursor, Row
from store.regex_patterns import checked

FILTERED_STATS_TIMEOUT_MS = 30_000


class PostgresAnalyticsEvents(AnalyticsEvents):
    """AnalyticsEvents in the PostgreSQL database of the event store, sharing the pool
    of our other tables."""

    def ddl(self) -> list[str]:
        return [
            (
                "CREATE TABLE IF NOT EXISTS analytics_events ("
                "project_id BIGINT NOT NULL, uuid UUID NOT NULL, event TEXT NOT NULL, "
                "distinct_id TEXT NOT NULL, timestamp BIGINT NOT NULL, "
                "properties JSONB NOT NULL, elements_chain TEXT NOT NULL, chain_hash BIGINT, "
                "UNIQUE (project_id, uuid))"
            ),
            (
                "CREATE INDEX IF NOT EXISTS analytics_events_by_time "
                "ON analytics_events (project_id, event, timestamp)"
            ),
            (
                "CREATE TABLE IF NOT EXISTS element_stats ("
                "project_id BIGINT NOT NULL, event TEXT NOT NULL, day BIGINT NOT NULL, "
                "chain_hash BIGINT NOT NULL, count BIGINT NOT NULL, version BIGINT NOT NULL, "
                "PRIMARY KEY (project_id, chain_hash, event, day))"
            ),
            (
                "CREATE TABLE IF NOT EXISTS element_chains ("
                "project_id BIGINT NOT NULL, chain_hash BIGINT NOT NULL, chain TEXT NOT NULL, "
                "elements TEXT NOT NULL, tag_name TEXT, text TEXT, href TEXT, attr_id TEXT, "
                "PRIMARY KEY (project_id, chain_hash))"
            ),
        ]

    def _insert_new(
        self, cursor: Cursor, events: Sequence[CapturedEvent]
    ) -> list[tuple[int, UUID]]:
        columns: list[list[Any]] = [[] for _ in range(8)]
        for event in events:
            for column, value in zip(
                columns,
                (
                    event.project_id,
                    event.uuid,
                    event.event,
                    event.distinct_id,
                    event.timestamp,
                    json_codec.dumps(event.properties).decode(),
                    event.elements_chain,
                    chain_row(event.elements_chain)[0] if event.elements_chain else None,
                ),
                strict=True,
            ):
                column.append(value)
        rows = cursor.execute(
            "INSERT INTO analytics_events (project_id, uuid, event, distinct_id, timestamp, "
            "properties, elements_chain, chain_hash) "
            "SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::text[], %s::text[], "
            "%s::bigint[], %s::jsonb[], %s::text[], %s::bigint[]) "
            "ON CONFLICT DO NOTHING RETURNING project_id, uuid",
            columns,
        ).fetchall()
        return [(int(project_id), uuid) for project_id, uuid in rows]

    def _property(self, key: str) -> tuple[str, list[Any]]:
        return "(properties ->> %s)", [key]

    def _matches(self, expression: str) -> str:
        return f"{expression} ~ %s"

    def _pattern(self, pattern: str) -> str:
        return postgres_regex(checked(pattern))

    def _filtered(self, sql: str, params: Sequence[Any]) -> list[Row]:
        # NOTE: PostgreSQL compiles each pattern in its own engine, and some that RE2 takes
        # compile slowly there (`^((a?){30}){30}b`: 0.7 s each, and a request may carry
        # hundreds): the time a filtered query may take is bounded.
        with self.database.transaction() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {FILTERED_STATS_TIMEOUT_MS}")
            try:
                return cursor.execute(sql, params).fetchall()
            except psycopg.errors.InvalidRegularExpression as error:
                raise InvalidInputError(
                    f"Invalid regular expression: {error.diag.message_primary}.",
                    attr="properties",
                ) from None
            except psycopg.errors.QueryCanceled:
                raise InvalidInputError(
                    "The property filters took longer than "
                    f"{FILTERED_STATS_TIMEOUT_MS / 1000:g} seconds to evaluate: narrow them.",
                    attr="properties",
                ) from None


# RE2's ASCII classes (what the filters mean: SQLite runs RE2, as ClickHouse does for
# PostHog), spelled out: PostgreSQL's own \\w, \\d, \\s, \\y and [:alpha:] follow Unicode.
_WORD = "0-9A-Za-z_"
_SPACE = "\\t\\n\\f\\r "
_IN_SET = {"d": "0-9", "w": _WORD, "s": _SPACE}
_OUTSIDE = {
    **{name: f"[{members}]" for name, members in _IN_SET.items()},
    **{name.upper(): f"[^{members}]" for name, members in _IN_SET.items()},
    "b": f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))",
    "B": f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))",
}
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\u0001-\\u007f",
    "blank": "\\t ",
    "cntrl": "\\u0001-\\u001f\\u007f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\u005b-\\u0060{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": _WORD,
    "xdigit": "0-9A-Fa-f",
}
_HEX = re.compile(r"x([0-9A-Fa-f]{2})|x\{([0-9A-Fa-f]{1,6})\}")
_FLAGS = re.compile(r"\(\?[imsU-]+[:)]")


def postgres_regex(pattern: str) -> str:
    """A filter's pattern (RE2's meaning) in PostgreSQL's dialect: ASCII classes spelled out,
    `.` never a newline, hex escapes of fixed width, named groups unnamed, and a `[` inside a
    set literal unless it opens a POSIX class. What PostgreSQL cannot mean the same way (a
    flag other than a leading `(?i)`, a negated POSIX class inside a larger set) is a 400."""
    out, index, in_class = [], 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            hex_escape = _HEX.match(pattern, index + 1)
            if hex_escape:
                # PostgreSQL's \x takes every hex digit that follows; RE2's takes two.
                out.append(f"\\U{int(hex_escape[1] or hex_escape[2], 16):08x}")
                index = hex_escape.end()
                continue
            escaped = pattern[index + 1]
            table = _IN_SET if in_class else _OUTSIDE
            out.append(table.get(escaped, char + escaped))
            index += 2
            continue
        if in_class:
            if pattern.startswith("[:", index):
                end = pattern.find(":]", index + 2)
                name = pattern[index + 2 : end] if end != -1 else ""
                if name in _POSIX:
                    out.append(_POSIX[name])
                    index = end + 2
                    continue
                if name.startswith("^") and name[1:] in _POSIX:
                    raise _unsupported(pattern, "a negated POSIX class inside a larger set")
            in_class = char != "]"
            out.append("\\[" if char == "[" else char)
            index += 1
            continue
        if char == "[":
            negated = re.match(r"\[\[:\^(\w+):\]\]", pattern[index:])
            if negated and negated[1] in _POSIX:
                out.append(f"[^{_POSIX[negated[1]]}]")
                index += negated.end()
                continue
            # A `]` first in the set (after any `^`) is a member, not its end.
            start = index + 1 + pattern.startswith("^", index + 1)
            if pattern.startswith("]", start):
                out.append(pattern[index : start + 1])
                index = start + 1
                in_class = True
                continue
            in_class = True
        elif char == ".":
            out.append("[^\\n]")
            index += 1
            continue
        elif _FLAGS.match(pattern, index):
            if index == 0 and pattern.startswith("(?i)"):
                out.append("(?i)")  # PostgreSQL takes options at the start only.
                index = 4
                continue
            raise _unsupported(pattern, "inline flags other than a leading (?i)")
        elif pattern.startswith("(?P<", index):
            end = pattern.find(">", index)
            if end != -1:
                out.append("(")
                index = end + 1
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _unsupported(pattern: str, what: str) -> InvalidInputError:
    return InvalidInputError(
        f"Invalid regular expression {pattern!r}: not supported on PostgreSQL ({what}).",
        attr="properties",
    )
