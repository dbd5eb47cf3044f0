"""`GET …/elements/stats`: the shape of a page, its rows' order, caching and CSV."""

from __future__ import annotations

import re

import pytest

from tests.api.element_stats.support import (
    AN_HOUR_AGO,
    BUY,
    BUY_ELEMENTS,
    DOCS,
    HERO,
    SIGN_UP,
    Shop,
    click,
    clicks,
    element,
    labelled,
)
from tests.bodies import ELEMENT_FIELDS

SIGN_UP_ELEMENTS = [
    element(
        0,
        text="Sign up",
        tag_name="a",
        attr_class=["nav-link"],
        href="/signup",
        attr_id="signup-link",
        nth_child=3,
        nth_of_type=2,
        attributes={"attr__href": "/signup"},
    ),
    element(1, tag_name="nav", nth_child=1, nth_of_type=1),
]


# ---------------------------------------------------------------------------------------------
# GET …/elements/stats: shape


class TestStatsShape:
    def test_a_clicked_chain_is_one_result_with_count_hash_type_and_its_elements(
        self, shop: Shop
    ) -> None:
        shop.capture([click(BUY)])

        body = shop.stats_ok()

        assert set(body) == {"results", "next", "previous"}
        assert body["next"] is None and body["previous"] is None
        [row] = body["results"]
        assert row == {
            "count": 1,
            "hash": row["hash"],
            "type": "$autocapture",
            "elements": BUY_ELEMENTS,
        }

    def test_each_element_has_the_nine_serializer_keys_in_order_clicked_element_first(
        self, shop: Shop
    ) -> None:
        shop.capture([click(SIGN_UP)])

        [row] = shop.stats_ok()["results"]

        assert [list(item) for item in row["elements"]] == [ELEMENT_FIELDS, ELEMENT_FIELDS]
        assert row["elements"] == SIGN_UP_ELEMENTS

    def test_the_response_has_no_count_key(self, shop: Shop) -> None:
        shop.capture([click(BUY), click(DOCS)])

        assert "count" not in shop.stats_ok()

    def test_no_clicks_is_an_empty_page(self, shop: Shop) -> None:
        assert shop.stats_ok() == {"results": [], "next": None, "previous": None}

    def test_the_hash_is_unpadded_lower_case_hex_of_at_most_64_bits(self, shop: Shop) -> None:
        shop.capture([click(BUY), click(SIGN_UP), click(DOCS), click(HERO)])

        hashes = [row["hash"] for row in shop.stats_ok()["results"]]

        assert len(hashes) == 4
        for value in hashes:
            assert re.fullmatch(r"[0-9a-f]{1,16}", value), value
            assert value == "0" or not value.startswith("0"), value

    def test_the_hash_is_stable_per_chain_and_differs_between_chains(
        self, shop: Shop, rival: Shop
    ) -> None:
        shop.capture([click(BUY), click(BUY, "$rageclick"), click(DOCS)])
        rival.capture([click(BUY)])

        first = {
            (r["elements"][0]["text"], r["type"]): r["hash"] for r in shop.stats_ok()["results"]
        }
        again = {
            (r["elements"][0]["text"], r["type"]): r["hash"] for r in shop.stats_ok()["results"]
        }
        [rivals] = rival.stats_ok()["results"]

        assert first == again
        assert first[("Buy now", "$autocapture")] == first[("Buy now", "$rageclick")]
        assert first[("Buy now", "$autocapture")] == rivals["hash"]
        assert first[("Buy now", "$autocapture")] != first[("Docs", "$autocapture")]

    def test_a_chain_hit_by_autocapture_and_rageclick_is_two_rows(self, shop: Shop) -> None:
        shop.capture([*clicks(BUY, 3), *clicks(BUY, 2, "$rageclick")])

        results = shop.stats_ok()["results"]

        assert [(row["type"], row["count"]) for row in results] == [
            ("$autocapture", 3),
            ("$rageclick", 2),
        ]
        assert results[0]["hash"] == results[1]["hash"]
        assert results[0]["elements"] == results[1]["elements"] == BUY_ELEMENTS

    def test_dead_clicks_are_counted_too(self, shop: Shop) -> None:
        shop.capture(clicks(DOCS, 2, "$dead_click"))

        assert shop.rows() == [("Docs", "$dead_click", 2)]

    def test_other_events_and_events_without_a_chain_are_not_counted(self, shop: Shop) -> None:
        pageview = click(DOCS, "$pageview")
        no_chain = {"event": "$autocapture", "distinct_id": "visitor-ada", "timestamp": AN_HOUR_AGO}
        empty_chain = click("", "$rageclick")
        shop.capture([pageview, no_chain, empty_chain, click(BUY)])

        assert shop.rows() == [("Buy now", "$autocapture", 1)]

    def test_elements_sent_as_a_list_count_like_the_same_chain(self, shop: Shop) -> None:
        as_list = {
            "event": "$autocapture",
            "distinct_id": "visitor-ada",
            "timestamp": AN_HOUR_AGO,
            "properties": {
                "$elements": [
                    {
                        "tag_name": "a",
                        "href": "/docs",
                        "nth_child": 1,
                        "nth_of_type": 1,
                        "$el_text": "Docs",
                    }
                ]
            },
        }
        shop.capture([as_list, click(DOCS)])

        [row] = shop.stats_ok()["results"]

        assert row["count"] == 2
        assert row["elements"] == [
            element(0, text="Docs", tag_name="a", href="/docs", nth_child=1, nth_of_type=1)
        ]

    def test_stats_answer_under_environments_with_a_trailing_slash(self, shop: Shop) -> None:
        shop.capture([click(DOCS)])

        result = shop.get("elements/stats/", prefix="environments")

        assert result.status_code == 200
        assert [row["count"] for row in result.json["results"]] == [1]

    def test_stats_are_cacheable_for_thirty_seconds_by_the_client_only(self, shop: Shop) -> None:
        shop.capture([click(DOCS)])

        result = shop.stats()

        assert result.status_code == 200
        assert result.headers["cache-control"] == "private, max-age=30"

    def test_stats_vary_by_query_string(self, shop: Shop) -> None:
        result = shop.stats()

        assert result.status_code == 200
        assert result.headers["vary"] == "Accept, Accept-Encoding, Query-String"

    def test_a_csv_refused_as_too_large_is_not_cached(
        self, shop: Shop, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The refusal came with the stats' own Cache-Control: private, max-age=30.
        shop.capture([click(DOCS)])
        monkeypatch.setattr("api.formats.MAX_CSV_CELLS", 1)

        result = shop.stats({"format": "csv"})

        assert (result.status_code, result.json["attr"]) == (400, "format")
        assert result.headers["cache-control"] == "no-cache"

    def test_format_csv_is_one_row_per_result_with_dotted_sorted_columns(self, shop: Shop) -> None:
        shop.capture([*clicks(DOCS, 2), click(DOCS, "$rageclick")])
        [docs, _] = shop.stats_ok()["results"]

        result = shop.stats({"format": "csv"})

        assert result.status_code == 200
        assert result.headers["content-type"] == "text/csv; charset=utf-8"
        # CONTRACT §4: nested keys flattened into dotted columns, sorted; null is an empty cell
        # and the empty `attributes` map has nothing to flatten.
        assert result.text == (
            "count,elements.0.attr_class,elements.0.attr_id,elements.0.href,"
            "elements.0.nth_child,elements.0.nth_of_type,elements.0.order,elements.0.tag_name,"
            "elements.0.text,hash,type\r\n"
            f"2,,,/docs,1,1,0,a,Docs,{docs['hash']},$autocapture\r\n"
            f"1,,,/docs,1,1,0,a,Docs,{docs['hash']},$rageclick\r\n"
        )

    def test_accept_text_csv_is_the_same_csv_each_time_and_json_stays_json(
        self, shop: Shop
    ) -> None:
        shop.capture([*clicks(DOCS, 2), click(DOCS, "$rageclick")])
        as_csv = {**shop.tenant.headers, "Accept": "text/csv"}
        json_page = shop.stats_ok()
        expected = shop.stats({"format": "csv"}).text

        answers = [shop.stats(headers=as_csv) for _ in range(2)]

        assert [(a.headers["content-type"], a.text) for a in answers] == [
            ("text/csv; charset=utf-8", expected)
        ] * 2
        assert shop.stats_ok() == json_page


# ---------------------------------------------------------------------------------------------
# Ordering


class TestStatsOrder:
    def test_rows_are_ordered_by_count_most_first(self, shop: Shop) -> None:
        shop.capture(
            [
                *clicks(BUY, 3),
                *clicks(SIGN_UP, 5),
                click(DOCS),
                *clicks(BUY, 2, "$rageclick"),
                *clicks(HERO, 4, "$dead_click"),
            ]
        )

        assert shop.rows() == [
            ("Sign up", "$autocapture", 5),
            ("Start free trial", "$dead_click", 4),
            ("Buy now", "$autocapture", 3),
            ("Buy now", "$rageclick", 2),
            ("Docs", "$autocapture", 1),
        ]

    def test_equal_counts_are_ordered_by_hash_as_a_number(self, shop: Shop) -> None:
        shop.capture([click(labelled(f"Tie {n}")) for n in range(8)])

        hashes = [row["hash"] for row in shop.stats_ok()["results"]]

        assert len(hashes) == 8
        assert hashes == sorted(hashes, key=lambda value: int(value, 16))

    def test_equal_counts_of_one_chain_are_ordered_by_type(self, shop: Shop) -> None:
        shop.capture([click(DOCS, "$rageclick"), click(DOCS, "$dead_click"), click(DOCS)])

        assert [row["type"] for row in shop.stats_ok()["results"]] == [
            "$autocapture",
            "$dead_click",
            "$rageclick",
        ]
