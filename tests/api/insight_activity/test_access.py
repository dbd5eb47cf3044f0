"""The activity log: scopes, another organization, and environments."""

from __future__ import annotations

import pytest

from store.tenancy import Tenancy
from tests.api.insight_activity.support import activity, change, entries, patch, verbs
from tests.bodies import (
    NOT_A_MEMBER,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    PROJECT_NOT_FOUND,
    missing_scope,
    no_project_access,
)
from tests.tenants import Tenant, TenantFactory

MISSING_ACTIVITY_SCOPE = missing_scope("activity_log:read")


@pytest.fixture
def staging(tenant: Tenant) -> int:
    """A second environment of the tenant's project."""
    return Tenancy(tenant.backend).add_environment(project_id=tenant.project_id, name="Staging")


@pytest.fixture
def mallory(tenants: TenantFactory) -> Tenant:
    """Another organization's member with a `*` key and an insight of her own."""
    attacker = tenants.create("Mallory")
    attacker.create_insight(name="Mallory's own funnel")
    return attacker


class TestScopes:
    def test_a_key_with_every_other_scope_is_refused_on_both_routes_and_prefixes(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Guarded")
        key = tenant.key_with(["insight:write", "dashboard:write", "element:write"])

        results = [
            activity(tenant, insight, key=key, prefix=prefix)
            for prefix in ("projects", "environments")
            for insight in (created["id"], created["short_id"], None)
        ]

        assert [(r.status_code, r.json) for r in results] == [(403, MISSING_ACTIVITY_SCOPE)] * 6

    def test_an_insight_read_key_is_refused(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Read only")
        key = tenant.key_with(["insight:read"])

        result = activity(tenant, created["id"], key=key)

        assert result.status_code == 403
        assert result.json == MISSING_ACTIVITY_SCOPE

    @pytest.mark.parametrize("scope", ["activity_log:read", "activity_log:write", "*"])
    def test_an_activity_log_key_reads_both_routes(self, tenant: Tenant, scope: str) -> None:
        created = tenant.create_insight(name="Auditable")
        key = tenant.key_with([scope])

        own = activity(tenant, created["id"], key=key)
        feed = activity(tenant, key=key)

        assert (own.status_code, feed.status_code) == (200, 200)
        assert verbs(own.json["results"]) == ["created"]
        assert [item["item_id"] for item in feed.json["results"]] == [str(created["id"])]

    def test_an_activity_log_key_cannot_revert(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Read but not write")
        key = tenant.key_with(["activity_log:write"])

        result = tenant.client.simulate_post(
            tenant.path(f"insights/{created['id']}/revert"),
            headers={"Authorization": f"Bearer {key}"},
            json={"version": 1},
        )

        assert result.status_code == 403
        assert result.json == missing_scope("insight:write")

    def test_no_credentials_is_401(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Anonymous visitor")

        results = [
            tenant.client.simulate_get(tenant.path(f"insights/{created['id']}/activity")),
            tenant.client.simulate_get(tenant.path("insights/activity")),
        ]

        assert [(r.status_code, r.json) for r in results] == [(401, NOT_AUTHENTICATED)] * 2

    def test_a_key_limited_to_another_project_is_refused_naming_the_project(
        self, tenant: Tenant, second_project: int
    ) -> None:
        created = tenant.create_insight(name="Fenced")
        key = tenant.key_with(["activity_log:read"], projects=[second_project])

        own = activity(tenant, created["id"], key=key)
        feed = activity(tenant, key=key)
        side_feed = activity(tenant, key=key, project_id=second_project)

        assert (own.status_code, own.json) == (403, no_project_access(tenant.project_id))
        assert (feed.status_code, feed.json) == (403, no_project_access(tenant.project_id))
        assert side_feed.status_code == 200
        assert side_feed.json["results"] == []


class TestAnotherOrganization:
    def test_its_key_is_refused_on_the_victims_routes_without_leaking(
        self, tenant: Tenant, staging: int, mallory: Tenant
    ) -> None:
        created = tenant.create_insight(name="Vera's secret funnel", description="Top secret")
        patch(tenant, created["id"], {"tags": ["classified"]})

        results = [
            activity(tenant, insight, key=mallory.key, prefix=prefix, project_id=project_id)
            for prefix in ("projects", "environments")
            for project_id in (tenant.project_id, staging)
            for insight in (created["id"], created["short_id"], None)
        ]

        assert [(r.status_code, r.json) for r in results] == [(403, NOT_A_MEMBER)] * 12
        for result in results:
            assert "secret" not in result.text and tenant.email not in result.text

    @pytest.mark.parametrize("address", ["id", "short_id"])
    def test_the_victims_insight_through_ones_own_project_is_404(
        self, tenant: Tenant, mallory: Tenant, address: str
    ) -> None:
        created = tenant.create_insight(name="Vera's secret funnel")

        result = activity(mallory, created[address])

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_ones_own_feed_never_holds_the_victims_entries(
        self, tenant: Tenant, mallory: Tenant
    ) -> None:
        created = tenant.create_insight(name="Vera's secret funnel")
        patch(tenant, created["id"], {"deleted": True})

        feed = entries(mallory)

        assert [item["detail"]["name"] for item in feed] == ["Mallory's own funnel"]
        assert str(created["id"]) not in {item["item_id"] for item in feed}

    @pytest.mark.parametrize("project", ["9000000000", "abc"])
    def test_an_unknown_project_is_404(self, tenant: Tenant, project: str) -> None:
        result = tenant.client.simulate_get(
            f"/api/projects/{project}/insights/activity", headers=tenant.headers
        )

        assert result.status_code == 404
        assert result.json == PROJECT_NOT_FOUND

    def test_an_unknown_insight_is_404(self, tenant: Tenant) -> None:
        results = [activity(tenant, key) for key in ("9000000000", "NoSuchId")]

        assert [(r.status_code, r.json) for r in results] == [(404, NOT_FOUND)] * 2


class TestEnvironments:
    def test_the_environments_prefix_of_the_primary_environment_serves_the_same_entries(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Two doors")
        patch(tenant, created["id"], {"name": "Two doors, one room"})

        assert entries(tenant, created["id"], prefix="environments") == entries(
            tenant, created["id"]
        )
        assert entries(tenant, prefix="environments") == entries(tenant)

    def test_changes_made_through_another_environment_show_only_there(
        self, tenant: Tenant, staging: int
    ) -> None:
        created = tenant.create_insight(name="Production insight")
        via_staging = tenant.client.simulate_patch(
            f"/api/environments/{staging}/insights/{created['id']}",
            headers=tenant.headers,
            json={"description": "Edited in staging"},
        )
        assert via_staging.status_code == 200, via_staging.text

        primary = entries(tenant, created["id"])
        in_staging = entries(tenant, created["id"], prefix="environments", project_id=staging)

        assert verbs(primary) == ["created"]
        assert [(item["activity"], item["detail"]["changes"]) for item in in_staging] == [
            ("updated", [change("description", "created", None, "Edited in staging")])
        ]
        assert entries(tenant, prefix="environments", project_id=staging) == in_staging
        assert verbs(entries(tenant)) == ["created"]

    def test_an_insight_created_in_another_environment_has_no_entries_in_the_primary_one(
        self, tenant: Tenant, staging: int
    ) -> None:
        created = tenant.client.simulate_post(
            f"/api/environments/{staging}/insights",
            headers=tenant.headers,
            json={"name": "Born in staging"},
        )
        assert created.status_code == 201, created.text

        primary = activity(tenant, created.json["id"])
        in_staging = entries(tenant, created.json["id"], prefix="environments", project_id=staging)

        assert primary.status_code == 200
        assert primary.json == {"results": [], "next": None, "previous": None, "total_count": 0}
        assert verbs(in_staging) == ["created"]

    def test_the_project_feed_shows_only_its_own_projects_insights(
        self, tenant: Tenant, tenants: TenantFactory
    ) -> None:
        neighbour = tenants.create("Ned")
        mine = tenant.create_insight(name="Mine")
        neighbour.create_insight(name="Ned's")
        patch(tenant, mine["id"], {"favorited": True})

        assert [(item["item_id"], item["activity"]) for item in entries(tenant)] == [
            (str(mine["id"]), "updated"),
            (str(mine["id"]), "created"),
        ]
        assert [item["detail"]["name"] for item in entries(neighbour)] == ["Ned's"]
