"""What the element read model keeps per chain: its hash, parsed elements and the values
`elements/values` extracts. Each chain is parsed once and kept within a byte budget: a site
has far fewer chains than clicks, but nothing limits a chain's length, and the capture
endpoints are open to anyone holding the project's public token."""

from __future__ import annotations

import threading

import orjson
from cachetools import LRUCache

from domain.elements_chain import chain_hash, elements_from_chain, first_value

VALUE_KEYS = ("tag_name", "text", "href", "attr_id")
CACHE_BYTES = 32 << 20
# Hashes are unsigned 64-bit; a BIGINT column holds them shifted, which keeps their order.
_SHIFT = 2**63

ChainRow = tuple[int, str, str | None, str | None, str | None, str | None]

_cache: LRUCache[str, tuple[int, ChainRow]] = LRUCache(
    maxsize=CACHE_BYTES, getsizeof=lambda entry: entry[0]
)
_lock = threading.Lock()


def stored_hash(chain: str) -> int:
    """The chain's hash as its BIGINT column value."""
    return int(chain_hash(chain), 16) - _SHIFT


def public_hash(stored: int) -> str:
    """The hash the API shows: lower-case hex, unpadded."""
    return format(stored + _SHIFT, "x")


def chain_row(chain: str) -> ChainRow:
    """The chain's stored hash, parsed elements (JSON) and its value for each of VALUE_KEYS."""
    with _lock:
        entry = _cache.get(chain)
    if entry is None:
        elements = orjson.dumps(elements_from_chain(chain)).decode()
        values = [first_value(chain, key) for key in VALUE_KEYS]
        row: ChainRow = (stored_hash(chain), elements, *values)  # type: ignore[assignment]
        # Counted: the chain (the key) and what was parsed from it, roughly, as characters.
        size = len(chain) + sum(len(part) for part in row[1:] if part) + 200
        entry = (size, row)
        if size <= CACHE_BYTES // 64:  # One huge chain must not flush all the others.
            with _lock:
                _cache[chain] = entry
    return entry[1]
