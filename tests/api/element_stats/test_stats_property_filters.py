"""`GET …/elements/stats`: the `properties` filter, its operators and groups."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.api.element_stats.support import (
    BUY,
    DOCS,
    Shop,
    click,
    clicks,
    labelled,
    validation_error,
)

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
