"""The insights list: the shapes of its rows and envelope, deleted insights, and the
environments prefix."""

from __future__ import annotations

import pytest

from tests.api.insights_list.support import BASIC_KEYS, HOST, listing, names, patch_insight
from tests.tenants import Tenant

# Reference §5.4 (Insight = InsightBasic plus these).
FULL_KEYS = BASIC_KEYS | {
    "order", "deleted", "cache_target_age", "next_allowed_client_refresh", "result", "hasMore",
    "columns", "last_modified_by", "is_sample", "effective_restriction_level",
    "effective_privilege_level", "timezone", "is_cached", "query_status", "hogql", "types",
    "resolved_date_range", "alerts", "filters_hash",
}  # fmt: skip


# ---------------------------------------------------------------------------------------------


class TestShapes:
    def test_list_results_have_the_full_insight_shape_by_default(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups")

        (row,) = listing(tenant)["results"]

        assert set(row) == FULL_KEYS

    @pytest.mark.parametrize("value", ["true", "1", "yes", "Y", "on", "t", "TRUE"])
    def test_truthy_basic_selects_the_basic_shape(self, tenant: Tenant, value: str) -> None:
        tenant.create_insight(name="Weekly signups")

        (row,) = listing(tenant, basic=value)["results"]

        assert set(row) == BASIC_KEYS

    @pytest.mark.parametrize("value", ["false", "0", "no", "nonsense"])
    def test_falsy_basic_keeps_the_full_shape(self, tenant: Tenant, value: str) -> None:
        tenant.create_insight(name="Weekly signups")

        (row,) = listing(tenant, basic=value)["results"]

        assert set(row) == FULL_KEYS

    def test_list_rows_equal_what_retrieve_answers_but_for_the_last_view(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Weekly signups", tags=["growth"])

        (row,) = listing(tenant)["results"]
        retrieved = tenant.get(f"insights/{created['id']}").json

        # Reference §5.3: the list shows the latest view by anyone (creating is a view by
        # the creator); retrieve never annotates it.
        assert row.pop("last_viewed_at") is not None
        assert retrieved.pop("last_viewed_at") is None
        assert row == retrieved

    def test_envelope_has_exactly_count_next_previous_results(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups")

        body = listing(tenant)

        assert set(body) == {"count", "next", "previous", "results"}
        assert (body["count"], body["next"], body["previous"]) == (1, None, None)


class TestDeletedInsights:
    def test_soft_deleted_insights_are_not_listed_nor_counted(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Keeper")
        doomed = tenant.create_insight(name="Doomed")
        patch_insight(tenant, doomed, deleted=True)

        body = listing(tenant)

        assert body["count"] == 1
        assert [row["name"] for row in body["results"]] == ["Keeper"]

    def test_restored_insight_is_listed_again(self, tenant: Tenant) -> None:
        phoenix = tenant.create_insight(name="Phoenix")
        patch_insight(tenant, phoenix, deleted=True)
        patch_insight(tenant, phoenix, deleted=False)

        assert names(tenant) == ["Phoenix"]

    def test_short_id_filter_does_not_find_a_deleted_insight(self, tenant: Tenant) -> None:
        doomed = tenant.create_insight(name="Doomed")
        patch_insight(tenant, doomed, deleted=True)

        assert names(tenant, short_id=doomed["short_id"]) == []


class TestEnvironmentsPrefix:
    def test_environments_list_equals_projects_list(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups", tags=["growth"])
        tenant.create_insight(name="Churn", favorited=True)

        by_environment = tenant.client.simulate_get(
            tenant.path("insights", prefix="environments"), headers=tenant.headers
        )

        assert by_environment.status_code == 200
        assert by_environment.json == listing(tenant)

    def test_environments_list_applies_filters(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Weekly signups", tags=["growth"])
        tenant.create_insight(name="Churn", favorited=True)

        result = tenant.client.simulate_get(
            tenant.path("insights", prefix="environments"),
            headers=tenant.headers,
            params={"favorited": "true"},
        )

        assert [row["name"] for row in result.json["results"]] == ["Churn"]

    def test_environments_links_point_at_the_environments_path(self, tenant: Tenant) -> None:
        tenant.create_insight(name="One")
        tenant.create_insight(name="Two")

        result = tenant.client.simulate_get(
            tenant.path("insights", prefix="environments"),
            headers=tenant.headers,
            query_string="limit=1",
            host=HOST,
        )

        assert result.json["next"] == (
            f"http://{HOST}/api/environments/{tenant.project_id}/insights?limit=1&offset=1"
        )
