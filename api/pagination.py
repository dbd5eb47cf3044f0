"""Limit/offset pagination with DRF's lenient parsing and absolute next/previous URLs."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import falcon

DEFAULT_LIMIT = 100
# Larger values change nothing but would overflow a database's 64-bit LIMIT and OFFSET.
MAX_PAGING_VALUE = 10**12


def lenient_int(raw: str | None) -> int | None:
    """A non-negative integer as DRF's pagination reads one (None when it is not one),
    capped at MAX_PAGING_VALUE; never int() of thousands of digits, which Python refuses."""
    text = (raw or "").strip().lstrip("+")
    if not text or not text.isascii() or not text.isdigit():
        return None
    digits = text.lstrip("0") or "0"
    return MAX_PAGING_VALUE if len(digits) > 13 else min(int(digits), MAX_PAGING_VALUE)


def _int_param(req: falcon.Request, name: str) -> int | None:
    return lenient_int(req.get_param(name))


def limit_offset(req: falcon.Request, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """`limit` must be a positive integer and `offset` a non-negative one, else defaults."""
    limit = _int_param(req, "limit")
    offset = _int_param(req, "offset")
    return (limit if limit else default_limit), (offset or 0)


def page_url(req: falcon.Request, changes: dict[str, Any], remove: tuple[str, ...] = ()) -> str:
    """The request's absolute URL with query parameters replaced, added or removed."""
    params = [(k, v) for k, v in parse_qsl(req.query_string, keep_blank_values=True)]
    kept = [(k, v) for k, v in params if k not in changes and k not in remove]
    query = urlencode([*kept, *((k, str(v)) for k, v in changes.items())])
    # The path as the client sent it (falcon's req.path has the trailing slash stripped).
    path = quote(req.env.get("PATH_INFO") or req.path, safe="/:@!$&'()*+,;=-._~")
    base = f"{req.prefix}{path}"
    return f"{base}?{query}" if query else base


def paginated(
    req: falcon.Request, count: int, limit: int, offset: int, results: list[Any]
) -> dict[str, Any]:
    """PostHog's `{count, next, previous, results}` envelope."""
    next_url = None
    if offset + limit < count:
        next_url = page_url(req, {"limit": limit, "offset": offset + limit})
    previous_url = None
    if offset > 0:
        if offset - limit <= 0:
            previous_url = page_url(req, {"limit": limit}, remove=("offset",))
        else:
            previous_url = page_url(req, {"limit": limit, "offset": offset - limit})
    return {"count": count, "next": next_url, "previous": previous_url, "results": results}
