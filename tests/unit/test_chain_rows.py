"""The per-chain cache of the element read model stays within its byte budget."""

from __future__ import annotations

import tracemalloc

from store.chain_rows import CACHE_BYTES, chain_row, stored_hash


def _long_chain(number: int, length: int) -> str:
    return f'a.note{number}:text="{"x" * length}"nth-child="1"nth-of-type="1"'


def test_a_chain_too_long_to_keep_is_parsed_each_time_alike() -> None:
    chain = _long_chain(1, CACHE_BYTES // 32)

    first, second = chain_row(chain), chain_row(chain)

    assert first == second
    assert first[0] == stored_hash(chain)
    assert first[2:] == ("a", "x" * (CACHE_BYTES // 32), None, None)


def test_many_long_chains_hold_no_more_memory_than_the_budget() -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(300):  # About 135 MB of rows, were they all kept.
            chain_row(_long_chain(number, 150_000))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert held < CACHE_BYTES * 1.5
