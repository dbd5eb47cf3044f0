"""The insights list: `order`, `limit`, `offset` and the page links."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_list.support import HOST, listing, name_set, names, patch_insight
from tests.bodies import validation_error
from tests.clock import Clock
from tests.tenants import Tenant


def raw_get(tenant: Tenant, query_string: str, *, suffix: str = "insights", **kwargs: Any) -> Any:
    result = tenant.client.simulate_get(
        tenant.path(suffix), headers=tenant.headers, query_string=query_string, host=HOST, **kwargs
    )
    assert result.status_code == 200, result.text
    return result.json


class TestOrder:
    def test_default_order_is_most_recently_modified_first(
        self, timed: Tenant, clock: Clock
    ) -> None:
        first = timed.create_insight(name="First")
        clock.advance(minutes=1)
        timed.create_insight(name="Second")
        clock.advance(minutes=1)
        timed.create_insight(name="Third")
        clock.advance(minutes=1)
        patch_insight(timed, first, name="First, edited")

        assert names(timed) == ["First, edited", "Third", "Second"]

    def test_default_order_breaks_ties_by_newest_id(self, timed: Tenant) -> None:
        ids = [timed.create_insight(name=name)["id"] for name in ("One", "Two", "Three")]

        assert [row["id"] for row in listing(timed)["results"]] == sorted(ids, reverse=True)

    # PostHog passes `order` to the ORM: PostgreSQL puts NULL after every value.
    def test_order_by_name_sorts_nulls_last(self, tenant: Tenant) -> None:
        for name in ("Bravo", None, "Charlie", "Alpha"):
            tenant.create_insight(name=name)

        assert names(tenant, order="name") == ["Alpha", "Bravo", "Charlie", None]

    def test_order_by_descending_name_sorts_nulls_first(self, tenant: Tenant) -> None:
        for name in ("Bravo", None, "Charlie", "Alpha"):
            tenant.create_insight(name=name)

        assert names(tenant, order="-name") == [None, "Charlie", "Bravo", "Alpha"]

    def test_order_by_id_and_descending_id(self, tenant: Tenant) -> None:
        ids = [tenant.create_insight(name=name)["id"] for name in ("One", "Two", "Three")]

        ascending = [row["id"] for row in listing(tenant, order="id")["results"]]
        descending = [row["id"] for row in listing(tenant, order="-id")["results"]]

        assert (ascending, descending) == (sorted(ids), sorted(ids, reverse=True))

    def test_order_by_created_at_ignores_later_edits(self, timed: Tenant, clock: Clock) -> None:
        early = timed.create_insight(name="Early")
        clock.advance(minutes=1)
        timed.create_insight(name="Late")
        clock.advance(minutes=1)
        patch_insight(timed, early, name="Early")

        assert (names(timed, order="created_at"), names(timed, order="-created_at")) == (
            ["Early", "Late"],
            ["Late", "Early"],
        )

    def test_order_by_last_modified_at_follows_edits(self, timed: Tenant, clock: Clock) -> None:
        early = timed.create_insight(name="Early")
        clock.advance(minutes=1)
        timed.create_insight(name="Late")
        clock.advance(minutes=1)
        patch_insight(timed, early, description="touched")

        assert (
            names(timed, order="last_modified_at"),
            names(timed, order="-last_modified_at"),
        ) == (["Late", "Early"], ["Early", "Late"])

    def test_order_by_order_sorts_nulls_last(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Five", order=5)
        tenant.create_insight(name="Unordered")
        tenant.create_insight(name="Minus one", order=-1)

        assert names(tenant, order="order") == ["Minus one", "Five", "Unordered"]

    def test_order_by_descending_order_sorts_nulls_first(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Five", order=5)
        tenant.create_insight(name="Unordered")
        tenant.create_insight(name="Minus one", order=-1)

        assert names(tenant, order="-order") == ["Unordered", "Five", "Minus one"]

    @pytest.mark.parametrize("order", ["last_viewed_at", "-last_viewed_at"])
    def test_order_by_last_viewed_at_lists_never_viewed_insights(
        self, tenant: Tenant, order: str
    ) -> None:
        tenant.create_insight(name="Unseen one")
        tenant.create_insight(name="Unseen two")

        assert name_set(tenant, order=order) == {"Unseen one", "Unseen two"}

    @pytest.mark.parametrize("order", ["bogus", "-bogus", "created_by", "--name", "name,id"])
    def test_unknown_order_is_a_400_naming_order(self, tenant: Tenant, order: str) -> None:
        result = tenant.get("insights", params={"order": order})

        assert result.status_code == 400
        assert result.json == validation_error(
            "order", f'"{order}" is not a valid choice.', code="invalid_choice"
        )


class TestPagination:
    @pytest.fixture
    def three(self, tenant: Tenant) -> Tenant:
        """Charlie was modified last, so the default order is Charlie, Bravo, Alpha."""
        for name in ("Alpha", "Bravo", "Charlie"):
            tenant.create_insight(name=name)
        return tenant

    def url(self, tenant: Tenant, query: str, scheme: str = "http") -> str:
        return f"{scheme}://{HOST}/api/projects/{tenant.project_id}/insights?{query}"

    def test_first_page_links_to_the_next_with_an_absolute_url(self, three: Tenant) -> None:
        body = raw_get(three, "limit=2")

        assert [row["name"] for row in body["results"]] == ["Charlie", "Bravo"]
        assert body["count"] == 3
        assert body["next"] == self.url(three, "limit=2&offset=2")
        assert body["previous"] is None

    def test_last_page_has_no_next(self, three: Tenant) -> None:
        body = raw_get(three, "limit=2&offset=2")

        assert [row["name"] for row in body["results"]] == ["Alpha"]
        assert body["next"] is None

    def test_previous_drops_offset_when_it_would_reach_zero(self, three: Tenant) -> None:
        body = raw_get(three, "limit=2&offset=2")

        assert body["previous"] == self.url(three, "limit=2")

    def test_previous_keeps_a_positive_offset(self, three: Tenant) -> None:
        body = raw_get(three, "limit=1&offset=2")

        assert body["previous"] == self.url(three, "limit=1&offset=1")

    def test_middle_page_links_both_ways(self, three: Tenant) -> None:
        body = raw_get(three, "limit=1&offset=1")

        assert [row["name"] for row in body["results"]] == ["Bravo"]
        assert (body["previous"], body["next"]) == (
            self.url(three, "limit=1"),
            self.url(three, "limit=1&offset=2"),
        )

    def test_other_parameters_are_kept_in_the_links(self, three: Tenant) -> None:
        body = raw_get(three, "basic=true&limit=1&offset=1")

        assert (body["previous"], body["next"]) == (
            self.url(three, "basic=true&limit=1"),
            self.url(three, "basic=true&limit=1&offset=2"),
        )

    def test_links_use_the_request_scheme(self, three: Tenant) -> None:
        body = raw_get(three, "limit=1", protocol="https")

        assert body["next"] == self.url(three, "limit=1&offset=1", scheme="https")

    def test_links_keep_a_trailing_slash_of_the_request(self, three: Tenant) -> None:
        result = three.client.simulate_get(
            three.path("insights/"), headers=three.headers, query_string="limit=1", host=HOST
        )

        assert result.json["next"] == (
            f"http://{HOST}/api/projects/{three.project_id}/insights/?limit=1&offset=1"
        )

    # ² and ① are digits to str.isdigit but not to int().
    @pytest.mark.parametrize("limit", ["0", "-5", "abc", "1.5", "", "%C2%B2", "%E2%91%A0"])
    def test_a_limit_that_is_not_a_positive_integer_falls_back_to_100(
        self, three: Tenant, limit: str
    ) -> None:
        body = raw_get(three, f"limit={limit}&offset=1")

        assert [row["name"] for row in body["results"]] == ["Bravo", "Alpha"]
        assert body["next"] is None
        assert body["previous"] == self.url(three, "limit=100")

    @pytest.mark.parametrize("offset", ["-1", "abc", "%C2%B2"])
    def test_an_invalid_offset_falls_back_to_zero(self, three: Tenant, offset: str) -> None:
        body = raw_get(three, f"limit=1&offset={offset}")

        assert [row["name"] for row in body["results"]] == ["Charlie"]
        assert body["previous"] is None

    def test_an_offset_past_the_end_gives_an_empty_page(self, three: Tenant) -> None:
        body = raw_get(three, "offset=10")

        assert (body["count"], body["results"], body["next"]) == (3, [], None)
        assert body["previous"] == self.url(three, "limit=100")

    def test_a_limit_with_thousands_of_leading_zeros_is_its_number(self, three: Tenant) -> None:
        body = raw_get(three, "limit=" + "0" * 5000 + "2")

        assert len(body["results"]) == 2

    # More digits than Python's int() takes (4,300) used to be a 400 with Python's message.
    @pytest.mark.parametrize("limit", ["100000", "9" * 5000])
    def test_limit_has_no_maximum(self, three: Tenant, limit: str) -> None:
        body = raw_get(three, f"limit={limit}")

        assert len(body["results"]) == 3
        assert body["next"] is None
