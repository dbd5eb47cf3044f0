"""short_ids: eight alphanumerics that look random and never repeat, by construction."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.short_id import SPACE, short_id_for

ALPHANUMERICS = set(string.ascii_letters + string.digits)


class TestShortId:
    @given(st.integers(min_value=0, max_value=SPACE - 1))
    def test_every_id_has_eight_alphanumerics(self, insight_id: int) -> None:
        value = short_id_for(insight_id)

        assert len(value) == 8
        assert set(value) <= ALPHANUMERICS

    def test_distinct_ids_never_share_a_short_id(self) -> None:
        ids = [*range(50_000), *range(SPACE - 50_000, SPACE)]

        assert len({short_id_for(i) for i in ids}) == len(ids)

    @given(
        st.lists(
            st.integers(min_value=0, max_value=SPACE - 1), min_size=2, max_size=50, unique=True
        )
    )
    def test_any_distinct_ids_get_distinct_short_ids(self, ids: list[int]) -> None:
        assert len({short_id_for(i) for i in ids}) == len(ids)

    def test_the_mapping_never_changes(self) -> None:
        # Stored insights keep the short_ids they were given: a changed mapping would hand
        # one of them out again to a new insight.
        ids = [0, 1, 2, 100, 12345, SPACE - 1]

        assert [short_id_for(i) for i in ids] == [
            "i8y9g6Ax",
            "PU01xNbz",
            "KxFexflG",
            "Ru0fxWgk",
            "r7dSowoT",
            "R7TVzN48",
        ]

    def test_consecutive_ids_do_not_look_consecutive(self) -> None:
        first, second = short_id_for(1), short_id_for(2)

        assert sum(a == b for a, b in zip(first, second, strict=True)) <= 3

    def test_short_ids_use_the_whole_alphabet(self) -> None:
        seen = set("".join(short_id_for(i) for i in range(2_000)))

        assert seen == ALPHANUMERICS

    @pytest.mark.parametrize("insight_id", [-1, SPACE])
    def test_ids_outside_the_space_have_none(self, insight_id: int) -> None:
        with pytest.raises(ValueError):
            short_id_for(insight_id)
