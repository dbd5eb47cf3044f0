"""The minimal dashboards API (CONTRACT.md §7 "Dashboards") through the WSGI app on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bodies import NOT_FOUND
from tests.tenants import Tenant, TenantFactory

HOST = "insights.example.com"


def retrieve(tenant: Tenant, dashboard: dict[str, Any]) -> Any:
    return tenant.get(f"dashboards/{dashboard['id']}")


def patch(tenant: Tenant, dashboard: dict[str, Any], **fields: Any) -> dict[str, Any]:
    result = tenant.patch(f"dashboards/{dashboard['id']}", json=fields)
    assert result.status_code == 200, result.text
    return dict(result.json)


def listed_names(tenant: Tenant) -> list[str | None]:
    result = tenant.get("dashboards")
    assert result.status_code == 200, result.text
    return [row["name"] for row in result.json["results"]]


class TestCreate:
    def test_create_answers_201_with_the_dashboard(self, tenant: Tenant) -> None:
        result = tenant.post(
            "dashboards", json={"name": "Growth board", "description": "Weekly numbers"}
        )

        assert result.status_code == 201
        body = result.json
        assert {"id", "name", "description", "deleted"} <= set(body)
        assert isinstance(body["id"], int)
        assert (body["name"], body["description"], body["deleted"]) == (
            "Growth board",
            "Weekly numbers",
            False,
        )

    def test_the_creator_is_recorded(self, tenant: Tenant) -> None:
        body = tenant.create_dashboard(name="Growth board")

        assert body["created_by"]["id"] == tenant.user_id
        assert body["created_by"]["email"] == tenant.email

    def test_description_defaults_to_an_empty_string(self, tenant: Tenant) -> None:
        body = tenant.create_dashboard(name="Growth board")

        assert body["description"] == ""

    def test_each_dashboard_gets_its_own_id(self, tenant: Tenant) -> None:
        first = tenant.create_dashboard(name="First")
        second = tenant.create_dashboard(name="Second")

        assert first["id"] != second["id"]

    def test_name_and_description_are_trimmed_as_drf_does(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name=" Ops " + " " * 400, description="\nNotes ")

        assert (created["name"], created["description"]) == ("Ops", "Notes")

    def test_a_name_longer_than_400_characters_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("dashboards", json={"name": "d" * 401})

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "max_length",
            "detail": "Ensure this field has no more than 400 characters.",
            "attr": "name",
        }

    def test_unknown_keys_are_ignored(self, tenant: Tenant) -> None:
        result = tenant.post("dashboards", json={"name": "Growth board", "colour": "teal"})

        assert result.status_code == 201
        assert result.json["name"] == "Growth board"

    def test_a_json_list_body_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            tenant.path("dashboards"),
            headers={**tenant.headers, "Content-Type": "application/json"},
            body='[{"name": "Listed"}]',
        )

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "Invalid data. Expected a dictionary, but got list.",
            "attr": None,
        }

    def test_malformed_json_is_a_400_parse_error(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            tenant.path("dashboards"),
            headers={**tenant.headers, "Content-Type": "application/json"},
            body='{"name": ',
        )

        assert result.status_code == 400
        assert (result.json["type"], result.json["code"], result.json["attr"]) == (
            "invalid_request",
            "parse_error",
            None,
        )


class TestList:
    def test_list_uses_the_pagination_envelope(self, tenant: Tenant) -> None:
        tenant.create_dashboard(name="Growth board")

        body = tenant.get("dashboards").json

        assert set(body) == {"count", "next", "previous", "results"}
        assert (body["count"], body["next"], body["previous"]) == (1, None, None)
        assert [row["name"] for row in body["results"]] == ["Growth board"]

    def test_listed_dashboards_equal_retrieved_ones(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board", description="Weekly numbers")

        (row,) = tenant.get("dashboards").json["results"]

        assert row == retrieve(tenant, created).json

    def test_deleted_dashboards_are_not_listed_nor_counted(self, tenant: Tenant) -> None:
        tenant.create_dashboard(name="Keeper")
        doomed = tenant.create_dashboard(name="Doomed")
        patch(tenant, doomed, deleted=True)

        body = tenant.get("dashboards").json

        assert body["count"] == 1
        assert [row["name"] for row in body["results"]] == ["Keeper"]

    def test_the_list_shows_only_the_projects_dashboards(
        self, tenants: TenantFactory, tenant: Tenant
    ) -> None:
        tenants.create("Olga").create_dashboard(name="Olga's board")
        tenant.create_dashboard(name="Ann's board")

        assert listed_names(tenant) == ["Ann's board"]

    def test_pages_link_with_absolute_urls(self, tenant: Tenant) -> None:
        for name in ("One", "Two", "Three"):
            tenant.create_dashboard(name=name)

        body = tenant.client.simulate_get(
            tenant.path("dashboards"),
            headers=tenant.headers,
            query_string="limit=1&offset=1",
            host=HOST,
        ).json

        base = f"http://{HOST}/api/projects/{tenant.project_id}/dashboards"
        assert body["count"] == 3
        assert len(body["results"]) == 1
        assert (body["previous"], body["next"]) == (
            f"{base}?limit=1",
            f"{base}?limit=1&offset=2",
        )

    def test_the_environments_prefix_lists_the_same_dashboards(self, tenant: Tenant) -> None:
        tenant.create_dashboard(name="Growth board")

        result = tenant.client.simulate_get(
            tenant.path("dashboards", prefix="environments"), headers=tenant.headers
        )

        assert result.status_code == 200
        assert result.json == tenant.get("dashboards").json


class TestRetrieve:
    def test_retrieve_answers_what_create_answered(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board", description="Weekly numbers")

        result = retrieve(tenant, created)

        assert result.status_code == 200
        assert result.json == created

    def test_a_trailing_slash_is_optional(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board")

        result = tenant.get(f"dashboards/{created['id']}/")

        assert result.status_code == 200
        assert result.json == created

    @pytest.mark.parametrize("key", ["987654321", "growth", "0"])
    def test_an_unknown_dashboard_is_404(self, tenant: Tenant, key: str) -> None:
        result = tenant.get(f"dashboards/{key}")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_dashboard_of_another_project_is_404(
        self, tenants: TenantFactory, tenant: Tenant
    ) -> None:
        foreign = tenants.create("Olga").create_dashboard(name="Olga's board")

        result = retrieve(tenant, foreign)

        assert result.status_code == 404
        assert result.json == NOT_FOUND


class TestUpdate:
    def test_patch_renames(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board", description="Weekly numbers")

        updated = patch(tenant, created, name="Growth overview")

        assert (updated["name"], updated["description"]) == ("Growth overview", "Weekly numbers")
        assert retrieve(tenant, created).json == updated

    def test_patch_changes_the_description(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board", description="Weekly numbers")

        updated = patch(tenant, created, description="Daily numbers")

        assert (updated["name"], updated["description"]) == ("Growth board", "Daily numbers")

    def test_a_name_longer_than_400_characters_is_a_400_on_patch(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board")

        result = tenant.patch(f"dashboards/{created['id']}", json={"name": "d" * 401})

        assert result.status_code == 400
        assert (result.json["code"], result.json["attr"]) == ("max_length", "name")
        assert retrieve(tenant, created).json["name"] == "Growth board"

    def test_a_dashboard_of_another_project_is_404_on_patch(
        self, tenants: TenantFactory, tenant: Tenant
    ) -> None:
        olga = tenants.create("Olga")
        foreign = olga.create_dashboard(name="Olga's board")

        result = tenant.patch(f"dashboards/{foreign['id']}", json={"name": "Hijacked"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert retrieve(olga, foreign).json["name"] == "Olga's board"

    def test_delete_method_is_not_allowed(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board")

        result = tenant.delete(f"dashboards/{created['id']}")

        assert result.status_code == 405
        assert result.json == {
            "type": "invalid_request",
            "code": "method_not_allowed",
            "detail": 'Method "DELETE" not allowed.',
            "attr": None,
        }


class TestSoftDelete:
    def test_patch_deleted_true_answers_200_with_deleted_true(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Doomed")

        result = tenant.patch(f"dashboards/{created['id']}", json={"deleted": True})

        assert result.status_code == 200
        assert result.json["deleted"] is True

    def test_a_deleted_dashboard_is_404_on_retrieve(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Doomed")
        patch(tenant, created, deleted=True)

        result = retrieve(tenant, created)

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize(
        "fields",
        [{"name": "Zombie"}, {"deleted": True}, {}],
        ids=["name", "deleted-again", "empty"],
    )
    def test_a_deleted_dashboard_is_404_on_patch(
        self, tenant: Tenant, fields: dict[str, Any]
    ) -> None:
        created = tenant.create_dashboard(name="Doomed")
        patch(tenant, created, deleted=True)

        result = tenant.patch(f"dashboards/{created['id']}", json=fields)

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_patch_deleted_false_restores(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Phoenix")
        patch(tenant, created, deleted=True)

        restored = patch(tenant, created, deleted=False)

        assert restored["deleted"] is False
        assert retrieve(tenant, created).status_code == 200
        assert listed_names(tenant) == ["Phoenix"]

    def test_restoring_can_rename_at_once(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Phoenix")
        patch(tenant, created, deleted=True)

        restored = patch(tenant, created, deleted=False, name="Risen phoenix")

        assert (restored["deleted"], restored["name"]) == (False, "Risen phoenix")

    def test_a_deleted_dashboard_cannot_be_linked_to_an_insight(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Doomed")
        patch(tenant, created, deleted=True)

        insight = tenant.create_insight(name="Linked", dashboards=[created["id"]])

        assert (insight["dashboards"], insight["dashboard_tiles"]) == ([], [])
