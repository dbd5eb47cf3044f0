"""Bodies the API tests send and expect again and again: a minimal insight query, the
fields of an element, and PostHog's error envelopes (CONTRACT.md §3, §4)."""

from __future__ import annotations

from typing import Any

# Written out again rather than imported from domain/: the tests check the product's fields
# against PostHog's list, not against themselves.
ELEMENT_FIELDS = [
    "text",
    "tag_name",
    "attr_class",
    "href",
    "attr_id",
    "nth_child",
    "nth_of_type",
    "attributes",
    "order",
]
TRENDS = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}


def error(kind: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    """PostHog's error envelope."""
    return {"type": kind, "code": code, "detail": detail, "attr": attr}


NOT_FOUND = error("invalid_request", "not_found", "Not found.")
PROJECT_NOT_FOUND = error("invalid_request", "not_found", "Project not found.")
NOT_AUTHENTICATED = error(
    "authentication_error", "not_authenticated", "Authentication credentials were not provided."
)
NOT_A_MEMBER = error(
    "authentication_error", "permission_denied", "You don't have access to the project."
)


def invalid_key(place: str) -> dict[str, Any]:
    return error(
        "authentication_error",
        "authentication_failed",
        f"Personal API key found in request {place} is invalid.",
    )


def missing_scope(scope: str) -> dict[str, Any]:
    return error(
        "authentication_error", "permission_denied", f"API key missing required scope '{scope}'"
    )


def no_project_access(project_id: int) -> dict[str, Any]:
    return error(
        "authentication_error",
        "permission_denied",
        f"API key does not have access to the requested project: ID {project_id}.",
    )


def method_not_allowed(method: str) -> dict[str, Any]:
    return error("invalid_request", "method_not_allowed", f'Method "{method}" not allowed.')


def validation_error(attr: str | None, detail: str, code: str = "invalid_input") -> dict[str, Any]:
    return error("validation_error", code, detail, attr)
