"""Create, retrieve, update, soft delete and restore insights through the WSGI app."""

from __future__ import annotations

from tests.bodies import TRENDS
from tests.tenants import Tenant


class TestCreate:
    def test_create_answers_201_with_the_full_shape(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "Weekly signups", "query": TRENDS})

        assert result.status_code == 201
        body = result.json
        assert body["name"] == "Weekly signups"
        assert body["query"] == TRENDS
        assert body["filters"] == {}
        assert body["saved"] is True
        assert body["deleted"] is False
        assert body["result"] is None
        assert body["created_by"]["id"] == tenant.user_id
        assert body["last_modified_by"]["id"] == tenant.user_id
        assert body["created_at"].endswith("Z")
        assert len(body["short_id"]) == 8 and body["short_id"].isalnum()

    def test_texts_are_trimmed_before_their_length_is_checked_as_drf_does(
        self, tenant: Tenant
    ) -> None:
        body = tenant.create_insight(
            name=" Revenue\n", derived_name="\t" + "d" * 400 + " ", description="  "
        )
        patched = tenant.patch(f"insights/{body['id']}", json={"name": "  Renamed "})

        assert (body["name"], body["derived_name"], body["description"]) == (
            "Revenue",
            "d" * 400,
            "",
        )
        assert (patched.status_code, patched.json["name"]) == (200, "Renamed")

    def test_tags_are_normalised_to_a_sorted_set(self, tenant: Tenant) -> None:
        body = tenant.create_insight(name="Tagged", tags=[" Growth", "growth", "KPI", ""])

        assert body["tags"] == ["growth", "kpi"]


class TestRetrieve:
    def test_retrieve_by_short_id_equals_retrieve_by_id(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Funnel")

        by_id = tenant.get(f"insights/{created['id']}")
        by_short_id = tenant.get(f"insights/{created['short_id']}/")

        assert by_id.status_code == 200
        assert by_id.json == by_short_id.json


class TestSoftDelete:
    def test_deleted_insight_is_404_and_restorable(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Doomed")

        deleted = tenant.patch(f"insights/{created['id']}", json={"deleted": True})
        assert deleted.status_code == 200
        assert deleted.json["deleted"] is True
        assert tenant.get(f"insights/{created['id']}").status_code == 404
        assert tenant.get("insights").json["count"] == 0

        restored = tenant.patch(f"insights/{created['id']}", json={"deleted": False})
        assert restored.status_code == 200
        assert tenant.get("insights").json["count"] == 1

    def test_delete_is_405_without_a_body(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Kept")

        result = tenant.delete(f"insights/{created['id']}")

        assert result.status_code == 405
        assert result.content == b""
        assert tenant.get(f"insights/{created['id']}").status_code == 200
