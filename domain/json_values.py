"""Facts about JSON values that Python's own comparisons get wrong or cannot afford."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def nesting_depth(value: Any) -> int:
    """How deeply containers nest in `value` (without recursion: it may be very deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend(
                (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: unlike Python's, 1 and true, or 1 and 1.0, are different values."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def field_changes(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each field of `wanted` whose value is not `current`'s, with its value before and after."""
    return [
        {"field": field, "before": current[field], "after": value}
        for field, value in wanted.items()
        if not same_json(value, current[field])
    ]
