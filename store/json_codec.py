"""JSON for client data: orjson's speed, with integers beyond 64 bits kept exact.

orjson reads such integers as floats and cannot write them; PostHog (Python's json) keeps
them. Bodies rarely hold one, so the exact path only runs when a long digit run appears.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson

# 19 digits can exceed 2**63 - 1; shorter runs cannot.
_LONG_DIGITS = re.compile(rb"\d{19}")


def loads(data: bytes | str) -> Any:
    """Parse JSON; raises orjson.JSONDecodeError (a ValueError) when it is not JSON."""
    raw = data.encode() if isinstance(data, str) else data
    value = orjson.loads(raw)  # orjson decides what is valid JSON
    if _LONG_DIGITS.search(raw):
        try:
            value = json.loads(raw)
        except RecursionError:
            # Python's parser recurses; orjson takes 1,024 levels. No caller takes that many.
            raise orjson.JSONDecodeError(
                "nested too deeply", raw.decode(errors="replace"), 0
            ) from None
    return value


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any, option: int | None = None) -> bytes:
    """Serialize to JSON bytes."""
    try:
        return orjson.dumps(value, option=option)
    except orjson.JSONEncodeError:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)
        return text.encode()
