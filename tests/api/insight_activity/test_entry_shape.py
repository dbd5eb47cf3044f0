"""The activity log: the shape of an entry, the system actor, and unnamed insights."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid5

from domain.ids import NAMESPACE
from domain.insight import Insight
from store.insights import InsightCommands
from tests.api.insight_activity.support import (
    SPRING,
    Clocked,
    activity,
    change,
    entries,
    patch,
    verbs,
)
from tests.bodies import TRENDS
from tests.tenants import Tenant

SYSTEM_USER = {"first_name": "System", "email": None, "is_system": True}


def entry_id(insight_id: int, version: int) -> str:
    """Issue 4: an entry's id is uuid5(NAMESPACE, "<insight stream id>/<version>")."""
    return str(uuid5(NAMESPACE, f"{Insight.create_id(insight_id)}/{version}"))


# ---------------------------------------------------------------------------------------------


class TestTheEntryShape:
    def test_a_new_insight_has_one_created_entry_exactly_as_posthog_shapes_it(
        self, clocked: Clocked
    ) -> None:
        clocked.clock.now = SPRING
        ann = clocked.tenants.create("Ann")
        created = ann.create_insight(name="Weekly signups", query=TRENDS, tags=["growth"])

        result = activity(ann, created["id"])

        assert result.status_code == 200
        assert result.json == {
            "results": [
                {
                    "id": entry_id(created["id"], 1),
                    "user": {"first_name": "Ann", "email": ann.email},
                    "activity": "created",
                    "scope": "Insight",
                    "item_id": str(created["id"]),
                    "detail": {
                        "changes": None,
                        "trigger": None,
                        "name": "Weekly signups",
                        "short_id": created["short_id"],
                        "type": None,
                    },
                    "created_at": "2024-03-15T12:00:00Z",
                }
            ],
            "next": None,
            "previous": None,
            "total_count": 1,
        }

    def test_an_update_entry_has_the_exact_shape_with_its_changes(self, clocked: Clocked) -> None:
        clocked.clock.now = SPRING
        ann = clocked.tenants.create("Ann")
        created = ann.create_insight(name="Weekly signups")
        clocked.clock.now = SPRING + timedelta(minutes=5, microseconds=250)
        patch(ann, created["id"], {"name": "Weekly activations"})

        result = activity(ann, created["id"])

        assert result.status_code == 200
        assert result.json["results"][0] == {
            "id": entry_id(created["id"], 2),
            "user": {"first_name": "Ann", "email": ann.email},
            "activity": "updated",
            "scope": "Insight",
            "item_id": str(created["id"]),
            "detail": {
                "changes": [change("name", "changed", "Weekly signups", "Weekly activations")],
                "trigger": None,
                "name": "Weekly activations",
                "short_id": created["short_id"],
                "type": None,
            },
            "created_at": "2024-03-15T12:05:00.000250Z",
        }
        assert result.json["total_count"] == 2

    def test_the_item_id_is_the_numeric_id_as_a_string_even_when_addressed_by_short_id(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Short and sweet")

        by_short_id = activity(tenant, created["short_id"])
        by_id = activity(tenant, created["id"])

        assert by_short_id.status_code == 200
        assert by_short_id.json == by_id.json
        assert by_short_id.json["results"][0]["item_id"] == str(created["id"])

    def test_an_entry_keeps_its_id_on_every_read_and_in_the_project_feed(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Stable ids")
        patch(tenant, created["id"], {"description": "Does not move"})

        first = [item["id"] for item in entries(tenant, created["id"])]
        second = [item["id"] for item in entries(tenant, created["id"])]
        feed = [item["id"] for item in entries(tenant)]

        assert first == second == feed
        assert first == [entry_id(created["id"], 2), entry_id(created["id"], 1)]

    def test_the_user_is_whoever_made_the_change_with_only_first_name_and_email(
        self, tenant: Tenant
    ) -> None:
        bea_id, bea_key = tenant.add_member("Bea")
        created = tenant.create_insight(name="Shared funnel")
        renamed = tenant.client.simulate_patch(
            tenant.path(f"insights/{created['id']}"),
            headers={"Authorization": f"Bearer {bea_key}"},
            json={"name": "Bea's funnel"},
        )
        assert renamed.status_code == 200, renamed.text
        bea = renamed.json["last_modified_by"]
        assert bea["id"] == bea_id

        users = [item["user"] for item in entries(tenant, created["id"])]

        assert users == [
            {"first_name": "Bea", "email": bea["email"]},
            {"first_name": "Ann", "email": tenant.email},
        ]

    def test_detail_name_is_the_name_at_the_time_of_each_change(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="First draft")
        patch(tenant, created["id"], {"description": "Still a draft"})
        patch(tenant, created["id"], {"name": "Final cut"})

        names = [item["detail"]["name"] for item in entries(tenant, created["id"])]

        assert names == ["Final cut", "First draft", "First draft"]

    def test_a_trailing_slash_serves_the_same_page(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Slash fiction")

        plain = activity(tenant, created["id"])
        slashed = activity(tenant, created["id"], slash="/")

        assert slashed.status_code == 200
        assert slashed.json == plain.json

    def test_csv_gives_one_row_per_entry_with_flattened_columns(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Spreadsheet")
        patch(tenant, created["id"], {"name": "Spreadsheet v2"})

        result = activity(tenant, created["id"], params={"format": "csv"})

        assert result.status_code == 200
        assert result.headers["content-type"].startswith("text/csv")
        lines = result.text.strip().splitlines()
        header = lines[0].split(",")
        assert header == sorted(header)
        assert {"activity", "detail.name", "user.email", "detail.changes.0.field"} <= set(header)
        assert len(lines) == 3
        assert lines[1].startswith("updated,") and lines[2].startswith("created,")


class TestSystemActor:
    def test_a_change_without_an_actor_shows_the_system_user(self, tenant: Tenant) -> None:
        # No API request changes an insight without a user: the command is called directly, as
        # a background job would.
        created = tenant.create_insight(name="Nightly job target")
        InsightCommands(tenant.backend).update(
            project_id=tenant.project_id,
            environment_id=tenant.project_id,
            actor_id=None,  # type: ignore[arg-type]
            insight_id=created["id"],
            values={"description": "Refreshed by the nightly job"},
        )

        history = entries(tenant, created["id"])

        assert history[0] == {
            "id": entry_id(created["id"], 2),
            "user": SYSTEM_USER,
            "activity": "updated",
            "scope": "Insight",
            "item_id": str(created["id"]),
            "detail": {
                "changes": [change("description", "created", None, "Refreshed by the nightly job")],
                "trigger": None,
                "name": "Nightly job target",
                "short_id": created["short_id"],
                "type": None,
            },
            "created_at": history[0]["created_at"],
        }
        assert history[1]["user"] == {"first_name": "Ann", "email": tenant.email}
        assert entries(tenant)[0]["user"] == SYSTEM_USER


class TestUnnamedInsights:
    def test_an_insight_with_only_a_derived_name_is_logged_under_it(self, tenant: Tenant) -> None:
        created = tenant.create_insight(derived_name="Pageview count", query=TRENDS)
        patch(tenant, created["id"], {"description": "Auto-named"})

        history = entries(tenant, created["id"])

        assert verbs(history) == ["updated", "created"]
        assert [item["detail"]["name"] for item in history] == ["Pageview count"] * 2

    def test_an_insight_with_neither_name_nor_derived_name_is_still_logged(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(query=TRENDS)
        patch(tenant, created["id"], {"favorited": True})

        history = entries(tenant, created["id"])

        assert verbs(history) == ["updated", "created"]
        assert [item["detail"]["name"] for item in history] == [None, None]
        assert [item["item_id"] for item in entries(tenant)] == [str(created["id"])] * 2

    def test_naming_an_unnamed_insight_switches_detail_name_to_the_name(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(derived_name="Pageview count")
        patch(tenant, created["id"], {"name": "Pageviews that matter"})
        patch(tenant, created["id"], {"name": ""})

        history = entries(tenant, created["id"])

        assert [item["detail"]["name"] for item in history] == [
            "Pageview count",
            "Pageviews that matter",
            "Pageview count",
        ]
        assert history[1]["detail"]["changes"] == [
            change("name", "created", None, "Pageviews that matter")
        ]
        assert history[0]["detail"]["changes"] == [
            change("name", "deleted", "Pageviews that matter", None)
        ]
