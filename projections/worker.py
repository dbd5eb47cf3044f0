"""The projection worker: follows every notification log and keeps every read model current,
whoever wrote the events (web workers that crashed before catching up, the command line,
other processes). Safe to stop at any moment: positions commit with the rows they cover."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from projections.projector import Projector

log = logging.getLogger("insightlog.projections")

WaitForEvents = Callable[[float], None]
"""Blocks until new events may exist, or the timeout (seconds) passes."""


class ProjectionWorker:
    """Runs projectors until stopped, waking up when events arrive."""

    def __init__(self, projectors: Sequence[Projector], wait_for_events: WaitForEvents) -> None:
        self._projectors = tuple(projectors)
        self._wait = wait_for_events

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Apply every pending event of every log, batch by batch; returns how many."""
        applied = 0
        for projector in self._projectors:
            while stop is None or not stop.is_set():
                batch, moved = projector.step()
                if not moved:
                    break
                applied += batch
                positions = projector.positions()
                log.info(
                    "%s: applied %d events, at %d of %d",
                    projector.log_name,
                    batch,
                    min(positions.values()),
                    projector.head(),
                )
        return applied

    def run(
        self,
        stop: threading.Event,
        idle_timeout: float = 1.0,
        transient: tuple[type[BaseException], ...] = (),
    ) -> None:
        """Keep every read model current until `stop` is set; `transient` errors (a lost
        connection, say) are logged and the work tried again after `idle_timeout`."""
        log.info("following %s", ", ".join(p.log_name for p in self._projectors))
        while not stop.is_set():
            try:
                if not self.run_once(stop):
                    self._wait(idle_timeout)
            except transient as error:
                # Nothing is lost: positions commit with the rows they cover.
                log.warning("will try again: %s", (str(error).strip().splitlines() or [""])[0])
                stop.wait(idle_timeout)
        log.info("stopped")
