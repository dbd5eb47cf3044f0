"""`GET …/elements/stats`: the date window (`date_from`, `date_to`), day-grained in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.api.element_stats.support import (
    DOCS,
    Shop,
    click,
    labelled,
    validation_error,
)
from tests.tenants import TenantFactory

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

    @pytest.mark.parametrize("value", ["all", "ALL"])
    def test_date_from_all_counts_from_the_earliest_event(self, shop: Shop, value: str) -> None:
        shop.capture(
            [
                click(labelled("Before the epoch"), at="1969-07-20T20:17:00Z"),
                click(labelled("Years ago"), at="2019-01-01T00:00:00Z"),
                click(labelled("Tomorrow"), at="2026-03-11T00:00:00Z"),
                click(DOCS),
            ]
        )

        assert shop.texts({"date_from": value}) == ["Before the epoch", "Docs", "Years ago"]

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
