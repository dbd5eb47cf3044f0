"""`?format=json|csv` (or `Accept: text/csv`) on every endpoint; CSV flattens nested keys into
dotted columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import falcon

from api.errors import bad_request, not_found
from store import json_codec

FORMATS = ("json", "csv")
# NOTE: text a spreadsheet would run as a formula (OWASP's list). Captured element texts reach
# CSV exports from anyone holding the public project token, so such text is kept as text
# with a leading apostrophe; PostHog exports it as sent.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows times columns (the union of every row's keys): past this, CSV is refused rather than
# built, which takes seconds per million cells (JSON is not affected). 50,000 element stats
# rows of 100 columns fit; 20 insights with 40,000 filter keys each do not.
MAX_CSV_CELLS = 5_000_000


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts and lists as one level of dotted keys: `created_by.email`, `tags.0`."""
    items: Iterable[tuple[str, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return str(value)


def to_csv(payload: Any) -> str:
    """One row per item of a list or of a paginated `results`, else one row; columns sorted."""
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        items = payload["results"]
    elif isinstance(payload, list):
        items = payload
    else:
        items = [payload]
    rows = [flatten(item) for item in items]
    columns = sorted({column for row in rows for column in row})
    if len(rows) * len(columns) > MAX_CSV_CELLS:
        raise bad_request(
            f"This answer would be {len(rows):,} rows of {len(columns):,} columns in CSV; "
            "ask for fewer rows (limit) or for JSON.",
            attr="format",
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def send(resp: falcon.Response, payload: Any, status: str = falcon.HTTP_200) -> None:
    """Answer with `payload` as JSON (kept on the context in case CSV was asked for)."""
    resp.status = status
    resp.context.payload = payload
    resp.data = json_codec.dumps(payload)
    resp.content_type = falcon.MEDIA_JSON


class ResponseFormat:
    """Middleware: refuses unknown formats and renders successful JSON bodies as CSV."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        requested = req.get_param("format")
        if requested is not None and requested not in FORMATS:
            raise not_found()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        payload = resp.context.get("payload")
        if not req_succeeded or response_format(req) != "csv" or payload is None:
            return
        # Whatever the answer was to be, a CSV (or its refusal) is never cached.
        resp.set_header("Cache-Control", "no-cache")
        resp.data = to_csv(payload).encode()
        resp.content_type = "text/csv; charset=utf-8"


def response_format(req: falcon.Request) -> str:
    """`?format=`, else what the Accept header prefers (JSON when both would do)."""
    requested = req.get_param("format")
    if requested is not None:
        return requested
    # NOTE: on a tie (`*/*`, no Accept header) client_prefers picks the first of the list.
    return "csv" if req.client_prefers([falcon.MEDIA_JSON, "text/csv"]) == "text/csv" else "json"
