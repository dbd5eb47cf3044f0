"""Elements: other organizations, and the projects of one organization, never see each
other's elements."""

from __future__ import annotations

from typing import Any

import pytest

from domain.environment import Environment
from domain.project import Project
from store.tokens import random_token
from tests.api.elements.support import call, create, listed, listed_ids, retrieve
from tests.bodies import NOT_A_MEMBER, NOT_FOUND
from tests.tenants import Tenant, TenantFactory


def sibling_project(tenant: Tenant, name: str = "Ann's second shop") -> int:
    """Another project of the tenant's organization, with the tenant's user as a member
    (Tenancy.bootstrap always makes a new organization, so this mirrors it by hand)."""
    backend = tenant.backend
    at = backend.clock()
    project_id = backend.sequences.next_id("team")
    project = Project.create(
        project_id=project_id,
        organization_id=tenant.organization_id,
        name=name,
        api_token=random_token("phc_"),
        actor_id=None,
        at=at,
    )
    project.add_member(user_id=tenant.user_id, actor_id=None, at=at)
    primary = Environment.create(
        environment_id=project_id, project_id=project_id, name=name, actor_id=None, at=at
    )
    backend.record(project, primary)
    return project_id


class TestOtherOrganizations:
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("GET", "elements"), ("GET", "{id}"), ("POST", "elements"), ("PATCH", "{id}"),
         ("PUT", "{id}"), ("DELETE", "{id}")],
    )  # fmt: skip
    def test_a_key_of_another_organization_is_refused_and_sees_nothing(
        self,
        tenants: TenantFactory,
        tenant: Tenant,
        buy_button: dict[str, Any],
        method: str,
        suffix: str,
    ) -> None:
        stranger = tenants.create("Mallory")
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=stranger.key, json={"text": "Hijacked"})

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER
        assert "Buy now" not in result.text and "buy-button" not in result.text
        assert listed(tenant)["results"] == [buy_button]

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    def test_another_tenants_element_id_in_ones_own_project_is_404(
        self,
        tenants: TenantFactory,
        tenant: Tenant,
        buy_button: dict[str, Any],
        method: str,
    ) -> None:
        stranger = tenants.create("Mallory")

        result = call(stranger, method, f"elements/{buy_button['id']}", json={"text": "Hijacked"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert listed(tenant)["results"] == [buy_button]

    def test_another_tenants_list_never_shows_the_element(
        self, tenants: TenantFactory, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        stranger = tenants.create("Mallory")
        own = create(stranger, text="Mallory's link")

        body = listed(stranger)

        assert body["count"] == 1
        assert body["results"] == [own]
        assert listed(tenant)["results"] == [buy_button]


class TestProjectsOfOneOrganization:
    def test_each_project_lists_only_its_own_elements(self, tenant: Tenant) -> None:
        sibling = sibling_project(tenant)
        own = create(tenant, text="Shop A button")
        theirs = call(tenant, "POST", "elements", project_id=sibling, json={"text": "Shop B"})
        assert theirs.status_code == 201, theirs.text

        assert listed_ids(tenant) == [own["id"]]
        assert listed_ids(tenant, project_id=sibling) == [theirs.json["id"]]

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    def test_an_element_id_of_one_project_is_404_in_the_other(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        sibling = sibling_project(tenant)

        result = call(
            tenant, method, f"elements/{buy_button['id']}", project_id=sibling, json={"text": "X"}
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert retrieve(tenant, buy_button) == buy_button

    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_a_sibling_projects_element_is_404_here(self, tenant: Tenant, method: str) -> None:
        sibling = sibling_project(tenant)
        theirs = call(tenant, "POST", "elements", project_id=sibling, json={"text": "Shop B"})

        result = call(tenant, method, f"elements/{theirs.json['id']}", json={"text": "Crossed"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        again = call(tenant, "GET", f"elements/{theirs.json['id']}", project_id=sibling)
        assert again.json == theirs.json
