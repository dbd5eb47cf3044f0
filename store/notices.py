"""Waking the projection worker when events are written: PostgreSQL's LISTEN on the channels
the event store NOTIFYs, or a short poll on SQLite (which cannot notify)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from store.backend import Backend

SQLITE_POLL_SECONDS = 0.2


@contextmanager
def event_notices(backend: Backend) -> Iterator[Callable[[float], None]]:
    """A `wait(timeout)` that returns when events may have been written, or at the timeout."""
    if backend.url.backend == "sqlite":
        yield lambda timeout: time.sleep(min(timeout, SQLITE_POLL_SECONDS))
        return
    recorders: list[Any] = [backend.events.recorder, backend.views.recorder]
    channels: Sequence[str] = [recorder.channel_name for recorder in recorders]

    def listen() -> psycopg.Connection:
        connection = psycopg.connect(backend.url.conninfo, autocommit=True)
        for channel in channels:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        return connection

    # Listening before the first catch-up: no event written after it goes unnoticed.
    listening = [listen()]

    def wait(timeout: float) -> None:
        # Returns at the first notification or at the timeout; what it says does not matter,
        # the caller reads the logs from its tracked positions. A lost connection is opened
        # again at the next wait (notifications missed meanwhile change nothing, for that).
        try:
            if not listening:
                listening.append(listen())
            list(listening[0].notifies(timeout=timeout, stop_after=1))
        except psycopg.OperationalError:
            for connection in listening:
                connection.close()
            listening.clear()
            time.sleep(timeout)

    try:
        yield wait
    finally:
        for connection in listening:
            connection.close()
