"""`make bench`: every benchmark on SQLite and PostgreSQL; figures go to bench/results/ and
into the README between its benchmark markers."""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import activity, capture, commands, element_stats, http, list_latency, trending, views

README = Path(__file__).resolve().parent.parent / "README.md"
RESULTS = Path(__file__).resolve().parent / "results"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[column]) for column in columns) + " |" for row in rows]
    return "\n".join(lines)


def _provenance(results: dict[str, Any]) -> str:
    measured = results.get("measured", list(SECTIONS))
    kept = [section for section in SECTIONS if section not in measured]
    line = f"Measured {results['when']} on {results['machine']} (`make bench`)"
    if not kept:
        return f"{line}."
    # `--only` keeps the other sections' figures: say which ones are older.
    return f"{line}: {', '.join(measured)}; {', '.join(kept)} kept from earlier runs."


def _markdown(results: dict[str, Any]) -> str:
    return "\n\n".join(
        [
            _provenance(results),
            (
                "**Command throughput** (creating insights in-process, read models caught up before "
                "returning, vs a raw `eventsourcing` save of a one-event aggregate; target ratio ≥ 0.5):"
            ),
            _table(
                results["commands"],
                ["backend", "creates_per_second", "raw_saves_per_second", "ratio"],
            ),
            (
                "**Hash chaining's cost** (the same creates with the library's plain recorder, in "
                "a database of their own, interleaved with the runs above):"
            ),
            _table(
                results["commands"],
                [
                    "backend",
                    "creates_per_second",
                    "unchained_creates_per_second",
                    "hash_chain_ratio",
                ],
            ),
            (
                "**List latency** (in-process WSGI requests, one project; target p99 ≤ 25 ms and flat "
                "from 1,000 to 100,000 insights):"
            ),
            _table(
                results["lists"], ["backend", "insights", "request", "matches", "p50_ms", "p99_ms"]
            ),
            (
                f"**HTTP** (`insightlog serve --workers {http.WORKERS}` vs a bare Falcon endpoint returning "
                "a same-sized JSON document, both under gunicorn gthread, measured in alternating slices; target ratio ≥ 0.4 for retrieve):"
            ),
            _table(
                results["http"],
                ["backend", "request", "bytes", "insightlog_rps", "bare_falcon_rps", "ratio"],
            ),
            (
                "**Views beside writes** (`POST /viewed` with 10 ids per request from two clients, "
                "while one client creates insights, under `insightlog serve --workers 2`; target: "
                "creates/s beside views ≥ 0.8 × alone). `ratio`: the view clients send as fast as "
                "they are answered; `paced_ratio`: they send a fixed "
                f"{views.PACED_VIEWS_PER_SECOND:,} views/s:"
            ),
            _table(
                results["views"],
                [
                    "backend",
                    "views_per_second",
                    "creates_alone_per_second",
                    "creates_beside_views_per_second",
                    "ratio",
                    "paced_views_per_second",
                    "creates_beside_paced_views_per_second",
                    "paced_ratio",
                ],
            ),
            (
                "**Trending and rebuilds** (10,000 insights, 1,000,000 view events; trending through the "
                "WSGI app, target p99 ≤ 30 ms; rebuilding every read model vs reading and decoding both "
                "logs, target ratio ≥ 0.3 and ≥ 20,000 events/s on SQLite):"
            ),
            _table(
                results["trending"],
                [
                    "backend",
                    "view_events",
                    "trending_p50_ms",
                    "trending_p99_ms",
                    "rebuild_events_per_second",
                    "raw_read_events_per_second",
                    "rebuild_ratio",
                ],
            ),
            (
                "**Audit trail** (an insight with 10,000 events in a log of 100,000; in-process "
                "WSGI requests; target p99 ≤ 20 ms for page 1 of its activity):"
            ),
            _table(results["activity"], ["backend", "request", "p50_ms", "p99_ms"]),
            (
                "**`audit log` export** (every entry as JSON lines to /dev/null, vs selecting the "
                "same notifications and nothing else; target ratio ≥ 0.3):"
            ),
            _table(
                results["audit"],
                [
                    "backend",
                    "log_events",
                    "export_events_per_second",
                    "raw_read_events_per_second",
                    "ratio",
                ],
            ),
            (
                "**Capture** (`POST /batch/` with 100 events a request from 4 connections, "
                "`insightlog serve --workers 2`, vs inserting the same checked events straight "
                "into the same store; then every event is counted exactly once, half the batches "
                "sent again; target ratio ≥ 0.4):"
            ),
            _table(
                results["capture"],
                [
                    "backend",
                    "http_events_per_second",
                    "direct_events_per_second",
                    "ratio",
                    "events_sent",
                    "events_stored",
                ],
            ),
            (
                "**Element stats and values** (1,000,000 autocapture events on 10,000 chains over "
                "7 days, in-process WSGI requests, default limit; targets p99 ≤ 100 ms for stats "
                "without a filter, ≤ 200 ms for values with key=text). A stats page is kept per "
                "stats version, so the rows marked *a click captured before each* are the cost "
                "when nothing can be reused:"
            ),
            _table(results["elements"], ["backend", "request", "rows", "p50_ms", "p99_ms"]),
        ]
    )


SECTIONS = ("commands", "lists", "http", "views", "trending", "activity", "capture", "elements")


def _measure(section: str, backend: str, quick: bool) -> dict[str, list[dict[str, Any]]]:
    """One section's rows on one backend, by results key."""
    if section == "commands":
        return {"commands": [commands.run(backend, rounds=2 if quick else 5)]}
    if section == "lists":
        sizes = (1_000, 10_000) if quick else (1_000, 100_000)
        return {"lists": list_latency.run(backend, sizes, repeat=50 if quick else 200)}
    if section == "http":
        return {"http": http.run(backend, seconds=3 if quick else 8)}
    if section == "views":
        return {"views": [views.run(backend, seconds=3 if quick else 8)]}
    if section == "trending":
        views_count, repeat = (100_000, 50) if quick else (1_000_000, 200)
        return {"trending": [trending.run(backend, views=views_count, repeat=repeat)]}
    if section == "activity":
        trail = activity.run(
            backend,
            events=2_000 if quick else 10_000,
            log_events=20_000 if quick else 100_000,
            repeat=50 if quick else 200,
        )
        return {"activity": trail["latency"], "audit": [trail["export"]]}
    if section == "capture":
        return {"capture": [capture.run(backend, requests=200 if quick else 600)]}
    events, repeat = (100_000, 30) if quick else (1_000_000, 100)
    return {"elements": element_stats.run(backend, events=events, repeat=repeat)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help="comma-separated sections to measure again; the others keep their latest figures",
    )
    options = parser.parse_args()
    backends = options.backends.split(",")
    sections = options.only.split(",")
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    latest = RESULTS / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else {}
    results: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "measured": [section for section in SECTIONS if section in sections],
    }
    for key in [*SECTIONS, "audit"]:
        results[key] = previous.get(key, [])
    for backend in backends:
        for section in sections:
            print(f"[{backend}] {section}", flush=True)
            for key, rows in _measure(section, backend, options.quick).items():
                results[key] = [row for row in results[key] if row["backend"] != backend]
                results[key] += rows
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1))
    markdown = _markdown(results)
    print(markdown)
    if not options.no_readme:
        text = README.read_text()
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            README.write_text(f"{head}{START}\n{markdown}\n{END}{tail}")


if __name__ == "__main__":
    main()
