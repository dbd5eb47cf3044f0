"""NUL characters in bodies, filters and ids are never a 500."""

from __future__ import annotations

from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend
from tests.api.conventions.support import fill, problems
from tests.bodies import NOT_FOUND
from tests.tenants import Tenant, TenantFactory

# NUL characters: PostgreSQL text cannot hold them, so each case gets a brand-new database
# (a failure here must not poison the database the other tests share).

NUL_WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "insights", {"name": "nul\x00name"}),
    ("POST", "insights", {"description": "nul\x00description"}),
    ("POST", "insights", {"derived_name": "nul\x00derived"}),
    ("POST", "insights", {"tags": ["nul\x00tag"]}),
    ("POST", "insights", {"filters": {"nul\x00key": "value"}}),
    ("POST", "insights", {"filters": {"insight": "TRENDS\x00"}}),
    (
        "POST",
        "insights",
        {
            "query": {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "TrendsQuery",
                    "series": [{"kind": "EventsNode", "event": "nul\x00"}],
                },
            }
        },
    ),
    ("PATCH", "insights/{insight}", {"name": "nul\x00patched"}),
    ("POST", "dashboards", {"name": "nul\x00board"}),
    ("POST", "dashboards", {"description": "nul\x00board notes"}),
    ("PATCH", "dashboards/{dashboard}", {"name": "nul\x00board patched"}),
]


@pytest.fixture
def fresh_tenants(fresh_backend: Backend) -> TenantFactory:
    return TenantFactory(fresh_backend, falcon.testing.TestClient(create_app(fresh_backend)))


class TestNulCharacters:
    @pytest.mark.parametrize(
        ("method", "route", "body"),
        NUL_WRITES,
        ids=[f"{m} {r} {next(iter(b))}" for m, r, b in NUL_WRITES],
    )
    def test_a_nul_character_is_answered_without_a_500_and_later_writes_still_work(
        self, fresh_tenants: TenantFactory, method: str, route: str, body: dict[str, Any]
    ) -> None:
        nina = fresh_tenants.create("Nina")
        path = fill(nina, route)
        other = fresh_tenants.create("Otto")

        result = nina.client.simulate_request(
            method, nina.path(path), headers=nina.headers, json=body
        )
        later = other.post("insights", json={"name": "Life goes on"})

        assert (result.status_code < 500, later.status_code) == (True, 201), result.text

    @pytest.mark.parametrize("param", ["short_id", "search", "insight", "tags", "created_by"])
    def test_a_nul_character_in_a_list_filter_is_not_a_500(
        self, tenant: Tenant, param: str
    ) -> None:
        value = '["nul\\u0000"]' if param == "tags" else "nul\x00"

        result = tenant.get("insights", params={param: value})

        assert problems(result) == []

    @pytest.mark.parametrize("route", ["insights", "dashboards"])
    def test_a_nul_character_in_an_object_id_is_404(self, tenant: Tenant, route: str) -> None:
        result = tenant.get(f"{route}/a%00b")

        assert result.status_code == 404
        assert result.json == NOT_FOUND
