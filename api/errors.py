"""PostHog's error envelope `{type, code, detail, attr}` for every error we answer with."""

from __future__ import annotations

import logging
from typing import Any

import falcon
import orjson

from domain.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    UnparsableQueryError,
)
from store.config import ConfigError
from store.database import is_outage

log = logging.getLogger("insightlog.api")
RETRY_AFTER_SECONDS = 1

# falcon's own errors (routing, methods, parameters) in PostHog's words.
_FALCON_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("validation_error", "invalid_input", "Invalid input."),
    401: (
        "authentication_error",
        "not_authenticated",
        "Authentication credentials were not provided.",
    ),
    403: (
        "authentication_error",
        "permission_denied",
        "You do not have permission to perform this action.",
    ),
    404: ("invalid_request", "not_found", "Not found."),
    405: ("invalid_request", "method_not_allowed", "Method not allowed."),
    406: ("invalid_request", "not_acceptable", "Could not satisfy the request Accept header."),
    409: ("invalid_request", "conflict", "Conflict."),
    411: ("invalid_request", "length_required", "A Content-Length header is required."),
    413: ("invalid_request", "request_too_large", "Request body is larger than 1 MiB."),
    415: ("invalid_request", "unsupported_media_type", "Unsupported media type."),
    429: ("throttled_error", "throttled", "Request was throttled."),
}


class ApiError(falcon.HTTPError):
    """An error answered as PostHog's envelope."""

    def __init__(
        self,
        status: int,
        error_type: str,
        code: str,
        detail: str,
        attr: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, headers=headers)
        self.envelope = {"type": error_type, "code": code, "detail": detail, "attr": attr}

    def to_dict(self, obj_type: type = dict) -> dict[str, Any]:
        return dict(self.envelope)


def bad_request(detail: str, attr: str | None = None, code: str = "invalid_input") -> ApiError:
    """A 400 validation error naming the offending field."""
    return ApiError(400, "validation_error", code, detail, attr)


def not_found(detail: str = "Not found.") -> ApiError:
    return ApiError(404, "invalid_request", "not_found", detail)


def permission_denied(detail: str) -> ApiError:
    return ApiError(403, "authentication_error", "permission_denied", detail)


def envelope_for(error: falcon.HTTPError) -> dict[str, Any]:
    """The envelope of any falcon error, ours or the framework's."""
    if isinstance(error, ApiError):
        return error.to_dict()
    status = int(error.status_code)
    error_type, code, default = _FALCON_ERRORS.get(status, ("server_error", "error", "Error."))
    detail = error.description if status == 400 and error.description else default
    return {"type": error_type, "code": code, "detail": detail, "attr": None}


def serialize_error(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
    """falcon's error serializer: always JSON, always the envelope."""
    envelope = envelope_for(error)
    if int(error.status_code) == 405:
        envelope["detail"] = f'Method "{req.method}" not allowed.'
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps(envelope)


def domain_error(
    req: falcon.Request, resp: falcon.Response, error: DomainError, params: Any
) -> None:
    if isinstance(error, NotFoundError):
        raise not_found(error.detail)
    if isinstance(error, UnparsableQueryError):
        raise ApiError(400, "invalid_request", error.code, error.detail, error.attr)
    if isinstance(error, InvalidInputError):
        raise bad_request(error.detail, error.attr, error.code)
    if isinstance(error, ConflictError):
        raise ApiError(409, "invalid_request", "conflict", error.detail)
    raise bad_request(error.detail)


def misconfigured(
    req: falcon.Request, resp: falcon.Response, error: ConfigError, params: Any
) -> None:
    """The database no longer suits this process (upgraded under it): 503, nothing written."""
    log.error("%s %s refused: %s", req.method, req.path, error)
    raise ApiError(
        503, "server_error", "unavailable", "The service is being upgraded; try again shortly."
    )


def unexpected_error(
    req: falcon.Request, resp: falcon.Response, error: Exception, params: Any
) -> None:
    if is_outage(error):
        # Nothing is wrong with the request or with us: the same request can succeed later.
        log.error(
            "%s %s: the database is unavailable: %s", req.method, req.path, error, exc_info=error
        )
        raise ApiError(
            503,
            "server_error",
            "unavailable",
            "The database is unavailable; try again shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.exception("unhandled error on %s %s", req.method, req.path)
    raise ApiError(500, "server_error", "error", "A server error occurred.")
