"""Elements: the scopes a key needs, and keys limited to a project."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.elements.support import call, listed, listed_ids
from tests.bodies import NOT_AUTHENTICATED, missing_scope, no_project_access
from tests.tenants import Tenant

# --------------------------------------------------------------------------------------------
# Scopes and tenancy
# --------------------------------------------------------------------------------------------


class TestScopes:
    @pytest.mark.parametrize("scopes", [["element:read"], ["element:write"], ["*"],
                                        ["insight:read", "element:read"]])  # fmt: skip
    def test_a_key_that_can_read_elements_lists_and_retrieves(
        self, tenant: Tenant, buy_button: dict[str, Any], scopes: list[str]
    ) -> None:
        key = tenant.key_with(scopes)

        listed_result = call(tenant, "GET", "elements", key=key)
        retrieved = call(tenant, "GET", f"elements/{buy_button['id']}", key=key)

        assert listed_result.status_code == 200
        assert listed_result.json["results"] == [buy_button]
        assert retrieved.status_code == 200
        assert retrieved.json == buy_button

    def test_an_element_write_key_creates_updates_and_deletes(self, tenant: Tenant) -> None:
        key = tenant.key_with(["element:write"])

        created = call(tenant, "POST", "elements", key=key, json={"text": "Writer"})
        path = f"elements/{created.json['id']}"
        patched = call(tenant, "PATCH", path, key=key, json={"text": "Rewriter"})
        replaced = call(tenant, "PUT", path, key=key, json={"order": 2})
        deleted = call(tenant, "DELETE", path, key=key)

        assert [r.status_code for r in (created, patched, replaced, deleted)] == [
            201,
            200,
            200,
            204,
        ]
        assert replaced.json["text"] == "Rewriter"
        assert listed_ids(tenant) == []

    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("POST", "elements"), ("PATCH", "{id}"), ("PUT", "{id}"), ("DELETE", "{id}")],
    )
    def test_a_read_only_key_cannot_write(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str, suffix: str
    ) -> None:
        key = tenant.key_with(["element:read"])
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=key, json={"text": "Vandalised"})

        assert result.status_code == 403
        assert result.json == missing_scope("element:write")
        assert listed(tenant)["results"] == [buy_button]

    def test_the_scope_is_checked_before_the_body_is_validated(self, tenant: Tenant) -> None:
        key = tenant.key_with(["element:read"])

        result = call(tenant, "POST", "elements", key=key, json={"nth_child": "abc"})

        assert result.status_code == 403
        assert result.json == missing_scope("element:write")

    def test_the_scope_is_checked_before_the_element_is_looked_up(self, tenant: Tenant) -> None:
        key = tenant.key_with(["element:read"])

        result = call(tenant, "DELETE", "elements/987654321", key=key)

        assert result.status_code == 403
        assert result.json == missing_scope("element:write")

    @pytest.mark.parametrize(
        "scopes",
        [["insight:read"], ["insight:write"],
         ["insight:read", "insight:write", "dashboard:write", "activity_log:read"]],
    )  # fmt: skip
    @pytest.mark.parametrize(
        ("method", "suffix", "scope"),
        [
            ("GET", "elements", "element:read"),
            ("GET", "{id}", "element:read"),
            ("POST", "elements", "element:write"),
            ("PATCH", "{id}", "element:write"),
            ("PUT", "{id}", "element:write"),
            ("DELETE", "{id}", "element:write"),
        ],
    )
    def test_keys_without_an_element_scope_are_refused(
        self,
        tenant: Tenant,
        buy_button: dict[str, Any],
        scopes: list[str],
        method: str,
        suffix: str,
        scope: str,
    ) -> None:
        key = tenant.key_with(scopes)
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=key, json={"text": "Sneaky"})

        assert result.status_code == 403
        assert result.json == missing_scope(scope)
        assert listed(tenant)["results"] == [buy_button]

    def test_no_credentials_is_401(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_get(tenant.path("elements"))

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED

    def test_no_credentials_cannot_create(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(tenant.path("elements"), json={"text": "Anon"})

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED
        assert listed(tenant)["count"] == 0


class TestProjectLimitedKeys:
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("GET", "elements"), ("GET", "{id}"), ("POST", "elements"), ("PATCH", "{id}"),
         ("PUT", "{id}"), ("DELETE", "{id}")],
    )  # fmt: skip
    def test_a_key_limited_to_another_project_is_refused_naming_the_project(
        self,
        tenant: Tenant,
        buy_button: dict[str, Any],
        second_project: int,
        method: str,
        suffix: str,
    ) -> None:
        key = tenant.key_with(["element:write"], projects=[second_project])
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=key, json={"text": "Smuggled"})

        assert result.status_code == 403
        assert result.json == no_project_access(tenant.project_id)
        assert listed(tenant)["results"] == [buy_button]

    def test_a_key_limited_to_a_project_works_there(
        self, tenant: Tenant, second_project: int
    ) -> None:
        key = tenant.key_with(["element:write"], projects=[second_project])

        created = call(
            tenant, "POST", "elements", key=key, project_id=second_project, json={"text": "Side"}
        )

        assert created.status_code == 201, created.text
        assert listed_ids(tenant, project_id=second_project) == [created.json["id"]]
        assert listed_ids(tenant) == []
