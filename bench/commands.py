"""Command throughput: creating insights in-process vs a raw eventsourcing save of a
one-event aggregate on the same backend."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from bench.backends import scratch_database
from bench.seed import bench_tenant
from store.backend import Backend, open_backend
from store.insights import InsightCommands

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
    env = url.eventsourcing_env(create_table=True, hash_chain=False)
    del env["APPLICATION_RECORDER_TOPIC"]  # The library's own recorder, as it comes.
    if url.backend == "sqlite":
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"  # And its own connections.
        # Its own file: the raw baseline must not write into insightlog's event log.
        env["SQLITE_DBNAME"] = str(Path(url.sqlite_path).with_suffix(".raw.sqlite3"))
    return env


def _creator(backend: Backend) -> Callable[[str], None]:
    tenant = bench_tenant(backend)
    commands = InsightCommands(backend)

    def create(name: str) -> None:
        commands.create(
            project_id=tenant.project_id,
            environment_id=tenant.environment_id,
            actor_id=tenant.user_id,
            values={"name": name, "query": QUERY},
        )

    return create


def _timed(call: Callable[[str], object], label: str, count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        call(f"{label}-{i}")
    return time.perf_counter() - start


def run(backend_kind: str, *, per_round: int = 200, rounds: int = 5) -> dict[str, Any]:
    """Interleaved rounds of three arms, so drift on the machine affects them alike: our
    create, our create without the hash chain (its own database), a raw library save."""
    with scratch_database(backend_kind) as url, scratch_database(backend_kind) as plain_url:
        backend = open_backend(url)
        plain = open_backend(plain_url, hash_chain=False)
        raw = RawApplication(env=_raw_env(url))
        try:
            create, create_unchained = _creator(backend), _creator(plain)
            seconds = {"ours": 0.0, "unchained": 0.0, "raw": 0.0}
            for round_number in range(rounds):
                seconds["raw"] += _timed(
                    lambda label: raw.save(Ping._create(Ping.Created, id=None, label=label)),
                    f"raw {round_number}",
                    per_round,
                )
                seconds["unchained"] += _timed(
                    create_unchained, f"Insight {round_number}", per_round
                )
                seconds["ours"] += _timed(create, f"Insight {round_number}", per_round)
        finally:
            raw.close()
            plain.close()
            backend.close()
    rate = {arm: per_round * rounds / spent for arm, spent in seconds.items()}
    return {
        "backend": backend_kind,
        "creates_per_second": round(rate["ours"], 1),
        "raw_saves_per_second": round(rate["raw"], 1),
        "ratio": round(rate["ours"] / rate["raw"], 2),
        "unchained_creates_per_second": round(rate["unchained"], 1),
        "hash_chain_ratio": round(rate["ours"] / rate["unchained"], 2),
    }
