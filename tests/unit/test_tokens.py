"""Random identifiers and secrets in PostHog's formats."""

from __future__ import annotations

import string

from store.tokens import BASE57, distinct_id, random_token

# NOTE: the reference names the set (alphanumerics minus 0, 1, O, I, l), not its order; the
# order of the digits does not matter for random tokens, so only the set is pinned down.
POSTHOG_BASE57 = set(string.digits + string.ascii_letters) - set("01OIl")


def from_base57(text: str) -> int:
    number = 0
    for char in text:
        number = number * 57 + BASE57.index(char)
    return number


class TestRandomToken:
    def test_the_alphabet_is_posthogs_base57_without_look_alikes(self) -> None:
        assert set(BASE57) == POSTHOG_BASE57
        assert len(BASE57) == 57

    def test_a_personal_key_is_phx_and_base57(self) -> None:
        token = random_token("phx_")

        assert token.startswith("phx_")
        assert set(token[4:]) <= POSTHOG_BASE57

    def test_a_project_token_is_phc_and_base57(self) -> None:
        token = random_token("phc_")

        assert token.startswith("phc_")
        assert set(token[4:]) <= POSTHOG_BASE57

    def test_the_secret_encodes_35_random_bytes_with_the_top_bit_set(self) -> None:
        for _ in range(200):
            body = random_token("phx_")[4:]

            assert len(body) in (48, 49)
            assert 2**279 <= from_base57(body) < 2**280

    def test_tokens_do_not_repeat(self) -> None:
        assert len({random_token("phx_") for _ in range(500)}) == 500


class TestDistinctId:
    def test_distinct_ids_are_url_safe_and_unique(self) -> None:
        ids = {distinct_id() for _ in range(200)}

        assert len(ids) == 200
        assert all(set(i) <= set(string.ascii_letters + string.digits + "-_") for i in ids)
