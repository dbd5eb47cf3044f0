"""Random identifiers and secrets in PostHog's formats."""

from __future__ import annotations

import secrets
import string

# PostHog's base57: the alphanumerics without the look-alikes 0, 1, O, I and l.
BASE57 = "".join(c for c in string.digits + string.ascii_letters if c not in "01OIl")


def _base57(number: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 57)
        digits.append(BASE57[remainder])
    return "".join(reversed(digits))


def random_token(prefix: str) -> str:
    """A prefixed token from 35 random bytes with the top bit set (about 48 characters)."""
    number = int.from_bytes(secrets.token_bytes(35), "big") | (1 << 279)
    return prefix + _base57(number)


def distinct_id() -> str:
    """A random distinct id for a new user."""
    return secrets.token_urlsafe(32)
