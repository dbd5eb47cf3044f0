"""The insights list: `search`, its exact and similar matches."""

from __future__ import annotations

import pytest

from tests.api.insights_list.support import BASIC_KEYS, listing, names, patch_insight
from tests.tenants import Tenant, TenantFactory


class TestSearch:
    def test_search_matches_name_derived_name_description_and_tags_exactly(
        self, tenant: Tenant
    ) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(derived_name="Revenue per plan")
        tenant.create_insight(name="Weekly money", description="Tracks revenue weekly")
        tenant.create_insight(name="Tagged board", tags=["revenue-team"])
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search="revenue")["results"]

        assert {(row["name"] or row["derived_name"], row["search_match_type"]) for row in rows} == {
            ("Revenue by country", "exact"),
            ("Revenue per plan", "exact"),
            ("Weekly money", "exact"),
            ("Tagged board", "exact"),
        }

    def test_exact_search_ignores_case(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")

        rows = listing(tenant, search="REVENUE")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Revenue by country", "exact")
        ]

    def test_similar_matches_follow_exact_ones(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Monthly revenu")

        rows = listing(tenant, search="revenue")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Revenue by country", "exact"),
            ("Monthly revenu", "similar"),
        ]

    def test_similar_matches_are_found_on_descriptions(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Quarterly numbers", description="Revnue per user")
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search="revenue")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Quarterly numbers", "similar")
        ]

    def test_percent_in_the_term_is_literal(self, tenant: Tenant) -> None:
        tenant.create_insight(name="100% uptime")
        tenant.create_insight(name="1000 users")

        rows = listing(tenant, search="100%")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("100% uptime", "exact"),
            ("1000 users", "similar"),
        ]

    def test_underscore_in_the_term_is_literal(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Rate_limit hits")
        tenant.create_insight(name="Rate-limit hits")

        assert names(tenant, search="e_l") == ["Rate_limit hits"]

    @pytest.mark.parametrize("term", ["kp", "K", "i b"])
    def test_a_short_search_term_finds_exact_matches(self, tenant: Tenant, term: str) -> None:
        tenant.create_insight(name="KPI board")
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search=term)["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [("KPI board", "exact")]

    def test_exact_search_ignores_case_beyond_ascii(self, tenant: Tenant) -> None:
        tenant.create_insight(name="École visits")

        assert names(tenant, search="ÉCOLE") == ["École visits"]

    def test_exact_matches_come_first_also_with_an_order(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Alpha revenu")
        tenant.create_insight(name="Zeta revenue")

        rows = listing(tenant, search="revenue", order="name")["results"]

        assert [(row["name"], row["search_match_type"]) for row in rows] == [
            ("Zeta revenue", "exact"),
            ("Alpha revenu", "similar"),
        ]

    @pytest.mark.parametrize(
        ("order", "expected"),
        [
            ("name", ["Alpha revenue", "Bravo revenue", None]),
            ("-name", [None, "Bravo revenue", "Alpha revenue"]),
        ],
    )
    def test_a_search_in_name_order_places_unnamed_insights_as_the_list_does(
        self, tenant: Tenant, order: str, expected: list[str | None]
    ) -> None:
        tenant.create_insight(name="Bravo revenue")
        tenant.create_insight(name=None, description="Revenue by week")
        tenant.create_insight(name="Alpha revenue")

        assert names(tenant, search="revenue", order=order) == expected
        assert names(tenant, order=order) == expected

    def test_search_pages_through_the_ranked_matches(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Monthly revenu")

        body = listing(tenant, search="revenue", limit="1", offset="1")

        assert body["count"] == 2
        assert [row["name"] for row in body["results"]] == ["Monthly revenu"]

    def test_search_combines_with_other_filters(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country", favorited=True)
        tenant.create_insight(name="Revenue by plan")

        assert names(tenant, search="revenue", favorited="true") == ["Revenue by country"]

    def test_search_skips_deleted_insights(self, tenant: Tenant) -> None:
        doomed = tenant.create_insight(name="Revenue by country")
        patch_insight(tenant, doomed, deleted=True)

        assert names(tenant, search="revenue") == []

    def test_search_never_finds_another_projects_insights(
        self, tenants: TenantFactory, tenant: Tenant
    ) -> None:
        tenants.create("Olga").create_insight(name="Revenue secret")
        tenant.create_insight(name="Revenue by country")

        assert names(tenant, search="revenue") == ["Revenue by country"]

    def test_search_follows_renames(self, tenant: Tenant) -> None:
        renamed = tenant.create_insight(name="Revenue by country")
        patch_insight(tenant, renamed, name="Churn by country")

        assert (names(tenant, search="revenue"), names(tenant, search="churn")) == (
            [],
            ["Churn by country"],
        )

    def test_search_follows_replaced_tags(self, tenant: Tenant) -> None:
        tagged = tenant.create_insight(name="Board", tags=["marketing"])
        patch_insight(tenant, tagged, tags=["finance"])

        assert (names(tenant, search="marketing"), names(tenant, search="finance")) == (
            [],
            ["Board"],
        )

    def test_search_count_includes_exact_and_similar_matches(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Monthly revenu")
        tenant.create_insight(name="Churned users")

        assert listing(tenant, search="revenue", limit="1")["count"] == 2

    def test_search_match_type_is_absent_without_search(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")

        (row,) = listing(tenant)["results"]

        assert "search_match_type" not in row

    def test_basic_results_carry_search_match_type_when_searched(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")

        (row,) = listing(tenant, search="revenue", basic="true")["results"]

        assert set(row) == BASIC_KEYS | {"search_match_type"}
        assert row["search_match_type"] == "exact"

    def test_blank_search_applies_no_filter(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Revenue by country")
        tenant.create_insight(name="Churned users")

        rows = listing(tenant, search="   ")["results"]

        assert len(rows) == 2
        assert all("search_match_type" not in row for row in rows)

    def test_search_of_200_characters_is_accepted(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"search": "r" * 200})

        assert result.status_code == 200

    def test_search_longer_than_200_characters_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"search": "r" * 201})

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "Search query must be 200 characters or fewer.",
            "attr": "search",
        }
