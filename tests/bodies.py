"""Bodies the API tests send and expect again and again: a minimal insight query, the
fields of an element, and PostHog's error envelopes (CONTRACT.md §3, §4)."""

from __future__ import annotations

from typing import Any

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
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}
PROJECT_NOT_FOUND = {
    "type": "invalid_request",
    "code": "not_found",
    "detail": "Project not found.",
    "attr": None,
}
NOT_AUTHENTICATED = {
    "type": "authentication_error",
    "code": "not_authenticated",
    "detail": "Authentication credentials were not provided.",
    "attr": None,
}
NOT_A_MEMBER = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "You don't have access to the project.",
    "attr": None,
}


def invalid_key(place: str) -> dict[str, Any]:
    return {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": f"Personal API key found in request {place} is invalid.",
        "attr": None,
    }


def missing_scope(scope: str) -> dict[str, Any]:
    return {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": f"API key missing required scope '{scope}'",
        "attr": None,
    }


def no_project_access(project_id: int) -> dict[str, Any]:
    return {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": f"API key does not have access to the requested project: ID {project_id}.",
        "attr": None,
    }


def method_not_allowed(method: str) -> dict[str, Any]:
    return {
        "type": "invalid_request",
        "code": "method_not_allowed",
        "detail": f'Method "{method}" not allowed.',
        "attr": None,
    }


def validation_error(attr: str | None, detail: str, code: str = "invalid_input") -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}
