"""PostHog's capture endpoints (/e, /capture, /batch, /i/v0/e): analytics events from SDKs,
authenticated by the project's public API token."""

from __future__ import annotations

from typing import Any

import falcon

from api.capture_body import MAX_CAPTURE_BYTES, CaptureBody, capture_payload
from api.errors import ApiError
from api.formats import send
from api.openapi import documented
from api.schemas.capture import CaptureIn, CaptureOut, CaptureQuery
from projections.accounts import Accounts
from store.capture import CaptureService

TAGS = ["capture"]
CAPTURED = {"HTTP_200": CaptureOut}
_TOKEN_HELP = "You can find your project API key in your insightlog project settings."


def _unauthorized(code: str, detail: str) -> ApiError:
    return ApiError(401, "authentication_error", code, f"{detail} {_TOKEN_HELP}")


def _events(payload: Any) -> tuple[list[Any], dict[str, Any]]:
    """The events of a payload, and the body they came in (for its token and sent_at)."""
    if isinstance(payload, list):
        return payload, {}
    if not isinstance(payload, dict):
        raise ApiError(400, "validation_error", "invalid_payload", "Expected an event or a batch.")
    for key in ("batch", "data"):
        if key in payload:
            events = payload[key]
            return (events if isinstance(events, list) else [events]), payload
    return [payload], payload


def _token_of(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return None
    properties = raw.get("properties")
    return (
        raw.get("api_key")
        or raw.get("token")
        or raw.get("$token")
        or (properties.get("token") if isinstance(properties, dict) else None)
    )


def _request_token(req: falcon.Request, body: CaptureBody) -> Any:
    """The token for events that carry none, where PostHog's capture also reads it: the first
    event of a bare list, a form field beside `data`, the query string."""
    payload = body.payload
    return (
        (_token_of(payload[0]) if isinstance(payload, list) and payload else None)
        or body.form_token
        or req.get_param("token")
        or req.get_param("api_key")
    )


class Capture:
    """Accepts one event or a batch; answers `{"status": 1}` once they are stored."""

    max_body_bytes = MAX_CAPTURE_BYTES
    takes_personal_keys = False

    def __init__(self, service: CaptureService, accounts: Accounts) -> None:
        self._service = service
        self._accounts = accounts

    def _project(self, token: Any, projects: dict[str, int]) -> int:
        if not isinstance(token, str) or not token:
            raise _unauthorized("missing_api_key", "API key not provided.")
        if token not in projects:
            project_id = self._accounts.project_by_token(token)
            if project_id is None:
                raise _unauthorized("invalid_api_key", "Project API key invalid.")
            projects[token] = project_id
        return projects[token]

    def _capture(self, req: falcon.Request, resp: falcon.Response) -> None:
        with capture_payload(req) as captured:
            events, body = _events(captured.payload)
            body_token = _token_of(body) if body else None
            fallback = _request_token(req, captured)
            projects: dict[str, int] = {}
            pairs = [
                (self._project(body_token or _token_of(raw) or fallback, projects), raw)
                for raw in events
            ]
            self._service.capture(pairs, sent_at=body.get("sent_at") if body else None)
        send(resp, {"status": 1})

    @documented(tags=TAGS, json=CaptureIn, ok=CAPTURED, errors=(400, 401, 404), public=True)
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Capture the body's events."""
        self._capture(req, resp)

    @documented(tags=TAGS, query=CaptureQuery, ok=CAPTURED, errors=(400, 401, 404), public=True)
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Capture the events in the `data` query parameter (posthog-js' image fallback)."""
        self._capture(req, resp)

    @documented(tags=TAGS, ok={"HTTP_200": None}, errors=(404,), public=True)
    def on_options(self, req: falcon.Request, resp: falcon.Response) -> None:
        """CORS preflight: browsers send events from any origin."""
        resp.status = falcon.HTTP_200


class CaptureCors:
    """Middleware: the capture endpoints answer browsers of any origin."""

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if not isinstance(resource, Capture):
            return
        origin = req.get_header("Origin")
        if origin:
            resp.set_header("Access-Control-Allow-Origin", origin)
            resp.set_header("Access-Control-Allow-Credentials", "true")
        else:  # Browsers refuse credentials with a wildcard origin.
            resp.set_header("Access-Control-Allow-Origin", "*")
        resp.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        resp.set_header(
            "Access-Control-Allow-Headers",
            req.get_header("Access-Control-Request-Headers") or "Content-Type",
        )
        resp.set_header("Vary", "Origin")
