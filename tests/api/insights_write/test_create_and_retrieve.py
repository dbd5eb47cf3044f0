"""Insights: create, and retrieve by id, by short id and from a dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from domain.insight import Insight
from tests.api.insights_write.support import FULL_KEYS, TRENDS, retrieve
from tests.bodies import NOT_FOUND, validation_error
from tests.tenants import Tenant

BASIC_KEYS = FULL_KEYS - {
    "order", "deleted", "cache_target_age", "next_allowed_client_refresh", "result", "hasMore",
    "columns", "last_modified_by", "is_sample", "effective_restriction_level",
    "effective_privilege_level", "timezone", "is_cached", "query_status", "hogql", "types",
    "resolved_date_range", "alerts", "filters_hash",
}  # fmt: skip


def insight_with_short_id(tenant: Tenant, short_id: str, name: str) -> int:
    """An insight whose short_id the test chooses, saved through the real store."""
    backend = tenant.backend
    insight_id = backend.sequences.next_id("insight")
    at = backend.clock()
    insight = Insight.create(
        insight_id=insight_id,
        project_id=tenant.project_id,
        environment_id=tenant.project_id,
        short_id=short_id,
        actor_id=tenant.user_id,
        at=at,
        values={"name": name},
        new_tiles={},
    )
    backend.record(insight)
    return insight_id


# ---------------------------------------------------------------------------------------------


class TestCreate:
    def test_create_answers_201_with_the_full_shape(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "Weekly signups", "query": TRENDS})

        assert result.status_code == 201
        assert set(result.json) == FULL_KEYS

    def test_create_stores_every_writable_field(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Growth board")

        body = tenant.create_insight(
            name="Weekly signups",
            derived_name="Pageview count",
            description="Signups per week",
            query=TRENDS,
            order=7,
            tags=["growth"],
            favorited=True,
            saved=False,
            dashboards=[board["id"]],
        )

        assert {
            key: body[key]
            for key in (
                "name", "derived_name", "description", "query", "order", "tags", "favorited",
                "saved", "dashboards", "deleted",
            )
        } == {
            "name": "Weekly signups",
            "derived_name": "Pageview count",
            "description": "Signups per week",
            "query": TRENDS,
            "order": 7,
            "tags": ["growth"],
            "favorited": True,
            "saved": False,
            "dashboards": [board["id"]],
            "deleted": False,
        }  # fmt: skip

    def test_an_empty_body_creates_an_unnamed_saved_insight(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={})

        assert result.status_code == 201
        body = result.json
        assert (body["name"], body["query"], body["filters"], body["tags"]) == (None, None, {}, [])
        assert (body["saved"], body["favorited"], body["deleted"], body["order"]) == (
            True,
            False,
            False,
            None,
        )

    def test_the_creator_is_creator_and_last_modifier(self, tenant: Tenant) -> None:
        body = tenant.create_insight(name="Weekly signups")

        assert body["created_by"]["id"] == tenant.user_id
        assert body["last_modified_by"]["id"] == tenant.user_id
        assert body["created_by"]["email"] == tenant.email

    def test_creation_sets_created_modified_and_updated_to_the_same_time(
        self, timed: Tenant
    ) -> None:
        body = timed.create_insight(name="Weekly signups")

        assert (body["created_at"], body["last_modified_at"], body["updated_at"]) == (
            "2024-03-15T12:00:00Z",
            "2024-03-15T12:00:00Z",
            "2024-03-15T12:00:00Z",
        )

    def test_short_id_is_eight_alphanumerics_and_unique(self, tenant: Tenant) -> None:
        short_ids = [tenant.create_insight(name=f"Insight {n}")["short_id"] for n in range(3)]

        assert all(len(s) == 8 and s.isascii() and s.isalnum() for s in short_ids)
        assert len(set(short_ids)) == 3

    def test_create_via_environments_prefix_is_visible_under_projects(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            tenant.path("insights", prefix="environments"),
            headers=tenant.headers,
            json={"name": "Env made"},
        )

        assert result.status_code == 201
        assert retrieve(tenant, result.json)["name"] == "Env made"


class TestRetrieve:
    def test_retrieve_answers_what_create_answered(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups", tags=["growth"], query=TRENDS)

        assert retrieve(tenant, created) == created

    def test_retrieve_by_short_id_equals_retrieve_by_id(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.get(f"insights/{created['short_id']}")

        assert result.status_code == 200
        assert result.json == retrieve(tenant, created)

    def test_an_all_digit_short_id_is_found_when_no_id_matches(self, tenant: Tenant) -> None:
        insight_id = insight_with_short_id(tenant, "98765432", "Numeric short id")

        result = tenant.get("insights/98765432")

        assert result.status_code == 200
        assert (result.json["id"], result.json["name"]) == (insight_id, "Numeric short id")

    def test_an_all_digit_key_is_an_id_before_it_is_a_short_id(self, tenant: Tenant) -> None:
        by_id = tenant.create_insight(name="Found by id")
        insight_with_short_id(tenant, str(by_id["id"]), "Shadowing short id")

        result = tenant.get(f"insights/{by_id['id']}")

        assert result.json["name"] == "Found by id"

    def test_retrieve_with_basic_gives_the_basic_shape(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.get(f"insights/{created['id']}", params={"basic": "true"})

        assert set(result.json) == BASIC_KEYS

    @pytest.mark.parametrize("value", ["abc", "1.5", "true"])
    def test_a_from_dashboard_that_is_not_an_integer_is_a_400(
        self, tenant: Tenant, value: str
    ) -> None:
        insight = tenant.create_insight(name="Board member")

        result = tenant.get(f"insights/{insight['id']}", params={"from_dashboard": value})

        assert result.status_code == 400
        assert result.json == validation_error("from_dashboard", "A valid integer is required.")

    @pytest.mark.parametrize(
        "parameter", ["filters_override", "variables_override", "tile_filters_override"]
    )
    @pytest.mark.parametrize("value", ["{", "[1]", "not json"])
    def test_an_override_that_is_not_a_json_object_is_a_400(
        self, tenant: Tenant, parameter: str, value: str
    ) -> None:
        insight = tenant.create_insight(name="Overridden")

        result = tenant.get(f"insights/{insight['id']}", params={parameter: value})

        assert result.status_code == 400
        assert result.json == validation_error(
            parameter, f"Invalid JSON passed in {parameter} parameter"
        )

    def test_from_a_dashboard_showing_it_adds_the_tiles_color_and_layouts(
        self, tenant: Tenant
    ) -> None:
        shown = tenant.create_dashboard(name="Shown")["id"]
        other = tenant.create_dashboard(name="Other")["id"]
        insight = tenant.create_insight(name="On a board", dashboards=[shown])
        plain = retrieve(tenant, insight)

        on_board = tenant.get(f"insights/{insight['id']}", params={"from_dashboard": shown})
        elsewhere = tenant.get(f"insights/{insight['id']}", params={"from_dashboard": other})

        assert on_board.json == {**plain, "color": None, "layouts": {}}
        assert elsewhere.json == plain

    @pytest.mark.parametrize("key", ["999999999", "NoSuchId", "0"])
    def test_an_unknown_insight_is_404(self, tenant: Tenant, key: str) -> None:
        result = tenant.get(f"insights/{key}")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_an_insight_of_another_project_is_404(self, tenants: Any, tenant: Tenant) -> None:
        other = tenants.create("Olga")
        theirs = other.create_insight(name="Olga's secret")

        by_id = tenant.get(f"insights/{theirs['id']}")
        by_short_id = tenant.get(f"insights/{theirs['short_id']}")

        assert (by_id.status_code, by_short_id.status_code) == (404, 404)
        assert by_id.json == NOT_FOUND
