"""Analytics events as PostHog SDKs send them, checked and normalised for storage.

They are telemetry, not domain events: nothing is decided from them, they are only counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.elements_chain import chain_from_elements
from domain.errors import InvalidInputError
from domain.instants import parse_instant, to_micros
from domain.json_values import nesting_depth

MAX_EVENT_NAME = 400
MAX_DISTINCT_ID = 200
MAX_DEPTH = 64
_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class CapturedEvent:
    """One analytics event as stored; `timestamp` in microseconds since the epoch (UTC)."""

    project_id: int
    uuid: UUID
    event: str
    distinct_id: str
    timestamp: int
    properties: dict[str, Any]
    elements_chain: str


def _invalid(index: int, field: str | None, problem: str) -> InvalidInputError:
    attr = f"batch__{index}" + (f"__{field}" if field else "")
    return InvalidInputError(f"Invalid event at index {index}: {problem}", attr=attr)


def _without_nul(value: Any) -> Any:
    # No database stores NUL in text; PostHog's pipeline replaces it the same way.
    if isinstance(value, str):
        return value.replace("\x00", _REPLACEMENT) if "\x00" in value else value
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _instant(text: Any, index: int, field: str) -> datetime:
    if not isinstance(text, str):
        raise _invalid(index, field, f"`{field}` must be an ISO-8601 text.")
    try:
        return parse_instant(text)
    except ValueError:
        raise _invalid(index, field, f"`{field}` {text!r} is not an ISO-8601 date.") from None


def _occurred_at(raw: dict[str, Any], index: int, now: datetime, sent_at: Any) -> datetime:
    """PostHog's rule: `offset` (ms before now) wins; a timestamp is corrected by the
    client's clock skew when the batch says when it was sent."""
    offset = raw.get("offset")
    if offset is not None:
        if isinstance(offset, bool) or not isinstance(offset, int | float):
            raise _invalid(index, "offset", "`offset` must be a number of milliseconds.")
        return now - timedelta(milliseconds=offset)
    if raw.get("timestamp") is None:
        return now
    moment = _instant(raw["timestamp"], index, "timestamp")
    sent = raw.get("sent_at", sent_at)
    ignore = (raw.get("properties") or {}).get("$ignore_sent_at") is True
    if sent is not None and not ignore:
        moment = now + (moment - _instant(sent, index, "sent_at"))
    return moment


def _micros(raw: dict[str, Any], index: int, now: datetime, sent_at: Any) -> int:
    try:
        utc = _occurred_at(raw, index, now, sent_at).astimezone(UTC)
    except OverflowError:
        raise _invalid(index, "timestamp", "the timestamp is out of range.") from None
    return to_micros(utc)


def _distinct_id(raw: dict[str, Any], properties: dict[str, Any], index: int) -> str:
    value = raw.get("distinct_id")
    if value is None:
        value = properties.get("distinct_id", properties.get("$distinct_id"))
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        raise _invalid(index, "distinct_id", "`distinct_id` is required (a text or a number).")
    return str(value)[:MAX_DISTINCT_ID]


def _chain(raw: dict[str, Any], properties: dict[str, Any], index: int) -> str:
    elements = properties.pop("$elements", None)
    # Popped whatever wins: neither stays among the stored properties.
    from_properties = properties.pop("$elements_chain", None)
    chain = raw.get("elements_chain") or from_properties or ""
    if elements:
        if not isinstance(elements, list) or not all(
            isinstance(e, dict) and isinstance(e.get("attributes") or {}, dict) for e in elements
        ):
            raise _invalid(
                index,
                "properties",
                "`$elements` must be a list of objects, each with `attributes` an object.",
            )
        chain = chain or chain_from_elements(elements)
    if not isinstance(chain, str):
        raise _invalid(index, "elements_chain", "`elements_chain` must be a text.")
    return chain


def captured_event(
    raw: Any, *, index: int, project_id: int, now: datetime, new_uuid: UUID, sent_at: Any = None
) -> CapturedEvent:
    """Check one event of a capture request (its `index` in the batch) and normalise it;
    an event without a uuid gets `new_uuid`."""
    if not isinstance(raw, dict):
        raise _invalid(index, None, "an event must be a JSON object.")
    if nesting_depth(raw) > MAX_DEPTH:
        raise _invalid(index, "properties", f"the event nests deeper than {MAX_DEPTH} levels.")
    raw = _without_nul(raw)
    name = raw.get("event")
    if not isinstance(name, str) or not name.strip():
        raise _invalid(index, "event", "`event` is required (a non-empty text).")
    if len(name) > MAX_EVENT_NAME:
        raise _invalid(index, "event", f"`event` is longer than {MAX_EVENT_NAME} characters.")
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        raise _invalid(index, "properties", "`properties` must be a JSON object.")
    properties = dict(properties)
    try:
        uuid = UUID(str(raw["uuid"])) if raw.get("uuid") is not None else new_uuid
    except ValueError:
        raise _invalid(index, "uuid", f"`uuid` {raw['uuid']!r} is not a UUID.") from None
    return CapturedEvent(
        project_id=project_id,
        uuid=uuid,
        event=name,
        distinct_id=_distinct_id(raw, properties, index),
        timestamp=_micros(raw, index, now, sent_at),
        properties=properties,
        elements_chain=_chain(raw, properties, index),
    )
