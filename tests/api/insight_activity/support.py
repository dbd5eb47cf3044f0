"""Helpers of the insights' activity log tests: reading entries, patching insights, a
hand-set clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import falcon.testing

from store.backend import Backend
from tests.clock import Clock
from tests.tenants import Tenant, TenantFactory

SPRING = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)


def change(field: str, action: str, before: Any, after: Any) -> dict[str, Any]:
    return {"type": "Insight", "action": action, "field": field, "before": before, "after": after}


def activity(
    tenant: Tenant,
    insight: Any = None,
    *,
    key: str | None = None,
    prefix: str = "projects",
    project_id: int | None = None,
    params: dict[str, str] | None = None,
    slash: str = "",
) -> falcon.testing.Result:
    """GET the activity of one insight (an id or short_id), or the project feed when None."""
    target = tenant.project_id if project_id is None else project_id
    suffix = "insights/activity" if insight is None else f"insights/{insight}/activity"
    return tenant.client.simulate_get(
        f"/api/{prefix}/{target}/{suffix}{slash}",
        headers={"Authorization": f"Bearer {key or tenant.key}"},
        params=params,
    )


def entries(tenant: Tenant, insight: Any = None, **kwargs: Any) -> list[dict[str, Any]]:
    """Every entry of the route on one page, newest first."""
    result = activity(tenant, insight, params={"limit": "1000"}, **kwargs)
    assert result.status_code == 200, result.text
    assert result.json["total_count"] == len(result.json["results"])
    return list(result.json["results"])


def newest(tenant: Tenant, insight: Any) -> dict[str, Any]:
    return entries(tenant, insight)[0]


def patch(tenant: Tenant, insight_id: int, body: dict[str, Any]) -> dict[str, Any]:
    result = tenant.patch(f"insights/{insight_id}", json=body)
    assert result.status_code == 200, result.text
    return dict(result.json)


def verbs(items: list[dict[str, Any]]) -> list[str]:
    return [item["activity"] for item in items]


@dataclass
class Clocked:
    """A backend whose every event takes the time of `clock`, with tenants on it."""

    backend: Backend
    clock: Clock
    tenants: TenantFactory
