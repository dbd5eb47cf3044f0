"""The insights list: the filters on an insight's short id, creator, favoriting and saving,
and empty filter values."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_list.support import listing, name_set, names
from tests.bodies import validation_error
from tests.tenants import Tenant


def as_member(tenant: Tenant, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create_as(tenant: Tenant, key: str, **fields: Any) -> dict[str, Any]:
    result = tenant.client.simulate_post(
        tenant.path("insights"), headers=as_member(tenant, key), json=fields
    )
    assert result.status_code == 201, result.text
    return dict(result.json)


def delete_dashboard(tenant: Tenant, dashboard: dict[str, Any]) -> None:
    result = tenant.patch(f"dashboards/{dashboard['id']}", json={"deleted": True})
    assert result.status_code == 200, result.text


class TestShortIdFilter:
    def test_short_id_selects_exactly_that_insight(self, tenant: Tenant) -> None:
        wanted = tenant.create_insight(name="Wanted")
        tenant.create_insight(name="Other")

        assert names(tenant, short_id=wanted["short_id"]) == ["Wanted"]

    def test_unknown_short_id_gives_an_empty_page(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Other")

        body = listing(tenant, short_id="NoSuchId")

        assert (body["count"], body["results"]) == (0, [])


class TestCreatedByFilter:
    def test_created_by_keeps_insights_of_the_listed_users(self, tenant: Tenant) -> None:
        bea_id, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Ann's funnel")
        create_as(tenant, bea_key, name="Bea's funnel")

        assert names(tenant, created_by=f"[{bea_id}]") == ["Bea's funnel"]

    def test_created_by_with_several_users_keeps_any_of_them(self, tenant: Tenant) -> None:
        bea_id, bea_key = tenant.add_member("Bea")
        cid_id, cid_key = tenant.add_member("Cid")
        tenant.create_insight(name="Ann's funnel")
        create_as(tenant, bea_key, name="Bea's funnel")
        create_as(tenant, cid_key, name="Cid's funnel")

        assert name_set(tenant, created_by=f"[{bea_id}, {cid_id}]") == {
            "Bea's funnel",
            "Cid's funnel",
        }

    def test_empty_created_by_array_applies_no_filter(self, tenant: Tenant) -> None:
        _, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Ann's funnel")
        create_as(tenant, bea_key, name="Bea's funnel")

        assert name_set(tenant, created_by="[]") == {"Ann's funnel", "Bea's funnel"}

    def test_malformed_created_by_json_is_a_400_naming_created_by(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"created_by": "[1,"})

        assert result.status_code == 400
        assert result.json == validation_error("created_by", "Value must be valid JSON.")

    def test_created_by_that_is_not_an_array_is_a_400_naming_created_by(
        self, tenant: Tenant
    ) -> None:
        result = tenant.get("insights", params={"created_by": "7"})

        assert result.status_code == 400
        assert result.json == validation_error(
            "created_by", 'Expected a list of items but got type "int".', code="not_a_list"
        )

    def test_created_by_with_a_non_integer_id_is_a_400_naming_created_by(
        self, tenant: Tenant
    ) -> None:
        result = tenant.get("insights", params={"created_by": '["ann"]'})

        assert result.status_code == 400
        assert result.json == validation_error("created_by", "A valid integer is required.")


class TestUserFilter:
    @pytest.mark.parametrize("value", ["true", "false", "0", ""])
    def test_any_user_value_keeps_only_the_callers_insights(
        self, tenant: Tenant, value: str
    ) -> None:
        _, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Mine")
        create_as(tenant, bea_key, name="Theirs")

        assert names(tenant, user=value) == ["Mine"]

    def test_user_filter_follows_the_caller_not_the_project(self, tenant: Tenant) -> None:
        _, bea_key = tenant.add_member("Bea")
        tenant.create_insight(name="Ann's")
        create_as(tenant, bea_key, name="Bea's")

        result = tenant.client.simulate_get(
            tenant.path("insights"), headers=as_member(tenant, bea_key), params={"user": "true"}
        )

        assert [row["name"] for row in result.json["results"]] == ["Bea's"]


class TestFavoritedFilter:
    @pytest.mark.parametrize("value", ["true", "false", "0", ""])
    def test_any_favorited_value_keeps_only_favorited_insights(
        self, tenant: Tenant, value: str
    ) -> None:
        tenant.create_insight(name="Starred", favorited=True)
        tenant.create_insight(name="Plain")

        assert names(tenant, favorited=value) == ["Starred"]


class TestSavedFilter:
    @pytest.fixture
    def drafts(self, tenant: Tenant) -> Tenant:
        board = tenant.create_dashboard(name="Board")
        gone = tenant.create_dashboard(name="Gone board")
        tenant.create_insight(name="Saved report")
        tenant.create_insight(name="Draft", saved=False)
        tenant.create_insight(name="Draft on board", saved=False, dashboards=[board["id"]])
        tenant.create_insight(name="Draft on gone board", saved=False, dashboards=[gone["id"]])
        delete_dashboard(tenant, gone)
        return tenant

    @pytest.mark.parametrize("value", ["true", "1", "yes"])
    def test_truthy_saved_keeps_saved_insights_and_those_on_a_live_dashboard(
        self, drafts: Tenant, value: str
    ) -> None:
        assert name_set(drafts, saved=value) == {"Saved report", "Draft on board"}

    @pytest.mark.parametrize("value", ["false", "0", "no"])
    def test_falsy_saved_keeps_only_unsaved_insights(self, drafts: Tenant, value: str) -> None:
        assert name_set(drafts, saved=value) == {"Draft", "Draft on board", "Draft on gone board"}

    def test_without_saved_every_insight_is_listed(self, drafts: Tenant) -> None:
        assert len(names(drafts)) == 4


class TestEmptyFilterValues:
    """PostHog skips these filters when they are sent empty (`if tags_filter:`); a client that
    builds its query string with empty values gets the whole list, not an error."""

    @pytest.mark.parametrize(
        "parameter", ["tags", "created_by", "dashboards", "events", "short_id", "order"]
    )
    def test_an_empty_value_applies_no_filter(self, tenant: Tenant, parameter: str) -> None:
        for name in ("Alpha", "Bravo"):
            tenant.create_insight(name=name)

        result = tenant.get("insights", query_string=f"{parameter}=")

        assert result.status_code == 200
        assert [row["name"] for row in result.json["results"]] == ["Bravo", "Alpha"]
