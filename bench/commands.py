"""Command throughput: creating insights in-process vs a raw eventsourcing save of a
one-event aggregate on the same backend."""

from __future__ import annotations

import statistics
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


def run(backend_kind: str, *, per_round: int = 25, rounds: int = 40) -> dict[str, Any]:
    """Many short interleaved rounds of three arms: our create, our create without the hash
    chain (its own database), a raw library save. Each ratio is the median over the rounds
    of the two arms' rates in that round: a disk whose commit time drifts (it can double
    within seconds here) then changes both sides of a ratio alike."""
    with scratch_database(backend_kind) as url, scratch_database(backend_kind) as plain_url:
        backend = open_backend(url)
        plain = open_backend(plain_url, hash_chain=False)
        raw = RawApplication(env=_raw_env(url))
        try:
            arms: dict[str, Callable[[str], object]] = {
                "raw": lambda label: raw.save(Ping._create(Ping.Created, id=None, label=label)),
                "unchained": _creator(plain),
                "ours": _creator(backend),
            }
            seconds: dict[str, list[float]] = {arm: [] for arm in arms}
            order = list(arms)
            for round_number in range(rounds):
                # Each arm goes first, second and third in turn: none always follows another.
                for arm in order[round_number % 3 :] + order[: round_number % 3]:
                    spent = _timed(arms[arm], f"{arm} {round_number}", per_round)
                    seconds[arm].append(spent)
        finally:
            raw.close()
            plain.close()
            backend.close()
    total = per_round * rounds
    rate = {arm: total / sum(spent) for arm, spent in seconds.items()}

    def ratio(slower: str, faster: str) -> float:
        # Rates of one round: the faster arm's time over the slower arm's.
        pairs = zip(seconds[faster], seconds[slower], strict=True)
        return round(statistics.median(fast / slow for fast, slow in pairs), 2)

    return {
        "backend": backend_kind,
        "creates_per_second": round(rate["ours"], 1),
        "raw_saves_per_second": round(rate["raw"], 1),
        "ratio": ratio("ours", "raw"),
        "unchained_creates_per_second": round(rate["unchained"], 1),
        "hash_chain_ratio": ratio("ours", "unchained"),
    }
