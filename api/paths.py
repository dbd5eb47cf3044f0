"""Numeric ids in URL paths: ASCII digits only, and small enough for a BIGINT."""

from __future__ import annotations

MAX_ID_DIGITS = 18


def numeric_id(text: str) -> int | None:
    """The integer a path segment spells, or None when it is not a plain id."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return None
