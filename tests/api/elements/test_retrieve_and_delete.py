"""Elements: retrieve and delete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.elements.support import BUY_BUTTON, SHAPE, call, create, listed
from tests.bodies import NOT_FOUND
from tests.tenants import Tenant

# --------------------------------------------------------------------------------------------
# Retrieve, update, delete
# --------------------------------------------------------------------------------------------


class TestRetrieve:
    def test_retrieve_answers_what_create_answered(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.get(f"elements/{buy_button['id']}")

        assert result.status_code == 200
        assert list(result.json) == SHAPE
        assert result.json == buy_button

    def test_retrieve_through_the_environments_prefix(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = call(tenant, "GET", f"elements/{buy_button['id']}", prefix="environments")

        assert result.status_code == 200
        assert result.json == buy_button


class TestDelete:
    def test_delete_answers_204_with_an_empty_body(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.delete(f"elements/{buy_button['id']}")

        assert result.status_code == 204
        assert result.content == b""

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    def test_a_deleted_element_is_404_afterwards(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        assert tenant.delete(f"elements/{buy_button['id']}").status_code == 204

        result = call(tenant, method, f"elements/{buy_button['id']}", json={"text": "Revived"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_element_is_gone_from_the_list_and_its_count(self, tenant: Tenant) -> None:
        keeper = create(tenant, text="Keeper")
        doomed = create(tenant, text="Doomed")

        tenant.delete(f"elements/{doomed['id']}")

        body = listed(tenant)
        assert body["count"] == 1
        assert body["results"] == [keeper]

    def test_delete_through_the_environments_prefix(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = call(tenant, "DELETE", f"elements/{buy_button['id']}", prefix="environments")

        assert result.status_code == 204
        assert tenant.get(f"elements/{buy_button['id']}").status_code == 404

    def test_a_new_element_after_a_delete_gets_a_new_id(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        tenant.delete(f"elements/{buy_button['id']}")

        assert create(tenant, **BUY_BUTTON)["id"] != buy_button["id"]
