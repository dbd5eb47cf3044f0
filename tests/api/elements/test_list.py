"""Elements: the list, its order and its pages."""

from __future__ import annotations

import pytest

from tests.api.elements.support import BUY_BUTTON, SHAPE, call, create, listed, retrieve
from tests.tenants import Tenant

HOST = "toolbar.example.com"


# --------------------------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------------------------


class TestList:
    def test_an_empty_project_lists_an_empty_envelope(self, tenant: Tenant) -> None:
        body = listed(tenant)

        assert body == {"count": 0, "next": None, "previous": None, "results": []}
        assert list(body) == ["count", "next", "previous", "results"]

    def test_elements_are_listed_in_id_order(self, tenant: Tenant) -> None:
        ids = [create(tenant, text=name)["id"] for name in ("Alpha", "Bravo", "Charlie")]

        body = listed(tenant)

        assert [row["id"] for row in body["results"]] == sorted(ids) == ids
        assert [row["text"] for row in body["results"]] == ["Alpha", "Bravo", "Charlie"]

    def test_listed_elements_equal_retrieved_ones(self, tenant: Tenant) -> None:
        create(tenant, **BUY_BUTTON)
        create(tenant)

        for row in listed(tenant)["results"]:
            assert list(row) == SHAPE
            assert retrieve(tenant, row) == row

    def test_the_default_limit_is_100(self, tenant: Tenant) -> None:
        ids = [create(tenant, order=n)["id"] for n in range(101)]

        result = tenant.client.simulate_get(
            tenant.path("elements"), headers=tenant.headers, host=HOST
        )

        body = result.json
        assert body["count"] == 101
        assert [row["id"] for row in body["results"]] == ids[:100]
        assert body["next"] == (
            f"http://{HOST}/api/projects/{tenant.project_id}/elements?limit=100&offset=100"
        )
        assert body["previous"] is None

    def test_pages_link_with_absolute_urls(self, tenant: Tenant) -> None:
        ids = [create(tenant, text=name)["id"] for name in ("One", "Two", "Three")]

        body = tenant.client.simulate_get(
            tenant.path("elements"),
            headers=tenant.headers,
            query_string="limit=1&offset=1",
            host=HOST,
        ).json

        base = f"http://{HOST}/api/projects/{tenant.project_id}/elements"
        assert body["count"] == 3
        assert [row["id"] for row in body["results"]] == [ids[1]]
        assert (body["previous"], body["next"]) == (
            f"{base}?limit=1",
            f"{base}?limit=1&offset=2",
        )

    def test_following_next_walks_every_element_once(self, tenant: Tenant) -> None:
        ids = [create(tenant, order=n)["id"] for n in range(5)]
        seen: list[int] = []
        url: str | None = f"http://{HOST}{tenant.path('elements')}?limit=2"

        while url is not None:
            path, _, query = url.removeprefix(f"http://{HOST}").partition("?")
            body = tenant.client.simulate_get(
                path, headers=tenant.headers, query_string=query, host=HOST
            ).json
            seen.extend(row["id"] for row in body["results"])
            url = body["next"]

        assert seen == ids

    def test_an_offset_past_the_end_is_an_empty_page(self, tenant: Tenant) -> None:
        create(tenant, text="Only")

        body = listed(tenant, offset="10")

        assert (body["count"], body["results"], body["next"]) == (1, [], None)

    @pytest.mark.parametrize("limit", ["abc", "0", "-1", "1.5"])
    def test_a_limit_that_is_not_a_positive_integer_falls_back_to_100(
        self, tenant: Tenant, limit: str
    ) -> None:
        ids = [create(tenant, order=n)["id"] for n in range(3)]

        body = listed(tenant, limit=limit)

        assert [row["id"] for row in body["results"]] == ids
        assert body["next"] is None

    def test_the_environments_prefix_lists_the_same_elements(self, tenant: Tenant) -> None:
        create(tenant, **BUY_BUTTON)

        result = call(tenant, "GET", "elements", prefix="environments")

        assert result.status_code == 200
        assert result.json == listed(tenant)

    def test_a_trailing_slash_is_optional_and_kept_in_next(self, tenant: Tenant) -> None:
        create(tenant, text="One")
        create(tenant, text="Two")

        result = tenant.client.simulate_get(
            tenant.path("elements/"), headers=tenant.headers, query_string="limit=1", host=HOST
        )

        assert result.status_code == 200
        assert result.json["next"] == (
            f"http://{HOST}/api/projects/{tenant.project_id}/elements/?limit=1&offset=1"
        )
