"""The activity log: an insight's dashboards as a synthetic change."""

from __future__ import annotations

from tests.api.insight_activity.support import change, entries, newest, patch, verbs
from tests.tenants import Tenant


class TestDashboardsChanges:
    def test_adding_a_dashboard_is_a_synthetic_changed_with_ids_and_names(
        self, tenant: Tenant
    ) -> None:
        board = tenant.create_dashboard(name="Growth board")
        created = tenant.create_insight(name="On a board")
        patch(tenant, created["id"], {"dashboards": [board["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("dashboards", "changed", [], [{"id": board["id"], "name": "Growth board"}])
        ]

    def test_dashboards_are_listed_by_id_whatever_order_they_were_sent_in(
        self, tenant: Tenant
    ) -> None:
        alpha = tenant.create_dashboard(name="Alpha board")
        beta = tenant.create_dashboard(name="Beta board")
        created = tenant.create_insight(name="Two boards")
        patch(tenant, created["id"], {"dashboards": [beta["id"], alpha["id"], beta["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change(
                "dashboards",
                "changed",
                [],
                [
                    {"id": alpha["id"], "name": "Alpha board"},
                    {"id": beta["id"], "name": "Beta board"},
                ],
            )
        ]

    def test_moving_between_dashboards_shows_both_sides(self, tenant: Tenant) -> None:
        alpha = tenant.create_dashboard(name="Alpha board")
        beta = tenant.create_dashboard(name="Beta board")
        created = tenant.create_insight(name="Mover", dashboards=[alpha["id"]])
        patch(tenant, created["id"], {"dashboards": [beta["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change(
                "dashboards",
                "changed",
                [{"id": alpha["id"], "name": "Alpha board"}],
                [{"id": beta["id"], "name": "Beta board"}],
            )
        ]

    def test_leaving_every_dashboard_is_changed_to_an_empty_list(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Lonely board")
        created = tenant.create_insight(name="Leaver", dashboards=[board["id"]])
        patch(tenant, created["id"], {"dashboards": []})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("dashboards", "changed", [{"id": board["id"], "name": "Lonely board"}], [])
        ]

    def test_sending_the_same_dashboards_again_adds_no_entry(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Same board")
        created = tenant.create_insight(name="Stayer", dashboards=[board["id"]])
        patch(tenant, created["id"], {"dashboards": [board["id"]]})

        assert verbs(entries(tenant, created["id"])) == ["created"]

    def test_an_old_entry_keeps_the_dashboard_name_it_had_then(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Q1 board")
        created = tenant.create_insight(name="Quarterly")
        patch(tenant, created["id"], {"dashboards": [board["id"]]})
        renamed = tenant.patch(f"dashboards/{board['id']}", json={"name": "Q2 board"})
        assert renamed.status_code == 200, renamed.text

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("dashboards", "changed", [], [{"id": board["id"], "name": "Q1 board"}])
        ]

    def test_a_dashboard_renamed_since_the_link_is_named_as_it_is_now_on_the_before_side(
        self, tenant: Tenant
    ) -> None:
        # Reference §9.2: `before` lists the dashboards the insight was on when this request
        # came, as {id, name}; the name is the dashboard's name at that moment.
        board = tenant.create_dashboard(name="Q1 board")
        other = tenant.create_dashboard(name="Ops board")
        created = tenant.create_insight(name="Quarterly", dashboards=[board["id"]])
        renamed = tenant.patch(f"dashboards/{board['id']}", json={"name": "Q2 board"})
        assert renamed.status_code == 200, renamed.text

        patch(tenant, created["id"], {"dashboards": [board["id"], other["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change(
                "dashboards",
                "changed",
                [{"id": board["id"], "name": "Q2 board"}],
                [{"id": board["id"], "name": "Q2 board"}, {"id": other["id"], "name": "Ops board"}],
            )
        ]

    def test_a_soft_delete_names_the_dashboards_it_unlinks_as_they_are_now(
        self, tenant: Tenant
    ) -> None:
        board = tenant.create_dashboard(name="Old name")
        created = tenant.create_insight(name="Doomed", dashboards=[board["id"]])
        renamed = tenant.patch(f"dashboards/{board['id']}", json={"name": "New name"})
        assert renamed.status_code == 200, renamed.text

        patch(tenant, created["id"], {"deleted": True})

        changes = entries(tenant)[0]["detail"]["changes"]
        assert [c for c in changes if c["field"] == "dashboards"] == [
            change("dashboards", "changed", [{"id": board["id"], "name": "New name"}], [])
        ]
