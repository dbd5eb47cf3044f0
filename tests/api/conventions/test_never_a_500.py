"""Never a 500 for a client mistake: wrong JSON types in bodies, garbage query parameters
and garbage ids in paths."""

from __future__ import annotations

import pytest

from api.schemas.dashboards import DashboardWrite
from tests.api.conventions.support import INSIGHT_FIELDS, INSIGHT_LIST_PARAMS, own_values, problems
from tests.api.served_routes import ServedRoute
from tests.bodies import NOT_FOUND, TRENDS
from tests.tenants import Tenant

# ---------------------------------------------------------------------------------------------
# Never a 500 for a client mistake.

WRONG_TYPES: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    -(10**30),
    10**30,
    "",
    "Ünïcødé 😀 \u202e RTL",
    "x" * 5000,
    [],
    [1, "a", None, {}],
    [10**30],
    ["😀", ""],
    {},
    {"kind": "TrendsQuery"},
    {"kind": 5},
    {"nested": {"deep": [1, {"deeper": None}]}},
]
DASHBOARD_FIELDS = sorted(DashboardWrite.model_fields)


class TestWrongJsonTypesInBodies:
    @pytest.mark.parametrize("field", INSIGHT_FIELDS)
    def test_every_insight_field_survives_every_json_type(self, tenant: Tenant, field: str) -> None:
        target = tenant.create_insight(name="Punching bag")["id"]
        found = []
        for value in WRONG_TYPES:
            created = tenant.post("insights", json={field: value})
            patched = tenant.patch(f"insights/{target}", json={field: value})
            found += [(f"POST {field}={value!r}", p) for p in problems(created)]
            found += [(f"PATCH {field}={value!r}", p) for p in problems(patched)]
            for result in (created, patched):
                # A query that is no known node is PostHog's parse error of the whole body,
                # which names no field; every other 400 names the field.
                if result.status_code == 400 and result.json["code"] != "parse_error":
                    attr = result.json["attr"]
                    if attr is None or attr.split("__")[0] != field:
                        found.append((f"{field}={value!r}", f"400 attr {attr!r}"))
            tenant.patch(f"insights/{target}", json={"deleted": False})

        assert found == []

    @pytest.mark.parametrize("field", DASHBOARD_FIELDS)
    def test_every_dashboard_field_survives_every_json_type(
        self, tenant: Tenant, field: str
    ) -> None:
        target = tenant.create_dashboard(name="Punching board")["id"]
        found = []
        for value in WRONG_TYPES:
            created = tenant.post("dashboards", json={field: value})
            patched = tenant.patch(f"dashboards/{target}", json={field: value})
            found += [(f"POST {field}={value!r}", p) for p in problems(created)]
            found += [(f"PATCH {field}={value!r}", p) for p in problems(patched)]
            for result in (created, patched):
                if result.status_code == 400:
                    attr = result.json["attr"]
                    if attr is None or attr.split("__")[0] != field:
                        found.append((f"{field}={value!r}", f"400 attr {attr!r}"))
            tenant.patch(f"dashboards/{target}", json={"deleted": False})

        assert found == []

    def test_an_id_in_the_body_is_ignored_not_trusted(self, tenant: Tenant) -> None:
        result = tenant.post(
            "insights", json={"id": 10**30, "short_id": "\u00fcber", "name": "Own id"}
        )

        assert result.status_code == 201
        assert result.json["id"] != 10**30
        assert result.json["short_id"] != "\u00fcber"


GARBAGE_PARAMS = [
    "",
    " ",
    "null",
    "true",
    "-1",
    "0",
    "9" * 30,
    "9223372036854775808",
    "1e309",
    "NaN",
    "[",
    "[]",
    "{}",
    '{"a": 1}',
    '[1, "a"]',
    "[null]",
    "[99999999999999999999999]",
    "[-99999999999999999999999]",
    '["a\\u0000b"]',
    "a\x00b",
    "😀",
    "'; DROP TABLE insights; --",
    "%",
    "_",
    "\\",
    "-99999999d",
    "-9999999999999999999h",
    "2024-13-45",
    "-P1D",
]


class TestGarbageQueryParameters:
    @pytest.mark.parametrize("param", INSIGHT_LIST_PARAMS)
    def test_the_insight_list_never_fails_on_a_garbage_parameter(
        self, tenant: Tenant, param: str
    ) -> None:
        tenant.create_insight(name="Needle", query=TRENDS)
        found = []
        for value in GARBAGE_PARAMS:
            for prefix in ("projects", "environments"):
                result = tenant.client.simulate_get(
                    tenant.path("insights", prefix), headers=tenant.headers, params={param: value}
                )
                found += [(prefix, f"{param}={value!r}", p) for p in problems(result)]

        assert found == []

    @pytest.mark.parametrize("param", ["limit", "offset", "basic", "format", "search"])
    def test_the_dashboard_list_never_fails_on_a_garbage_parameter(
        self, tenant: Tenant, param: str
    ) -> None:
        tenant.create_dashboard(name="Haystack")
        found = []
        for value in GARBAGE_PARAMS:
            result = tenant.client.simulate_get(
                tenant.path("dashboards"), headers=tenant.headers, params={param: value}
            )
            found += [(f"{param}={value!r}", p) for p in problems(result)]

        assert found == []

    def test_a_single_item_never_fails_on_garbage_parameters(self, tenant: Tenant) -> None:
        insight = tenant.create_insight(name="Single")
        board = tenant.create_dashboard(name="Single board")
        found = []
        for value in GARBAGE_PARAMS:
            for path in (f"insights/{insight['id']}", f"dashboards/{board['id']}"):
                result = tenant.get(path, params={"basic": value, "limit": value, "refresh": value})
                found += [(path, repr(value), p) for p in problems(result)]

        assert found == []

    def test_repeated_parameters_never_fail(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_get(
            tenant.path("insights"),
            headers=tenant.headers,
            query_string="limit=1&limit=x&order=name&order=-bogus&created_by=[1]&created_by=[",
        )

        assert problems(result) == []


GARBAGE_IDS = [
    "9" * 30,
    "9223372036854775808",
    "-1",
    "0",
    "00001",
    "²",
    "١٢",
    "\uff11",  # fullwidth digit one
    "%00",
    "a%00b",
    "%F0%9F%98%80",
    "null",
    "1.5",
    "1e10",
    "%20",
    "..",
    "insights",
    "@current",
    "x" * 300,
]


class TestGarbageIdsInPaths:
    def test_no_route_fails_on_a_garbage_id_anywhere_in_its_path(
        self, tenant: Tenant, routes: list[ServedRoute]
    ) -> None:
        values = own_values(tenant)
        found = []
        for route in routes:
            for field in route.fields:
                for garbage in GARBAGE_IDS:
                    path = route.path({**values, field: garbage})
                    for method in route.methods:
                        result = tenant.client.simulate_request(
                            method, path, headers=tenant.headers, json={"name": "Garbage in"}
                        )
                        found += [(method, path, p) for p in problems(result)]

        assert found == []

    @pytest.mark.parametrize("route", ["insights/{id}", "dashboards/{id}"])
    @pytest.mark.parametrize("garbage", ["9" * 30, "-1", "0", "²", "a%00b", "null", "1.5"])
    def test_a_garbage_object_id_is_404_not_found(
        self, tenant: Tenant, route: str, garbage: str
    ) -> None:
        result = tenant.get(route.replace("{id}", garbage))

        assert result.status_code == 404
        assert result.json == NOT_FOUND
