"""PostHog's `elements_chain` string: element dicts to a chain, and a chain back to dicts."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

ELEMENT_FIELDS = (
    "text",
    "tag_name",
    "attr_class",
    "href",
    "attr_id",
    "nth_child",
    "nth_of_type",
    "attributes",
    "order",
)
MAX_CHAIN_LENGTH = 16_384
MAX_FILTER_NAMES = 50
MAX_POSITION = 2**63 - 1

# NOTE: an element is a run of plain characters and double-quoted strings, so `;` and
# whitespace separate elements only outside quotes. Each branch starts on its own character,
# which keeps matching linear; `\\?"` lets a quote close right after a lone backslash, as
# PostHog's parser does when no later quote would close it. DOTALL: values may hold newlines.
_ELEMENT = re.compile(r'(?:[^\s;"]|"(?:[^"\\]|\\.)*\\?")+', re.DOTALL)
# Classes may contain `:`, so the attributes begin only where a `:` starts a `key=`.
_ATTRIBUTES_START = re.compile(r":[A-Za-z0-9_-]+=")
# A value is the shortest non-empty run whose last character is not a backslash.
_VALUE = re.compile(r'(.*?[^\\])"', re.DOTALL)
_LEADING_TAG = re.compile(r"[-_a-zA-Z0-9]*(?=[.|:])")
_FIELD_BY_KEY = {
    "text": "text",
    "href": "href",
    "attr_id": "attr_id",
    "nth-child": "nth_child",
    "nth-of-type": "nth_of_type",
}


def chain_from_elements(elements: Sequence[Mapping[str, Any]]) -> str:
    """Serialise elements (target first) exactly as PostHog's `elements_to_string` does."""
    return ";".join(_element_string(element) for element in elements)


def _element_string(element: Mapping[str, Any]) -> str:
    tag = element.get("tag_name")
    head = str(tag) if tag else ""
    head += "".join("." + name.replace('"', "") for name in sorted(_classes(element)))
    text = _first(element, "text", "$el_text")
    href = _first(element, "href", "attr__href")
    attr_id = _first(element, "attr_id", "attr__id")
    pairs: dict[str, Any] = {
        **({"text": text} if text else {}),
        "nth-child": element.get("nth_child") or 0,
        "nth-of-type": element.get("nth_of_type") or 0,
        **({"href": href} if href else {}),
        **({"attr_id": attr_id} if attr_id else {}),
        **_attributes(element),
    }
    body = "".join(
        f'{_escape(key)}="{_escape(str(value))}"' for key, value in sorted(pairs.items())
    )
    return f"{head}:{body}"


def _first(element: Mapping[str, Any], *keys: str) -> Any:
    """The first of `keys` that is set: our own field name first, then posthog-js's."""
    return next((element[key] for key in keys if element.get(key) is not None), None)


def _classes(element: Mapping[str, Any]) -> list[str]:
    # posthog-js sends the class attribute as one space-separated string in `attr__class`.
    classes = _first(element, "attr_class", "attr__class")
    if classes is None:
        return []
    if isinstance(classes, str):
        return classes.split()
    if isinstance(classes, Iterable):
        return [str(name) for name in classes]
    return str(classes).split()


def _attributes(element: Mapping[str, Any]) -> dict[str, Any]:
    # Like PostHog's ingestion, every `attr__*` key also stays an attribute (attr__href too).
    found = {key: value for key, value in element.items() if str(key).startswith("attr__")}
    found.update(element.get("attributes") or {})
    return {str(key): value for key, value in found.items()}


def _escape(value: str) -> str:
    return value.replace('"', '\\"')


def elements_from_chain(
    chain: str,
    *,
    attributes_filter: Callable[[str], bool] | None = None,
    max_depth: int | None = None,
) -> list[dict[str, Any]]:
    """Parse a chain into `ElementSerializer`-shaped dicts, like `chain_to_element_dicts`."""
    found: Iterator[re.Match[str]] = _ELEMENT.finditer(_bounded(chain))
    if max_depth is not None:
        found = islice(found, min(max(max_depth, 0), sys.maxsize))
    return [
        _parse_element(match.group(), order, attributes_filter) for order, match in enumerate(found)
    ]


def _bounded(chain: str) -> str:
    if len(chain) <= MAX_CHAIN_LENGTH:
        return chain
    window = chain[:MAX_CHAIN_LENGTH]
    # NOTE: cutting at the last `;` drops a half element rather than parsing it as a real one,
    # but a `;` in the first half means one huge element follows: keep the raw window then.
    cut = window.rfind(";")
    return window[:cut] if cut > MAX_CHAIN_LENGTH // 2 else window


def _parse_element(
    source: str, order: int, attributes_filter: Callable[[str], bool] | None
) -> dict[str, Any]:
    element: dict[str, Any] = dict.fromkeys(ELEMENT_FIELDS)
    element["attributes"] = {}
    element["order"] = order
    start = _ATTRIBUTES_START.search(source)
    cut = len(source) if start is None else start.start()
    head, body = source[:cut], source[cut + 1 :]
    if head:
        tag, _, classes = head.partition(".")
        element["tag_name"] = tag
        element["attr_class"] = [name for name in classes.split(".") if name] or None
    for key, value in _pairs(body):
        field = _FIELD_BY_KEY.get(key)
        if field in ("nth_child", "nth_of_type"):
            element[field] = _int_or_none(value)
        elif field is not None:
            element[field] = value
        elif key and (attributes_filter is None or attributes_filter(key)):
            element["attributes"][key] = value
    return element


def _pairs(body: str) -> Iterator[tuple[str, str]]:
    """Each `key="value"`, left to right; a key is all text since the previous pair ended."""
    key_start = search = 0
    while (equals := body.find('="', search)) != -1:
        value = _VALUE.match(body, equals + 2)
        if value is None:
            # No closing quote after here, so no later `="` can have one either.
            return
        yield body[key_start:equals], value.group(1)
        key_start = search = value.end()


def _int_or_none(value: str) -> int | None:
    # PostHog answers a 500 here; a chain is client data, so an unreadable position is unknown,
    # and so is one no element can have (beyond 64 bits, which JSON readers cannot take).
    try:
        position = int(value)
    except ValueError:
        return None
    return position if -MAX_POSITION <= position <= MAX_POSITION else None


def attributes_filter(names: Iterable[str]) -> Callable[[str], bool] | None:
    """Accept `attr__<name>` keys for the first 50 non-blank names, `*` matching any run."""
    wanted = list(islice(filter(None, (name.strip() for name in names)), MAX_FILTER_NAMES))
    if not wanted:
        return None
    exact = frozenset(f"attr__{name}" for name in wanted if "*" not in name)
    globs = [_glob(f"attr__{name}") for name in wanted if "*" in name]
    return lambda key: key in exact or any(matches(key) for matches in globs)


def _glob(pattern: str) -> Callable[[str], bool]:
    # A linear scan rather than a regex: names come from the query string.
    head, *middle, tail = pattern.split("*")

    def matches(key: str) -> bool:
        end = len(key) - len(tail)
        if end < len(head) or not key.startswith(head) or not key.endswith(tail):
            return False
        position = len(head)
        for segment in middle:
            found = key.find(segment, position, end)
            if found == -1:
                return False
            position = found + len(segment)
        return True

    return matches


def chain_hash(chain: str) -> str:
    """A stable 64-bit hash of the raw chain, as lower-case hex without zero padding."""
    # surrogatepass: JSON can carry lone surrogates, and hashing one must not fail.
    digest = hashlib.blake2b(chain.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return format(int.from_bytes(digest, "big"), "x")


def first_value(chain: str, key: str) -> str | None:
    """The value the elements/values endpoint groups a chain under for `key`."""
    if key == "tag_name":
        return _leading_tag(chain) or None
    match = _occurrences(key).search(chain)
    return None if match is None else match.group(1)


def chain_has_value(chain: str, key: str, value: str) -> bool:
    """Whether the elements/values endpoint's `value` filter (a substring) keeps this chain."""
    if key == "tag_name":
        tag = _leading_tag(chain)
        return tag is not None and value in tag
    return any(value in match.group(1) for match in _occurrences(key).finditer(chain))


def _leading_tag(chain: str) -> str | None:
    match = _LEADING_TAG.match(chain)
    return None if match is None else match.group()


def _occurrences(key: str) -> re.Pattern[str]:
    # A lookahead so that finditer tries every position: an occurrence may start inside
    # the value of an earlier one. The value ends at the first quote not escaped by `\`.
    return re.compile(r'(?=[:|"]' + re.escape(key) + r'="(.*?)(?<!\\)")', re.DOTALL)
