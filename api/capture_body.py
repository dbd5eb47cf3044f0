"""The bodies PostHog SDKs send to the capture endpoints, decoded to JSON.

posthog-python posts JSON, gzipped when asked (`Content-Encoding: gzip`); posthog-js posts
gzip with `?compression=gzip-js`, or a form whose `data` field is base64-encoded JSON;
its image fallback sends that `data` in the query string of a GET.
"""

from __future__ import annotations

import base64
import binascii
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import falcon
import orjson

from api.errors import ApiError, bad_request
from store import json_codec

MAX_CAPTURE_BYTES = 20 << 20
# NOTE: parsed, JSON takes far more memory than its text, most for tiny values: 20 MiB of
# `[],[],…` is 7 million lists, 667 MB, built before the token is known (capture is open to
# anyone). Counting the separators first bounds that at about 100 MB; a real batch's values
# average far more than 20 bytes.
MAX_CAPTURE_VALUES = 1_000_000
# Bodies past this size are parsed one at a time per process, so that concurrent large
# ones cannot multiply the memory a parse takes; smaller batches never wait for them.
LARGE_BODY_BYTES = 1 << 20
_large_bodies = threading.Semaphore(1)
_GZIP_MAGIC = b"\x1f\x8b"


def _too_large() -> ApiError:
    return ApiError(
        413, "invalid_request", "request_too_large", "Capture payload is larger than 20 MiB."
    )


def _gunzip(data: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    try:
        inflated = decompressor.decompress(data, MAX_CAPTURE_BYTES + 1)
    except zlib.error:
        raise bad_request("The body is not valid gzip data.", code="parse_error") from None
    if len(inflated) > MAX_CAPTURE_BYTES or decompressor.unconsumed_tail:
        raise _too_large()
    if not decompressor.eof:
        raise bad_request("The body is not valid gzip data.", code="parse_error")
    return inflated


def _base64(data: bytes) -> bytes:
    # A form decoder turns '+' into ' '; URL-safe base64 uses '-' and '_'.
    text = data.strip().replace(b" ", b"+").replace(b"-", b"+").replace(b"_", b"/")
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(
            "The body is neither JSON nor base64-encoded JSON.", code="parse_error"
        ) from None


@dataclass(frozen=True)
class CaptureBody:
    """A capture request's decoded JSON, and the token a form sent beside it."""

    payload: Any
    form_token: str | None


@contextmanager
def capture_payload(req: falcon.Request) -> Iterator[CaptureBody]:
    """The decoded JSON of a capture request (GET `data=` or any POST encoding), held only
    within the block (one large body at a time)."""
    data, form_token = _json_text(req)
    if data.count(b",") >= MAX_CAPTURE_VALUES:
        raise ApiError(
            413,
            "invalid_request",
            "request_too_large",
            f"Capture payload has more than {MAX_CAPTURE_VALUES:,} values.",
        )
    with _large_bodies if len(data) > LARGE_BODY_BYTES else nullcontext():
        try:
            payload = json_codec.loads(data)
        except orjson.JSONDecodeError as error:
            raise bad_request(f"Invalid JSON: {error.msg}.", code="parse_error") from None
        del data
        yield CaptureBody(payload, form_token)


def _json_text(req: falcon.Request) -> tuple[bytes, str | None]:
    """The JSON text of a capture request, decompressed and decoded, and a form's token."""
    compression = (req.get_param("compression") or "").lower()
    form_token = None
    if req.method == "GET":
        data = (req.get_param("data") or "").encode()
    else:
        data = req.context.raw_body
        if (req.content_type or "").startswith("application/x-www-form-urlencoded"):
            form = parse_qs(data.decode("utf-8", "replace"), keep_blank_values=True)
            data = (form.get("data") or [""])[0].encode()
            # posthog-js' form bodies may carry the token beside `data`; a blank one is none.
            form_token = (form.get("api_key") or [""])[0] or (form.get("token") or [""])[0] or None
            compression = (form.get("compression") or [compression])[0].lower()
    if not data.strip():
        raise bad_request("No data found. Make sure to send events in the body.", code="no_data")
    encoding = (req.get_header("Content-Encoding") or "").lower()
    if compression in ("gzip", "gzip-js") or "gzip" in encoding or data[:2] == _GZIP_MAGIC:
        data = _gunzip(data)
    elif compression not in ("", "base64"):
        raise bad_request(f"Unsupported compression {compression!r}; use gzip.", code="parse_error")
    if data.lstrip()[:1] not in (b"{", b"["):
        data = _base64(data)
        if data[:2] == _GZIP_MAGIC:
            data = _gunzip(data)
    return data, form_token
