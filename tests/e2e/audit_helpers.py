"""Helpers for end-to-end tests of `insightlog audit log` and `insightlog audit verify`: the
commands as real processes, many events written fast, the peak memory of a child process,
and direct edits of the stored logs (as an attacker with database access would make them)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg

from domain.insight import Insight
from domain.short_id import short_id_for
from store.backend import Backend
from store.config import DatabaseUrl
from tests.e2e.backlog import query_write
from tests.e2e.processes import INSIGHTLOG, cli, process_env, query

MAIN_LOG = "insightlog"
VIEWS_LOG = "insightlog_views"


# ---------------------------------------------------------------------------- the commands


def audit_log(url: DatabaseUrl, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(url, "audit", "log", *args)


def jsonl_entries(completed: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The entries a successful `audit log` printed: one JSON object per line, nothing else."""
    assert completed.returncode == 0, (completed.returncode, completed.stderr)
    if completed.stdout == "":
        return []
    assert completed.stdout.endswith("\n"), completed.stdout[-200:]
    entries = []
    for line in completed.stdout[:-1].split("\n"):
        entry = json.loads(line)
        assert isinstance(entry, dict), line
        entries.append(entry)
    return entries


def audit_entries(url: DatabaseUrl, *args: str) -> list[dict[str, Any]]:
    return jsonl_entries(audit_log(url, *args))


@dataclass(frozen=True)
class Verification:
    """What `audit verify` answered: its exit code and the one JSON object it printed."""

    returncode: int
    report: dict[str, Any]
    stderr: str

    def log(self, name: str) -> dict[str, Any]:
        (found,) = [entry for entry in self.report["logs"] if entry["log"] == name]
        return found


def audit_verify(url: DatabaseUrl) -> Verification:
    completed = cli(url, "audit", "verify")
    # json.loads refuses anything after the first value: exactly one object on stdout.
    report = json.loads(completed.stdout)
    assert isinstance(report, dict), completed.stdout
    return Verification(completed.returncode, report, completed.stderr)


# ---------------------------------------------------------------------------- many events, fast


def write_renamed_insight_streams(
    backend: Backend,
    *,
    project_id: int,
    environment_id: int,
    actor_id: int,
    streams: int,
    events_per_stream: int,
) -> int:
    """`streams` insight streams of `events_per_stream` events each (created, then renamed
    again and again), inserted through the backend's own (hash-chaining) recorder one
    stream per transaction. The events of one stream are encoded once and copied under a
    new originator id for each stream: a large log, quickly. No read model is brought up
    to them (`audit log` reads only the log). Returns the number of events written."""
    template = Insight.create(
        insight_id=backend.sequences.next_id("insight"),
        short_id=short_id_for(1),
        project_id=project_id,
        environment_id=environment_id,
        actor_id=actor_id,
        at=backend.clock(),
        values={"name": "Weekly signups", "tags": ["growth"]},
        new_tiles={},
    )
    for version in range(1, events_per_stream):
        template.update(
            environment_id=environment_id,
            actor_id=actor_id,
            at=backend.clock(),
            values={"name": f"Weekly signups (v{version})"},
            new_tiles={},
        )
    encoded = [backend.events.mapper.to_stored_event(event) for event in template.collect_events()]
    assert len(encoded) == events_per_stream
    recorder = backend.events.recorder
    for _ in range(streams):
        originator = uuid.uuid4()
        recorder.insert_events([replace(event, originator_id=originator) for event in encoded])
    return streams * events_per_stream


# ---------------------------------------------------------------------------- peak memory


@dataclass(frozen=True)
class MeasuredRun:
    returncode: int
    peak_rss_kib: int
    stdout_path: Path
    stderr: str


# Linux carries a process's peak-RSS record across exec, and a child forked from the
# pytest worker starts with the worker's high-water mark. So a small intermediate Python
# process starts the command and reports the grandchild's own peak, which begins small.
_MEASURE_CHILD = """
import os, subprocess, sys
report, command = sys.argv[1], sys.argv[2:]
child = subprocess.Popen(command)
_, status, usage = os.wait4(child.pid, 0)
with open(report, "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measuring_peak_rss(url: DatabaseUrl, args: list[str], directory: Path) -> MeasuredRun:
    """Run `insightlog ARGS` with stdout to a file and return its peak resident set size
    in KiB, as the kernel accounted it to that process alone (wait4's ru_maxrss)."""
    directory.mkdir(parents=True, exist_ok=True)
    stdout_path = directory / "stdout"
    stderr_path = directory / "stderr"
    report_path = directory / "peak_rss_kib"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        completed = subprocess.run(
            [sys.executable, "-c", _MEASURE_CHILD, str(report_path), str(INSIGHTLOG), *args],
            env=process_env(url),
            stdout=stdout,
            stderr=stderr,
            check=False,
        )
    return MeasuredRun(
        completed.returncode,
        int(report_path.read_text()),
        stdout_path,
        stderr_path.read_text(errors="replace"),
    )


# ---------------------------------------------------------------------------- the stored logs


@dataclass(frozen=True)
class LogTables:
    """Where one log is stored: the database (file), the events table, the column holding
    each event's position, and the table of chain hashes."""

    name: str
    url: DatabaseUrl
    events: str
    position: str
    hashes: str

    def count(self) -> int:
        return int(query(self.url, f"SELECT COUNT(*) FROM {self.events}")[0][0])

    def positions(self) -> list[int]:
        rows = query(self.url, f"SELECT {self.position} FROM {self.events} ORDER BY 1")
        return [int(row[0]) for row in rows]

    def head(self) -> int:
        return max(self.positions())

    def state(self, position: int) -> bytes:
        rows = query(
            self.url, f"SELECT state FROM {self.events} WHERE {self.position} = %s", (position,)
        )
        return bytes(rows[0][0])

    def topic(self, position: int) -> str:
        rows = query(
            self.url, f"SELECT topic FROM {self.events} WHERE {self.position} = %s", (position,)
        )
        return str(rows[0][0])

    def position_of(self, needle: bytes) -> int:
        """The one event whose state contains `needle`."""
        rows = query(self.url, f"SELECT {self.position}, state FROM {self.events}")
        (found,) = [int(row[0]) for row in rows if needle in bytes(row[1])]
        return found

    def set_state(self, position: int, state: bytes) -> None:
        query_write(
            self.url,
            f"UPDATE {self.events} SET state = %s WHERE {self.position} = %s",
            (state, position),
        )

    def set_topic_and_state(self, position: int, topic: str, state: bytes) -> None:
        query_write(
            self.url,
            f"UPDATE {self.events} SET topic = %s, state = %s WHERE {self.position} = %s",
            (topic, state, position),
        )

    def delete_event(self, position: int) -> None:
        query_write(self.url, f"DELETE FROM {self.events} WHERE {self.position} = %s", (position,))

    def move_event(self, source: int, target: int) -> None:
        query_write(
            self.url,
            f"UPDATE {self.events} SET {self.position} = %s WHERE {self.position} = %s",
            (target, source),
        )

    def swap_events(self, first: int, second: int) -> None:
        """Exchange the places of two whole events in the log (their hashes stay put)."""
        self.move_event(first, -1)
        self.move_event(second, first)
        self.move_event(-1, second)

    def hash(self, position: int) -> bytes:
        rows = query(
            self.url, f"SELECT hash FROM {self.hashes} WHERE notification_id = %s", (position,)
        )
        return bytes(rows[0][0])

    def hash_count(self) -> int:
        return int(query(self.url, f"SELECT COUNT(*) FROM {self.hashes}")[0][0])

    def set_hash(self, position: int, value: bytes) -> None:
        query_write(
            self.url,
            f"UPDATE {self.hashes} SET hash = %s WHERE notification_id = %s",
            (value, position),
        )

    def delete_hash(self, position: int) -> None:
        query_write(self.url, f"DELETE FROM {self.hashes} WHERE notification_id = %s", (position,))


def log_tables(url: DatabaseUrl, name: str) -> LogTables:
    """The tables of the main log (`insightlog`) or of the views log (`insightlog_views`)."""
    assert name in (MAIN_LOG, VIEWS_LOG), name
    if url.backend == "sqlite":
        # The library's SQLite events table has no id column: the position is the rowid.
        where = url if name == MAIN_LOG else DatabaseUrl.parse(f"sqlite:///{url.views_sqlite_path}")
        return LogTables(name, where, "stored_events", "rowid", "stored_events_hashes")
    events = "insightlog_events" if name == MAIN_LOG else "insightlog_views_events"
    return LogTables(name, url, events, "notification_id", f"{events}_hashes")


# ---------------------------------------------------------------------------- a pristine copy


class PristineLogs:
    """The stored logs of a database as they were once written, put back before each test
    that tampers with them: on SQLite by copying the files (main and views), on PostgreSQL
    by copying the four tables of the logs aside and back (every dropped PostgreSQL
    database costs a checkpoint, so the tests share one)."""

    PREFIX = "pristine_"

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        if url.backend == "sqlite":
            self._files = sorted(Path(url.sqlite_path).parent.iterdir())
        else:
            self._tables = [
                table
                for log in (MAIN_LOG, VIEWS_LOG)
                for table in (log_tables(url, log).events, log_tables(url, log).hashes)
            ]
            with _transaction(url) as connection:
                for table in self._tables:
                    connection.execute(
                        f"CREATE TABLE {self.PREFIX}{table} AS SELECT * FROM {table}"
                    )

    def restore(self, directory: Path) -> DatabaseUrl:
        """The database with its logs as they were; SQLite copies land in `directory`."""
        if self.url.backend == "sqlite":
            directory.mkdir(parents=True, exist_ok=True)
            for path in self._files:
                shutil.copyfile(path, directory / path.name)
            return DatabaseUrl.parse(f"sqlite:///{directory / Path(self.url.sqlite_path).name}")
        with _transaction(self.url) as connection:
            connection.execute(f"TRUNCATE {', '.join(self._tables)}")
            for table in self._tables:
                connection.execute(f"INSERT INTO {table} SELECT * FROM {self.PREFIX}{table}")
        return self.url


@contextmanager
def _transaction(url: DatabaseUrl) -> Iterator[Any]:
    with psycopg.connect(url.conninfo) as connection, connection.transaction():
        yield connection
