"""Regex property filters are checked, and on SQLite run, with RE2: property values arrive
through the public capture token and any reader may send a pattern, and a backtracking
engine takes exponential time on some pairs (`^(a+)+$` against "aaa…!"). RE2 is linear,
refuses what it cannot run so (backreferences, lookarounds, repetitions over 1,000), and is
what ClickHouse runs for PostHog."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from domain.errors import InvalidInputError

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


@lru_cache(maxsize=256)
def compiled(pattern: str) -> Any:
    """The pattern compiled by RE2 (re2.error if it cannot be)."""
    return re2.compile(pattern, _OPTIONS)


def checked(pattern: str) -> str:
    """The pattern, if RE2 can run it; otherwise a 400 naming it."""
    try:
        compiled(pattern)
    except re2.error as error:
        reason = error.args[0]
        reason = reason.decode() if isinstance(reason, bytes) else str(reason)
        raise InvalidInputError(
            f"Invalid regular expression {pattern!r}: {reason}.", attr="properties"
        ) from None
    return pattern
