"""Helpers of the tests of creating, retrieving and changing insights: retrieve, patch, a
hand-set clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.tenants import Tenant

TRENDS = {
    "kind": "InsightVizNode",
    "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]},
}
START = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)
FULL_KEYS = frozenset(
    {
        "id", "short_id", "name", "derived_name", "filters", "query", "dashboards",
        "dashboard_tiles", "description", "last_refresh", "refreshing", "saved", "tags",
        "updated_at", "created_by", "created_at", "last_modified_at", "favorited",
        "user_access_level", "last_viewed_at", "order", "deleted", "cache_target_age",
        "next_allowed_client_refresh", "result", "hasMore", "columns", "last_modified_by",
        "is_sample", "effective_restriction_level", "effective_privilege_level", "timezone",
        "is_cached", "query_status", "hogql", "types", "resolved_date_range", "alerts",
        "filters_hash",
    }
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Helpers


def retrieve(tenant: Tenant, insight: dict[str, Any]) -> dict[str, Any]:
    result = tenant.get(f"insights/{insight['id']}")
    assert result.status_code == 200, result.text
    return dict(result.json)


def patch(tenant: Tenant, insight: dict[str, Any], **fields: Any) -> dict[str, Any]:
    result = tenant.patch(f"insights/{insight['id']}", json=fields)
    assert result.status_code == 200, result.text
    return dict(result.json)


def listed_names(tenant: Tenant) -> list[str | None]:
    return [row["name"] for row in tenant.get("insights").json["results"]]
