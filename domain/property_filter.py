"""PostHog property filters on analytics events: a list of filters or a nested AND/OR group.

Property values are compared as PostHog compares them: as text (`true`, `42`, `Chrome`); an
absent property or a JSON null is "not set".
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any, Literal

from domain.errors import InvalidInputError

ATTR = "properties"
VALUELESS = frozenset({"is_set", "is_not_set"})
OPERATORS = frozenset(
    {"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", *VALUELESS}
)
MAX_DEPTH = 8
# Each value and each filter becomes a clause of the stats query: bounded, so that no
# parameter list grows past what the database takes in one statement.
MAX_VALUES = 100
MAX_FILTERS = 100


@dataclass(frozen=True)
class PropertyFilter:
    """One event property test; `values` are the texts it compares with (any of them)."""

    key: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class FilterGroup:
    """Filters combined with AND or OR."""

    kind: Literal["AND", "OR"]
    items: tuple[PropertyFilter | FilterGroup, ...]


def _invalid(detail: str) -> InvalidInputError:
    return InvalidInputError(detail, attr=ATTR)


def as_text(value: Any) -> str:
    """A property value as PostHog compares it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise _invalid(f"A property filter value must be text, a number or a boolean, not {value!r}.")


def _filter(raw: dict[str, Any]) -> PropertyFilter:
    kind = raw.get("type", "event")
    if kind != "event":
        raise _invalid(f"Only event property filters are supported here, not {kind!r}.")
    key = raw.get("key")
    if not isinstance(key, str) or not key or '"' in key or "\x00" in key:
        raise _invalid("A property filter needs a `key`: a non-empty text without quotes.")
    operator = raw.get("operator") or "exact"
    if operator not in OPERATORS:
        raise _invalid(
            f"Unsupported property filter operator {operator!r}; use one of "
            f"{', '.join(sorted(OPERATORS))}."
        )
    if operator in VALUELESS:
        return PropertyFilter(key, operator, ())
    value = raw.get("value")
    if value is None or value == []:
        raise _invalid(f"The filter on {key!r} needs a `value`.")
    values = tuple(as_text(item) for item in (value if isinstance(value, list) else [value]))
    if len(values) > MAX_VALUES:
        raise _invalid(f"A property filter takes at most {MAX_VALUES} values.")
    if operator in ("regex", "not_regex"):
        for pattern in values:
            try:
                with warnings.catch_warnings():
                    # Python warns that `[[:alpha:]]` may one day nest; here it is RE2's class.
                    warnings.simplefilter("ignore", FutureWarning)
                    re.compile(pattern)
            except re.error as error:
                raise _invalid(f"Invalid regular expression {pattern!r}: {error}.") from None
    if "\x00" in "".join(values):
        raise _invalid("Null characters are not allowed.")
    return PropertyFilter(key, operator, values)


def _item(raw: Any, depth: int) -> PropertyFilter | FilterGroup:
    if not isinstance(raw, dict):
        raise _invalid("Each property filter must be an object.")
    if raw.get("type") in ("AND", "OR"):
        return _group(raw, depth + 1)
    return _filter(raw)


def _group(raw: dict[str, Any], depth: int) -> FilterGroup:
    if depth > MAX_DEPTH:
        raise _invalid(f"Property groups nest at most {MAX_DEPTH} deep.")
    values = raw.get("values")
    if not isinstance(values, list):
        raise _invalid("A property group needs a `values` list.")
    return FilterGroup(raw["type"], tuple(_item(item, depth) for item in values))


def _filter_count(group: FilterGroup) -> int:
    return sum(_filter_count(item) if isinstance(item, FilterGroup) else 1 for item in group.items)


def parse_properties(raw: Any) -> FilterGroup:
    """The filters of a `properties` parameter (already JSON-decoded)."""
    if isinstance(raw, list):
        group = FilterGroup("AND", tuple(_item(item, 1) for item in raw))
    elif isinstance(raw, dict) and raw.get("type") in ("AND", "OR"):
        group = _group(raw, 1)
    else:
        raise _invalid("`properties` must be a JSON list of filters or a property group.")
    if _filter_count(group) > MAX_FILTERS:
        raise _invalid(f"`properties` holds at most {MAX_FILTERS} filters.")
    return group
