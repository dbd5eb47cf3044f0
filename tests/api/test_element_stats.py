"""Element stats and values (issue 5 "Stats and values"; CONTRACT.md §1 rows 11-12, §3 scopes,
§4 errors/formats, §7 "Element stats" and "Capture"; reference posthog-elements-api.md §5.1, §6.1):
`GET …/elements/stats` and `GET …/elements/values` over events sent through `/batch/`, through
the WSGI app on both backends, with "now" fixed by a test clock (stats are day-grained in UTC)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import falcon.testing
import orjson
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.bodies import ELEMENT_FIELDS
from tests.tenants import Tenant, TenantFactory

# Tuesday 10 March 2026, 15:00 UTC: "-7d" is Tuesday 3 March, whose day starts at 00:00 UTC.
NOW = datetime(2026, 3, 10, 15, 0, 0, tzinfo=UTC)
AN_HOUR_AGO = "2026-03-10T14:00:00Z"
HOST = "http://falconframework.org"
EVENT_TYPES = ("$autocapture", "$rageclick", "$dead_click")

# Chains as posthog-js produces them (reference §1.3), clicked element first.
BUY = (
    'button.btn.btn-primary:attr__class="btn btn-primary"nth-child="2"nth-of-type="1"'
    'text="Buy now";div.pricing-card:nth-child="1"nth-of-type="1";body:nth-child="1"nth-of-type="1"'
)
SIGN_UP = (
    'a.nav-link:attr__href="/signup"attr_id="signup-link"href="/signup"nth-child="3"'
    'nth-of-type="2"text="Sign up";nav:nth-child="1"nth-of-type="1"'
)
DOCS = 'a:href="/docs"nth-child="1"nth-of-type="1"text="Docs"'
HERO = (
    'button.cta:attr__aria-label="Start trial"attr__class="cta"attr__data-attr="hero-cta"'
    'attr__data-test-id="start"href="/trial"nth-child="1"nth-of-type="1"text="Start free trial";'
    'section:attr__data-section="hero"nth-child="1"nth-of-type="1"'
)


def element(order: int, **fields: Any) -> dict[str, Any]:
    """PostHog's 9-key element dict (reference §4.1), nulls and `{}` unless given."""
    shaped: dict[str, Any] = dict.fromkeys(ELEMENT_FIELDS)
    shaped["attributes"] = {}
    shaped.update(fields)
    shaped["order"] = order
    return shaped


BUY_ELEMENTS = [
    element(
        0,
        text="Buy now",
        tag_name="button",
        attr_class=["btn", "btn-primary"],
        nth_child=2,
        nth_of_type=1,
        attributes={"attr__class": "btn btn-primary"},
    ),
    element(1, tag_name="div", attr_class=["pricing-card"], nth_child=1, nth_of_type=1),
    element(2, tag_name="body", nth_child=1, nth_of_type=1),
]
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


EVERY_EVENT = {"key": "plan", "operator": "is_set"}
"""A property filter every event of the tests that use it matches."""


def labelled(label: str) -> str:
    """A one-element chain whose button text names it."""
    return f'button:nth-child="1"nth-of-type="1"text="{label}"'


def click(
    chain: str,
    event: str = "$autocapture",
    *,
    at: str = AN_HOUR_AGO,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One PostHog event on `chain` at `at` (no sent_at, so the timestamp is kept as is)."""
    return {
        "event": event,
        "distinct_id": "visitor-ada",
        "uuid": str(uuid.uuid4()),
        "timestamp": at,
        "properties": {**(properties or {}), "$elements_chain": chain},
    }


def clicks(
    chain: str, times: int, event: str = "$autocapture", **kwargs: Any
) -> list[dict[str, Any]]:
    return [click(chain, event, **kwargs) for _ in range(times)]


def validation_error(detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": "validation_error", "code": "invalid_input", "detail": detail, "attr": attr}


def permission_denied(detail: str) -> dict[str, Any]:
    return {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": detail,
        "attr": None,
    }


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def without_host(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == HOST, url
    return parts.path, parts.query


Params = Sequence[tuple[str, str]] | dict[str, str]


@dataclass
class Shop:
    """A project whose web shop sends clicks; the API answers as of NOW."""

    tenant: Tenant

    @property
    def client(self) -> falcon.testing.TestClient:
        return self.tenant.client

    @property
    def stats_path(self) -> str:
        return self.tenant.path("elements/stats")

    def capture(self, events: list[dict[str, Any]]) -> None:
        result = self.tenant.capture(events)
        assert result.status_code == 200, result.text
        assert result.json == {"status": 1}

    def get(
        self,
        suffix: str,
        params: Params = (),
        *,
        headers: dict[str, str] | None = None,
        prefix: str = "projects",
    ) -> falcon.testing.Result:
        items = list(params.items()) if isinstance(params, dict) else list(params)
        return self.client.simulate_get(
            self.tenant.path(suffix, prefix),
            query_string=urlencode(items),
            headers=self.tenant.headers if headers is None else headers,
        )

    def stats(self, params: Params = (), **kwargs: Any) -> falcon.testing.Result:
        return self.get("elements/stats", params, **kwargs)

    def stats_ok(self, params: Params = ()) -> dict[str, Any]:
        result = self.stats(params)
        assert result.status_code == 200, result.text
        return result.json

    def rows(self, params: Params = ()) -> list[tuple[str, str, int]]:
        """(text of the clicked element, type, count) of each result, in order."""
        return [
            (row["elements"][0]["text"], row["type"], row["count"])
            for row in self.stats_ok(params)["results"]
        ]

    def texts(self, params: Params = ()) -> list[str]:
        """Texts of the clicked elements that the stats count, sorted."""
        return sorted(row["elements"][0]["text"] for row in self.stats_ok(params)["results"])

    def values(self, params: Params = (), **kwargs: Any) -> falcon.testing.Result:
        return self.get("elements/values", params, **kwargs)

    def names(self, params: Params) -> list[str]:
        result = self.values(params)
        assert result.status_code == 200, result.text
        return [item["name"] for item in result.json]


# ---------------------------------------------------------------------------------------------
# Fixtures: a backend on the shared database whose clock says NOW


@pytest.fixture(scope="module")
def _clocked() -> Iterator[dict[str, tuple[Backend, falcon.testing.TestClient]]]:
    opened: dict[str, tuple[Backend, falcon.testing.TestClient]] = {}
    yield opened
    for backend, _ in opened.values():
        backend.close()


@pytest.fixture
def shop_tenants(
    backend_kind: str,
    backend: Backend,
    _clocked: dict[str, tuple[Backend, falcon.testing.TestClient]],
) -> TenantFactory:
    """Tenants on the shared database, served by an app whose clock stands at NOW."""
    if backend_kind not in _clocked:
        timed = open_backend(backend.url, clock=lambda: NOW)
        _clocked[backend_kind] = (timed, falcon.testing.TestClient(create_app(timed)))
    return TenantFactory(*_clocked[backend_kind])


@pytest.fixture
def shop(shop_tenants: TenantFactory) -> Shop:
    return Shop(shop_tenants.create("Ada"))


@pytest.fixture
def rival(shop_tenants: TenantFactory) -> Shop:
    """Another organization's project, on the same database."""
    return Shop(shop_tenants.create("Rex"))


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


# ---------------------------------------------------------------------------------------------
# include


@pytest.fixture
def every_kind(shop: Shop) -> Shop:
    """Docs autocaptured 3 times, rage-clicked twice and dead-clicked once."""
    shop.capture([*clicks(DOCS, 3), *clicks(DOCS, 2, "$rageclick"), click(DOCS, "$dead_click")])
    return shop


def types(shop: Shop, params: Params) -> list[str]:
    return [row["type"] for row in shop.stats_ok(params)["results"]]


class TestStatsInclude:
    def test_by_default_all_three_event_types_are_counted(self, every_kind: Shop) -> None:
        assert types(every_kind, ()) == ["$autocapture", "$rageclick", "$dead_click"]

    def test_include_repeated(self, every_kind: Shop) -> None:
        params = [("include", "$rageclick"), ("include", "$dead_click")]

        assert types(every_kind, params) == ["$rageclick", "$dead_click"]

    def test_include_as_a_json_array(self, every_kind: Shop) -> None:
        params = {"include": '["$dead_click", "$rageclick"]'}

        assert types(every_kind, params) == ["$rageclick", "$dead_click"]

    def test_include_as_a_comma_list_trimmed_with_empties_dropped(self, every_kind: Shop) -> None:
        params = {"include": " $rageclick , ,$dead_click,"}

        assert types(every_kind, params) == ["$rageclick", "$dead_click"]

    def test_include_forms_combine(self, every_kind: Shop) -> None:
        params = [("include", '["$dead_click"]'), ("include", "$autocapture")]

        assert types(every_kind, params) == ["$autocapture", "$dead_click"]

    def test_duplicates_in_include_count_once(self, every_kind: Shop) -> None:
        params = [("include", "$rageclick,$rageclick"), ("include", '["$rageclick"]')]

        assert every_kind.rows(params) == [("Docs", "$rageclick", 2)]

    def test_include_applies_to_property_filtered_stats(self, every_kind: Shop) -> None:
        params = {
            "include": "$dead_click",
            "properties": '[{"key":"$browser","operator":"is_not_set"}]',
        }

        assert every_kind.rows(params) == [("Docs", "$dead_click", 1)]

    @pytest.mark.parametrize(
        ("raw", "detail"),
        [
            ("[not json", "include must be a valid JSON array when passed as one"),
            ('["$autocapture", 3]', "include must be a JSON array of event names"),
            ('[["$autocapture"]]', "include must be a JSON array of event names"),
            ("$pageview", "Only $autocapture, $rageclick, and $dead_click are supported."),
            ('["$pageview"]', "Only $autocapture, $rageclick, and $dead_click are supported."),
            (
                "$autocapture,$pageview",
                "Only $autocapture, $rageclick, and $dead_click are supported.",
            ),
            ("$Autocapture", "Only $autocapture, $rageclick, and $dead_click are supported."),
        ],
    )
    def test_a_bad_include_is_400_with_posthogs_message(
        self, shop: Shop, raw: str, detail: str
    ) -> None:
        result = shop.stats({"include": raw})

        assert result.status_code == 400
        assert result.json == validation_error(detail)

    def test_one_bad_repeated_include_is_400(self, shop: Shop) -> None:
        result = shop.stats([("include", "$autocapture"), ("include", "$pageleave")])

        assert result.status_code == 400
        assert result.json == validation_error(
            "Only $autocapture, $rageclick, and $dead_click are supported."
        )


# ---------------------------------------------------------------------------------------------
# limit, offset, next and previous


@pytest.fixture
def five_rows(shop: Shop) -> Shop:
    """Five (chain, type) rows with counts 5, 4, 3, 2, 1."""
    shop.capture(
        [
            *clicks(SIGN_UP, 5),
            *clicks(HERO, 4, "$dead_click"),
            *clicks(BUY, 3),
            *clicks(BUY, 2, "$rageclick"),
            click(DOCS),
        ]
    )
    return shop


FIVE_ROWS = [
    ("Sign up", "$autocapture", 5),
    ("Start free trial", "$dead_click", 4),
    ("Buy now", "$autocapture", 3),
    ("Buy now", "$rageclick", 2),
    ("Docs", "$autocapture", 1),
]


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


# ---------------------------------------------------------------------------------------------
# sampling_factor, filter_test_accounts


class TestStatsSamplingAndTestAccounts:
    @pytest.mark.parametrize("factor", ["1", "0.5", "0.01", "1.0"])
    def test_a_valid_sampling_factor_is_accepted_and_counts_stay_exact(
        self, five_rows: Shop, factor: str
    ) -> None:
        assert five_rows.rows({"sampling_factor": factor}) == FIVE_ROWS

    @pytest.mark.parametrize(
        ("factor", "detail"),
        [
            ("half", "sampling_factor must be a float"),
            ("", "sampling_factor must be a float"),
            ("0", "sampling_factor must be greater than 0 and at most 1"),
            ("-0.5", "sampling_factor must be greater than 0 and at most 1"),
            ("1.5", "sampling_factor must be greater than 0 and at most 1"),
            ("nan", "sampling_factor must be greater than 0 and at most 1"),
        ],
    )
    def test_a_bad_sampling_factor_is_400(self, shop: Shop, factor: str, detail: str) -> None:
        result = shop.stats({"sampling_factor": factor})

        assert result.status_code == 400
        assert result.json == validation_error(detail)

    @pytest.mark.parametrize("value", ["true", "false", "True"])
    def test_filter_test_accounts_is_accepted_and_changes_nothing(
        self, five_rows: Shop, value: str
    ) -> None:
        assert five_rows.rows({"filter_test_accounts": value}) == FIVE_ROWS


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


# ---------------------------------------------------------------------------------------------
# date_from, date_to (UTC days)


class TestStatsDates:
    def test_a_page_asked_again_later_that_day_counts_from_where_its_dates_fall_now(
        self, backend: Backend
    ) -> None:
        now = [datetime(2026, 3, 10, 0, 30, tzinfo=UTC)]
        timed = open_backend(backend.url, clock=lambda: now[0])
        try:
            client = falcon.testing.TestClient(create_app(timed))
            shop = Shop(TenantFactory(timed, client).create("Hal"))
            shop.capture(
                [
                    click(labelled("Yesterday"), at="2026-03-09T12:00:00Z"),
                    click(labelled("Today"), at="2026-03-10T00:10:00Z"),
                ]
            )
            # An hour ago is yesterday at 00:30, today at 05:00; stats count whole days.
            at_half_past_midnight = shop.texts({"date_from": "-1h"})
            now[0] = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
            at_five = shop.texts({"date_from": "-1h"})
        finally:
            timed.close()

        assert (at_half_past_midnight, at_five) == (["Today", "Yesterday"], ["Today"])

    def test_by_default_an_event_eight_days_old_is_not_counted(self, shop: Shop) -> None:
        shop.capture([click(labelled("Eight days ago"), at="2026-03-02T15:00:00Z"), click(DOCS)])

        assert shop.texts() == ["Docs"]

    def test_by_default_an_event_seven_days_ago_at_0321_is_counted(self, shop: Shop) -> None:
        shop.capture([click(labelled("Seven days ago"), at="2026-03-03T03:21:00Z")])

        assert shop.texts() == ["Seven days ago"]

    def test_the_default_window_starts_at_midnight_utc_seven_days_ago(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Just before"), at="2026-03-02T23:59:59.999999Z"),
                click(labelled("At midnight"), at="2026-03-03T00:00:00Z"),
            ]
        )

        assert shop.texts() == ["At midnight"]

    def test_by_default_the_window_ends_with_today(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Tonight"), at="2026-03-10T23:59:59Z"),
                click(labelled("Tomorrow"), at="2026-03-11T00:00:00Z"),
            ]
        )

        assert shop.texts() == ["Tonight"]

    def test_date_from_is_truncated_to_the_start_of_its_day(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Early that day"), at="2026-03-05T03:21:00Z"),
                click(labelled("The day before"), at="2026-03-04T23:59:00Z"),
            ]
        )

        assert shop.texts({"date_from": "2026-03-05T08:21:00Z"}) == ["Early that day"]

    def test_an_older_date_from_reaches_further_back(self, shop: Shop) -> None:
        shop.capture([click(labelled("A month ago"), at="2026-02-10T12:00:00Z"), click(DOCS)])

        assert shop.texts({"date_from": "-30d"}) == ["A month ago", "Docs"]

    def test_a_relative_date_from_counts_whole_days(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Yesterday early"), at="2026-03-09T00:30:00Z"),
                click(labelled("Two days ago"), at="2026-03-08T23:00:00Z"),
            ]
        )

        assert shop.texts({"date_from": "-1d"}) == ["Yesterday early"]

    def test_date_to_includes_the_whole_of_its_day(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Late that day"), at="2026-03-05T23:59:59Z"),
                click(labelled("Next morning"), at="2026-03-06T00:00:00Z"),
            ]
        )

        assert shop.texts({"date_to": "2026-03-05"}) == ["Late that day"]

    def test_date_from_is_truncated_in_utc(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Late on the 4th"), at="2026-03-04T23:30:00Z"),
                click(labelled("Late on the 3rd"), at="2026-03-03T23:30:00Z"),
            ]
        )

        assert shop.texts({"date_from": "2026-03-05T01:00:00+02:00"}) == ["Late on the 4th"]

    def test_a_wide_window_counts_everything(self, shop: Shop) -> None:
        shop.capture([click(labelled("Long ago"), at="2001-01-01T00:00:00Z"), click(DOCS)])

        assert shop.texts({"date_from": "2000-01-01", "date_to": "9999-12-31"}) == [
            "Docs",
            "Long ago",
        ]

    def test_date_from_and_date_to_bound_a_window(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Before"), at="2026-02-27T10:00:00Z"),
                click(labelled("Inside"), at="2026-02-28T10:00:00Z"),
                click(labelled("After"), at="2026-03-01T10:00:00Z"),
            ]
        )

        assert shop.texts({"date_from": "2026-02-28", "date_to": "2026-02-28T01:00:00Z"}) == [
            "Inside"
        ]

    def test_a_date_to_before_date_from_is_an_empty_page(self, shop: Shop) -> None:
        shop.capture([click(DOCS, at="2026-03-05T12:00:00Z")])

        assert shop.stats_ok({"date_from": "2026-03-06", "date_to": "2026-03-04"}) == {
            "results": [],
            "next": None,
            "previous": None,
        }

    def test_counts_add_up_over_the_days_of_the_window(self, shop: Shop) -> None:
        days = ["2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"]
        shop.capture([click(DOCS, at=f"{day}T12:00:00Z") for day in days for _ in range(2)])

        assert shop.rows({"date_from": "2026-03-05", "date_to": "2026-03-06"}) == [
            ("Docs", "$autocapture", 4)
        ]

    def test_property_filtered_stats_use_the_same_days(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Just before"), at="2026-03-02T23:59:59.999999Z"),
                click(labelled("Seven days ago"), at="2026-03-03T03:21:00Z"),
                click(labelled("Tonight"), at="2026-03-10T23:59:59.999999Z"),
                click(labelled("Tomorrow"), at="2026-03-11T00:00:00Z"),
            ]
        )

        assert shop.texts({"properties": '[{"key":"$browser","operator":"is_not_set"}]'}) == [
            "Seven days ago",
            "Tonight",
        ]

    @pytest.mark.parametrize("name", ["date_from", "date_to"])
    @pytest.mark.parametrize("raw", ["not a date", "2026-13-45"])
    def test_an_unparseable_date_is_400_naming_it(self, shop: Shop, name: str, raw: str) -> None:
        result = shop.stats({name: raw})

        assert result.status_code == 400
        assert result.json == validation_error(f"'{raw}' is not a valid date.", attr=name)


# ---------------------------------------------------------------------------------------------
# properties


PRICING_URL = "https://shop.example.com/pricing"
CHECKOUT_URL = "https://shop.example.com/checkout?step=2"
GUIDE_URL = "https://docs.example.com/Guide"


@pytest.fixture
def visits(shop: Shop) -> Shop:
    """Four clicks, each on a chain named after its page, with different properties."""
    shop.capture(
        [
            click(
                labelled("Pricing"),
                properties={
                    "$current_url": PRICING_URL,
                    "$browser": "Chrome",
                    "plan": "pro",
                    "seats": 42,
                    "beta": True,
                    "$title": "Save 50% today",
                },
            ),
            click(
                labelled("Checkout"),
                properties={
                    "$current_url": CHECKOUT_URL,
                    "$browser": "Firefox",
                    "plan": "free",
                    "seats": 7,
                    "beta": False,
                    "$title": "Checkout step_2",
                    "$time": 1710081234.567891,
                },
            ),
            click(
                labelled("Guide"),
                properties={
                    "$current_url": GUIDE_URL,
                    "$browser": "Safari",
                    "plan": None,
                    "$title": "Guide",
                    "utm.source": "newsletter",
                },
            ),
            click(labelled("Blog"), properties={"$browser": "chrome", "$title": "ÜBER UNS"}),
        ]
    )
    return shop


def matching(shop: Shop, filters: Any) -> list[str]:
    return shop.texts({"properties": orjson.dumps(filters).decode()})


class TestStatsPropertyFilters:
    def test_exact_on_current_url(self, visits: Shop) -> None:
        assert matching(visits, [{"key": "$current_url", "value": PRICING_URL}]) == ["Pricing"]

    def test_exact_is_the_default_operator_and_case_sensitive(self, visits: Shop) -> None:
        assert matching(visits, [{"key": "$browser", "value": "Chrome", "type": "event"}]) == [
            "Pricing"
        ]

    def test_exact_with_a_list_matches_any_of_them(self, visits: Shop) -> None:
        filters = [{"key": "$current_url", "operator": "exact", "value": [PRICING_URL, GUIDE_URL]}]

        assert matching(visits, filters) == ["Guide", "Pricing"]

    def test_is_not_includes_events_without_the_property(self, visits: Shop) -> None:
        filters = [{"key": "plan", "operator": "is_not", "value": "pro"}]

        assert matching(visits, filters) == ["Blog", "Checkout", "Guide"]

    def test_is_not_with_a_list_excludes_all_of_them(self, visits: Shop) -> None:
        filters = [{"key": "$browser", "operator": "is_not", "value": ["Chrome", "Firefox"]}]

        assert matching(visits, filters) == ["Blog", "Guide"]

    def test_icontains_ignores_case(self, visits: Shop) -> None:
        filters = [{"key": "$current_url", "operator": "icontains", "value": "SHOP.Example"}]

        assert matching(visits, filters) == ["Checkout", "Pricing"]

    def test_icontains_treats_percent_and_underscore_literally(self, visits: Shop) -> None:
        percent = [{"key": "$title", "operator": "icontains", "value": "%"}]
        underscore = [{"key": "$title", "operator": "icontains", "value": "p_2"}]

        assert (matching(visits, percent), matching(visits, underscore)) == (
            ["Pricing"],
            ["Checkout"],
        )

    def test_icontains_ignores_the_case_of_non_ascii_letters(self, visits: Shop) -> None:
        filters = [{"key": "$title", "operator": "icontains", "value": "über"}]

        assert matching(visits, filters) == ["Blog"]

    @pytest.mark.parametrize(
        ("pattern", "matches"),
        [
            ("^[[:alpha:]]+$", ["Plain"]),
            (r"^\w+$", ["Plain"]),
            (r"^\W", ["Accent"]),
            ("^a.c$", ["Plain"]),
            (r"\bb", []),
            ("^[[:^alpha:]]", ["Accent"]),
            (r"^\x61\x62", ["Plain"]),
        ],
        ids=["posix-class", "word", "non-word", "dot", "boundary", "negated-posix", "hex"],
    )
    def test_a_pattern_means_what_re2_means_on_every_backend(
        self, shop: Shop, pattern: str, matches: list[str]
    ) -> None:
        # RE2's classes are ASCII (ClickHouse's, for PostHog); PostgreSQL's own follow Unicode,
        # and it read [[:alpha:]] as a class where the translation had made it a literal set.
        shop.capture(
            [
                click(labelled("Plain"), properties={"v": "abc"}),
                click(labelled("Accent"), properties={"v": "éa"}),
                click(labelled("Newline"), properties={"v": "a\nc"}),
            ]
        )

        assert matching(shop, [{"key": "v", "operator": "regex", "value": pattern}]) == matches

    @pytest.mark.parametrize("term", ["İstanbul", "İST", "Straße"])
    def test_icontains_finds_a_term_the_value_holds_as_written(self, shop: Shop, term: str) -> None:
        # Python folds "İ" to "i̇", PostgreSQL to "i": a term folded one way missed the
        # value folded the other.
        shop.capture([click(labelled("Here"), properties={"city": "İstanbul Straße"})])

        assert matching(shop, [{"key": "city", "operator": "icontains", "value": term}]) == ["Here"]

    def test_not_icontains_includes_events_without_the_property(self, visits: Shop) -> None:
        filters = [{"key": "$current_url", "operator": "not_icontains", "value": "SHOP"}]

        assert matching(visits, filters) == ["Blog", "Guide"]

    def test_regex_searches_the_value(self, visits: Shop) -> None:
        filters = [
            {
                "key": "$current_url",
                "operator": "regex",
                "value": r"shop\.example\.com/(pricing|checkout)",
            }
        ]

        assert matching(visits, filters) == ["Checkout", "Pricing"]

    def test_regex_with_classes_and_anchors(self, visits: Shop) -> None:
        filters = [{"key": "$title", "operator": "regex", "value": r"^Save \d+% today$"}]

        assert matching(visits, filters) == ["Pricing"]

    def test_regex_with_a_named_group_works_on_every_backend(self, visits: Shop) -> None:
        filters = [{"key": "$current_url", "operator": "regex", "value": r"/(?P<page>pricing)$"}]

        result = visits.stats({"properties": orjson.dumps(filters).decode()})

        assert result.status_code == 200, result.text
        assert [r["elements"][0]["text"] for r in result.json["results"]] == ["Pricing"]

    def test_regex_word_boundaries_work_on_every_backend(self, visits: Shop) -> None:
        filters = [{"key": "$current_url", "operator": "regex", "value": r"\bpricing\b"}]

        assert matching(visits, filters) == ["Pricing"]

    def test_a_pattern_that_backtracks_exponentially_is_answered_like_any_other(
        self, shop: Shop
    ) -> None:
        # A backtracking engine would try 2**40 ways to split the a's before giving up.
        shop.capture(
            [
                click(labelled("Long"), properties={"u": "a" * 40 + "!"}),
                click(labelled("Short"), properties={"u": "aaa"}),
            ]
        )

        assert matching(shop, [{"key": "u", "operator": "regex", "value": "^(a+)+$"}]) == ["Short"]

    @pytest.mark.parametrize(
        ("pattern", "reason"),
        [
            ("^((a?){35}){35}b", "invalid repetition size: {35}"),
            ("pric(?=ing)", "invalid perl operator: (?="),
            (r"(a)\1", r"invalid escape sequence: \1"),
        ],
        ids=["nested-repetition", "lookahead", "backreference"],
    )
    def test_what_re2_cannot_run_is_a_400_on_every_backend(
        self, shop: Shop, pattern: str, reason: str
    ) -> None:
        # PostgreSQL took 7 s to compile the first (21 s for {40}{40}), a request may carry
        # hundreds; PostHog's ClickHouse runs RE2 and refuses all three.
        shop.capture([click(BUY, properties={"u": "pricing"})])
        filters = [{"key": "u", "operator": "regex", "value": pattern}]

        result = shop.stats({"properties": orjson.dumps(filters).decode()})

        assert result.status_code == 400
        assert result.json == validation_error(
            f"Invalid regular expression {pattern!r}: {reason}.", "properties"
        )

    def test_a_filter_that_outlasts_the_time_allowed_is_a_400(
        self, shop: Shop, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        if shop.tenant.backend.url.backend != "postgresql":
            pytest.skip("SQLite runs patterns with RE2 itself, in linear time")
        monkeypatch.setattr("store.analytics_postgres.FILTERED_STATS_TIMEOUT_MS", 1)
        shop.capture([click(BUY, properties={"u": "b"})])
        # About 0.7 s for PostgreSQL to compile, though RE2 takes it.
        filters = [{"key": "u", "operator": "regex", "value": "^((a?){30}){30}b"}]

        result = shop.stats({"properties": orjson.dumps(filters).decode()})

        assert result.status_code == 400
        assert result.json == validation_error(
            "The property filters took longer than 0.001 seconds to evaluate: narrow them.",
            "properties",
        )

    def test_not_regex_includes_events_without_the_property(self, visits: Shop) -> None:
        filters = [{"key": "$current_url", "operator": "not_regex", "value": "checkout"}]

        assert matching(visits, filters) == ["Blog", "Guide", "Pricing"]

    def test_is_set_needs_a_non_null_value(self, visits: Shop) -> None:
        assert matching(visits, [{"key": "plan", "operator": "is_set"}]) == ["Checkout", "Pricing"]

    def test_is_not_set_takes_absent_and_null_values(self, visits: Shop) -> None:
        assert matching(visits, [{"key": "plan", "operator": "is_not_set"}]) == ["Blog", "Guide"]

    def test_is_set_on_current_url(self, visits: Shop) -> None:
        filters = [{"key": "$current_url", "operator": "is_set"}]

        assert matching(visits, filters) == ["Checkout", "Guide", "Pricing"]

    @pytest.mark.parametrize("value", [42, "42"])
    def test_numbers_compare_as_text(self, visits: Shop, value: Any) -> None:
        assert matching(visits, [{"key": "seats", "value": value}]) == ["Pricing"]

    @pytest.mark.parametrize(
        ("value", "expected"), [(True, ["Pricing"]), ("true", ["Pricing"]), ("false", ["Checkout"])]
    )
    def test_booleans_compare_as_true_and_false(
        self, visits: Shop, value: Any, expected: list[str]
    ) -> None:
        assert matching(visits, [{"key": "beta", "value": value}]) == expected

    @pytest.mark.parametrize(
        "value", [1710081234.567891, "1710081234.567891"], ids=["number", "text"]
    )
    def test_a_float_compares_as_the_text_it_was_sent_as(self, visits: Shop, value: Any) -> None:
        assert matching(visits, [{"key": "$time", "value": value}]) == ["Checkout"]

    def test_a_key_with_a_dot_is_one_property_not_a_path(self, visits: Shop) -> None:
        assert matching(visits, [{"key": "utm.source", "value": "newsletter"}]) == ["Guide"]

    @pytest.mark.parametrize("key", ["dir\\name", "two\nlines", "tab\tbed", "café", "ü.ber"])
    def test_a_key_with_characters_json_escapes_matches_on_both_backends(
        self, shop: Shop, key: str
    ) -> None:
        shop.capture([click(labelled("Odd key"), properties={key: "v"}), click(DOCS)])

        assert matching(shop, [{"key": key, "value": "v"}]) == ["Odd key"]
        assert matching(shop, [{"key": key, "operator": "is_set"}]) == ["Odd key"]

    def test_a_list_of_filters_must_all_match(self, visits: Shop) -> None:
        filters = [
            {"key": "$current_url", "operator": "icontains", "value": "shop"},
            {"key": "plan", "value": "free"},
        ]

        assert matching(visits, filters) == ["Checkout"]

    def test_an_and_group_must_all_match(self, visits: Shop) -> None:
        filters = {
            "type": "AND",
            "values": [
                {"key": "$browser", "operator": "icontains", "value": "chrome"},
                {"key": "$current_url", "operator": "is_not_set"},
            ],
        }

        assert matching(visits, filters) == ["Blog"]

    def test_an_or_group_needs_one_match(self, visits: Shop) -> None:
        filters = {
            "type": "OR",
            "values": [{"key": "plan", "value": "free"}, {"key": "$browser", "value": "Safari"}],
        }

        assert matching(visits, filters) == ["Checkout", "Guide"]

    def test_groups_nest(self, visits: Shop) -> None:
        filters = {
            "type": "AND",
            "values": [
                {
                    "type": "OR",
                    "values": [
                        {"key": "$browser", "value": "Chrome"},
                        {"key": "$browser", "value": "chrome"},
                        {"key": "$browser", "value": "Firefox"},
                    ],
                },
                {"type": "AND", "values": [{"key": "seats", "operator": "is_set"}]},
            ],
        }

        assert matching(visits, filters) == ["Checkout", "Pricing"]

    def test_an_empty_list_filters_nothing(self, visits: Shop) -> None:
        assert matching(visits, []) == ["Blog", "Checkout", "Guide", "Pricing"]

    def test_filtered_counts_count_every_matching_event(self, shop: Shop) -> None:
        on_pricing = {"$current_url": PRICING_URL}
        shop.capture(
            [
                *clicks(BUY, 3, properties=on_pricing),
                *clicks(BUY, 4),
                *clicks(BUY, 2, "$rageclick", properties=on_pricing),
            ]
        )

        params = {
            "properties": orjson.dumps([{"key": "$current_url", "value": PRICING_URL}]).decode()
        }

        assert shop.rows(params) == [("Buy now", "$autocapture", 3), ("Buy now", "$rageclick", 2)]

    @pytest.mark.parametrize(
        ("raw", "detail"),
        [
            ("[{", "properties must be valid JSON."),
            (
                '[{"key":"email","value":"ada@example.com","type":"person"}]',
                "Only event property filters are supported here, not 'person'.",
            ),
            (
                '[{"key":"seats","operator":"gt","value":3}]',
                (
                    "Unsupported property filter operator 'gt'; use one of exact, icontains, "
                    "is_not, is_not_set, is_set, not_icontains, not_regex, regex."
                ),
            ),
            (
                '[{"key":"$current_url","operator":"regex","value":"[unclosed"}]',
                "Invalid regular expression '[unclosed': unterminated character set at position 0.",
            ),
            (
                '{"key":"plan","value":"pro"}',
                "`properties` must be a JSON list of filters or a property group.",
            ),
            ('[{"key":"plan"}]', "The filter on 'plan' needs a `value`."),
            (
                orjson.dumps(
                    [{"key": "$current_url", "operator": "icontains", "value": ["/"] * 101}]
                ).decode(),
                "A property filter takes at most 100 values.",
            ),
            (
                orjson.dumps([{"key": "plan", "value": "pro"}] * 101).decode(),
                "`properties` holds at most 100 filters.",
            ),
        ],
    )
    def test_a_bad_properties_parameter_is_400_naming_it(
        self, shop: Shop, raw: str, detail: str
    ) -> None:
        result = shop.stats({"properties": raw})

        assert result.status_code == 400
        assert result.json == validation_error(detail, attr="properties")


# ---------------------------------------------------------------------------------------------
# Access


class TestStatsAccess:
    def test_an_element_read_key_may_read_stats(self, shop: Shop) -> None:
        shop.capture([click(DOCS)])
        key = shop.tenant.key_with(["element:read"])

        result = shop.stats(headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 200
        assert [row["count"] for row in result.json["results"]] == [1]

    def test_a_key_without_element_read_is_403(self, shop: Shop) -> None:
        key = shop.tenant.key_with(["insight:read", "dashboard:write"])

        result = shop.stats(headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 403
        assert result.json == permission_denied("API key missing required scope 'element:read'")

    def test_another_projects_member_is_403(self, shop: Shop, rival: Shop) -> None:
        result = shop.stats(headers=rival.tenant.headers)

        assert result.status_code == 403
        assert result.json == permission_denied("You don't have access to the project.")

    def test_no_credentials_is_401(self, shop: Shop) -> None:
        result = shop.stats(headers={})

        assert result.status_code == 401
        assert result.json["code"] == "not_authenticated"

    def test_other_projects_events_are_never_counted(self, shop: Shop, rival: Shop) -> None:
        shop.capture([click(BUY), click(DOCS, "$rageclick")])
        rival.capture([*clicks(BUY, 5), *clicks(DOCS, 5, "$rageclick"), click(SIGN_UP)])

        assert sorted(shop.rows()) == [("Buy now", "$autocapture", 1), ("Docs", "$rageclick", 1)]

    def test_other_projects_events_are_never_counted_by_filtered_stats(
        self, shop: Shop, rival: Shop
    ) -> None:
        shop.capture([click(BUY)])
        rival.capture([*clicks(BUY, 5), click(SIGN_UP)])

        params = {"properties": '[{"key":"$current_url","operator":"is_not_set"}]'}

        assert shop.rows(params) == [("Buy now", "$autocapture", 1)]

    @pytest.mark.parametrize(
        "group",
        [
            {"type": "OR", "values": [{"key": "absent", "operator": "is_set"}, EVERY_EVENT]},
            {"type": "OR", "values": [EVERY_EVENT]},
            {"type": "AND", "values": [{"type": "OR", "values": [EVERY_EVENT, EVERY_EVENT]}]},
        ],
        ids=["or", "or-alone", "nested-or"],
    )
    def test_an_or_group_counts_only_the_projects_own_events(
        self, shop: Shop, rival: Shop, group: dict[str, object]
    ) -> None:
        # Its filters were joined to the project's condition without brackets: `… AND a OR b`
        # tested `b` on every project's events (and answered 500 for chains not the caller's).
        shop.capture([click(BUY, properties={"plan": "mine"})])
        rival.capture(
            [
                *clicks(BUY, 5, properties={"plan": "secret"}),
                click(SIGN_UP, properties={"plan": "secret"}),
            ]
        )

        assert shop.rows({"properties": orjson.dumps(group).decode()}) == [
            ("Buy now", "$autocapture", 1)
        ]


# ---------------------------------------------------------------------------------------------
# GET …/elements/values


@pytest.fixture
def catalogue(shop: Shop) -> Shop:
    """Buy now ×4, Sign up ×2, Docs ×1 autocaptured; Docs rage-clicked ×10."""
    shop.capture(
        [*clicks(BUY, 4), *clicks(SIGN_UP, 2), click(DOCS), *clicks(DOCS, 10, "$rageclick")]
    )
    return shop


class TestValues:
    def test_tag_name_values_are_the_clicked_tags_most_clicked_first(self, catalogue: Shop) -> None:
        result = catalogue.values({"key": "tag_name"})

        assert result.status_code == 200
        assert result.json == [{"name": "button"}, {"name": "a"}]

    def test_text_values(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "text"}) == ["Buy now", "Sign up", "Docs"]

    def test_href_values_skip_chains_without_one(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "href"}) == ["/signup", "/docs"]

    def test_attr_id_values(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "attr_id"}) == ["signup-link"]

    def test_only_autocapture_events_are_counted(self, shop: Shop) -> None:
        shop.capture(
            [
                *clicks(BUY, 2),
                click(DOCS),
                *clicks(labelled("Rage only"), 5, "$rageclick"),
                *clicks(DOCS, 9, "$dead_click"),
            ]
        )

        assert shop.names({"key": "text"}) == ["Buy now", "Docs"]

    def test_value_filters_by_substring(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "text", "value": "ign"}) == ["Sign up"]

    def test_value_is_case_sensitive(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "text", "value": "sign"}) == []

    def test_value_filters_tag_names_by_substring(self, catalogue: Shop) -> None:
        assert catalogue.names({"key": "tag_name", "value": "utt"}) == ["button"]

    def test_regex_metacharacters_in_value_are_literal(self, shop: Shop) -> None:
        shop.capture(
            [
                click(labelled("Pricing (beta)")),
                click(labelled("Pricing beta")),
                click(labelled("v2.0 notes")),
                click(labelled("v200 notes")),
            ]
        )

        assert (
            shop.names({"key": "text", "value": "(beta)"}),
            shop.names({"key": "text", "value": "2.0"}),
            shop.names({"key": "text", "value": ".*"}),
        ) == (["Pricing (beta)"], ["v2.0 notes"], [])

    def test_the_first_occurrence_names_a_chain_that_a_later_one_matched(self, shop: Shop) -> None:
        chain = (
            'button:nth-child="1"nth-of-type="1"text="Sign up";'
            'div:nth-child="1"nth-of-type="1"text="Click here to sign up"'
        )
        shop.capture([click(chain)])

        assert shop.names({"key": "text", "value": "Click"}) == ["Sign up"]

    def test_values_of_attributes_that_merely_end_in_the_key_are_ignored(self, shop: Shop) -> None:
        chain = 'a:attr__href="/attr-only"nth-child="1"nth-of-type="1";nav:href="/real"nth-child="1"nth-of-type="1"'
        shop.capture([click(chain)])

        assert shop.names({"key": "href"}) == ["/real"]

    def test_values_have_no_date_restriction(self, shop: Shop) -> None:
        shop.capture([click(labelled("Last year"), at="2025-03-10T12:00:00Z")])

        assert shop.names({"key": "text"}) == ["Last year"]

    def test_the_top_hundred_by_count_then_name(self, shop: Shop) -> None:
        singles = [click(labelled(f"Item {n:03d}")) for n in reversed(range(103))]
        shop.capture([*singles, *clicks(labelled("Popular"), 3), *clicks(labelled("Common"), 2)])

        names = shop.names({"key": "text"})

        assert names == ["Popular", "Common", *(f"Item {n:03d}" for n in range(98))]

    def test_selector_is_always_empty(self, catalogue: Shop) -> None:
        result = catalogue.values({"key": "selector", "value": "button"})

        assert result.status_code == 200
        assert result.json == []

    @pytest.mark.parametrize(
        "params", [{}, {"key": "attr_class"}, {"key": "order"}, {"key": ""}, {"key": "TEXT"}]
    )
    def test_a_missing_or_unknown_key_is_400(self, shop: Shop, params: dict[str, str]) -> None:
        result = shop.values(params)

        assert result.status_code == 400
        assert result.json == validation_error("key must be one of attr_id, href, tag_name, text")

    def test_other_projects_values_are_excluded(self, shop: Shop, rival: Shop) -> None:
        shop.capture([click(DOCS)])
        rival.capture([*clicks(labelled("Rival button"), 3), *clicks(DOCS, 2)])

        assert (shop.names({"key": "text"}), shop.names({"key": "tag_name"})) == (["Docs"], ["a"])

    def test_values_answer_under_environments(self, catalogue: Shop) -> None:
        result = catalogue.get("elements/values/", {"key": "attr_id"}, prefix="environments")

        assert result.status_code == 200
        assert result.json == [{"name": "signup-link"}]

    def test_values_need_element_read(self, catalogue: Shop) -> None:
        key = catalogue.tenant.key_with(["insight:write"])

        result = catalogue.values({"key": "text"}, headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 403
        assert result.json == permission_denied("API key missing required scope 'element:read'")

    def test_an_element_write_key_may_read_values(self, catalogue: Shop) -> None:
        key = catalogue.tenant.key_with(["element:write"])

        result = catalogue.values({"key": "attr_id"}, headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 200
        assert result.json == [{"name": "signup-link"}]

    def test_values_as_csv(self, catalogue: Shop) -> None:
        result = catalogue.values({"key": "text", "format": "csv"})

        assert result.status_code == 200
        assert result.text == "name\r\nBuy now\r\nSign up\r\nDocs\r\n"
