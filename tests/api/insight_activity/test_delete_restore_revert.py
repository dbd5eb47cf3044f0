"""The activity log: soft delete, restore and revert."""

from __future__ import annotations

import pytest

from tests.api.insight_activity.support import activity, change, entries, newest, patch, verbs
from tests.bodies import NOT_FOUND
from tests.tenants import Tenant


class TestDeleteRestoreAndRevert:
    def test_a_soft_delete_is_a_deleted_entry_with_the_deleted_field_changed(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Doomed")
        patch(tenant, created["id"], {"deleted": True})

        entry = entries(tenant)[0]

        assert entry["activity"] == "deleted"
        assert entry["item_id"] == str(created["id"])
        assert entry["detail"]["name"] == "Doomed"
        assert entry["detail"]["changes"] == [change("deleted", "changed", False, True)]

    def test_a_soft_delete_also_shows_the_insight_leaving_its_dashboards(
        self, tenant: Tenant
    ) -> None:
        board = tenant.create_dashboard(name="Wall of fame")
        created = tenant.create_insight(name="Fallen star", dashboards=[board["id"]])
        patch(tenant, created["id"], {"deleted": True})

        assert entries(tenant)[0]["detail"]["changes"] == [
            change("deleted", "changed", False, True),
            change("dashboards", "changed", [{"id": board["id"], "name": "Wall of fame"}], []),
        ]

    def test_a_restore_is_a_restored_entry(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Lazarus")
        patch(tenant, created["id"], {"deleted": True})
        patch(tenant, created["id"], {"deleted": False})

        history = entries(tenant, created["id"])

        assert verbs(history) == ["restored", "deleted", "created"]
        assert history[0]["detail"]["changes"] == [change("deleted", "changed", True, False)]

    def test_a_restore_with_a_rename_is_one_restored_entry_with_both_changes(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Phoenix")
        patch(tenant, created["id"], {"deleted": True})
        patch(tenant, created["id"], {"deleted": False, "name": "Phoenix reborn"})

        entry = newest(tenant, created["id"])

        assert entry["activity"] == "restored"
        assert entry["detail"]["name"] == "Phoenix reborn"
        assert entry["detail"]["changes"] == [
            change("name", "changed", "Phoenix", "Phoenix reborn"),
            change("deleted", "changed", True, False),
        ]

    @pytest.mark.parametrize("address", ["id", "short_id"])
    def test_a_deleted_insight_is_404_on_its_own_activity_route(
        self, tenant: Tenant, address: str
    ) -> None:
        created = tenant.create_insight(name="Hidden history")
        patch(tenant, created["id"], {"deleted": True})

        result = activity(tenant, created[address])

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_insight_stays_in_the_project_feed(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Gone not forgotten")
        patch(tenant, created["id"], {"description": "Last words"})
        patch(tenant, created["id"], {"deleted": True})

        feed = entries(tenant)

        assert [(item["activity"], item["item_id"]) for item in feed] == [
            ("deleted", str(created["id"])),
            ("updated", str(created["id"])),
            ("created", str(created["id"])),
        ]

    def test_an_insight_created_deleted_is_only_in_the_project_feed(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Stillborn", deleted=True)

        assert activity(tenant, created["id"]).status_code == 404
        assert [(item["activity"], item["item_id"]) for item in entries(tenant)] == [
            ("created", str(created["id"]))
        ]

    def test_a_restored_insight_shows_its_whole_history_again(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Comeback")
        patch(tenant, created["id"], {"name": "Comeback tour"})
        patch(tenant, created["id"], {"deleted": True})
        patch(tenant, created["id"], {"deleted": False})

        assert verbs(entries(tenant, created["id"])) == [
            "restored",
            "deleted",
            "updated",
            "created",
        ]

    def test_a_revert_is_an_update_whose_trigger_names_the_revert(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Original")
        patch(tenant, created["id"], {"name": "Regrettable"})

        reverted = tenant.post(f"insights/{created['id']}/revert", json={"version": 1})
        assert reverted.status_code == 200, reverted.text

        entry = newest(tenant, created["id"])
        assert entry["activity"] == "updated"
        assert entry["detail"]["trigger"] == {
            "job_type": "revert",
            "job_id": "1",
            "payload": {"version": 1},
        }
        assert entry["detail"]["changes"] == [change("name", "changed", "Regrettable", "Original")]
