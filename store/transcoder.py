"""The event transcoder: the library's JSON transcoder, made safe for client JSON.

The library marks its own types as `{"_type_": name, "_data_": value}`; a client's query or
filters may contain exactly such an object. Those are escaped on the way in, so that every
stored event decodes back to what was recorded.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, Transcoding

_MARKER_KEYS = frozenset({"_type_", "_data_"})


class _PlainDict:
    """A client dict that would read as a transcoded object."""

    __slots__ = ("items",)

    def __init__(self, items: list[list[Any]]) -> None:
        self.items = items


class PlainDictAsItems(Transcoding):
    type = _PlainDict
    name = "insightlog_plain_dict"

    def encode(self, obj: _PlainDict) -> list[list[Any]]:
        return obj.items

    def decode(self, data: list[list[Any]]) -> dict[str, Any]:
        return {key: value for key, value in data}


def _escape(value: Any) -> Any:
    if isinstance(value, dict):
        escaped = {key: _escape(item) for key, item in value.items()}
        if len(escaped) == 2 and escaped.keys() == _MARKER_KEYS:
            return _PlainDict([[key, item] for key, item in escaped.items()])
        return escaped
    if isinstance(value, list | tuple):
        return [_escape(item) for item in value]
    return value


class EventTranscoder(JSONTranscoder):
    """JSONTranscoder that cannot mistake client data for one of its own types."""

    def __init__(self) -> None:
        super().__init__()
        self.register(PlainDictAsItems())

    def encode(self, obj: Any) -> bytes:
        return super().encode(_escape(obj) if _may_hold_markers(obj) else obj)


def _may_hold_markers(value: Any) -> bool:
    """Whether a dict in `value` may look like one of the library's own: one pass of orjson
    in C, where walking the value in Python cost half an event's encoding."""
    try:
        return b'"_type_"' in orjson.dumps(value, default=str)
    except (TypeError, orjson.JSONEncodeError):
        return True  # Something orjson cannot write (an int past 64 bits, say): walk it.
