"""Query parameters of element stats and values, checked with PostHog's own messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import falcon
import orjson
from pydantic import BaseModel, Field

from api.errors import bad_request
from domain.dates import parse_date
from domain.errors import InvalidInputError
from domain.property_filter import FilterGroup, parse_properties
from store import json_codec
from store.analytics_events import ELEMENT_EVENTS
from store.chain_rows import VALUE_KEYS

DEFAULT_LIMIT = 50_000
MAX_LIMIT = 999_999
ALL_TIME = datetime(1, 1, 1, tzinfo=UTC)


class StatsQueryParams(BaseModel):
    """The stats parameters, for the OpenAPI document (they are checked by `stats_params`)."""

    date_from: str | None = Field(None, description="Absolute or relative (-7d, the default).")
    date_to: str | None = None
    include: str | None = Field(None, description="$autocapture, $rageclick and/or $dead_click.")
    properties: str | None = Field(None, description="JSON: event property filters.")
    data_attributes: str | None = Field(None, description="Comma-separated attribute names.")
    max_element_chain_depth: int | None = Field(None, ge=1)
    filter_test_accounts: bool | None = None
    sampling_factor: float | None = Field(None, gt=0, le=1)
    paginate_response: bool | None = None
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, description=f"Default {DEFAULT_LIMIT}.")
    offset: int | None = Field(None, ge=0)
    format: Literal["json", "csv"] | None = None


class ValuesQueryParams(BaseModel):
    """The values parameters, for the OpenAPI document (`key` is checked by `values_key`)."""

    key: Literal[(*VALUE_KEYS, "selector")] = Field(  # type: ignore[valid-type]
        description="An element field; `selector` has no stored values: always []."
    )
    value: str | None = Field(None, description="Only values containing this text.")
    format: Literal["json", "csv"] | None = None


@dataclass(frozen=True)
class StatsParams:
    """Element stats parameters, checked."""

    events: tuple[str, ...]
    limit: int
    offset: int
    data_attributes: list[str]
    max_depth: int | None
    date_from: datetime
    date_to: datetime
    properties: FilterGroup | None


def _include(req: falcon.Request) -> tuple[str, ...]:
    raw = req.get_param_as_list("include") or []
    names: list[str] = []
    for value in raw:
        if value.strip().startswith("["):
            try:
                parsed = json_codec.loads(value)
            except orjson.JSONDecodeError:
                raise bad_request("include must be a valid JSON array when passed as one") from None
            if not isinstance(parsed, list) or not all(isinstance(name, str) for name in parsed):
                raise bad_request("include must be a JSON array of event names")
            names += parsed
        else:
            names += [name.strip() for name in value.split(",") if name.strip()]
    if any(name not in ELEMENT_EVENTS for name in names):
        raise bad_request("Only $autocapture, $rageclick, and $dead_click are supported.")
    # Set semantics, in a stable order.
    return tuple(name for name in ELEMENT_EVENTS if name in names) or ELEMENT_EVENTS


def _integer(req: falcon.Request, name: str, default: int | None) -> int | None:
    raw = req.get_param(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None


def _day_bound(req: falcon.Request, name: str, default: str | None, now: datetime) -> datetime:
    """The UTC day (the project timezone) of a date parameter: its start for `date_from`,
    its end for `date_to`, since stats are kept per day."""
    raw = req.get_param(name) or default
    if name == "date_from" and raw is not None and raw.strip().lower() == "all":
        return ALL_TIME  # PostHog's `all`: from the project's earliest event.
    try:
        moment = now if raw is None else parse_date(raw, now).astimezone(UTC)
        if name == "date_from":
            return moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return moment.replace(hour=23, minute=59, second=59, microsecond=999_999)
    except (ValueError, OverflowError):
        raise bad_request(f"'{raw}' is not a valid date.", attr=name) from None


def _properties(req: falcon.Request) -> FilterGroup | None:
    raw = req.get_param("properties")
    if raw is None or not raw.strip():
        return None
    try:
        parsed: Any = json_codec.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request("properties must be valid JSON.", attr="properties") from None
    group = parse_properties(parsed)
    return group if group.items else None


def stats_params(req: falcon.Request, now: datetime) -> StatsParams:
    """Every stats parameter, or a 400 naming the first bad one."""
    events = _include(req)
    limit = _integer(req, "limit", DEFAULT_LIMIT)
    assert limit is not None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}")
    offset = _integer(req, "offset", 0)
    assert offset is not None
    if offset < 0:
        raise bad_request("offset must be zero or greater")
    sampling = req.get_param("sampling_factor")
    if sampling is not None:
        try:
            factor = float(sampling)
        except ValueError:
            raise bad_request("sampling_factor must be a float") from None
        if not 0 < factor <= 1:
            raise bad_request("sampling_factor must be greater than 0 and at most 1")
    max_depth = _integer(req, "max_element_chain_depth", None)
    if max_depth is not None and max_depth < 1:
        raise bad_request("max_element_chain_depth must be greater than zero")
    date_from = _day_bound(req, "date_from", "-7d", now)
    date_to = _day_bound(req, "date_to", None, now)
    try:
        properties = _properties(req)
    except InvalidInputError as error:
        raise bad_request(error.detail, attr="properties") from None
    return StatsParams(
        events=events,
        limit=limit,
        offset=min(offset, 10**12),
        data_attributes=(req.get_param("data_attributes") or "").split(","),
        max_depth=max_depth,
        date_from=date_from,
        date_to=date_to,
        properties=properties,
    )


def values_key(req: falcon.Request) -> str | None:
    """The `key` of a values request; None for `selector` (which has no stored values)."""
    key = req.get_param("key")
    if key == "selector":
        return None
    if key not in VALUE_KEYS:
        raise bad_request(f"key must be one of {', '.join(sorted(VALUE_KEYS))}")
    return key
