"""Helpers of the insights list tests (and of test_insights_flag_filters and
test_insights_search_text): listing, creating and patching insights, a hand-set clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.tenants import Tenant

# Reference §5.3 (InsightBasic).
BASIC_KEYS = frozenset(
    {
        "id", "short_id", "name", "derived_name", "filters", "query", "dashboards",
        "dashboard_tiles", "description", "last_refresh", "refreshing", "saved", "tags",
        "updated_at", "created_by", "created_at", "last_modified_at", "favorited",
        "user_access_level", "last_viewed_at",
    }
)  # fmt: skip

HOST = "insights.example.com"
START = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Helpers


def listing(tenant: Tenant, **params: str) -> dict[str, Any]:
    result = tenant.get("insights", params=params)
    assert result.status_code == 200, result.text
    return dict(result.json)


def names(tenant: Tenant, **params: str) -> list[str | None]:
    return [row["name"] for row in listing(tenant, **params)["results"]]


def name_set(tenant: Tenant, **params: str) -> set[str | None]:
    return set(names(tenant, **params))


def patch_insight(tenant: Tenant, insight: dict[str, Any], **fields: Any) -> dict[str, Any]:
    result = tenant.patch(f"insights/{insight['id']}", json=fields)
    assert result.status_code == 200, result.text
    return dict(result.json)


def _row(tenant: Tenant, name: str) -> dict[str, Any]:
    """The listed insight called `name`."""
    (row,) = [row for row in listing(tenant)["results"] if row["name"] == name]
    return dict(row)
