"""A project whose clock the test sets, its members and environments, and the shapes the
views of insights answer with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import falcon.testing

from store.backend import Backend
from store.tenancy import Tenancy
from tests.clock import Clock
from tests.tenants import Member, Tenant

# Reference §5.3 (InsightBasic, without `search_match_type` when nothing was searched).
BASIC_KEYS = frozenset(
    {
        "id", "short_id", "name", "derived_name", "filters", "query", "dashboards",
        "dashboard_tiles", "description", "last_refresh", "refreshing", "saved", "tags",
        "updated_at", "created_by", "created_at", "last_modified_at", "favorited",
        "user_access_level", "last_viewed_at",
    }
)  # fmt: skip

START = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)
EMPTY_TRENDING: dict[str, Any] = {"count": 0, "next": None, "previous": None, "results": []}


# ---------------------------------------------------------------------------------------------
# A project whose clock the test sets, its members and environments


@dataclass
class Project:
    """Ann's project, served by a backend on the shared database with the test's clock."""

    tenant: Tenant
    clock: Clock

    @property
    def client(self) -> falcon.testing.TestClient:
        return self.tenant.client

    @property
    def backend(self) -> Backend:
        return self.tenant.backend

    @property
    def ann(self) -> Member:
        return Member("Ann", self.tenant.user_id, self.tenant.key)

    def member(self, first_name: str) -> Member:
        user_id, key = self.tenant.add_member(first_name)
        return Member(first_name, user_id, key)

    def environment(self, name: str = "Staging") -> int:
        """A second environment of the same project."""
        return Tenancy(self.backend).add_environment(project_id=self.tenant.project_id, name=name)

    def path(self, suffix: str, environment: int | None = None, prefix: str = "projects") -> str:
        return f"/api/{prefix}/{environment or self.tenant.project_id}/{suffix}"

    # Raw calls -------------------------------------------------------------------------------

    def post_viewed(
        self,
        body: Any,
        member: Member | None = None,
        environment: int | None = None,
        prefix: str = "projects",
    ) -> falcon.testing.Result:
        return self.client.simulate_post(
            self.path("insights/viewed", environment, prefix),
            headers=(member or self.ann).headers,
            json=body,
        )

    def get_my_last_viewed(
        self, member: Member | None = None, environment: int | None = None, prefix: str = "projects"
    ) -> falcon.testing.Result:
        return self.client.simulate_get(
            self.path("insights/my_last_viewed", environment, prefix),
            headers=(member or self.ann).headers,
        )

    def get_trending(
        self,
        member: Member | None = None,
        environment: int | None = None,
        prefix: str = "projects",
        **params: str,
    ) -> falcon.testing.Result:
        return self.client.simulate_get(
            self.path("insights/trending", environment, prefix),
            headers=(member or self.ann).headers,
            params=params,
        )

    # Checked calls ---------------------------------------------------------------------------

    def view(
        self,
        *insights: dict[str, Any] | int,
        by: Member | None = None,
        environment: int | None = None,
    ) -> None:
        ids = [item if isinstance(item, int) else item["id"] for item in insights]
        result = self.post_viewed({"insight_ids": ids}, by, environment)
        assert result.status_code == 200, result.text

    def my_last_viewed(
        self, member: Member | None = None, environment: int | None = None
    ) -> list[dict[str, Any]]:
        result = self.get_my_last_viewed(member, environment)
        assert result.status_code == 200, result.text
        assert isinstance(result.json, list)
        return list(result.json)

    def my_last_viewed_names(
        self, member: Member | None = None, environment: int | None = None
    ) -> list[str]:
        return [row["name"] for row in self.my_last_viewed(member, environment)]

    def trending(
        self, member: Member | None = None, environment: int | None = None, **params: str
    ) -> dict[str, Any]:
        result = self.get_trending(member, environment, **params)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def trending_names(
        self, member: Member | None = None, environment: int | None = None, **params: str
    ) -> list[str]:
        return [row["name"] for row in self.trending(member, environment, **params)["results"]]

    def trending_row(
        self, insight: dict[str, Any], member: Member | None = None, environment: int | None = None
    ) -> dict[str, Any]:
        rows = [
            row
            for row in self.trending(member, environment, limit="100")["results"]
            if row["id"] == insight["id"]
        ]
        assert len(rows) == 1, f"{insight['name']} is not trending once: {rows}"
        return rows[0]

    def create(
        self, name: str, by: Member | None = None, environment: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        result = self.client.simulate_post(
            self.path("insights", environment),
            headers=(by or self.ann).headers,
            json={"name": name, **fields},
        )
        assert result.status_code == 201, result.text
        return dict(result.json)

    def patch(
        self, insight: dict[str, Any], by: Member | None = None, **fields: Any
    ) -> dict[str, Any]:
        result = self.client.simulate_patch(
            self.path(f"insights/{insight['id']}"), headers=(by or self.ann).headers, json=fields
        )
        assert result.status_code == 200, result.text
        return dict(result.json)

    def delete(self, insight: dict[str, Any]) -> None:
        self.patch(insight, deleted=True)

    def restore(self, insight: dict[str, Any]) -> None:
        self.patch(insight, deleted=False)

    def never_viewed(self, name: str) -> dict[str, Any]:
        """An insight nobody viewed: created deleted (no creator view), then restored."""
        created = self.create(name, deleted=True)
        return self.patch(created, deleted=False)

    def listing(self, **params: str) -> list[dict[str, Any]]:
        result = self.tenant.get("insights", params=params)
        assert result.status_code == 200, result.text
        return list(result.json["results"])

    def listed_names(self, **params: str) -> list[str]:
        return [row["name"] for row in self.listing(**params)]

    def user_basic(self, member: Member) -> dict[str, Any]:
        """The member's UserBasic, as the API shows it in `last_modified_by` of an edit."""
        probe = self.never_viewed(f"Probe of {member.name} {uuid.uuid4().hex[:6]}")
        edited = self.patch(probe, by=member, description="touched")
        self.delete(probe)
        return dict(edited["last_modified_by"])
