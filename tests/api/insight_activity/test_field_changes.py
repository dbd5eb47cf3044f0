"""The activity log: the changes of each field, and what is not a change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insight_activity.support import change, entries, newest, patch, verbs
from tests.bodies import TRENDS
from tests.tenants import Tenant

FUNNELS = {"kind": "InsightVizNode", "source": {"kind": "FunnelsQuery", "series": []}}


class TestChangesOfEachField:
    def test_a_rename_is_changed_with_before_and_after(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Signups")
        patch(tenant, created["id"], {"name": "Activated signups"})

        entry = newest(tenant, created["id"])

        assert entry["activity"] == "updated"
        assert entry["detail"]["changes"] == [
            change("name", "changed", "Signups", "Activated signups")
        ]

    @pytest.mark.parametrize(("before", "after"), [(1, True), (1, 1.0), (False, 0)])
    def test_a_change_between_values_only_python_deems_equal_is_listed(
        self, tenant: Tenant, before: Any, after: Any
    ) -> None:
        created = tenant.create_insight(name="Typed", filters={"interval": before})
        patch(tenant, created["id"], {"filters": {"interval": after}})

        entry = newest(tenant, created["id"])

        assert entry["activity"] == "updated"
        assert entry["detail"]["changes"] == [
            change("filters", "changed", {"interval": before}, {"interval": after})
        ]
        assert type(entry["detail"]["changes"][0]["after"]["interval"]) is type(after)

    def test_a_first_description_is_created_with_a_null_before(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Pageviews")
        patch(tenant, created["id"], {"description": "Every page, every day"})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "created", None, "Every page, every day")
        ]

    def test_clearing_a_description_with_null_is_deleted_with_a_null_after(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Pageviews", description="Soon gone")
        patch(tenant, created["id"], {"description": None})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "deleted", "Soon gone", None)
        ]

    def test_clearing_a_description_with_an_empty_string_is_deleted_too(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Pageviews", description="Soon blank")
        patch(tenant, created["id"], {"description": ""})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "deleted", "Soon blank", None)
        ]

    def test_a_description_written_after_an_empty_one_is_created_from_null(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Pageviews", description="")
        patch(tenant, created["id"], {"description": "Now it says something"})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "created", None, "Now it says something")
        ]

    def test_a_derived_name_is_tracked(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Named anyway")
        patch(tenant, created["id"], {"derived_name": "Pageview count"})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("derived_name", "created", None, "Pageview count")
        ]

    def test_tags_are_a_sorted_list_of_normalised_strings(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth"])
        patch(tenant, created["id"], {"tags": ["KPI ", "growth", "kpi"]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("tags", "changed", ["growth"], ["growth", "kpi"])
        ]

    def test_first_tags_are_created_and_removing_every_tag_is_deleted(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tag cloud")
        patch(tenant, created["id"], {"tags": ["Revenue", "churn"]})
        patch(tenant, created["id"], {"tags": []})

        removed, added, _ = entries(tenant, created["id"])

        assert added["detail"]["changes"] == [change("tags", "created", None, ["churn", "revenue"])]
        assert removed["detail"]["changes"] == [
            change("tags", "deleted", ["churn", "revenue"], None)
        ]

    def test_favoriting_is_changed_because_false_is_a_real_value(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Favourite thing")
        patch(tenant, created["id"], {"favorited": True})
        patch(tenant, created["id"], {"favorited": False})

        unfavorited, favorited, _ = entries(tenant, created["id"])

        assert favorited["detail"]["changes"] == [change("favorited", "changed", False, True)]
        assert unfavorited["detail"]["changes"] == [change("favorited", "changed", True, False)]

    def test_a_new_query_shows_both_queries(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Shape shifter", query=TRENDS)
        patch(tenant, created["id"], {"query": FUNNELS})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("query", "changed", TRENDS, FUNNELS)
        ]

    def test_first_filters_are_created(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Legacy trends")
        patch(tenant, created["id"], {"filters": {"insight": "TRENDS", "interval": "week"}})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("filters", "created", None, {"insight": "TRENDS", "interval": "week"})
        ]

    def test_several_fields_in_one_patch_are_one_entry_in_model_field_order(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Kitchen sink", query=TRENDS)
        patch(
            tenant,
            created["id"],
            {
                "tags": ["sink"],
                "favorited": True,
                "query": FUNNELS,
                "description": "Everything at once",
                "derived_name": "Funnel of everything",
                "name": "Kitchen sink v2",
            },
        )

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("name", "changed", "Kitchen sink", "Kitchen sink v2"),
            change("derived_name", "created", None, "Funnel of everything"),
            change("description", "created", None, "Everything at once"),
            change("query", "changed", TRENDS, FUNNELS),
            change("favorited", "changed", False, True),
            change("tags", "created", None, ["sink"]),
        ]
        assert len(entries(tenant, created["id"])) == 2


class TestWhatIsNotAChange:
    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({"description": ""}, id="description-null-to-empty-string"),
            pytest.param({"description": None}, id="description-null-to-null"),
            pytest.param({"derived_name": ""}, id="derived-name-null-to-empty-string"),
            pytest.param({"tags": []}, id="tags-empty-to-empty"),
            pytest.param({"tags": ["", "  "]}, id="tags-of-blanks-to-empty"),
            pytest.param({"filters": {}}, id="filters-empty-to-empty"),
            pytest.param({"filters": None}, id="filters-empty-to-null"),
            pytest.param({"dashboards": []}, id="dashboards-none-to-none"),
            pytest.param({"name": "Steady state"}, id="the-same-name"),
            pytest.param({"favorited": False}, id="the-same-favorited"),
            pytest.param({"deleted": False}, id="restoring-a-live-insight"),
            pytest.param({}, id="an-empty-body"),
        ],
    )
    def test_a_patch_with_only_empty_or_equal_values_adds_no_entry(
        self, tenant: Tenant, body: dict[str, Any]
    ) -> None:
        created = tenant.create_insight(name="Steady state")

        patch(tenant, created["id"], body)

        assert verbs(entries(tenant, created["id"])) == ["created"]

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({"order": 3}, id="order"),
            pytest.param({"saved": False}, id="saved"),
            pytest.param({"order": 7, "saved": False}, id="order-and-saved"),
            pytest.param(
                {"short_id": "Zz9Zz9Zz", "created_at": "2001-01-01T00:00:00Z", "result": [1]},
                id="read-only-and-unknown-keys",
            ),
        ],
    )
    def test_a_patch_of_excluded_fields_only_adds_no_entry(
        self, tenant: Tenant, body: dict[str, Any]
    ) -> None:
        created = tenant.create_insight(name="Excluded things")

        patch(tenant, created["id"], body)

        assert verbs(entries(tenant, created["id"])) == ["created"]

    def test_excluded_fields_beside_a_tracked_one_are_left_out_of_the_changes(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Mixed bag")

        after = patch(tenant, created["id"], {"name": "Mixed bag v2", "order": 9, "saved": False})

        assert (after["order"], after["saved"]) == (9, False)
        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("name", "changed", "Mixed bag", "Mixed bag v2")
        ]
