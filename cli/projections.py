"""`insightlog projections`: status, the worker that keeps read models current, rebuilds."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click

from cli.runtime import UNUSABLE_DATABASE, friendly, installed_backend, print_json
from store.backend import Backend


@click.group()
def projections() -> None:
    """Read models."""


def _status(backend: Backend) -> list[dict[str, Any]]:
    entries = []
    for projector in backend.projectors:
        head = projector.head()
        for name, position in projector.positions().items():
            entries.append(
                {
                    "name": name,
                    "log": projector.log_name,
                    "position": position,
                    "head": head,
                    "lag": head - position,
                }
            )
    return entries


@projections.command("status")
@friendly
def projections_status() -> None:
    """Position, log head and lag of every read model."""
    with installed_backend() as backend:
        print_json({"projections": _status(backend)})


@projections.command("run")
@click.option("--once", is_flag=True, help="Catch up every read model, then exit.")
@friendly
def projections_run(once: bool) -> None:
    """Keep every read model current until SIGTERM or Ctrl-C (or, --once, catch up and exit)."""
    from projections.worker import ProjectionWorker
    from store.notices import event_notices

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with installed_backend() as backend, event_notices(backend) as wait_for_events:
        worker = ProjectionWorker(backend.projectors, wait_for_events)
        if once:
            applied = worker.run_once()
            print_json({"applied": applied, "projections": _status(backend)})
            return
        stop = threading.Event()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: stop.set())
        worker.run(stop, transient=UNUSABLE_DATABASE)


@projections.command("rebuild")
@click.argument("name", required=False)
@friendly
def projections_rebuild(name: str | None) -> None:
    """Replay the event logs into fresh tables (every read model, or NAME) while the
    current ones keep serving; they are switched in when complete."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from projections.rebuild import plan, rebuild

    with installed_backend() as backend:
        known = [p.name for projector in backend.projectors for p in projector.projections]
        if name is not None and name not in known:
            raise click.BadParameter(f"unknown projection {name!r}; known: {', '.join(known)}")
        names = None if name is None else [name]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),  # stdout carries the one JSON object
        ) as bar:
            tasks = {
                part.log_name: bar.add_task(
                    ", ".join(p.name for p in part.projections), total=part.head() or 1
                )
                for part in plan(backend.projectors, names)
            }
            rebuilt = rebuild(
                backend.projectors,
                names,
                progress=lambda log, done, head: bar.update(tasks[log], completed=done, total=head),
            )
            for task in tasks.values():
                bar.update(task, completed=bar.tasks[task].total)
        print_json(
            {"rebuilt": rebuilt.names, "events": rebuilt.events, "projections": _status(backend)}
        )
