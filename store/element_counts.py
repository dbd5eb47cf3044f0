"""Element stats in memory: each process keeps the day counts of the projects it was asked
about, caught up from the `element_stats` table by version before every answer.

Summing a week of 10,000 chains is some 150,000 day counts; a database scans them at about
a microsecond each, a dictionary here in a tenth of that. Every capture that counts clicks
bumps its project's version under a row lock, so versions become visible in order: after
reading version V, every change up to V can be read, and nothing is missed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from store.database import Cursor, Database

MAX_PROJECTS = 16
VERSION_DDL = [
    (
        "CREATE TABLE IF NOT EXISTS element_stats_versions ("
        "project_id BIGINT PRIMARY KEY, version BIGINT NOT NULL)"
    ),
    "CREATE INDEX IF NOT EXISTS element_stats_by_version ON element_stats (project_id, version)",
]


def bump_version(cursor: Cursor, project_id: int) -> int:
    """Inside a capture's transaction: the project's next stats version (locks its row
    until commit)."""
    row = cursor.execute(
        "INSERT INTO element_stats_versions (project_id, version) VALUES (%s, 1) "
        "ON CONFLICT (project_id) DO UPDATE SET version = element_stats_versions.version + 1 "
        "RETURNING version",
        (project_id,),
    ).fetchone()
    assert row is not None
    return int(row[0])


@dataclass
class _ProjectCounts:
    version: int = 0
    days: dict[tuple[int, str], dict[int, int]] = field(default_factory=dict)
    # Per (chain, event): all-time total and first and last day, so that a range holding
    # every day of a chain (the usual case) is summed without visiting its days.
    spans: dict[tuple[int, str], tuple[int, int, int]] = field(default_factory=dict)


class ElementCounts:
    """Click counts per chain and event over a range of days, from memory."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._projects: OrderedDict[int, _ProjectCounts] = OrderedDict()
        self._lock = threading.Lock()

    def totals(
        self, project_id: int, events: Sequence[str], first_day: int, last_day: int
    ) -> list[tuple[int, str, int]]:
        """(stored chain hash, event, count) with a count, most first (then by hash, event)."""
        wanted = frozenset(events)
        with self._lock:
            counts = self._current(project_id)
            found = []
            for key, (total, first, last) in counts.spans.items():
                if key[1] not in wanted or last < first_day or first > last_day:
                    continue
                if first < first_day or last > last_day:
                    days = counts.days[key]
                    total = sum(n for day, n in days.items() if first_day <= day <= last_day)
                if total:
                    found.append((-total, *key))
        found.sort()
        return [(chain, event, -negated) for negated, chain, event in found]

    def _current(self, project_id: int) -> _ProjectCounts:
        counts = self._projects.pop(project_id, None) or _ProjectCounts()
        self._projects[project_id] = counts
        while len(self._projects) > MAX_PROJECTS:
            self._projects.popitem(last=False)
        with self._database.transaction() as cursor:
            row = cursor.execute(
                "SELECT version FROM element_stats_versions WHERE project_id = %s", (project_id,)
            ).fetchone()
            latest = int(row[0]) if row else 0
            if latest == counts.version:
                return counts
            # Rows of a version newer than `latest` may show up already: they hold totals,
            # so reading them again later changes nothing.
            changed = cursor.execute(
                "SELECT chain_hash, event, day, count FROM element_stats "
                "WHERE project_id = %s AND version > %s",
                (project_id, counts.version),
            ).fetchall()
        touched = set()
        for chain, event, day, count in changed:
            key = (int(chain), event)
            counts.days.setdefault(key, {})[int(day)] = int(count)
            touched.add(key)
        for key in touched:
            days = counts.days[key]
            counts.spans[key] = (sum(days.values()), min(days), max(days))
        counts.version = latest
        return counts
