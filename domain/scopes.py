"""The personal API key scope vocabulary: `*` or `<object>:<read|write>`."""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import InvalidInputError

SCOPE_OBJECTS = ("insight", "element", "dashboard", "activity_log")
SCOPE_ACTIONS = ("read", "write")
ALL_SCOPES = "*"


def parse_scopes(raw: Iterable[str]) -> list[str]:
    """Validate and de-duplicate scopes, keeping their order."""
    scopes: list[str] = []
    for scope in (item.strip() for item in raw):
        if scope != ALL_SCOPES:
            obj, _, action = scope.partition(":")
            if obj not in SCOPE_OBJECTS or action not in SCOPE_ACTIONS:
                raise InvalidInputError(f"Invalid scope: {scope}", attr="scopes")
        if scope not in scopes:
            scopes.append(scope)
    if not scopes:
        raise InvalidInputError("At least one scope is required.", attr="scopes", code="required")
    return scopes


def grants(scopes: Iterable[str], required: str) -> bool:
    """Whether `scopes` satisfy `required`; `X:write` implies `X:read`."""
    held = set(scopes)
    if ALL_SCOPES in held or required in held:
        return True
    obj, _, action = required.partition(":")
    return action == "read" and f"{obj}:write" in held
