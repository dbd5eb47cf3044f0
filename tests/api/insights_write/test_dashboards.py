"""Insights: their dashboards, and links to dashboards deleted since."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_write.support import listed_names, patch, retrieve
from tests.bodies import validation_error
from tests.tenants import Tenant


class TestDashboards:
    def test_create_links_the_dashboards_and_shows_their_tiles(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        south = tenant.create_dashboard(name="South")["id"]

        body = tenant.create_insight(name="Linked", dashboards=[south, north])

        assert sorted(body["dashboards"]) == sorted([north, south])
        assert sorted(tile["dashboard_id"] for tile in body["dashboard_tiles"]) == sorted(
            [north, south]
        )
        assert all(
            set(tile) == {"id", "dashboard_id", "deleted"}
            and isinstance(tile["id"], int)
            and tile["deleted"] in (None, False)
            for tile in body["dashboard_tiles"]
        )

    def test_patch_replaces_the_dashboard_set(self, tenant: Tenant) -> None:
        north, south, east = (tenant.create_dashboard(name=n)["id"] for n in ("N", "S", "E"))
        created = tenant.create_insight(name="Linked", dashboards=[north, south])

        updated = patch(tenant, created, dashboards=[south, east])

        assert sorted(updated["dashboards"]) == sorted([south, east])
        assert sorted(t["dashboard_id"] for t in updated["dashboard_tiles"]) == sorted(
            [south, east]
        )

    def test_patch_without_dashboards_leaves_them(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north])

        assert patch(tenant, created, name="Renamed")["dashboards"] == [north]

    def test_repeated_dashboard_ids_link_once(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]

        body = tenant.create_insight(name="Linked", dashboards=[north, north])

        assert body["dashboards"] == [north]
        assert len(body["dashboard_tiles"]) == 1

    def test_relinking_a_dashboard_reactivates_its_old_tile(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north])
        patch(tenant, created, dashboards=[])

        relinked = patch(tenant, created, dashboards=[north])

        assert relinked["dashboard_tiles"] == created["dashboard_tiles"]

    def test_a_dashboard_of_another_project_is_a_400_on_create(
        self, tenants: Any, tenant: Tenant
    ) -> None:
        foreign = tenants.create("Olga").create_dashboard(name="Olga's board")["id"]

        result = tenant.post("insights", json={"name": "Linked", "dashboards": [foreign]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "dashboards", f'Invalid pk "{foreign}" - object does not exist.', code="does_not_exist"
        )
        assert listed_names(tenant) == []

    def test_a_dashboard_of_another_project_is_a_400_on_patch(
        self, tenants: Any, tenant: Tenant
    ) -> None:
        foreign = tenants.create("Olga").create_dashboard(name="Olga's board")["id"]
        created = tenant.create_insight(name="Linked")

        result = tenant.patch(f"insights/{created['id']}", json={"dashboards": [foreign]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "dashboards", f'Invalid pk "{foreign}" - object does not exist.', code="does_not_exist"
        )
        assert retrieve(tenant, created)["dashboards"] == []

    def test_an_unknown_dashboard_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "Linked", "dashboards": [987654321]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "dashboards", 'Invalid pk "987654321" - object does not exist.', code="does_not_exist"
        )

    def test_a_deleted_dashboard_in_the_payload_is_ignored(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        gone = tenant.create_dashboard(name="Gone")["id"]
        tenant.patch(f"dashboards/{gone}", json={"deleted": True})

        body = tenant.create_insight(name="Linked", dashboards=[north, gone])

        assert body["dashboards"] == [north]

    def test_deleting_a_dashboard_takes_it_off_its_insights(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        south = tenant.create_dashboard(name="South")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north, south])

        tenant.patch(f"dashboards/{north}", json={"deleted": True})

        after = retrieve(tenant, created)
        assert after["dashboards"] == [south]
        assert [tile["dashboard_id"] for tile in after["dashboard_tiles"]] == [south]


class TestLinksToDeletedDashboards:
    """PostHog replaces only the links it shows: a deleted dashboard's link is hidden, not
    removed, by a new set of dashboards, and shows again when the dashboard is restored."""

    @pytest.fixture
    def hidden(self, tenant: Tenant) -> tuple[dict[str, Any], int, int]:
        north = tenant.create_dashboard(name="North")["id"]
        south = tenant.create_dashboard(name="South")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north])
        tenant.patch(f"dashboards/{north}", json={"deleted": True})
        return created, north, south

    def test_a_new_set_keeps_the_hidden_link(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, south = hidden

        answer = patch(tenant, created, dashboards=[south])
        tenant.patch(f"dashboards/{north}", json={"deleted": False})

        assert answer["dashboards"] == [south]
        assert sorted(retrieve(tenant, created)["dashboards"]) == sorted([north, south])

    def test_an_empty_set_keeps_the_hidden_link_too(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, _ = hidden

        patch(tenant, created, dashboards=[])
        tenant.patch(f"dashboards/{north}", json={"deleted": False})

        assert retrieve(tenant, created)["dashboards"] == [north]

    def test_the_activity_entry_shows_only_the_links_it_showed(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, _, south = hidden

        patch(tenant, created, dashboards=[south])

        entries = tenant.get(f"insights/{created['id']}/activity").json["results"]
        assert entries[0]["detail"]["changes"] == [
            {
                "type": "Insight",
                "action": "changed",
                "field": "dashboards",
                "before": [],
                "after": [{"id": south, "name": "South"}],
            }
        ]

    def test_each_entry_of_a_page_hides_the_dashboards_deleted_when_it_was_made(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, south = hidden
        patch(tenant, created, dashboards=[south])
        tenant.patch(f"dashboards/{north}", json={"deleted": False})
        patch(tenant, created, dashboards=[])

        entries = tenant.get(f"insights/{created['id']}/activity").json["results"]

        assert [entry["detail"]["changes"] for entry in entries[:2]] == [
            [
                {
                    "type": "Insight",
                    "action": "changed",
                    "field": "dashboards",
                    "before": [{"id": north, "name": "North"}, {"id": south, "name": "South"}],
                    "after": [],
                }
            ],
            [
                {
                    "type": "Insight",
                    "action": "changed",
                    "field": "dashboards",
                    "before": [],
                    "after": [{"id": south, "name": "South"}],
                }
            ],
        ]

    def test_deleting_the_insight_takes_it_off_the_hidden_dashboard_as_well(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, _ = hidden

        patch(tenant, created, deleted=True)
        tenant.patch(f"dashboards/{north}", json={"deleted": False})
        patch(tenant, created, deleted=False)

        assert retrieve(tenant, created)["dashboards"] == []
