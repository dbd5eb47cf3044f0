"""Insights: soft delete and restore."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_write.support import listed_names, patch, retrieve
from tests.bodies import NOT_FOUND
from tests.tenants import Tenant


class TestSoftDelete:
    def test_patch_deleted_true_answers_200_with_deleted_true(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Doomed")

        result = tenant.patch(f"insights/{created['id']}", json={"deleted": True})

        assert result.status_code == 200
        assert result.json["deleted"] is True

    def test_a_deleted_insight_is_404_on_retrieve(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Doomed")
        patch(tenant, created, deleted=True)

        by_id = tenant.get(f"insights/{created['id']}")
        by_short_id = tenant.get(f"insights/{created['short_id']}")

        assert (by_id.status_code, by_short_id.status_code) == (404, 404)
        assert by_id.json == NOT_FOUND

    @pytest.mark.parametrize(
        "fields",
        [{"name": "Zombie"}, {"deleted": True}, {}, {"favorited": True}],
        ids=["name", "deleted-again", "empty", "favorited"],
    )
    def test_a_deleted_insight_is_404_on_patch(
        self, tenant: Tenant, fields: dict[str, Any]
    ) -> None:
        created = tenant.create_insight(name="Doomed")
        patch(tenant, created, deleted=True)

        result = tenant.patch(f"insights/{created['id']}", json=fields)

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_insight_leaves_the_list(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Doomed")
        tenant.create_insight(name="Keeper")

        patch(tenant, created, deleted=True)

        assert listed_names(tenant) == ["Keeper"]

    def test_patch_deleted_false_restores(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Phoenix")
        patch(tenant, created, deleted=True)

        result = tenant.patch(f"insights/{created['id']}", json={"deleted": False})

        assert result.status_code == 200
        assert result.json["deleted"] is False
        assert retrieve(tenant, created)["name"] == "Phoenix"

    def test_restoring_can_change_other_fields_at_once(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Phoenix")
        patch(tenant, created, deleted=True)

        restored = patch(tenant, created, deleted=False, name="Risen phoenix")

        assert (restored["deleted"], restored["name"]) == (False, "Risen phoenix")

    def test_deleting_takes_the_insight_off_its_dashboards(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Doomed", dashboards=[north])

        deleted = patch(tenant, created, deleted=True)

        assert (deleted["dashboards"], deleted["dashboard_tiles"]) == ([], [])

    def test_dashboards_sent_with_deleted_true_are_ignored(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Doomed")

        deleted = patch(tenant, created, deleted=True, dashboards=[north])

        assert deleted["dashboards"] == []

    def test_restoring_does_not_put_the_insight_back_on_dashboards(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Phoenix", dashboards=[north])
        patch(tenant, created, deleted=True)

        restored = patch(tenant, created, deleted=False)

        assert restored["dashboards"] == []

    def test_delete_is_405_with_an_empty_body(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Kept")

        result = tenant.delete(f"insights/{created['id']}")

        assert result.status_code == 405
        assert result.content == b""
        assert retrieve(tenant, created)["deleted"] is False

    @pytest.mark.parametrize("key", ["999999999", "NoSuchId"])
    def test_delete_of_an_unknown_insight_is_405_with_an_empty_body(
        self, tenant: Tenant, key: str
    ) -> None:
        result = tenant.delete(f"insights/{key}/")

        assert result.status_code == 405
        assert result.content == b""
