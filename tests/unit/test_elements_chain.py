"""elements_chain: PostHog's serialised element string, written and read like PostHog does."""

from __future__ import annotations

import hashlib
import re
from itertools import count
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.elements_chain import (
    ELEMENT_FIELDS,
    MAX_CHAIN_LENGTH,
    attributes_filter,
    chain_from_elements,
    chain_has_value,
    chain_hash,
    elements_from_chain,
    first_value,
)

EXAMPLE_CHAIN = 'a.big.btn:href="/x"nth-child="2"nth-of-type="0"text="Hi"'
SIGN_UP_CHAIN = (
    'button.cta:nth-child="1"nth-of-type="1"text="Sign up";'
    'a:href="/home"nth-child="2"nth-of-type="1"text="Home";'
    'nav:attr_id="main"nth-child="0"nth-of-type="0"'
)


def element(**fields: Any) -> dict[str, Any]:
    """A parsed element: every serializer field, None unless given."""
    return {**dict.fromkeys(ELEMENT_FIELDS), "attributes": {}, **fields}


class TestChainFromElements:
    def test_the_reference_example_serialises_byte_for_byte(self) -> None:
        link = {"tag_name": "a", "attr_class": ["btn", "big"], "text": "Hi", "href": "/x"}

        assert chain_from_elements([{**link, "nth_child": 2}]) == EXAMPLE_CHAIN

    def test_a_bare_element_still_gets_a_colon_and_zero_positions(self) -> None:
        assert chain_from_elements([{"tag_name": "div"}]) == 'div:nth-child="0"nth-of-type="0"'

    def test_elements_are_joined_target_first_by_semicolons(self) -> None:
        chain = chain_from_elements([{"tag_name": "span"}, {"tag_name": "li"}, {}])

        assert chain == (
            'span:nth-child="0"nth-of-type="0";li:nth-child="0"nth-of-type="0";'
            ':nth-child="0"nth-of-type="0"'
        )

    def test_no_elements_make_an_empty_chain(self) -> None:
        assert chain_from_elements([]) == ""

    def test_quotes_are_escaped_in_keys_and_values_and_dropped_from_classes(self) -> None:
        quoted = {
            "tag_name": "q",
            "attr_class": ['"fancy"'],
            "attributes": {'attr__x"y': 'say "hi"'},
        }

        assert chain_from_elements([quoted]) == (
            'q.fancy:attr__x\\"y="say \\"hi\\""nth-child="0"nth-of-type="0"'
        )

    def test_classes_containing_colons_are_kept_verbatim(self) -> None:
        chain = chain_from_elements([{"tag_name": "p", "attr_class": ["md:w-1/2", "hover:x"]}])

        assert chain == 'p.hover:x.md:w-1/2:nth-child="0"nth-of-type="0"'

    def test_attributes_override_the_well_known_keys(self) -> None:
        chain = chain_from_elements([{"text": "Old", "attributes": {"text": "New"}}])

        assert chain == ':nth-child="0"nth-of-type="0"text="New"'

    def test_empty_text_href_and_attr_id_are_left_out(self) -> None:
        chain = chain_from_elements([{"tag_name": "i", "text": "", "href": "", "attr_id": None}])

        assert chain == 'i:nth-child="0"nth-of-type="0"'

    def test_non_string_values_are_written_with_str(self) -> None:
        chain = chain_from_elements([{"nth_child": 3, "attributes": {"attr__n": 7, "b": True}}])

        assert chain == ':attr__n="7"b="True"nth-child="3"nth-of-type="0"'

    def test_a_class_string_is_split_on_whitespace(self) -> None:
        chain = chain_from_elements([{"tag_name": "b", "attr_class": " zeta  alpha\tmid "}])

        assert chain.startswith("b.alpha.mid.zeta:")

    def test_posthog_js_elements_serialise_as_posthog_ingests_them(self) -> None:
        sent = {
            "tag_name": "a",
            "$el_text": "Pricing",
            "classes": ["nav-link", "active"],
            "attr__class": "nav-link active",
            "attr__href": "/pricing",
            "attr__id": "pricing-link",
            "nth_child": 1,
            "nth_of_type": 1,
            "order": 0,
            "event": None,
            "group": 12,
        }

        assert chain_from_elements([sent]) == (
            'a.active.nav-link:attr__class="nav-link active"attr__href="/pricing"'
            'attr__id="pricing-link"attr_id="pricing-link"href="/pricing"'
            'nth-child="1"nth-of-type="1"text="Pricing"'
        )

    def test_serializer_fields_win_over_posthog_js_ones(self) -> None:
        sent = {"text": "Mine", "$el_text": "Theirs", "href": "/a", "attr__href": "/b"}

        assert chain_from_elements([sent]) == (
            ':attr__href="/b"href="/a"nth-child="0"nth-of-type="0"text="Mine"'
        )


class TestElementsFromChain:
    def test_the_reference_example_parses_with_zero_not_null_positions(self) -> None:
        assert elements_from_chain(EXAMPLE_CHAIN) == [
            element(
                text="Hi",
                tag_name="a",
                attr_class=["big", "btn"],
                href="/x",
                nth_child=2,
                nth_of_type=0,
                order=0,
            )
        ]

    def test_every_element_has_exactly_the_serializer_fields_in_order(self) -> None:
        for parsed in elements_from_chain(SIGN_UP_CHAIN):
            assert tuple(parsed) == ELEMENT_FIELDS

    def test_order_counts_up_from_the_clicked_element(self) -> None:
        parsed = elements_from_chain(SIGN_UP_CHAIN)

        assert [(e["order"], e["tag_name"]) for e in parsed] == [
            (0, "button"),
            (1, "a"),
            (2, "nav"),
        ]

    def test_positions_missing_from_a_chain_stay_none(self) -> None:
        assert elements_from_chain('a:text="x"') == [element(text="x", tag_name="a", order=0)]

    @pytest.mark.parametrize("position", [str(2**63), str(-(2**63) - 1), "9" * 30])
    def test_a_position_beyond_64_bits_is_unknown(self, position: str) -> None:
        [parsed] = elements_from_chain(f'a:nth-child="{position}"nth-of-type="{2**63 - 1}"')

        assert (parsed["nth_child"], parsed["nth_of_type"]) == (None, 2**63 - 1)

    def test_a_depth_beyond_any_index_keeps_the_whole_chain(self) -> None:
        assert elements_from_chain(SIGN_UP_CHAIN, max_depth=10**30) == elements_from_chain(
            SIGN_UP_CHAIN
        )

    def test_a_tag_part_starting_with_a_dot_gives_an_empty_tag_name(self) -> None:
        [parsed] = elements_from_chain('.card.wide:nth-child="1"')

        assert (parsed["tag_name"], parsed["attr_class"]) == ("", ["card", "wide"])

    def test_an_element_without_a_tag_part_has_no_tag_and_no_classes(self) -> None:
        [parsed] = elements_from_chain(':nth-child="1"')

        assert (parsed["tag_name"], parsed["attr_class"]) == (None, None)

    @pytest.mark.parametrize("chain", ['a:nth-child="1"', 'a.:nth-child="1"', "a..", "a"])
    def test_a_tag_without_classes_has_null_not_empty_classes(self, chain: str) -> None:
        [parsed] = elements_from_chain(chain)

        assert (parsed["tag_name"], parsed["attr_class"]) == ("a", None)

    def test_a_colon_that_starts_no_attribute_belongs_to_the_tag_part(self) -> None:
        [parsed] = elements_from_chain("a.x:")

        assert (parsed["tag_name"], parsed["attr_class"]) == ("a", ["x:"])

    def test_classes_may_contain_colons(self) -> None:
        [parsed] = elements_from_chain('div.hover:bg-red.md:w-1/2:nth-child="4"')

        assert parsed["attr_class"] == ["hover:bg-red", "md:w-1/2"]
        assert parsed["nth_child"] == 4

    def test_whitespace_outside_quotes_separates_elements(self) -> None:
        parsed = elements_from_chain('a:text="one two" b:text="three"')

        assert [(e["tag_name"], e["text"]) for e in parsed] == [("a", "one two"), ("b", "three")]

    def test_semicolons_inside_quotes_do_not_separate_elements(self) -> None:
        [parsed] = elements_from_chain('div:attr__style="display: flex; gap: 4px"')

        assert parsed["attributes"] == {"attr__style": "display: flex; gap: 4px"}

    def test_escaped_quotes_stay_escaped(self) -> None:
        [parsed] = elements_from_chain('q:text="say \\"hi\\""')

        assert parsed["text"] == 'say \\"hi\\"'

    def test_non_numeric_positions_become_null_instead_of_failing(self) -> None:
        [parsed] = elements_from_chain('li:nth-child="first"nth-of-type="2b"text="x"')

        assert (parsed["nth_child"], parsed["nth_of_type"], parsed["text"]) == (None, None, "x")

    def test_other_keys_land_in_attributes_verbatim(self) -> None:
        [parsed] = elements_from_chain('a:attr__data-attr="go"custom="1"href="/go"')

        assert parsed["attributes"] == {"attr__data-attr": "go", "custom": "1"}
        assert parsed["href"] == "/go"

    def test_an_attribute_with_an_empty_key_is_dropped(self) -> None:
        [parsed] = elements_from_chain('a:x="1"="2"')

        assert parsed["attributes"] == {"x": "1"}

    def test_an_empty_value_swallows_text_up_to_the_next_quote(self) -> None:
        [parsed] = elements_from_chain('a:attr__x=""nth-child="1"')

        assert parsed["attributes"] == {"attr__x": '"nth-child='}
        assert parsed["nth_child"] is None

    def test_an_empty_chain_has_no_elements(self) -> None:
        assert elements_from_chain("") == []


class TestLengthGuard:
    def test_a_chain_at_the_limit_is_parsed_whole(self) -> None:
        text = "x" * (MAX_CHAIN_LENGTH - len('a:text=""'))

        [parsed] = elements_from_chain(f'a:text="{text}"')

        assert parsed["text"] == text

    def test_an_over_long_chain_is_cut_at_its_last_semicolon_in_the_window(self) -> None:
        chain = ";".join(f'li:text="item {i:05}"' for i in range(1_000))
        window = chain[:MAX_CHAIN_LENGTH]

        parsed = elements_from_chain(chain)

        assert len(parsed) == window.count(";")
        assert parsed[-1]["text"] == f"item {len(parsed) - 1:05}"

    @pytest.mark.parametrize(
        ("first_length", "expected_tags"),
        [
            (8_192, ["a" * 8_192, "b" * (MAX_CHAIN_LENGTH - 8_193)]),
            (8_193, ["a" * 8_193]),
        ],
    )
    def test_a_semicolon_in_the_first_half_keeps_the_raw_window(
        self, first_length: int, expected_tags: list[str]
    ) -> None:
        chain = "a" * first_length + ";" + "b" * 9_000

        assert [e["tag_name"] for e in elements_from_chain(chain)] == expected_tags


class TestAttributesFilter:
    @pytest.mark.parametrize("names", [[], ["", "  "]])
    def test_no_names_means_no_filter(self, names: list[str]) -> None:
        assert attributes_filter(names) is None

    def test_a_plain_name_matches_only_its_own_attr_key(self) -> None:
        matches = attributes_filter([" data-attr "])

        assert matches is not None
        assert matches("attr__data-attr")
        assert not matches("attr__data-attr-x")
        assert not matches("data-attr")

    def test_a_star_matches_any_run_of_characters_including_none(self) -> None:
        matches = attributes_filter(["data-*-id"])

        assert matches is not None
        assert matches("attr__data-user-id")
        assert matches("attr__data--id")
        assert not matches("attr__data-id")
        assert not matches("attr__data-user-idx")

    def test_several_stars_match_their_segments_in_order(self) -> None:
        matches = attributes_filter(["*a*b*"])

        assert matches is not None
        assert matches("attr__xaxbx")
        assert not matches("attr__xbxax")

    def test_other_characters_are_literal(self) -> None:
        matches = attributes_filter(["a.(b)+*"])

        assert matches is not None
        assert matches("attr__a.(b)+tail")
        assert not matches("attr__ax(b)+tail")
        assert not matches("attr__a.bb+")

    def test_only_the_first_fifty_names_count_and_blanks_do_not(self) -> None:
        matches = attributes_filter(["", " "] * 5 + [f"n{i}" for i in range(60)])

        assert matches is not None
        assert matches("attr__n49")
        assert not matches("attr__n50")

    def test_parsing_keeps_only_the_matching_attributes(self) -> None:
        chain = 'a:attr__data-id="7"attr__style="x"href="/go"text="Go"'

        [parsed] = elements_from_chain(chain, attributes_filter=attributes_filter(["data-*"]))

        assert parsed["attributes"] == {"attr__data-id": "7"}
        assert (parsed["href"], parsed["text"]) == ("/go", "Go")


class TestMaxDepth:
    @pytest.mark.parametrize(
        ("max_depth", "expected_tags"),
        [(None, ["button", "a", "nav"]), (2, ["button", "a"]), (5, ["button", "a", "nav"])],
    )
    def test_max_depth_keeps_the_clicked_element_and_its_nearest_ancestors(
        self, max_depth: int | None, expected_tags: list[str]
    ) -> None:
        parsed = elements_from_chain(SIGN_UP_CHAIN, max_depth=max_depth)

        assert [e["tag_name"] for e in parsed] == expected_tags

    def test_a_max_depth_of_zero_keeps_nothing(self) -> None:
        assert elements_from_chain(SIGN_UP_CHAIN, max_depth=0) == []


def element_lists(*, quotes: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Element lists the chain format carries back unchanged, bar the escaping of quotes.

    Restrictions, each forced by the format rather than chosen:
    - classes are sorted (the serialiser sorts them), non-empty (empty ones are dropped), and
      hold no whitespace, `;` or `"` (those end an element outside quotes), no `.` (it splits
      classes) and no `=` (`:name=` inside a class would start the attributes early);
    - a missing tag is `None` without classes and `""` with them: both serialise to nothing,
      and the parser gives back `""` only when a `.` follows;
    - attr_class is None or non-empty: `[]` serialises like None and parses as None;
    - text, href, attr_id and attribute values are non-empty (empty text, href and attr_id are
      omitted; an empty attribute value swallows the next key) and hold no backslash (an
      escaped quote after one, or one at the end, would end the quoted value elsewhere);
    - attribute keys are `[A-Za-z0-9_-]+` (the attributes begin at a `:` before such a key)
      and none of the five keys the parser maps to fields;
    - positions are integers, never None: None is written as 0.
    With `quotes`, values may hold `"`, which comes back as `\\"` (values are not unescaped).
    """
    forbidden = "\\" if quotes else '\\"'
    values = st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters=forbidden),
        min_size=1,
        max_size=12,
    )
    class_names = st.text(
        st.characters(exclude_categories=["Z", "C"], exclude_characters='";.='),
        min_size=1,
        max_size=10,
    )
    keys = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True).filter(
        lambda key: key not in {"text", "href", "attr_id", "nth-child", "nth-of-type"}
    )
    positions = st.integers(min_value=-(2**31), max_value=2**31 - 1)

    @st.composite
    def one_element(draw: st.DrawFn) -> dict[str, Any]:
        classes = draw(st.none() | st.lists(class_names, min_size=1, max_size=3).map(sorted))
        tags = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
        return {
            "text": draw(st.none() | values),
            "tag_name": draw(tags | st.just("" if classes else None)),
            "attr_class": classes,
            "href": draw(st.none() | values),
            "attr_id": draw(st.none() | values),
            "nth_child": draw(positions),
            "nth_of_type": draw(positions),
            "attributes": draw(st.dictionaries(keys, values, max_size=3)),
        }

    return st.lists(one_element(), max_size=4).map(
        lambda elements: [{**e, "order": order} for order, e in enumerate(elements)]
    )


def stored(parsed: dict[str, Any]) -> dict[str, Any]:
    """An element as a chain gives it back: every `"` in a value escaped."""

    def escape(value: str | None) -> str | None:
        return None if value is None else value.replace('"', '\\"')

    return {
        **parsed,
        **{field: escape(parsed[field]) for field in ("text", "href", "attr_id")},
        "attributes": {key: escape(value) for key, value in parsed["attributes"].items()},
    }


class TestRoundTrip:
    @given(element_lists(quotes=True))
    def test_parsing_a_serialised_chain_gives_the_elements_back(
        self, elements: list[dict[str, Any]]
    ) -> None:
        parsed = elements_from_chain(chain_from_elements(elements))

        assert parsed == [stored(e) for e in elements]

    @given(element_lists(quotes=False))
    def test_serialising_a_parsed_chain_gives_the_same_chain(
        self, elements: list[dict[str, Any]]
    ) -> None:
        chain = chain_from_elements(elements)

        assert chain_from_elements(elements_from_chain(chain)) == chain

    def test_a_quote_comes_back_escaped_and_is_escaped_again_when_rewritten(self) -> None:
        chain = chain_from_elements([{"tag_name": "q", "text": 'a "b"'}])

        [parsed] = elements_from_chain(chain)

        assert parsed["text"] == 'a \\"b\\"'
        assert chain_from_elements([parsed]) == 'q:nth-child="0"nth-of-type="0"text="a \\\\"b\\\\""'


class TestChainHash:
    def test_the_hash_of_a_fixed_chain_never_changes(self) -> None:
        assert chain_hash(EXAMPLE_CHAIN) == "903ca91e7e5cb87a"

    @given(st.text())
    def test_the_hash_is_lower_case_hex_of_at_most_sixteen_digits(self, chain: str) -> None:
        assert re.fullmatch(r"[0-9a-f]{1,16}", chain_hash(chain))

    def test_leading_zero_digits_are_not_padded(self) -> None:
        def digest(chain: str) -> bytes:
            return hashlib.blake2b(chain.encode(), digest_size=8).digest()

        chain = next(c for c in (f"div:{i}" for i in count()) if digest(c)[0] < 0x10)

        assert len(chain_hash(chain)) < 16
        assert int(chain_hash(chain), 16) == int.from_bytes(digest(chain), "big")

    def test_a_lone_surrogate_hashes_without_error(self) -> None:
        assert chain_hash("a\ud800:") != chain_hash("a:")


class TestFirstValue:
    def test_the_tag_name_is_the_first_elements_tag(self) -> None:
        assert first_value(SIGN_UP_CHAIN, "tag_name") == "button"

    @pytest.mark.parametrize("chain", ['.card:nth-child="1"', "", 'my tag:text="x"'])
    def test_a_chain_without_a_leading_tag_has_none(self, chain: str) -> None:
        assert first_value(chain, "tag_name") is None

    def test_the_value_comes_from_the_element_nearest_the_click(self) -> None:
        assert first_value(SIGN_UP_CHAIN, "text") == "Sign up"
        assert first_value(SIGN_UP_CHAIN, "href") == "/home"
        assert first_value(SIGN_UP_CHAIN, "attr_id") == "main"

    def test_a_key_that_merely_ends_like_the_wanted_one_does_not_count(self) -> None:
        chain = 'a:attr__text="decoy"nth-child="1"text="real"'

        assert first_value(chain, "text") == "real"

    def test_escaped_quotes_are_part_of_the_value(self) -> None:
        assert first_value('q:text="say \\"hi\\""', "text") == 'say \\"hi\\"'

    def test_a_missing_key_has_none(self) -> None:
        assert first_value(EXAMPLE_CHAIN, "attr_id") is None


class TestChainHasValue:
    def test_the_tag_name_filter_is_a_case_sensitive_substring(self) -> None:
        assert chain_has_value(SIGN_UP_CHAIN, "tag_name", "utt")
        assert not chain_has_value(SIGN_UP_CHAIN, "tag_name", "Butt")

    def test_the_tag_name_filter_looks_only_at_the_first_element(self) -> None:
        assert not chain_has_value(SIGN_UP_CHAIN, "tag_name", "nav")

    def test_a_later_element_can_match_although_the_first_value_does_not(self) -> None:
        assert first_value(SIGN_UP_CHAIN, "text") == "Sign up"
        assert chain_has_value(SIGN_UP_CHAIN, "text", "Hom")

    def test_the_value_is_taken_literally_not_as_a_regex(self) -> None:
        assert not chain_has_value(SIGN_UP_CHAIN, "text", ".*")
        assert chain_has_value('a:text="a.*b"', "text", ".*")

    def test_the_value_must_lie_inside_one_quoted_value(self) -> None:
        assert not chain_has_value(SIGN_UP_CHAIN, "text", "up;a")

    def test_an_empty_value_accepts_any_chain_carrying_the_key(self) -> None:
        assert chain_has_value(SIGN_UP_CHAIN, "attr_id", "")
        assert not chain_has_value(EXAMPLE_CHAIN, "attr_id", "")
