"""Bodies, calls and read-backs shared by the element CRUD tests."""

from __future__ import annotations

from typing import Any

import falcon.testing

from tests.bodies import ELEMENT_FIELDS
from tests.tenants import Tenant

SHAPE = ["id", *ELEMENT_FIELDS]
BUY_BUTTON: dict[str, Any] = {
    "text": "Buy now",
    "tag_name": "button",
    "attr_class": ["btn", "btn-primary"],
    "href": "/checkout",
    "attr_id": "buy-now",
    "nth_child": 2,
    "nth_of_type": 1,
    "attributes": {"attr__data-attr": "buy-button", "attr__aria-label": "Buy"},
    "order": 0,
}
INT32_MAX = 2_147_483_647
INT32_MIN = -2_147_483_648

NOT_AN_INTEGER = "A valid integer is required."


def invalid(code: str, detail: str, attr: str | None) -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


def too_long(attr: str, limit: int) -> dict[str, Any]:
    return invalid("max_length", f"Ensure this field has no more than {limit} characters.", attr)


def call(
    tenant: Tenant,
    method: str,
    suffix: str,
    *,
    key: str | None = None,
    prefix: str = "projects",
    project_id: int | None = None,
    **kwargs: Any,
) -> falcon.testing.Result:
    """A request to `suffix` of the tenant's project (or `project_id`) with `key` (default:
    the tenant's own `*` key)."""
    target = tenant.project_id if project_id is None else project_id
    headers = {"Authorization": f"Bearer {key or tenant.key}", **kwargs.pop("headers", {})}
    return tenant.client.simulate_request(
        method, f"/api/{prefix}/{target}/{suffix.lstrip('/')}", headers=headers, **kwargs
    )


def create(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    result = tenant.post("elements", json=fields)
    assert result.status_code == 201, result.text
    return dict(result.json)


def retrieve(tenant: Tenant, element: dict[str, Any]) -> dict[str, Any]:
    result = tenant.get(f"elements/{element['id']}")
    assert result.status_code == 200, result.text
    return dict(result.json)


def listed(tenant: Tenant, **params: str) -> dict[str, Any]:
    result = tenant.get("elements", params=params)
    assert result.status_code == 200, result.text
    return dict(result.json)


def listed_ids(tenant: Tenant, project_id: int | None = None) -> list[int]:
    result = call(tenant, "GET", "elements", project_id=project_id)
    assert result.status_code == 200, result.text
    return [row["id"] for row in result.json["results"]]
