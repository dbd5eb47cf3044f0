"""PostHog's date expressions: relative (`-7d`, `dStart`, `-1mStart`, `mEnd`) and absolute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.dates import parse_date
from domain.instants import parse_instant

# A Friday afternoon in a leap year.
NOW = datetime(2024, 3, 15, 12, 30, 45, 123456, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


class TestRelativeDates:
    def test_minus_seven_days_is_a_week_ago_to_the_microsecond(self) -> None:
        assert parse_date("-7d", NOW) == datetime(2024, 3, 8, 12, 30, 45, 123456, tzinfo=UTC)

    def test_the_minus_sign_is_optional(self) -> None:
        assert parse_date("7d", NOW) == parse_date("-7d", NOW)

    def test_hours_minutes_and_seconds_look_back_by_their_unit(self) -> None:
        assert parse_date("-30h", NOW) == NOW - timedelta(hours=30)
        assert parse_date("-15M", NOW) == NOW - timedelta(minutes=15)
        assert parse_date("-10s", NOW) == NOW - timedelta(seconds=10)

    def test_a_week_is_seven_days_and_a_quarter_thirteen_weeks(self) -> None:
        assert parse_date("-2w", NOW) == NOW - timedelta(days=14)
        assert parse_date("-1q", NOW) == NOW - timedelta(weeks=13)

    def test_one_month_back_is_the_same_day_of_the_previous_month(self) -> None:
        assert parse_date("-1m", NOW) == datetime(2024, 2, 15, 12, 30, 45, 123456, tzinfo=UTC)

    def test_one_month_back_from_the_31st_is_clamped_to_the_end_of_february(self) -> None:
        march_31 = datetime(2024, 3, 31, 8, 0, tzinfo=UTC)

        assert parse_date("-1m", march_31) == datetime(2024, 2, 29, 8, 0, tzinfo=UTC)

    def test_one_year_back_from_a_leap_day_is_the_28th(self) -> None:
        leap_day = datetime(2024, 2, 29, 8, 0, tzinfo=UTC)

        assert parse_date("-1y", leap_day) == datetime(2023, 2, 28, 8, 0, tzinfo=UTC)

    def test_d_start_is_today_at_midnight(self) -> None:
        assert parse_date("dStart", NOW) == datetime(2024, 3, 15, tzinfo=UTC)

    def test_d_end_is_the_last_microsecond_of_today(self) -> None:
        assert parse_date("dEnd", NOW) == datetime(2024, 3, 15, 23, 59, 59, 999999, tzinfo=UTC)

    def test_minus_one_m_start_is_the_first_of_the_previous_month(self) -> None:
        assert parse_date("-1mStart", NOW) == datetime(2024, 2, 1, tzinfo=UTC)

    def test_m_start_is_the_first_of_this_month(self) -> None:
        assert parse_date("mStart", NOW) == datetime(2024, 3, 1, tzinfo=UTC)

    def test_m_end_is_the_last_microsecond_of_this_month(self) -> None:
        assert parse_date("mEnd", NOW) == datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)

    def test_minus_one_m_end_in_a_leap_year_is_the_end_of_february_29(self) -> None:
        assert parse_date("-1mEnd", NOW) == datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)

    def test_y_start_is_the_first_of_january(self) -> None:
        assert parse_date("yStart", NOW) == datetime(2024, 1, 1, tzinfo=UTC)

    def test_h_start_and_h_end_bound_the_current_hour(self) -> None:
        assert parse_date("hStart", NOW) == datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
        assert parse_date("hEnd", NOW) == datetime(2024, 3, 15, 12, 59, 59, 999999, tzinfo=UTC)

    def test_surrounding_whitespace_is_ignored(self) -> None:
        assert parse_date("  -7d \n", NOW) == parse_date("-7d", NOW)

    def test_relative_dates_are_resolved_in_the_given_time_zone(self) -> None:
        # 02:00 UTC on the 15th is still the 14th in New York (EDT, UTC-4).
        early = datetime(2024, 3, 15, 2, 0, tzinfo=UTC)

        start = parse_date("dStart", early, NEW_YORK)

        assert start == datetime(2024, 3, 14, 4, 0, tzinfo=UTC)
        assert start.utcoffset() == timedelta(hours=-4)


class TestAbsoluteDates:
    def test_a_padded_date_is_midnight_in_the_zone(self) -> None:
        assert parse_date("2021-01-01", NOW) == datetime(2021, 1, 1, tzinfo=UTC)

    def test_an_unpadded_date_equals_the_padded_one(self) -> None:
        assert parse_date("2021-1-1", NOW) == datetime(2021, 1, 1, tzinfo=UTC)
        assert parse_date("2021-3-9", NOW) == datetime(2021, 3, 9, tzinfo=UTC)

    def test_a_date_without_offset_is_read_in_the_given_zone(self) -> None:
        assert parse_date("2021-1-1", NOW, NEW_YORK) == datetime(2021, 1, 1, 5, 0, tzinfo=UTC)
        assert parse_date("2021-06-01T10:00", NOW, NEW_YORK) == datetime(
            2021, 6, 1, 14, 0, tzinfo=UTC
        )

    def test_a_datetime_with_an_offset_keeps_its_instant(self) -> None:
        parsed = parse_date("2021-01-01T10:00:00+02:00", NOW, NEW_YORK)

        assert parsed == datetime(2021, 1, 1, 8, 0, tzinfo=UTC)

    def test_a_z_suffix_means_utc(self) -> None:
        assert parse_date("2021-01-01T10:00:00Z", NOW, NEW_YORK) == datetime(
            2021, 1, 1, 10, 0, tzinfo=UTC
        )

    def test_a_space_may_separate_date_and_time(self) -> None:
        assert parse_date("2021-01-01 10:15:30", NOW) == datetime(
            2021, 1, 1, 10, 15, 30, tzinfo=UTC
        )

    def test_fractions_of_a_second_are_kept(self) -> None:
        assert parse_date("2021-01-01T10:15:30.250000", NOW) == datetime(
            2021, 1, 1, 10, 15, 30, 250000, tzinfo=UTC
        )

    def test_the_result_is_always_aware(self) -> None:
        for text in ("2021-01-01", "2021-1-1", "2021-01-01T10:00", "-7d", "mStart"):
            assert parse_date(text, NOW).tzinfo is not None
        assert parse_date("2021-01-01T10:00", NOW, timezone(timedelta(hours=5))).utcoffset() == (
            timedelta(hours=5)
        )


class TestInstants:
    @pytest.mark.parametrize(
        "text",
        [
            "2024-03-15T12:30:00Z",
            "2024-03-15t12:30:00z",
            " 2024-03-15T12:30:00z ",
            "2024-03-15T12:30",
        ],
    )
    def test_rfc_3339_spellings_and_naive_times_are_utc(self, text: str) -> None:
        assert parse_instant(text) == datetime(2024, 3, 15, 12, 30, tzinfo=UTC)

    def test_a_naive_time_is_in_the_zone_given(self) -> None:
        assert parse_instant("2024-03-15T12:30", NEW_YORK) == datetime(
            2024, 3, 15, 12, 30, tzinfo=NEW_YORK
        )

    @pytest.mark.parametrize("text", ["z", "", "2024-13-15T12:30:00z", "yesterday"])
    def test_anything_else_is_a_value_error(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_instant(text)

    def test_an_absolute_date_with_a_lower_case_z_is_taken(self) -> None:
        assert parse_date("2024-03-01T00:00:00z", NOW) == datetime(2024, 3, 1, tzinfo=UTC)


class TestUnparseableDates:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "yesterday",
            "7 days",
            "-7x",
            "+7d",
            "-7dStart!",
            "dstart",
            "2021-13-01",
            "2021-02-30",
            "2021-1-32",
            "01/02/2021",
            "2021-01-01T25:00",
            "-7.5d",
        ],
    )
    def test_garbage_raises_value_error(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_date(text, NOW)

    @pytest.mark.parametrize("text", ["-99999999d", "-99999999999999999999d", "-9999999999999q"])
    def test_a_relative_date_beyond_the_calendar_raises_value_error(self, text: str) -> None:
        """The API turns ValueError into a 400; anything else would be a 500 (CONTRACT §4)."""
        with pytest.raises(ValueError):
            parse_date(text, NOW)

    def test_a_year_offset_beyond_the_calendar_raises_value_error(self) -> None:
        with pytest.raises(ValueError):
            parse_date("-100000y", NOW)
