"""Reading request bodies: a 1 MiB cap, and JSON parsed once with PostHog's errors."""

from __future__ import annotations

from typing import Any

import falcon
import orjson

from api.errors import ApiError, bad_request
from domain.json_values import nesting_depth
from store import json_codec

MAX_BODY_BYTES = 1 << 20
# Far deeper than any query PostHog's clients build; every layer below (validation, storage,
# the audit export) handles this depth with room to spare.
MAX_BODY_DEPTH = 100
_UNSET = object()


class RequestBody:
    """Middleware: reads at most 1 MiB + 1 byte of every body and refuses anything larger
    (a resource may allow more with a `max_body_bytes` attribute)."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.raw_body = b""
        req.context.json_body = _UNSET

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        # NOTE: GET bodies are read too: PostHog takes a personal_api_key from any JSON body.
        if req.method == "OPTIONS":
            return
        limit = getattr(resource, "max_body_bytes", MAX_BODY_BYTES)
        if req.content_length is not None and req.content_length > limit:
            raise _too_large(limit)
        if (
            req.content_length is None
            and "chunked" in (req.get_header("Transfer-Encoding") or "").lower()
        ):
            # NOTE: falcon's bounded stream is empty without a Content-Length; the server's
            # own stream decodes the chunks and ends where the body does.
            data = req.stream.read(limit + 1)
        else:
            data = req.bounded_stream.read(limit + 1)
        if len(data) > limit:
            raise _too_large(limit)
        req.context.raw_body = data


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "invalid_request",
        "request_too_large",
        f"Request body is larger than {limit >> 20} MiB.",
    )


def parse_json(req: falcon.Request) -> Any:
    """The body as JSON (an empty body is `{}`); 400 parse_error when it is not JSON.
    Its declared media type does not matter: CONTRACT §4 answers any body that is not JSON
    with a parse error (PostHog's parsers answer 415 to one not declared JSON)."""
    if req.context.json_body is _UNSET:
        raw = req.context.raw_body
        try:
            body = json_codec.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError as error:
            raise _parse_error(error.msg) from None
        if nesting_depth(body) > MAX_BODY_DEPTH:
            raise _parse_error(f"nested more than {MAX_BODY_DEPTH} levels deep")
        req.context.json_body = body
    return req.context.json_body


def _parse_error(problem: str) -> ApiError:
    return ApiError(400, "invalid_request", "parse_error", f"JSON parse error - {problem}")


def json_object(req: falcon.Request) -> dict[str, Any]:
    """The body, which must be a JSON object."""
    body = parse_json(req)
    if not isinstance(body, dict):
        kind = "list" if isinstance(body, list) else type(body).__name__
        raise bad_request(f"Invalid data. Expected a dictionary, but got {kind}.")
    return body
