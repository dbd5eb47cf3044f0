"""Unknown routes are 404, and methods a route lacks are 405, with the error envelope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import falcon.testing
import orjson
import pytest

from tests.api.conventions.support import own_values
from tests.api.served_routes import ServedRoute
from tests.bodies import NOT_FOUND, method_not_allowed
from tests.tenants import Tenant

STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def answered_methods(route: ServedRoute) -> set[str]:
    """What a route answers other than 405: its responders less those its resource refuses,
    and HEAD wherever GET."""
    responder: Any = next(iter(route.responders.values()))
    resource = responder.__self__
    answered = set(route.methods) - getattr(resource, "refused_methods", frozenset())
    return answered | {"HEAD"} if "GET" in answered else answered


def allowed(result: falcon.testing.Result) -> set[str]:
    return {method.strip() for method in result.headers.get("Allow", "").split(",")}


def unanswered(
    tenant: Tenant,
    routes: list[ServedRoute],
    methods: tuple[str, ...],
    answered: Callable[[ServedRoute], set[str]],
) -> Iterator[tuple[ServedRoute, str, falcon.testing.Result]]:
    """Each route's answer to each of `methods` it does not answer (bodies are `{}`)."""
    values = own_values(tenant)
    for route in routes:
        path = route.path(values)
        for method in methods:
            if method not in answered(route):
                yield (
                    route,
                    method,
                    tenant.client.simulate_request(method, path, headers=tenant.headers, json={}),
                )


class TestUnknownRoutes:
    @pytest.mark.parametrize(
        "suffix",
        [
            "/",
            "/api",
            "/api/",
            "/api/projects",
            "/api/projects/{project}",
            "/api/projects/{project}/nothing",
            "/api/projects/{project}/insights/1/nothing",
            "/api/environments/{project}/dashboards/1/insights",
            "/api/insights",
            "/api/schema/extra",
            "/api/projects/{project}/insights/1/2/3",
            "/favicon.ico",
        ],
    )
    def test_an_unknown_route_is_404_not_found(self, tenant: Tenant, suffix: str) -> None:
        path = suffix.replace("{project}", str(tenant.project_id))

        for method in STANDARD_METHODS:
            result = tenant.client.simulate_request(method, path, headers=tenant.headers)
            assert result.status_code == 404, (method, path)
            assert result.json == NOT_FOUND, (method, path)

    def test_an_unknown_route_is_404_without_credentials_too(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_get("/api/projects/1/unknown")

        assert result.status_code == 404
        assert result.json == NOT_FOUND


class TestWrongMethods:
    def test_every_standard_method_a_route_lacks_is_405_with_the_envelope(
        self, tenant: Tenant, routes: list[ServedRoute]
    ) -> None:
        wrong = [
            (method, route.template, result.status_code, result.text[:160])
            for route, method, result in unanswered(
                tenant, routes, STANDARD_METHODS, lambda route: set(route.methods)
            )
            if result.status_code != 405 or result.json != method_not_allowed(method)
        ]

        assert wrong == []

    @pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")  # wsgiref's validator
    def test_a_method_falcon_does_not_know_is_405_on_every_route_and_404_elsewhere(
        self, tenant: Tenant, routes: list[ServedRoute]
    ) -> None:
        values = own_values(tenant)
        answers = {
            (result.status_code, result.text)
            for result in (
                tenant.client.simulate_request("FOO", route.path(values), headers=tenant.headers)
                for route in routes
            )
        }
        unknown = tenant.client.simulate_request("FOO", "/api/nothing", headers=tenant.headers)

        assert answers == {(405, orjson.dumps(method_not_allowed("FOO")).decode())}
        assert (unknown.status_code, unknown.json) == (404, NOT_FOUND)

    @pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")  # wsgiref's validator
    def test_every_405_and_options_of_a_route_name_the_methods_it_answers(
        self, tenant: Tenant, routes: list[ServedRoute]
    ) -> None:
        wrong = [
            (method, route.template, result.status_code, allowed(result))
            for route, method, result in unanswered(
                tenant, routes, ("FOO", *STANDARD_METHODS, "OPTIONS"), answered_methods
            )
            if (result.status_code, allowed(result))
            != (200 if method == "OPTIONS" else 405, {*answered_methods(route), "OPTIONS"})
        ]

        assert wrong == []

    def test_the_405_says_which_methods_are_allowed(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_put(tenant.path("insights"), headers=tenant.headers)

        assert result.status_code == 405
        assert allowed(result) >= {"GET", "POST"}

    def test_insight_delete_is_405_with_no_body(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Stays")

        result = tenant.delete(f"insights/{created['id']}")

        assert result.status_code == 405
        assert result.content == b""
