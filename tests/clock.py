"""A clock the test sets or moves by hand, for backends whose events take its time."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """Now is whatever the test last set it to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: datetime) -> None:
        self.now = instant

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
