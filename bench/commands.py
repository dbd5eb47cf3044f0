"""Command throughput: creating insights in-process vs a raw eventsourcing save of a
one-event aggregate on the same backend."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from bench.backends import scratch_database
from store.backend import open_backend
from store.insights import InsightCommands
from store.tenancy import Tenancy

QUERY = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}


class Ping(Aggregate):
    """The smallest aggregate: one Created event."""

    TOPIC = "bench.Ping"

    class Created(Aggregate.Created):
        TOPIC = "bench.Ping.Created"
        label: str

    def __init__(self, label: str) -> None:
        self.label = label


class RawApplication(Application[Any]):
    name = "rawbench"
    env: ClassVar[dict[str, str]] = {}


def _raw_env(url: Any) -> dict[str, str]:
    env = url.eventsourcing_env(create_table=True)
    if url.backend == "sqlite":
        # Its own file: the raw baseline must not write into insightlog's event log.
        env["SQLITE_DBNAME"] = str(Path(url.sqlite_path).with_suffix(".raw.sqlite3"))
    return env


def run(backend_kind: str, *, per_round: int = 200, rounds: int = 5) -> dict[str, Any]:
    """Interleaved rounds of both, so drift on the machine affects them alike."""
    with scratch_database(backend_kind) as url:
        backend = open_backend(url)
        raw = RawApplication(env=_raw_env(url))
        try:
            tenant = Tenancy(backend).bootstrap(
                email="bench@example.com",
                first_name="Bench",
                last_name="",
                organization="Bench",
                project="Bench",
            )
            commands = InsightCommands(backend)
            raw_seconds = ours_seconds = 0.0
            for round_number in range(rounds):
                start = time.perf_counter()
                for i in range(per_round):
                    raw.save(Ping._create(Ping.Created, id=None, label=f"{round_number}-{i}"))
                raw_seconds += time.perf_counter() - start
                start = time.perf_counter()
                for i in range(per_round):
                    commands.create(
                        project_id=tenant.project_id,
                        environment_id=tenant.environment_id,
                        actor_id=tenant.user_id,
                        values={"name": f"Insight {round_number}-{i}", "query": QUERY},
                    )
                ours_seconds += time.perf_counter() - start
        finally:
            raw.close()
            backend.close()
    total = per_round * rounds
    raw_rate, ours_rate = total / raw_seconds, total / ours_seconds
    return {
        "backend": backend_kind,
        "creates_per_second": round(ours_rate, 1),
        "raw_saves_per_second": round(raw_rate, 1),
        "ratio": round(ours_rate / raw_rate, 2),
    }
