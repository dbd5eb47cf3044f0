"""Routes, bodies and envelopes shared by the API convention tests."""

from __future__ import annotations

import falcon.testing

from api.schemas.insights import InsightListParams, InsightWrite
from tests.tenants import Tenant

ENVELOPE_KEYS = {"type", "code", "detail", "attr"}


def fill(tenant: Tenant, route: str) -> str:
    if "{insight}" in route:
        route = route.replace("{insight}", str(tenant.create_insight(name="Target practice")["id"]))
    if "{dashboard}" in route:
        route = route.replace(
            "{dashboard}", str(tenant.create_dashboard(name="Target board")["id"])
        )
    return route


def problems(result: falcon.testing.Result) -> list[str]:
    """What is wrong with an answer to a client mistake: a 5xx, or a 4xx without the envelope."""
    if result.status_code >= 500:
        return [f"{result.status_code}: {result.text[:160]}"]
    if result.status_code >= 400 and result.content:
        body = result.json
        if not isinstance(body, dict) or set(body) != ENVELOPE_KEYS:
            return [f"{result.status_code} without the envelope: {result.text[:160]}"]
    return []


def own_values(tenant: Tenant) -> dict[str, object]:
    return {
        "project_id": tenant.project_id,
        "insight_id": tenant.create_insight(name="Own insight")["id"],
        "dashboard_id": tenant.create_dashboard(name="Own board")["id"],
        "element_id": tenant.post("elements", json={"tag_name": "a"}).json["id"],
    }


INSIGHT_FIELDS = sorted(InsightWrite.model_fields)
INSIGHT_LIST_PARAMS = sorted(set(InsightListParams.model_fields) - {"format"})
