"""Elements: routes, that is prefixes, trailing slashes, ids and methods."""

from __future__ import annotations

from typing import Any

import pytest

from store.tenancy import Tenancy
from tests.api.elements.support import call, listed_ids, retrieve
from tests.bodies import NOT_FOUND, method_not_allowed
from tests.tenants import Tenant

# --------------------------------------------------------------------------------------------
# Routes: prefixes, trailing slashes, ids, methods
# --------------------------------------------------------------------------------------------


class TestRoutes:
    def test_create_through_the_environments_prefix_belongs_to_the_project(
        self, tenant: Tenant
    ) -> None:
        result = call(tenant, "POST", "elements", prefix="environments", json={"text": "Env"})

        assert result.status_code == 201, result.text
        assert retrieve(tenant, result.json) == result.json

    def test_every_environment_of_the_project_sees_its_elements(self, tenant: Tenant) -> None:
        staging = Tenancy(tenant.backend).add_environment(
            project_id=tenant.project_id, name="Staging"
        )
        created = call(
            tenant,
            "POST",
            "elements",
            prefix="environments",
            project_id=staging,
            json={"text": "Staged"},
        )
        assert created.status_code == 201, created.text

        retrieved = call(tenant, "GET", f"elements/{created.json['id']}")
        via_staging = call(tenant, "GET", "elements", prefix="environments", project_id=staging)

        assert retrieved.json == created.json
        assert [row["id"] for row in via_staging.json["results"]] == [created.json["id"]]

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT"])
    def test_a_trailing_slash_is_optional_on_an_element(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        result = call(tenant, method, f"elements/{buy_button['id']}/", json={})

        assert result.status_code == 200, result.text
        assert result.json == buy_button

    def test_post_with_a_trailing_slash_creates(self, tenant: Tenant) -> None:
        result = tenant.post("elements/", json={"text": "Slash"})

        assert result.status_code == 201, result.text
        assert listed_ids(tenant) == [result.json["id"]]

    def test_delete_with_a_trailing_slash_deletes(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.delete(f"elements/{buy_button['id']}/")

        assert result.status_code == 204
        assert listed_ids(tenant) == []

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    @pytest.mark.parametrize("element_id", ["buy-now", "1.5", "-1", "0", "987654321", "9" * 19])
    def test_a_non_numeric_or_unknown_id_is_404(
        self, tenant: Tenant, method: str, element_id: str
    ) -> None:
        result = call(tenant, method, f"elements/{element_id}", json={"text": "x"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("PUT", "elements"), ("PATCH", "elements"), ("DELETE", "elements"), ("POST", "{id}")],
    )
    def test_other_methods_are_405(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str, suffix: str
    ) -> None:
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, json={"text": "Nope"})

        assert result.status_code == 405
        assert result.json == method_not_allowed(method)
        assert retrieve(tenant, buy_button) == buy_button
        assert listed_ids(tenant) == [buy_button["id"]]

    def test_an_unknown_project_is_404(self, tenant: Tenant) -> None:
        result = call(tenant, "GET", "elements", project_id=987654321)

        assert result.status_code in (403, 404)
        if result.status_code == 404:
            assert result.json == {**NOT_FOUND, "detail": "Project not found."}

    def test_a_non_numeric_project_is_404(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_get("/api/projects/shop/elements", headers=tenant.headers)

        assert result.status_code == 404
        assert result.json == {**NOT_FOUND, "detail": "Project not found."}
