"""`GET …/elements/stats`: which click events count (`include`), and the accepted
`sampling_factor` and `filter_test_accounts`."""

from __future__ import annotations

import pytest

from tests.api.element_stats.support import (
    DOCS,
    FIVE_ROWS,
    Params,
    Shop,
    click,
    clicks,
    validation_error,
)

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
