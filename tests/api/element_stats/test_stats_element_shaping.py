"""`GET …/elements/stats`: `data_attributes` and `max_element_chain_depth` shape each
row's elements."""

from __future__ import annotations

import pytest

from tests.api.element_stats.support import (
    BUY,
    BUY_ELEMENTS,
    HERO,
    Shop,
    click,
    validation_error,
)

# ---------------------------------------------------------------------------------------------
# data_attributes, max_element_chain_depth


class TestStatsElementShaping:
    def test_data_attributes_keeps_only_the_named_attributes(self, shop: Shop) -> None:
        shop.capture([click(HERO)])

        [row] = shop.stats_ok({"data_attributes": "data-attr"})["results"]

        assert [item["attributes"] for item in row["elements"]] == [
            {"attr__data-attr": "hero-cta"},
            {},
        ]

    def test_without_data_attributes_every_attribute_is_kept(self, shop: Shop) -> None:
        shop.capture([click(HERO)])

        [row] = shop.stats_ok()["results"]

        assert [item["attributes"] for item in row["elements"]] == [
            {
                "attr__aria-label": "Start trial",
                "attr__class": "cta",
                "attr__data-attr": "hero-cta",
                "attr__data-test-id": "start",
            },
            {"attr__data-section": "hero"},
        ]

    def test_data_attributes_globs_match_any_run(self, shop: Shop) -> None:
        shop.capture([click(HERO)])

        [row] = shop.stats_ok({"data_attributes": "data-*"})["results"]

        assert [item["attributes"] for item in row["elements"]] == [
            {"attr__data-attr": "hero-cta", "attr__data-test-id": "start"},
            {"attr__data-section": "hero"},
        ]

    def test_data_attributes_takes_several_names_and_globs(self, shop: Shop) -> None:
        shop.capture([click(HERO)])

        [row] = shop.stats_ok({"data_attributes": " aria-label , *-id,nothing-here"})["results"]

        assert [item["attributes"] for item in row["elements"]] == [
            {"attr__aria-label": "Start trial", "attr__data-test-id": "start"},
            {},
        ]

    def test_data_attributes_keeps_the_well_known_fields_and_the_hash(self, shop: Shop) -> None:
        shop.capture([click(HERO)])
        [plain] = shop.stats_ok()["results"]

        [row] = shop.stats_ok({"data_attributes": "data-attr"})["results"]

        assert row["hash"] == plain["hash"]
        clicked = row["elements"][0]
        assert (clicked["text"], clicked["href"], clicked["tag_name"], clicked["attr_class"]) == (
            "Start free trial",
            "/trial",
            "button",
            ["cta"],
        )

    def test_only_the_first_fifty_data_attribute_names_count(self, shop: Shop) -> None:
        shop.capture([click(HERO)])
        fifty = [f"unused-{n}" for n in range(50)]

        [row] = shop.stats_ok({"data_attributes": ",".join([*fifty, "data-attr"])})["results"]

        assert [item["attributes"] for item in row["elements"]] == [{}, {}]

    def test_blank_data_attribute_names_do_not_use_up_the_fifty(self, shop: Shop) -> None:
        shop.capture([click(HERO)])
        names = [f"unused-{n}" for n in range(49)] + [" ", "", "data-attr"]

        [row] = shop.stats_ok({"data_attributes": ",".join(names)})["results"]

        assert row["elements"][0]["attributes"] == {"attr__data-attr": "hero-cta"}

    def test_max_element_chain_depth_keeps_the_clicked_element_and_nearest_ancestors(
        self, shop: Shop
    ) -> None:
        shop.capture([click(BUY)])
        [plain] = shop.stats_ok()["results"]

        [row] = shop.stats_ok({"max_element_chain_depth": "2"})["results"]

        assert row["elements"] == BUY_ELEMENTS[:2]
        assert row["hash"] == plain["hash"]

    def test_a_depth_beyond_the_chain_keeps_it_whole(self, shop: Shop) -> None:
        shop.capture([click(BUY)])

        [row] = shop.stats_ok({"max_element_chain_depth": "99"})["results"]

        assert row["elements"] == BUY_ELEMENTS

    def test_a_depth_beyond_any_index_keeps_the_chain_whole(self, shop: Shop) -> None:
        shop.capture([click(BUY)])

        [row] = shop.stats_ok({"max_element_chain_depth": "9" * 30})["results"]

        assert row["elements"] == BUY_ELEMENTS

    def test_depth_and_data_attributes_combine(self, shop: Shop) -> None:
        shop.capture([click(HERO)])

        [row] = shop.stats_ok({"max_element_chain_depth": "1", "data_attributes": "data-*"})[
            "results"
        ]

        assert [item["attributes"] for item in row["elements"]] == [
            {"attr__data-attr": "hero-cta", "attr__data-test-id": "start"}
        ]

    @pytest.mark.parametrize(
        ("depth", "detail"),
        [
            ("deep", "max_element_chain_depth must be an integer"),
            ("1.5", "max_element_chain_depth must be an integer"),
            ("0", "max_element_chain_depth must be greater than zero"),
            ("-3", "max_element_chain_depth must be greater than zero"),
        ],
    )
    def test_a_bad_max_element_chain_depth_is_400(
        self, shop: Shop, depth: str, detail: str
    ) -> None:
        result = shop.stats({"max_element_chain_depth": depth})

        assert result.status_code == 400
        assert result.json == validation_error(detail)
