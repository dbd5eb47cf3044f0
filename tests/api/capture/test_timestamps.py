"""Capture: event timestamps, at instants a test clock chooses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.api.capture.support import (
    click,
    clicks,
    invalid_event,
    pageview,
    post_batch,
    stored_uuids,
    the_one_stored,
)
from tests.clock import Clock
from tests.tenants import Tenant, TenantFactory

NOW = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Timestamps, at instants a test clock chooses


@pytest.fixture
def timed_backend(backend: Backend) -> Iterator[Backend]:
    """A second backend on the shared database whose clock stands still at NOW."""
    opened = open_backend(backend.url, clock=Clock(NOW))
    yield opened
    opened.close()


@pytest.fixture
def timed(timed_backend: Backend) -> Tenant:
    client = falcon.testing.TestClient(create_app(timed_backend))
    return TenantFactory(timed_backend, client).create("Tim")


class TestTimestamps:
    def test_an_event_without_a_timestamp_happened_now(self, timed: Tenant) -> None:
        post_batch(timed, [pageview()])

        assert the_one_stored(timed).timestamp == NOW

    def test_an_explicit_timestamp_is_stored_to_the_microsecond(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(timestamp="2024-03-14T09:30:00.123456Z")])

        assert the_one_stored(timed).timestamp == datetime(
            2024, 3, 14, 9, 30, 0, 123456, tzinfo=UTC
        )

    def test_a_timestamp_with_an_offset_is_stored_in_utc(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(timestamp="2024-03-14T11:30:00+02:00")])

        assert the_one_stored(timed).timestamp == datetime(2024, 3, 14, 9, 30, tzinfo=UTC)

    def test_a_timestamp_without_a_zone_is_utc(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(timestamp="2024-03-14T09:30:00")])

        assert the_one_stored(timed).timestamp == datetime(2024, 3, 14, 9, 30, tzinfo=UTC)

    def test_sent_at_corrects_the_clients_clock_skew(self, timed: Tenant) -> None:
        # The client's clock is 15 minutes fast; the click was 5 minutes before sending.
        post_batch(
            timed,
            [click("Buy hat", timestamp="2024-03-15T12:10:00Z")],
            sent_at="2024-03-15T12:15:00Z",
        )

        assert the_one_stored(timed).timestamp == NOW - timedelta(minutes=5)

    def test_ignore_sent_at_keeps_the_timestamp_as_sent(self, timed: Tenant) -> None:
        event = pageview(timestamp="2024-03-10T08:00:00Z")
        event["properties"]["$ignore_sent_at"] = True

        post_batch(timed, [event], sent_at="2024-03-15T12:15:00Z")

        assert the_one_stored(timed).timestamp == datetime(2024, 3, 10, 8, 0, tzinfo=UTC)

    def test_offset_is_milliseconds_before_now(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(offset=90_500)])

        assert the_one_stored(timed).timestamp == NOW - timedelta(seconds=90.5)

    def test_offset_wins_over_timestamp_and_sent_at(self, timed: Tenant) -> None:
        post_batch(
            timed,
            [pageview(offset=1_000, timestamp="2020-01-01T00:00:00Z")],
            sent_at="2020-01-01T00:00:05Z",
        )

        assert the_one_stored(timed).timestamp == NOW - timedelta(seconds=1)

    def test_a_skew_correction_beyond_the_calendar_is_400_not_500(self, timed: Tenant) -> None:
        result = post_batch(
            timed,
            [pageview(timestamp="9999-12-31T23:59:59Z")],
            sent_at="0001-01-01T00:00:00Z",
        )

        assert result.status_code == 400
        assert result.json == invalid_event(0, "timestamp", "the timestamp is out of range.")
        assert stored_uuids(timed) == []

    def test_a_bad_sent_at_is_400_naming_it(self, timed: Tenant) -> None:
        result = post_batch(
            timed, [pageview(timestamp="2024-03-15T12:00:00Z")], sent_at="half past noon"
        )

        assert result.status_code == 400
        assert result.json == invalid_event(
            0, "sent_at", "`sent_at` 'half past noon' is not an ISO-8601 date."
        )

    def test_a_click_ten_days_ago_is_outside_the_default_week_of_stats(self, timed: Tenant) -> None:
        post_batch(
            timed,
            [click("Buy hat", timestamp="2024-03-05T12:00:00Z"), click("Buy scarf")],
        )

        assert clicks(timed) == [("$autocapture", "Buy scarf", 1)]
        assert clicks(timed, date_from="-14d") == [
            ("$autocapture", "Buy hat", 1),
            ("$autocapture", "Buy scarf", 1),
        ]
