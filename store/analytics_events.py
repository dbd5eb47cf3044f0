"""Analytics events: telemetry captured from PostHog SDKs, kept append-only beside (not in)
the event store, with the element statistics read model kept current as they arrive.

One interface, `AnalyticsEvents`, with an implementation per database; the SQL they share is
here, each dialect supplies how it inserts, reads a property and matches a regex.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

from domain.analytics_event import CapturedEvent
from domain.instants import DAY_MICROS
from domain.property_filter import FilterGroup, PropertyFilter
from store.chain_rows import VALUE_KEYS, chain_row, public_hash
from store.database import Cursor, Database, Row
from store.element_counts import VERSION_DDL, ElementCounts, bump_version
from store.regex_patterns import checked

ELEMENT_EVENTS = ("$autocapture", "$rageclick", "$dead_click")


class ChainCount(NamedTuple):
    """One row of element stats: how often an event hit a chain (a tuple: pages hold
    tens of thousands)."""

    chain: str
    elements_json: bytes
    hash: str
    event: str
    count: int  # type: ignore[assignment]  # The column's name, over tuple.count.


@dataclass(frozen=True)
class StatsQuery:
    """What element stats count: day-grained when there are no property filters."""

    project_id: int
    events: tuple[str, ...]
    start: int
    end: int
    properties: FilterGroup | None
    limit: int
    offset: int


MAX_CACHED_ROWS = 200_000
MAX_CACHED_CHAIN_BYTES = 64 << 20


class AnalyticsEvents(ABC):
    """Append-only analytics events and the element stats kept from them."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # A chain's text and parsed elements never change: stats pages read them from here,
        # up to MAX_CACHED_CHAIN_BYTES of them (rows refer to them, so both go together).
        self._chains: dict[int, dict[int, tuple[str, bytes, str]]] = {}
        self._chain_bytes = 0
        self._counts = ElementCounts(database)
        self._rows: dict[int, dict[tuple[int, int, str], ChainCount]] = {}
        self._cache_lock = threading.Lock()

    # -- the parts each database does its own way

    @abstractmethod
    def _insert_new(
        self, cursor: Cursor, events: Sequence[CapturedEvent]
    ) -> list[tuple[int, UUID]]:
        """Insert the events whose (project, uuid) is not stored yet; their (project, uuid)."""

    @abstractmethod
    def _property(self, key: str) -> tuple[str, list[Any]]:
        """SQL for a property's text (NULL when absent or null), with its parameters."""

    @abstractmethod
    def _matches(self, expression: str) -> str:
        """SQL that is true when `expression` matches the regex given as a parameter."""

    def _pattern(self, pattern: str) -> str:
        """A regex filter's pattern as this database runs it (checked: 400 if it cannot)."""
        return checked(pattern)

    def _filtered(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """The rows of a stats query with property filters."""
        return self.database.query(sql, params)

    @abstractmethod
    def ddl(self) -> list[str]:
        """Statements creating every table and index (idempotent)."""

    def install(self) -> None:
        """Create the tables."""
        with self.database.transaction(write=True) as cursor:
            for statement in [*self.ddl(), *VERSION_DDL]:
                cursor.execute(statement)

    def close(self) -> None:
        """Release what this store opened itself."""

    # -- writes

    def insert(self, events: Sequence[CapturedEvent]) -> int:
        """Store the events not seen before (by project and uuid) and count their element
        clicks, atomically; returns how many were new."""
        # Sorted, so that two batches sharing uuids lock them in the same order.
        unique = sorted(
            {(event.project_id, event.uuid): event for event in events}.values(),
            key=lambda event: (event.project_id, event.uuid.int),
        )
        # Durable: captured events are no read model, nothing could rebuild them.
        with self.database.transaction(write=True, durable=True) as cursor:
            new = set(self._insert_new(cursor, unique))
            counted = [
                e
                for e in unique
                if (e.project_id, e.uuid) in new and e.event in ELEMENT_EVENTS and e.elements_chain
            ]
            if counted:
                self._count(cursor, counted)
        return len(new)

    def _count(self, cursor: Cursor, events: list[CapturedEvent]) -> None:
        chains = {(e.project_id, e.elements_chain) for e in events}
        cursor.executemany(
            "INSERT INTO element_chains (project_id, chain_hash, chain, elements, "
            "tag_name, text, href, attr_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            sorted(
                (project, chain_row(chain)[0], chain, *chain_row(chain)[1:])
                for project, chain in chains
            ),
        )
        counts = Counter(
            (e.project_id, chain_row(e.elements_chain)[0], e.event, e.timestamp // DAY_MICROS)
            for e in events
        )
        # Sorted, so concurrent writers lock the same rows in the same order.
        versions = {
            project: bump_version(cursor, project)
            for project in sorted({e.project_id for e in events})
        }
        cursor.executemany(
            "INSERT INTO element_stats (project_id, chain_hash, event, day, count, version) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (project_id, chain_hash, event, day) "
            "DO UPDATE SET count = element_stats.count + excluded.count, "
            "version = excluded.version",
            sorted((*key, count, versions[key[0]]) for key, count in counts.items()),
        )

    # -- reads

    def element_stats(self, query: StatsQuery) -> list[ChainCount]:
        """Chains by count (then hash, event), one page; at most `limit + 1` rows so the
        caller can tell whether there is a next page."""
        if query.properties is None:
            ranked = self._counts.ranked(
                query.project_id,
                query.events,
                query.start // DAY_MICROS,
                query.end // DAY_MICROS,
                query.offset,
                query.limit + 1,
            )
            return self._ranked_rows(query.project_id, ranked)
        placeholders = ", ".join(["%s"] * len(query.events))
        condition, condition_params = self._group_sql(query.properties)
        rows = self._filtered(
            "SELECT chain_hash, event, COUNT(*) AS n FROM analytics_events "
            f"WHERE project_id = %s AND event IN ({placeholders}) "
            "AND timestamp BETWEEN %s AND %s AND chain_hash IS NOT NULL "
            f"AND ({condition}) GROUP BY chain_hash, event "
            "ORDER BY n DESC, chain_hash, event LIMIT %s OFFSET %s",
            (
                query.project_id,
                *query.events,
                query.start,
                query.end,
                *condition_params,
                query.limit + 1,
                query.offset,
            ),
        )
        return self._ranked_rows(
            query.project_id, [(-int(n), int(stored), event) for stored, event, n in rows]
        )

    def _ranked_rows(self, project_id: int, ranked: list[tuple[int, int, str]]) -> list[ChainCount]:
        # Rows are kept (per project: a hash names a chain only within its project), so that
        # a page of 50,000 builds only the rows whose count changed since it was last asked.
        with self._cache_lock:
            rows_held = sum(map(len, self._rows.values()))
            if self._chain_bytes > MAX_CACHED_CHAIN_BYTES:
                self._chains.clear()
                self._chain_bytes = 0
                self._rows.clear()
            elif rows_held + len(ranked) > MAX_CACHED_ROWS:
                self._rows.clear()
            rows = self._rows.setdefault(project_id, {})
            missing = [entry for entry in ranked if entry not in rows]
            if missing:
                chains = self._chain_texts(project_id, {stored for _, stored, _ in missing})
                for entry in missing:
                    negated, stored, event = entry
                    rows[entry] = ChainCount(*chains[stored], event, -negated)
            return [rows[entry] for entry in ranked]

    def _chain_texts(self, project_id: int, hashes: set[int]) -> dict[int, tuple[str, bytes, str]]:
        """Each chain's text, parsed elements and public hash, by stored hash."""
        known = self._chains.setdefault(project_id, {})
        missing = sorted(hashes - known.keys())
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            for stored, chain, elements in self.database.query(
                "SELECT chain_hash, chain, elements FROM element_chains WHERE project_id = %s "
                f"AND chain_hash IN ({', '.join(['%s'] * len(chunk))})",
                (project_id, *chunk),
            ):
                known[int(stored)] = (chain, elements.encode(), public_hash(int(stored)))
                self._chain_bytes += len(chain) + len(elements)
        return known

    def stats_version(self, project_id: int) -> int:
        """A number that changes whenever the project's element stats may have changed."""
        return self._counts.version(project_id)

    def element_values(self, project_id: int, key: str) -> list[tuple[str, str, int]]:
        """(chain, the value `key` extracts from it, autocapture count) for every chain
        that has such a value."""
        if key not in VALUE_KEYS:
            raise ValueError(f"unknown values key {key!r}")
        return [
            (chain, value, int(n))
            for chain, value, n in self.database.query(
                f"SELECT c.chain, c.{key}, t.n FROM (SELECT chain_hash, SUM(count) AS n "
                "FROM element_stats WHERE project_id = %s AND event = '$autocapture' "
                "GROUP BY chain_hash) t JOIN element_chains c "
                "ON c.project_id = %s AND c.chain_hash = t.chain_hash "
                f"WHERE c.{key} IS NOT NULL AND c.{key} <> ''",
                (project_id, project_id),
            )
        ]

    def _group_sql(self, group: FilterGroup) -> tuple[str, list[Any]]:
        if not group.items:
            return "1 = 1", []
        parts, params = [], []
        for item in group.items:
            sql, item_params = (
                self._group_sql(item) if isinstance(item, FilterGroup) else self._filter_sql(item)
            )
            parts.append(f"({sql})")
            params += item_params
        # Bracketed whole: a caller may join it to other conditions with AND.
        return "(" + f" {group.kind} ".join(parts) + ")", params

    def _filter_sql(self, item: PropertyFilter) -> tuple[str, list[Any]]:
        value, params = self._property(item.key)
        operator, values = item.operator, list(item.values)
        if operator == "is_set":
            return f"{value} IS NOT NULL", params
        if operator == "is_not_set":
            return f"{value} IS NULL", params
        marks = ", ".join(["%s"] * len(values))
        if operator == "exact":
            return f"{value} IN ({marks})", params + values
        if operator == "is_not":
            return f"{value} IS NULL OR {value} NOT IN ({marks})", params * 2 + values
        if operator in ("icontains", "not_icontains"):
            # Both sides folded by the database's lower(): Python's and PostgreSQL's differ
            # on a few letters ("İ"), and a value must contain a term folded its own way.
            patterns = [f"%{_like_escaped(v)}%" for v in values]
            test = " OR ".join(f"lower({value}) LIKE lower(%s) ESCAPE '\\'" for _ in values)
            test_params = [p for pattern in patterns for p in (*params, pattern)]
            if operator == "icontains":
                return test, test_params
            return f"{value} IS NULL OR NOT ({test})", params + test_params
        test = " OR ".join(self._matches(value) for _ in values)
        test_params = [p for pattern in values for p in (*params, self._pattern(pattern))]
        if operator == "regex":
            return test, test_params
        return f"{value} IS NULL OR NOT ({test})", params + test_params


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
