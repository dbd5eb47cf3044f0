"""Test tenants: an organization, a project, a member and a key, with an HTTP client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import falcon.testing

from store.backend import Backend
from store.keys import Keys
from store.tenancy import Tenancy


@dataclass(frozen=True)
class Member:
    """A member of a project and their `*` key."""

    name: str
    user_id: int
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Tenant:
    """A project with one member who holds a key, and helpers to call the API as them."""

    client: falcon.testing.TestClient
    backend: Backend
    email: str
    user_id: int
    organization_id: str
    project_id: int
    key: str
    project_api_key: str
    """The project's public token (phc_…), for the capture endpoints."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def path(self, suffix: str, prefix: str = "projects") -> str:
        return f"/api/{prefix}/{self.project_id}/{suffix.lstrip('/')}"

    def get(self, suffix: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_get(self.path(suffix), headers=self.headers, **kwargs)

    def post(self, suffix: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_post(self.path(suffix), headers=self.headers, **kwargs)

    def patch(self, suffix: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_patch(self.path(suffix), headers=self.headers, **kwargs)

    def delete(self, suffix: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_delete(self.path(suffix), headers=self.headers, **kwargs)

    def create_insight(self, **fields: Any) -> dict[str, Any]:
        result = self.post("insights", json=fields)
        assert result.status_code == 201, result.text
        return result.json

    def capture(self, events: list[dict[str, Any]]) -> falcon.testing.Result:
        """POST the events to /batch/ with this project's token."""
        return self.client.simulate_post(
            "/batch/", json={"api_key": self.project_api_key, "batch": events}
        )

    def create_dashboard(self, **fields: Any) -> dict[str, Any]:
        result = self.post("dashboards", json=fields)
        assert result.status_code == 201, result.text
        return result.json

    def key_with(self, scopes: list[str], projects: list[int] | None = None) -> str:
        """Another key of this member with the given scopes."""
        return Keys(self.backend).create(email=self.email, scopes=scopes, projects=projects).raw_key

    def add_member(self, first_name: str = "Bea") -> tuple[int, str]:
        """A second member of the project with a `*` key: (user id, key)."""
        email = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        user_id = Tenancy(self.backend).add_member(
            email=email, project_id=self.project_id, first_name=first_name, last_name=""
        )
        return user_id, Keys(self.backend).create(email=email, scopes=["*"]).raw_key


class TenantFactory:
    """Creates isolated tenants on a shared database."""

    def __init__(self, backend: Backend, client: falcon.testing.TestClient) -> None:
        self._backend = backend
        self._client = client

    def create(self, first_name: str = "Ann") -> Tenant:
        email = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        created = Tenancy(self._backend).bootstrap(
            email=email,
            first_name=first_name,
            last_name="Tester",
            organization=f"{first_name}'s organization",
            project=f"{first_name}'s project",
        )
        key = Keys(self._backend).create(email=email, scopes=["*"]).raw_key
        return Tenant(
            client=self._client,
            backend=self._backend,
            email=email,
            user_id=created.user_id,
            organization_id=created.organization_id,
            project_id=created.project_id,
            key=key,
            project_api_key=created.project_api_key,
        )
