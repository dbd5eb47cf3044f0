"""Instants as integer microseconds since the epoch, UTC: how read models and analytics events
store them (exact, and sorted alike by every backend)."""

from __future__ import annotations

from datetime import UTC, datetime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MICROS = 86_400_000_000


def to_micros(instant: datetime) -> int:
    """Microseconds since the epoch; exact, and sorts the same on every backend."""
    delta = instant.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
