"""Base classes for every domain error; adapters map each base to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Something the caller asked for breaks a rule of the domain."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(DomainError):
    """The addressed thing does not exist (or is not visible to the caller)."""

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(detail)


class InvalidInputError(DomainError):
    """A value breaks an invariant; `attr` names the offending field."""

    def __init__(self, detail: str, attr: str | None = None, code: str = "invalid_input") -> None:
        super().__init__(detail)
        self.attr = attr
        self.code = code


class UnparsableQueryError(InvalidInputError):
    """A query that is not a node of known kinds: PostHog's request parser refuses it as a
    parse error of the whole body (no `attr`), not as a field's validation error."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, attr=None, code="parse_error")


class ConflictError(DomainError):
    """A concurrent change won; the command could not be applied."""
