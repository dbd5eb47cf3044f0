"""`GET …/elements/stats`: `limit`, `offset`, `next` and `previous`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.element_stats.support import (
    FIVE_ROWS,
    Shop,
    validation_error,
)

HOST = "http://falconframework.org"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def without_host(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == HOST, url
    return parts.path, parts.query


def follow(shop: Shop, url: str) -> dict[str, Any]:
    path, query_string = without_host(url)
    result = shop.client.simulate_get(path, query_string=query_string, headers=shop.tenant.headers)
    assert result.status_code == 200, result.text
    return result.json


def row_keys(body: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(r["elements"][0]["text"], r["type"], r["count"]) for r in body["results"]]


class TestStatsPaging:
    def test_limit_keeps_the_first_rows_and_links_the_next_page(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok({"limit": "2"})

        assert row_keys(body) == FIVE_ROWS[:2]
        assert body["next"] == f"{HOST}{five_rows.stats_path}?limit=2&offset=2"
        assert body["previous"] is None

    def test_next_replaces_the_offset_and_keeps_the_other_parameters(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok(
            [
                ("offset", "1"),
                ("include", "$autocapture"),
                ("include", "$rageclick"),
                ("limit", "1"),
            ]
        )

        assert body["next"] is not None
        path, _ = without_host(body["next"])
        assert path == five_rows.stats_path
        assert query(body["next"]) == {
            "offset": ["2"],
            "include": ["$autocapture", "$rageclick"],
            "limit": ["1"],
        }

    def test_next_keeps_the_trailing_slash_of_the_request(self, five_rows: Shop) -> None:
        result = five_rows.get("elements/stats/", {"limit": "4"})

        assert result.status_code == 200
        assert result.json["next"] == f"{HOST}{five_rows.stats_path}/?limit=4&offset=4"

    def test_following_next_walks_every_row_once_in_order(self, five_rows: Shop) -> None:
        seen: list[tuple[str, str, int]] = []
        body = five_rows.stats_ok({"limit": "2"})
        pages = 1
        seen += row_keys(body)
        while body["next"] is not None:
            body = follow(five_rows, body["next"])
            pages += 1
            seen += row_keys(body)

        assert seen == FIVE_ROWS
        assert pages == 3

    def test_the_last_full_page_has_no_next(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok({"limit": "5"})

        assert row_keys(body) == FIVE_ROWS
        assert body["next"] is None

    def test_page_two_links_back_to_page_one(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok({"limit": "2", "offset": "2"})

        assert row_keys(body) == FIVE_ROWS[2:4]
        assert body["previous"] is not None
        assert query(body["previous"]).get("offset", ["0"]) == ["0"]
        assert query(body["previous"])["limit"] == ["2"]
        assert row_keys(follow(five_rows, body["previous"])) == FIVE_ROWS[:2]

    def test_page_three_links_back_to_page_two(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok({"limit": "2", "offset": "4"})

        assert row_keys(body) == FIVE_ROWS[4:]
        assert body["next"] is None
        assert body["previous"] == f"{HOST}{five_rows.stats_path}?limit=2&offset=2"

    def test_previous_from_an_offset_below_the_limit_goes_to_the_start(
        self, five_rows: Shop
    ) -> None:
        body = five_rows.stats_ok({"limit": "3", "offset": "1"})

        assert row_keys(body) == FIVE_ROWS[1:4]
        assert body["previous"] is not None
        assert query(body["previous"]).get("offset", ["0"]) == ["0"]
        assert row_keys(follow(five_rows, body["previous"])) == FIVE_ROWS[:3]

    def test_an_offset_past_the_end_is_an_empty_page_pointing_back(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok({"limit": "2", "offset": "10"})

        assert body["results"] == []
        assert body["next"] is None
        assert query(body["previous"] or "") == {"limit": ["2"], "offset": ["8"]}

    def test_offset_alone_skips_rows(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok({"offset": "3"})

        assert row_keys(body) == FIVE_ROWS[3:]

    def test_the_default_limit_is_fifty_thousand(self, five_rows: Shop) -> None:
        body = five_rows.stats_ok({"offset": "50001"})

        assert body["results"] == []
        assert query(body["previous"] or "") == {"offset": ["1"]}

    @pytest.mark.parametrize("limit", ["1", "999999"])
    def test_limits_at_the_bounds_are_accepted(self, five_rows: Shop, limit: str) -> None:
        body = five_rows.stats_ok({"limit": limit})

        assert row_keys(body) == FIVE_ROWS[: int(limit)]

    @pytest.mark.parametrize(
        ("limit", "detail"),
        [
            ("ten", "limit must be an integer"),
            ("1.5", "limit must be an integer"),
            ("0", "limit must be between 1 and 999999"),
            ("-1", "limit must be between 1 and 999999"),
            ("1000000", "limit must be between 1 and 999999"),
        ],
    )
    def test_a_bad_limit_is_400(self, shop: Shop, limit: str, detail: str) -> None:
        result = shop.stats({"limit": limit})

        assert result.status_code == 400
        assert result.json == validation_error(detail)

    @pytest.mark.parametrize(
        ("offset", "detail"),
        [
            ("two", "offset must be an integer"),
            ("2.0", "offset must be an integer"),
            ("-1", "offset must be zero or greater"),
        ],
    )
    def test_a_bad_offset_is_400(self, shop: Shop, offset: str, detail: str) -> None:
        result = shop.stats({"offset": offset})

        assert result.status_code == 400
        assert result.json == validation_error(detail)

    def test_a_huge_offset_is_an_empty_page_not_an_error(self, five_rows: Shop) -> None:
        result = five_rows.stats({"offset": str(10**20)})

        assert result.status_code == 200
        assert result.json["results"] == []
