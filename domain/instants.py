"""Instants as integer microseconds since the epoch, UTC: how read models and analytics events
store them (exact, and sorted alike by every backend)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MICROS = 86_400_000_000


def parse_instant(text: str, zone: tzinfo = UTC) -> datetime:
    """An ISO-8601 date and time, RFC 3339's lower-case `z` included; one without an offset
    is in `zone`. ValueError when the text is none."""
    text = text.strip()
    if text.endswith("z"):
        text = f"{text[:-1]}Z"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def to_micros(instant: datetime) -> int:
    """Microseconds since the epoch; exact, and sorts the same on every backend."""
    delta = instant.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
