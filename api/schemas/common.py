"""Shapes shared by several endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from domain.dates import parse_date
from domain.insight import INT32_MAX, INT32_MIN

T = TypeVar("T")
TRUTHY = frozenset({"y", "yes", "t", "true", "on", "1"})


class ErrorOut(BaseModel):
    """PostHog's error envelope."""

    type: str = Field(examples=["validation_error"])
    code: str = Field(examples=["max_length"])
    detail: str
    attr: str | None


class UserBasicOut(BaseModel):
    """PostHog's UserBasic."""

    id: int
    uuid: str
    distinct_id: str | None
    first_name: str
    last_name: str
    email: str
    is_email_verified: bool | None
    hedgehog_config: dict[str, Any] | None
    role_at_organization: str | None


class FormatParam(BaseModel):
    """The `format` parameter every endpoint accepts."""

    format: Literal["json", "csv"] | None = None


class PageParams(FormatParam):
    """Offset pagination of a plain list, for the OpenAPI document (read by
    api/pagination.py `limit_offset`, which takes anything else for the default)."""

    limit: int | None = Field(None, ge=1, description="Page size (default 100).")
    offset: int | None = Field(None, ge=0, description="Items to skip (default 0).")


def _integer(value: Any) -> Any:
    """DRF's IntegerField: numbers and numeric strings, never booleans or "7.0"."""
    if isinstance(value, bool) or (isinstance(value, str) and not _is_integer_text(value)):
        raise PydanticCustomError("invalid_input", "A valid integer is required.")
    return value


def _is_integer_text(text: str) -> bool:
    digits = text.strip().removeprefix("-").removeprefix("+")
    return digits.isascii() and digits.isdigit()


Integer = Annotated[int, BeforeValidator(_integer)]
"""An integer in a body or query string."""
# NOTE: bounds come before the validator: after it, pydantic cannot put them in the core
# schema, and the OpenAPI document would show them by pydantic's names (`ge`, `le`), which
# JSON Schema does not know.
BigInt = Annotated[int, Field(ge=-(2**63), le=2**63 - 1), BeforeValidator(_integer)]
"""An integer that fits a database's 64-bit column."""
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX), BeforeValidator(_integer)]
"""An integer that fits a 32-bit column, as PostHog's are."""
PositiveInt = Annotated[int, Field(ge=1), BeforeValidator(_integer)]
NonNegativeInt = Annotated[int, Field(ge=0), BeforeValidator(_integer)]


def trimmed(value: Any) -> Any:
    """DRF's CharField: surrounding whitespace goes before any check."""
    return value.strip() if isinstance(value, str) else value


def truthy(value: Any) -> bool:
    """PostHog's reading of a boolean query parameter."""
    return str(value).strip().lower() in TRUTHY


def not_null(value: Any) -> Any:
    """DRF's refusal of an explicit null for a non-nullable field."""
    if value is None:
        raise PydanticCustomError("null", "This field may not be null.")
    return value


def documented_not_null(schema: dict[str, Any]) -> None:
    """A field's `json_schema_extra`: the document says what `not_null` enforces (the field
    may be left out, not sent as null)."""
    schema.pop("default", None)  # Left out, it is absent: no value stands in for it.
    kept = [option for option in schema.pop("anyOf", [{}]) if option.get("type") != "null"]
    if kept == [{}]:
        schema["not"] = {"type": "null"}  # Any JSON value but null.
    elif len(kept) == 1:
        schema.update(kept[0])
    else:
        schema["anyOf"] = kept


NotNull = Annotated[
    T | None, BeforeValidator(not_null), Field(json_schema_extra=documented_not_null)
]
"""A field that may be left out but not sent as null, as DRF's; the document says so."""


def parse_date_param(value: Any, info: ValidationInfo) -> datetime | None:
    """A date query parameter, absolute or relative to the request's `now` (context)."""
    if value is None:
        return None
    now: datetime = (info.context or {})["now"]
    try:
        return in_utc(parse_date(str(value), now))
    except ValueError:
        raise PydanticCustomError(
            "invalid_input", "'{value}' is not a valid date.", {"value": str(value)}
        ) from None


def in_utc(moment: datetime) -> datetime:
    """An aware `moment` in UTC; one the calendar cannot hold in UTC (year 1 east of
    Greenwich, year 9999 west of it) becomes the earliest or the latest instant."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        offset = moment.utcoffset()
        earliest = offset is not None and offset > timedelta(0)
        return (datetime.min if earliest else datetime.max).replace(tzinfo=UTC)
