"""Tenant isolation on every route the router serves, found by walking the router itself."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from domain.scopes import SCOPE_OBJECTS, parse_scopes
from store.backend import Backend
from store.tenancy import Tenancy
from tests.api.served_routes import ServedRoute, object_of, served_routes
from tests.bodies import NOT_A_MEMBER, NOT_AUTHENTICATED, NOT_FOUND, missing_scope
from tests.tenants import Tenant, TenantFactory

WRITE_BODY = {
    "name": "Hijacked by Mallory",
    "description": "pwned",
    "deleted": True,
    "tags": ["pwned"],
}
# The collection segment of a route and the scope object CONTRACT §3 gives it.
SCOPE_OBJECT_OF = {"insights": "insight", "dashboards": "dashboard", "elements": "element"}
# CONTRACT §3: insight actions that are not plain reads or writes.
ACTION_SCOPES = {
    "activity": "activity_log:read",
    "trending": "insight:read",
    "viewed": "insight:read",
    "my_last_viewed": "insight:read",
    "cancel": "insight:read",
    "generate_metadata": "insight:write",
    "stats": "element:read",
    "values": "element:read",
}


def expected_scope(template: str, method: str) -> str:
    """The scope CONTRACT §3 requires for `method` on `template`."""
    last = template.rstrip("/").rsplit("/", 1)[-1]
    if last in ACTION_SCOPES:
        return ACTION_SCOPES[last]
    collection = object_of(template)
    assert collection in SCOPE_OBJECT_OF, f"{template}: which scope object is {collection!r}?"
    action = "read" if method in ("GET", "HEAD", "OPTIONS") else "write"
    return f"{SCOPE_OBJECT_OF[collection]}:{action}"


@dataclass
class Victim:
    """A tenant with an insight on a dashboard, a second environment, and the strings that
    must never reach anyone else."""

    tenant: Tenant
    insight: dict[str, Any]
    dashboard: dict[str, Any]
    element: dict[str, Any]
    clicked_text: str
    staging_id: int

    @property
    def markers(self) -> list[str]:
        creator = self.insight["created_by"]
        return [
            self.insight["name"],
            self.insight["description"],
            self.insight["short_id"],
            *self.insight["tags"],
            self.dashboard["name"],
            self.dashboard["description"],
            self.element["text"],
            self.clicked_text,
            self.tenant.email,
            creator["uuid"],
            creator["distinct_id"],
        ]

    def leaked(self, text: str) -> list[str]:
        return [marker for marker in self.markers if marker in text]


@pytest.fixture
def app(backend: Backend) -> falcon.App:
    return create_app(backend)


@pytest.fixture
def routes(app: falcon.App) -> list[ServedRoute]:
    return served_routes(app)


@pytest.fixture
def victim(tenants: TenantFactory) -> Victim:
    tenant = tenants.create("Vera")
    secret = uuid.uuid4().hex[:10]
    dashboard = tenant.create_dashboard(
        name=f"Vera board {secret}", description=f"Vera board notes {secret}"
    )
    insight = tenant.create_insight(
        name=f"Vera funnel {secret}",
        description=f"Vera funnel notes {secret}",
        tags=[f"vera-tag-{secret}"],
        dashboards=[dashboard["id"]],
    )
    element = tenant.post("elements", json={"tag_name": "a", "text": f"Vera link {secret}"})
    assert element.status_code == 201, element.text
    clicked_text = f"Vera button {secret}"
    captured = tenant.capture(
        [
            {
                "event": "$autocapture",
                "distinct_id": "vera",
                "properties": {"$elements": [{"tag_name": "button", "$el_text": clicked_text}]},
            }
        ]
    )
    assert captured.status_code == 200, captured.text
    staging_id = Tenancy(tenant.backend).add_environment(
        project_id=tenant.project_id, name="Staging"
    )
    return Victim(
        tenant=tenant,
        insight=insight,
        dashboard=dashboard,
        element=element.json,
        clicked_text=clicked_text,
        staging_id=staging_id,
    )


@pytest.fixture
def mallory(tenants: TenantFactory) -> Tenant:
    """Another organization's member with a `*` key, who has data of her own."""
    attacker = tenants.create("Mallory")
    attacker.create_insight(name="Mallory's own insight")
    attacker.create_dashboard(name="Mallory's own board")
    return attacker


def victim_paths(route: ServedRoute, victim: Victim) -> list[str]:
    """Every way to address the victim's data on `route`: both environments, ids and short_ids."""
    choices: dict[str, list[object]] = {
        "project_id": [victim.tenant.project_id, victim.staging_id],
        "insight_id": [victim.insight["id"], victim.insight["short_id"]],
        "dashboard_id": [victim.dashboard["id"]],
        "element_id": [victim.element["id"]],
    }
    fields = route.fields
    unknown = [name for name in fields if name not in choices]
    assert not unknown, f"{route.template}: no victim value for {unknown}; teach the test"
    return [
        route.path(dict(zip(fields, values, strict=True)))
        for values in itertools.product(*(choices[name] for name in fields))
    ]


def request(
    client: falcon.testing.TestClient, method: str, path: str, key: str | None
) -> falcon.testing.Result:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = WRITE_BODY if method in ("POST", "PATCH", "PUT") else None
    return client.simulate_request(method, path, headers=headers, json=body)


class TestTheRouteMap:
    def test_the_walk_finds_the_insight_and_dashboard_routes_under_both_prefixes(
        self, routes: list[ServedRoute]
    ) -> None:
        served = {(route.template, method) for route in routes for method in route.methods}

        for prefix in ("/api/projects/{project_id}", "/api/environments/{project_id}"):
            assert {
                (f"{prefix}/insights", "GET"),
                (f"{prefix}/insights", "POST"),
                (f"{prefix}/insights/{{insight_id}}", "GET"),
                (f"{prefix}/insights/{{insight_id}}", "PATCH"),
                (f"{prefix}/insights/{{insight_id}}", "DELETE"),
                (f"{prefix}/dashboards", "GET"),
                (f"{prefix}/dashboards", "POST"),
                (f"{prefix}/dashboards/{{dashboard_id}}", "GET"),
                (f"{prefix}/dashboards/{{dashboard_id}}", "PATCH"),
            } <= served
        assert ("/api/schema", "GET") in served

    def test_every_route_under_one_prefix_is_also_served_under_the_other(
        self, routes: list[ServedRoute]
    ) -> None:
        served = {(route.template, route.methods) for route in routes}
        projects = {
            (t.replace("/api/projects/", "/"), m)
            for t, m in served
            if t.startswith("/api/projects/")
        }
        environments = {
            (t.replace("/api/environments/", "/"), m)
            for t, m in served
            if t.startswith("/api/environments/")
        }

        assert projects == environments


class TestEveryResponderIsAuthorized:
    def test_every_responder_but_the_schema_carries_a_scope_check(
        self, routes: list[ServedRoute]
    ) -> None:
        unguarded = [
            (route.template, method)
            for route in routes
            if not route.is_public
            for method in route.methods
            if not isinstance(getattr(route.responders[method], "required_scope", None), str)
        ]

        assert unguarded == []

    def test_every_declared_scope_is_the_one_the_contract_requires(
        self, routes: list[ServedRoute]
    ) -> None:
        wrong = []
        for route in routes:
            if route.is_public:
                continue
            for method in route.methods:
                declared = getattr(route.responders[method], "required_scope", None)
                if isinstance(declared, str):
                    parse_scopes([declared])
                if declared != expected_scope(route.template, method):
                    wrong.append((route.template, method, declared))

        assert wrong == []

    def test_every_route_refuses_anonymous_callers(
        self, client: falcon.testing.TestClient, routes: list[ServedRoute], victim: Victim
    ) -> None:
        answered = [
            (method, path, result.status_code, result.text)
            for route in routes
            if not route.is_public
            for path in victim_paths(route, victim)
            for method in route.methods
            if (result := request(client, method, path, None)).status_code != 401
            or result.json != NOT_AUTHENTICATED
        ]

        assert answered == []

    def test_every_route_refuses_a_key_without_its_scope(
        self, client: falcon.testing.TestClient, routes: list[ServedRoute], victim: Victim
    ) -> None:
        owner = victim.tenant
        answered = []
        for route in routes:
            if route.is_public:
                continue
            for method in route.methods:
                scope = expected_scope(route.template, method)
                obj = scope.partition(":")[0]
                held = [f"{other}:write" for other in SCOPE_OBJECTS if other != obj]
                if scope.endswith(":write"):
                    held.append(f"{obj}:read")
                key = owner.key_with(held)
                path = victim_paths(route, victim)[0]
                result = request(client, method, path, key)
                if result.status_code != 403 or result.json != missing_scope(scope):
                    answered.append((method, path, held, result.status_code, result.text))

        assert answered == []

    def test_the_schema_is_public(self, client: falcon.testing.TestClient) -> None:
        result = client.simulate_get("/api/schema")

        assert result.status_code == 200
        assert result.json["openapi"].startswith("3.")


class TestAnotherOrganizationsKey:
    def test_every_route_of_the_victims_project_refuses_it_without_leaking(
        self,
        client: falcon.testing.TestClient,
        routes: list[ServedRoute],
        victim: Victim,
        mallory: Tenant,
    ) -> None:
        breaches = []
        for route in routes:
            if route.is_public:
                continue
            for path in victim_paths(route, victim):
                for method in route.methods:
                    result = request(client, method, path, mallory.key)
                    if (
                        result.status_code != 403
                        or result.json != NOT_A_MEMBER
                        or victim.leaked(result.text)
                    ):
                        breaches.append((method, path, result.status_code, result.text[:200]))

        assert breaches == []

    def test_nothing_of_the_victims_changed_after_every_route_was_tried(
        self,
        client: falcon.testing.TestClient,
        routes: list[ServedRoute],
        victim: Victim,
        mallory: Tenant,
    ) -> None:
        for route in routes:
            if not route.is_public:
                for path in victim_paths(route, victim):
                    for method in route.methods:
                        request(client, method, path, mallory.key)

        owner = victim.tenant
        insights = owner.get("insights").json
        dashboards = owner.get("dashboards").json
        assert [item["id"] for item in insights["results"]] == [victim.insight["id"]]
        assert owner.get(f"insights/{victim.insight['id']}").json == victim.insight
        assert [item["id"] for item in dashboards["results"]] == [victim.dashboard["id"]]
        assert dashboards["results"][0]["name"] == victim.dashboard["name"]
        assert dashboards["results"][0]["deleted"] is False
        assert owner.get("elements").json["results"] == [victim.element]
        stats = owner.get("elements/stats").json["results"]
        assert [(row["count"], row["elements"][0]["text"]) for row in stats] == [
            (1, victim.clicked_text)
        ]


class TestForeignIdsThroughYourOwnProject:
    @staticmethod
    def _own_paths(route: ServedRoute, victim: Victim, mallory: Tenant) -> list[str]:
        choices: dict[str, list[object]] = {
            "project_id": [mallory.project_id],
            "insight_id": [victim.insight["id"], victim.insight["short_id"]],
            "dashboard_id": [victim.dashboard["id"]],
            "element_id": [victim.element["id"]],
        }
        fields = route.fields
        assert all(name in choices for name in fields), f"{route.template}: teach the test"
        return [
            route.path(dict(zip(fields, values, strict=True)))
            for values in itertools.product(*(choices[name] for name in fields))
        ]

    def test_every_detail_route_answers_404_for_another_projects_object(
        self,
        client: falcon.testing.TestClient,
        routes: list[ServedRoute],
        victim: Victim,
        mallory: Tenant,
    ) -> None:
        breaches = []
        detail_routes = [r for r in routes if not r.is_public and len(r.fields) > 1]
        for route in detail_routes:
            for path in self._own_paths(route, victim, mallory):
                for method in route.methods:
                    result = request(client, method, path, mallory.key)
                    # Insight DELETE answers 405 with no body whatever the id (CONTRACT §1 #17).
                    refused_delete = (
                        method == "DELETE" and result.status_code == 405 and not result.content
                    )
                    not_found = result.status_code == 404 and result.json == NOT_FOUND
                    if not (refused_delete or not_found) or victim.leaked(result.text):
                        breaches.append((method, path, result.status_code, result.text[:200]))

        assert detail_routes
        assert breaches == []

    @pytest.mark.parametrize(
        "params",
        [
            pytest.param(lambda v: {"short_id": v.insight["short_id"]}, id="short_id"),
            pytest.param(lambda v: {"search": v.insight["name"]}, id="search"),
            pytest.param(lambda v: {"created_by": f"[{v.tenant.user_id}]"}, id="created_by"),
            pytest.param(lambda v: {"dashboards": f"[{v.dashboard['id']}]"}, id="dashboards"),
            pytest.param(lambda v: {"tags": f'["{v.insight["tags"][0]}"]'}, id="tags"),
        ],
    )
    def test_list_filters_never_reach_into_another_project(
        self, victim: Victim, mallory: Tenant, params: Any
    ) -> None:
        for prefix in ("projects", "environments"):
            result = mallory.client.simulate_get(
                mallory.path("insights", prefix), headers=mallory.headers, params=params(victim)
            )

            assert result.status_code == 200, result.text
            assert result.json["count"] == 0
            assert result.json["results"] == []
            assert victim.leaked(result.text) == []

    def test_the_dashboard_list_holds_only_your_own_dashboards(
        self, victim: Victim, mallory: Tenant
    ) -> None:
        result = mallory.get("dashboards")

        assert result.status_code == 200
        assert [item["name"] for item in result.json["results"]] == ["Mallory's own board"]
        assert victim.leaked(result.text) == []

    def test_the_insight_list_holds_only_your_own_insights(
        self, victim: Victim, mallory: Tenant
    ) -> None:
        result = mallory.get("insights")

        assert result.status_code == 200
        assert [item["name"] for item in result.json["results"]] == ["Mallory's own insight"]
        assert victim.leaked(result.text) == []

    @pytest.mark.parametrize("method", ["POST", "PATCH"])
    def test_an_insight_cannot_be_placed_on_another_projects_dashboard(
        self, victim: Victim, mallory: Tenant, method: str
    ) -> None:
        target = "insights"
        if method == "PATCH":
            target = f"insights/{mallory.get('insights').json['results'][0]['id']}"
        dashboard_id = victim.dashboard["id"]

        result = mallory.client.simulate_request(
            method,
            mallory.path(target),
            headers=mallory.headers,
            json={"dashboards": [dashboard_id]},
        )

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "does_not_exist",
            "detail": f'Invalid pk "{dashboard_id}" - object does not exist.',
            "attr": "dashboards",
        }
        victims_tiles = victim.tenant.get(
            "insights", params={"dashboards": f"[{dashboard_id}]"}
        ).json
        assert [item["id"] for item in victims_tiles["results"]] == [victim.insight["id"]]
        assert victim.tenant.get(f"insights/{victim.insight['id']}").json["dashboards"] == [
            dashboard_id
        ]

    def test_a_foreign_dashboard_is_refused_exactly_like_a_missing_one(
        self, victim: Victim, mallory: Tenant
    ) -> None:
        missing_id = 2_000_000_000 + victim.dashboard["id"]

        foreign = mallory.post("insights", json={"dashboards": [victim.dashboard["id"]]})
        missing = mallory.post("insights", json={"dashboards": [missing_id]})

        assert foreign.status_code == missing.status_code == 400
        assert foreign.json["detail"].replace(str(victim.dashboard["id"]), "N") == missing.json[
            "detail"
        ].replace(str(missing_id), "N")
        assert {k: v for k, v in foreign.json.items() if k != "detail"} == {
            k: v for k, v in missing.json.items() if k != "detail"
        }
