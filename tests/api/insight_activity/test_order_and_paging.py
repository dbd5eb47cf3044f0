"""The activity log: the order of entries, its pages, and the `page` and `limit` refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.insight_activity.support import SPRING, Clocked, activity, entries, patch, verbs
from tests.bodies import validation_error
from tests.tenants import Tenant

HOST = "http://falconframework.org"  # falcon.testing's default scheme and host


def not_an_integer(attr: str) -> dict[str, Any]:
    return validation_error(attr, "A valid integer is required.")


def below_one(attr: str) -> dict[str, Any]:
    return validation_error(attr, "Ensure this value is greater than or equal to 1.", "min_value")


def url_parts(url: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path, parse_qs(parts.query)


class TestOrder:
    def test_entries_are_newest_first(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="One")
        for name in ("Two", "Three", "Four"):
            patch(tenant, created["id"], {"name": name})

        names = [item["detail"]["name"] for item in entries(tenant, created["id"])]

        assert names == ["Four", "Three", "Two", "One"]

    def test_entries_sharing_one_instant_are_still_newest_first(self, clocked: Clocked) -> None:
        clocked.clock.now = SPRING + timedelta(days=1)
        ann = clocked.tenants.create("Ann")
        first = ann.create_insight(name="Frozen one")
        second = ann.create_insight(name="Frozen two")
        patch(ann, first["id"], {"name": "Frozen one, renamed"})
        patch(ann, second["id"], {"favorited": True})
        patch(ann, first["id"], {"deleted": True})

        feed = entries(ann)
        own = entries(ann, second["id"])

        assert [(item["item_id"], item["activity"]) for item in feed] == [
            (str(first["id"]), "deleted"),
            (str(second["id"]), "updated"),
            (str(first["id"]), "updated"),
            (str(second["id"]), "created"),
            (str(first["id"]), "created"),
        ]
        assert {item["created_at"] for item in feed} == {"2024-03-16T12:00:00Z"}
        assert verbs(own) == ["updated", "created"]

    def test_the_project_feed_interleaves_insights_newest_first(self, tenant: Tenant) -> None:
        north = tenant.create_insight(name="North")
        south = tenant.create_insight(name="South")
        patch(tenant, north["id"], {"description": "Up"})
        patch(tenant, south["id"], {"description": "Down"})

        feed = entries(tenant)

        assert [(item["detail"]["name"], item["activity"]) for item in feed] == [
            ("South", "updated"),
            ("North", "updated"),
            ("South", "created"),
            ("North", "created"),
        ]


class TestPagination:
    @staticmethod
    def _insight_with_entries(tenant: Tenant, count: int) -> dict[str, Any]:
        created = tenant.create_insight(name="Version 1")
        for number in range(2, count + 1):
            patch(tenant, created["id"], {"name": f"Version {number}"})
        return created

    def test_the_default_limit_is_ten_with_a_next_url(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 12)

        result = activity(tenant, created["id"])

        assert result.status_code == 200
        body = result.json
        assert [item["detail"]["name"] for item in body["results"]] == [
            f"Version {number}" for number in range(12, 2, -1)
        ]
        assert body["total_count"] == 12
        assert body["previous"] is None
        assert body["next"] == (
            f"{HOST}/api/projects/{tenant.project_id}/insights/{created['id']}"
            "/activity?page=2&limit=10"
        )

    def test_a_middle_page_has_absolute_next_and_previous_urls(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 7)
        path = f"/api/projects/{tenant.project_id}/insights/{created['id']}/activity"

        result = activity(tenant, created["id"], params={"page": "2", "limit": "3"})

        assert result.status_code == 200
        body = result.json
        assert [item["detail"]["name"] for item in body["results"]] == [
            "Version 4",
            "Version 3",
            "Version 2",
        ]
        assert body["total_count"] == 7
        assert url_parts(body["next"]) == (HOST, path, {"page": ["3"], "limit": ["3"]})
        assert url_parts(body["previous"]) == (HOST, path, {"page": ["1"], "limit": ["3"]})

    def test_the_last_page_has_no_next(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 7)
        path = f"/api/projects/{tenant.project_id}/insights/{created['id']}/activity"

        result = activity(tenant, created["id"], params={"page": "3", "limit": "3"})

        assert result.status_code == 200
        assert [item["detail"]["name"] for item in result.json["results"]] == ["Version 1"]
        assert result.json["next"] is None
        assert url_parts(result.json["previous"]) == (HOST, path, {"page": ["2"], "limit": ["3"]})

    def test_a_full_last_page_has_no_next(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 6)

        result = activity(tenant, created["id"], params={"page": "2", "limit": "3"})

        assert len(result.json["results"]) == 3
        assert result.json["next"] is None

    def test_following_next_visits_every_entry_once_in_order(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 8)
        seen: list[str] = []
        url: str | None = tenant.path(f"insights/{created['id']}/activity") + "?limit=3"
        pages = 0

        while url is not None:
            result = tenant.client.simulate_get(
                url.removeprefix(HOST).split("?")[0],
                query_string=urlsplit(url).query,
                headers=tenant.headers,
            )
            assert result.status_code == 200, result.text
            assert result.json["total_count"] == 8
            seen += [item["detail"]["name"] for item in result.json["results"]]
            url = result.json["next"]
            pages += 1

        assert pages == 3
        assert seen == [f"Version {number}" for number in range(8, 0, -1)]

    def test_other_query_parameters_are_kept_in_next_and_previous(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 5)
        path = f"/api/projects/{tenant.project_id}/insights/{created['id']}/activity"

        result = activity(
            tenant, created["id"], params={"page": "2", "limit": "2", "format": "json"}
        )

        assert url_parts(result.json["next"]) == (
            HOST,
            path,
            {"page": ["3"], "limit": ["2"], "format": ["json"]},
        )
        assert url_parts(result.json["previous"]) == (
            HOST,
            path,
            {"page": ["1"], "limit": ["2"], "format": ["json"]},
        )

    def test_the_next_url_of_the_environments_prefix_keeps_that_prefix(
        self, tenant: Tenant
    ) -> None:
        created = self._insight_with_entries(tenant, 3)

        result = activity(tenant, created["id"], prefix="environments", params={"limit": "1"})

        assert result.status_code == 200
        assert result.json["next"] == (
            f"{HOST}/api/environments/{tenant.project_id}/insights/{created['id']}"
            "/activity?page=2&limit=1"
        )

    @pytest.mark.parametrize("page", ["4", "1000", str(10**20)])
    def test_a_page_past_the_end_is_200_with_empty_results(self, tenant: Tenant, page: str) -> None:
        created = self._insight_with_entries(tenant, 5)

        result = activity(tenant, created["id"], params={"page": page, "limit": "2"})

        assert result.status_code == 200
        assert result.json["results"] == []
        assert result.json["next"] is None
        assert result.json["total_count"] == 5

    def test_a_page_past_the_end_of_the_feed_is_200_with_empty_results(
        self, tenant: Tenant
    ) -> None:
        tenant.create_insight(name="Only one")

        result = activity(tenant, params={"page": "2"})

        assert result.status_code == 200
        assert result.json["results"] == []
        assert result.json["total_count"] == 1

    def test_the_feed_of_a_project_without_insights_is_empty(self, tenant: Tenant) -> None:
        result = activity(tenant)

        assert result.status_code == 200
        assert result.json == {"results": [], "next": None, "previous": None, "total_count": 0}

    def test_a_huge_limit_returns_everything(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 3)

        result = activity(tenant, created["id"], params={"limit": str(10**20)})

        assert result.status_code == 200
        assert len(result.json["results"]) == 3
        assert result.json["next"] is None

    def test_the_feed_pages_like_the_per_insight_route(self, tenant: Tenant) -> None:
        for name in ("Ant", "Bee", "Cat", "Dog", "Eel"):
            tenant.create_insight(name=name)
        path = f"/api/projects/{tenant.project_id}/insights/activity"

        result = activity(tenant, params={"page": "2", "limit": "2"})

        assert result.status_code == 200
        assert [item["detail"]["name"] for item in result.json["results"]] == ["Cat", "Bee"]
        assert result.json["total_count"] == 5
        assert url_parts(result.json["next"]) == (HOST, path, {"page": ["3"], "limit": ["2"]})
        assert url_parts(result.json["previous"]) == (HOST, path, {"page": ["1"], "limit": ["2"]})


BAD_VALUES = [
    pytest.param("0", below_one, id="zero"),
    pytest.param("-1", below_one, id="negative"),
    pytest.param("-10", below_one, id="more-negative"),
    pytest.param("abc", not_an_integer, id="non-numeric"),
    pytest.param("1.0", not_an_integer, id="decimal-point"),
    pytest.param("1.5", not_an_integer, id="fraction"),
    pytest.param("true", not_an_integer, id="boolean-true"),
    pytest.param("false", not_an_integer, id="boolean-false"),
    pytest.param("1e1", not_an_integer, id="exponent"),
    pytest.param("٣", not_an_integer, id="non-ascii-digit"),
]


class TestBadPageAndLimit:
    @pytest.mark.parametrize("attr", ["page", "limit"])
    @pytest.mark.parametrize(("value", "expected"), BAD_VALUES)
    def test_the_per_insight_route_refuses_it_with_400_naming_the_parameter(
        self, tenant: Tenant, attr: str, value: str, expected: Any
    ) -> None:
        created = tenant.create_insight(name="Strict pager")

        result = activity(tenant, created["id"], params={attr: value})

        assert result.status_code == 400
        assert result.json == expected(attr)

    @pytest.mark.parametrize("attr", ["page", "limit"])
    @pytest.mark.parametrize(("value", "expected"), BAD_VALUES)
    def test_the_project_feed_refuses_it_with_400_naming_the_parameter(
        self, tenant: Tenant, attr: str, value: str, expected: Any
    ) -> None:
        result = activity(tenant, params={attr: value})

        assert result.status_code == 400
        assert result.json == expected(attr)

    def test_the_environments_prefix_refuses_it_too(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Strict everywhere")

        result = activity(tenant, created["id"], prefix="environments", params={"limit": "0"})

        assert result.status_code == 400
        assert result.json == below_one("limit")
