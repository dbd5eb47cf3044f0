"""Element stats in memory: each process keeps the day counts of the projects it was asked
about, caught up from the `element_stats` table by version before every answer, and keeps
the ranking of each range of days it was recently asked about sorted as clicks arrive.

Summing a week of 10,000 chains is some 150,000 day counts; a database scans them at about
a microsecond each, a dictionary here in a tenth of that, and a kept ranking moves only the
rows a new click changed. Every capture that counts clicks bumps its project's version under
a row lock, so versions become visible in order: after reading version V, every change up to
V can be read, and nothing is missed.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from store.database import Cursor, Database

MAX_PROJECTS = 16
MAX_RANGES = 8
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


Key = tuple[int, str]  # (stored chain hash, event)
Range = tuple[frozenset[str], int, int]  # (events, first day, last day)


@dataclass
class _Ranking:
    """The totals of one range of days, and (negated total, chain, event) sorted by them."""

    totals: dict[Key, int]
    order: list[tuple[int, int, str]]


@dataclass
class _ProjectCounts:
    version: int = 0
    days: dict[Key, dict[int, int]] = field(default_factory=dict)
    # Per (chain, event): all-time total and first and last day, so that a range holding
    # every day of a chain (the usual case) is summed without visiting its days.
    spans: dict[Key, tuple[int, int, int]] = field(default_factory=dict)
    # The ranges asked about lately, kept sorted as clicks arrive: a click moves one row.
    rankings: OrderedDict[Range, _Ranking] = field(default_factory=OrderedDict)

    def total(self, key: Key, first_day: int, last_day: int) -> int:
        total, first, last = self.spans[key]
        if last < first_day or first > last_day:
            return 0
        if first < first_day or last > last_day:
            days = self.days[key]
            return sum(n for day, n in days.items() if first_day <= day <= last_day)
        return total

    def ranking(self, events: frozenset[str], first_day: int, last_day: int) -> _Ranking:
        wanted = (events, first_day, last_day)
        ranking = self.rankings.pop(wanted, None)
        if ranking is None:
            totals = {
                key: total
                for key in self.spans
                if key[1] in events and (total := self.total(key, first_day, last_day))
            }
            order = sorted((-total, *key) for key, total in totals.items())
            ranking = _Ranking(totals, order)
        self.rankings[wanted] = ranking
        while len(self.rankings) > MAX_RANGES:
            self.rankings.popitem(last=False)
        return ranking

    def changed(self, keys: set[Key]) -> None:
        """Move the rows of `keys` to where their new totals rank them."""
        for (events, first_day, last_day), ranking in self.rankings.items():
            for key in keys:
                if key[1] not in events:
                    continue
                old = ranking.totals.pop(key, 0)
                if old:
                    del ranking.order[bisect_left(ranking.order, (-old, *key))]
                new = self.total(key, first_day, last_day)
                if new:
                    ranking.totals[key] = new
                    insort(ranking.order, (-new, *key))


class ElementCounts:
    """Click counts per chain and event over a range of days, from memory."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._projects: OrderedDict[int, _ProjectCounts] = OrderedDict()
        self._lock = threading.Lock()

    def ranked(
        self,
        project_id: int,
        events: Sequence[str],
        first_day: int,
        last_day: int,
        offset: int,
        count: int,
    ) -> list[tuple[int, int, str]]:
        """(negated count, stored chain hash, event) with a count, most first (then by
        hash, event): `count` of them from `offset`."""
        with self._lock:
            counts = self._current(project_id)
            ranking = counts.ranking(frozenset(events), first_day, last_day)
            return ranking.order[offset : offset + count]

    def version(self, project_id: int) -> int:
        """The project's stats version: it changes whenever a capture counted clicks."""
        rows = self._database.query(
            "SELECT version FROM element_stats_versions WHERE project_id = %s", (project_id,)
        )
        return int(rows[0][0]) if rows else 0

    def _current(self, project_id: int) -> _ProjectCounts:
        counts = self._projects.pop(project_id, None) or _ProjectCounts()
        self._projects[project_id] = counts
        while len(self._projects) > MAX_PROJECTS:
            self._projects.popitem(last=False)
        latest = self.version(project_id)
        if latest == counts.version:
            return counts
        # Rows of a version newer than `latest` may show up already: they hold totals, so
        # reading them again later changes nothing.
        changed = self._database.query(
            "SELECT chain_hash, event, day, count FROM element_stats "
            "WHERE project_id = %s AND version > %s",
            (project_id, counts.version),
        )
        touched = set()
        for chain, event, day, count in changed:
            key = (int(chain), event)
            counts.days.setdefault(key, {})[int(day)] = int(count)
            touched.add(key)
        for key in touched:
            days = counts.days[key]
            counts.spans[key] = (sum(days.values()), min(days), max(days))
        counts.changed(touched)
        counts.version = latest
        return counts
