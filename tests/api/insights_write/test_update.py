"""Insights: partial updates, and what they do to `last_modified_at`, `saved` and `tags`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_write.support import FULL_KEYS, TRENDS, patch, retrieve
from tests.bodies import NOT_FOUND, validation_error
from tests.clock import Clock
from tests.tenants import Tenant

FUNNELS = {"kind": "InsightVizNode", "source": {"kind": "FunnelsQuery", "series": []}}
LATER = "2024-03-15T13:00:00Z"


def patch_as(tenant: Tenant, key: str, insight: dict[str, Any], fields: dict[str, Any]) -> Any:
    return tenant.client.simulate_patch(
        tenant.path(f"insights/{insight['id']}"),
        headers={"Authorization": f"Bearer {key}"},
        json=fields,
    )


class TestPartialUpdate:
    def test_only_the_sent_fields_change(self, tenant: Tenant) -> None:
        created = tenant.create_insight(
            name="Weekly signups", description="Old words", tags=["growth"], query=TRENDS, order=3
        )

        updated = patch(tenant, created, description="New words")

        changed = {"description", "updated_at"}
        assert updated["description"] == "New words"
        assert {k: v for k, v in updated.items() if k not in changed | {"last_modified_at"}} == {
            k: v for k, v in created.items() if k not in changed | {"last_modified_at"}
        }

    def test_patch_answers_200_with_the_full_shape(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.patch(f"insights/{created['id']}", json={"name": "Daily signups"})

        assert result.status_code == 200
        assert set(result.json) == FULL_KEYS
        assert result.json == retrieve(tenant, created)

    def test_patch_by_short_id_changes_the_insight(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.patch(f"insights/{created['short_id']}", json={"name": "Daily signups"})

        assert result.status_code == 200
        assert retrieve(tenant, created)["name"] == "Daily signups"

    def test_put_is_a_partial_update_too(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups", description="Kept")

        result = tenant.client.simulate_put(
            tenant.path(f"insights/{created['id']}"),
            headers=tenant.headers,
            json={"name": "Daily signups"},
        )

        assert result.status_code == 200
        assert (result.json["name"], result.json["description"]) == ("Daily signups", "Kept")

    def test_a_value_python_deems_equal_but_json_does_not_is_stored(self, tenant: Tenant) -> None:
        # 1 == True to Python: the change of type used to be dropped as "no change".
        insight = tenant.create_insight(filters={"interval": 1})

        answer = patch(tenant, insight, filters={"interval": True})

        assert answer["filters"] == retrieve(tenant, insight)["filters"]
        assert retrieve(tenant, insight)["filters"]["interval"] is True

    def test_name_can_be_cleared_with_null(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        assert patch(tenant, created, name=None)["name"] is None

    def test_an_unknown_insight_is_404_on_patch(self, tenant: Tenant) -> None:
        result = tenant.patch("insights/NoSuchId", json={"name": "Ghost"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_an_insight_of_another_project_is_404_on_patch(
        self, tenants: Any, tenant: Tenant
    ) -> None:
        other = tenants.create("Olga")
        theirs = other.create_insight(name="Olga's secret")

        result = tenant.patch(f"insights/{theirs['id']}", json={"name": "Hijacked"})

        assert result.status_code == 404
        assert retrieve(other, theirs)["name"] == "Olga's secret"


class TestLastModified:
    @pytest.mark.parametrize(
        "fields",
        [
            {"name": "Weekly signups"},
            {"description": "Signups per week"},
            {"filters": {}},
            {"name": "Daily signups", "favorited": True},
        ],
        ids=["same-name", "same-description", "same-filters", "name-and-favorited"],
    )
    def test_sending_a_material_field_sets_last_modified_even_when_unchanged(
        self, timed: Tenant, clock: Clock, fields: dict[str, Any]
    ) -> None:
        bea_id, bea_key = timed.add_member("Bea")
        created = timed.create_insight(name="Weekly signups", description="Signups per week")
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, fields)

        assert result.status_code == 200
        assert (result.json["last_modified_at"], result.json["last_modified_by"]["id"]) == (
            LATER,
            bea_id,
        )

    @pytest.mark.parametrize(
        "fields",
        [
            {"query": FUNNELS},
            {"tags": ["growth"]},
            {"favorited": True},
            {"derived_name": "Pageviews"},
            {"order": 4},
            {"saved": False},
            {"deleted": True},
        ],
        ids=["query", "tags", "favorited", "derived_name", "order", "saved", "deleted"],
    )
    def test_other_fields_leave_last_modified_alone(
        self, timed: Tenant, clock: Clock, fields: dict[str, Any]
    ) -> None:
        _, bea_key = timed.add_member("Bea")
        created = timed.create_insight(name="Weekly signups", query=TRENDS)
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, fields)

        assert result.status_code == 200
        assert (result.json["last_modified_at"], result.json["last_modified_by"]["id"]) == (
            "2024-03-15T12:00:00Z",
            timed.user_id,
        )

    def test_changing_dashboards_leaves_last_modified_alone(
        self, timed: Tenant, clock: Clock
    ) -> None:
        _, bea_key = timed.add_member("Bea")
        board = timed.create_dashboard(name="Board")
        created = timed.create_insight(name="Weekly signups")
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, {"dashboards": [board["id"]]})

        assert (result.json["last_modified_at"], result.json["last_modified_by"]["id"]) == (
            "2024-03-15T12:00:00Z",
            timed.user_id,
        )

    def test_updated_at_changes_with_any_change(self, timed: Tenant, clock: Clock) -> None:
        created = timed.create_insight(name="Weekly signups")
        clock.advance(hours=1)

        updated = patch(timed, created, favorited=True)

        assert (updated["updated_at"], updated["last_modified_at"]) == (
            LATER,
            "2024-03-15T12:00:00Z",
        )

    def test_created_at_and_created_by_never_change(self, timed: Tenant, clock: Clock) -> None:
        _, bea_key = timed.add_member("Bea")
        created = timed.create_insight(name="Weekly signups")
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, {"name": "Daily signups"})

        assert (result.json["created_at"], result.json["created_by"]) == (
            created["created_at"],
            created["created_by"],
        )


class TestSaved:
    @pytest.mark.parametrize(
        "fields", [{"favorited": True}, {"name": "Renamed"}, {}], ids=["favorited", "name", "empty"]
    )
    def test_any_patch_saves_an_unsaved_insight(
        self, tenant: Tenant, fields: dict[str, Any]
    ) -> None:
        draft = tenant.create_insight(name="Draft", saved=False)

        assert patch(tenant, draft, **fields)["saved"] is True

    def test_patch_that_sends_saved_false_keeps_it_unsaved(self, tenant: Tenant) -> None:
        draft = tenant.create_insight(name="Draft", saved=False)

        assert patch(tenant, draft, saved=False, name="Still a draft")["saved"] is False

    def test_saved_can_be_turned_off_by_patch(self, tenant: Tenant) -> None:
        kept = tenant.create_insight(name="Kept")

        assert patch(tenant, kept, saved=False)["saved"] is False


class TestTags:
    def test_tags_are_trimmed_lower_cased_and_deduplicated(self, tenant: Tenant) -> None:
        body = tenant.create_insight(name="Tagged", tags=[" Growth ", "growth", "KPI", "kpi "])

        assert sorted(body["tags"]) == ["growth", "kpi"]

    def test_patch_replaces_the_tag_set(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth", "kpi"])

        updated = patch(tenant, created, tags=["KPI", "Churn"])

        assert sorted(updated["tags"]) == ["churn", "kpi"]

    def test_patch_without_tags_leaves_them(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth"])

        assert patch(tenant, created, name="Renamed")["tags"] == ["growth"]

    def test_an_empty_tag_list_clears_the_tags(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth"])

        assert patch(tenant, created, tags=[])["tags"] == []

    def test_tags_that_are_not_a_list_are_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "Tagged", "tags": "growth"})

        assert result.status_code == 400
        assert result.json == validation_error(
            "tags", 'Expected a list of items but got type "str".', code="not_a_list"
        )
