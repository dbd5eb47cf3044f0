"""Errors, body limits, robustness and the OpenAPI document (CONTRACT §4; reference auth §6)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import falcon.testing
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.openapi import documented_path
from api.schemas.dashboards import DashboardWrite
from api.schemas.insights import InsightListParams, InsightWrite
from store.backend import Backend
from tests.api.served_routes import ServedRoute, served_routes
from tests.bodies import NOT_FOUND, TRENDS, method_not_allowed
from tests.tenants import Tenant, TenantFactory

ENVELOPE_KEYS = {"type", "code", "detail", "attr"}
MIB = 1 << 20
STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_ROUTES = [
    ("POST", "insights"),
    ("PATCH", "insights/{insight}"),
    ("PUT", "insights/{insight}"),
    ("POST", "dashboards"),
    ("PATCH", "dashboards/{dashboard}"),
]


def fill(tenant: Tenant, route: str) -> str:
    if "{insight}" in route:
        route = route.replace("{insight}", str(tenant.create_insight(name="Target practice")["id"]))
    if "{dashboard}" in route:
        route = route.replace(
            "{dashboard}", str(tenant.create_dashboard(name="Target board")["id"])
        )
    return route


def send_json(tenant: Tenant, method: str, path: str, body: bytes | str) -> falcon.testing.Result:
    """`body` as it is, sent as JSON to the tenant's `path`."""
    return tenant.client.simulate_request(
        method,
        tenant.path(path),
        headers={**tenant.headers, "Content-Type": "application/json"},
        body=body,
    )


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


@pytest.fixture
def routes(backend: Backend) -> list[ServedRoute]:
    return served_routes(create_app(backend))


def answered_methods(route: ServedRoute) -> set[str]:
    """What a route answers other than 405: its responders less those its resource refuses,
    and HEAD wherever GET."""
    resource = next(iter(route.responders.values())).__self__
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


class TestBodySizeLimit:
    @pytest.mark.parametrize(("method", "route"), WRITE_ROUTES)
    def test_a_body_over_1_mib_is_413_and_nothing_is_stored(
        self, tenant: Tenant, method: str, route: str
    ) -> None:
        path = fill(tenant, route)
        before = (tenant.get("insights").json, tenant.get("dashboards").json)
        prefix = b'{"name": "Whale", "description": "'
        body = prefix + b"w" * (MIB + 1 - len(prefix) - 2) + b'"}'
        assert len(body) == MIB + 1

        result = send_json(tenant, method, path, body)

        assert result.status_code == 413
        assert result.json == {
            "type": "invalid_request",
            "code": "request_too_large",
            "detail": "Request body is larger than 1 MiB.",
            "attr": None,
        }
        assert (tenant.get("insights").json, tenant.get("dashboards").json) == before

    def test_a_body_of_exactly_1_mib_is_read(self, tenant: Tenant) -> None:
        body = b'{"name": "Exactly one mebibyte"}'
        body += b" " * (MIB - len(body))

        result = tenant.client.simulate_post(
            tenant.path("insights"),
            headers={**tenant.headers, "Content-Type": "application/json"},
            body=body,
        )

        assert result.status_code == 201, result.text
        assert result.json["name"] == "Exactly one mebibyte"

    def test_a_body_longer_than_its_content_length_header_stores_nothing(
        self, tenant: Tenant
    ) -> None:
        prefix = b'{"name": "Liar", "description": "'
        body = prefix + b"l" * (2 * MIB) + b'"}'

        result = tenant.client.simulate_post(
            tenant.path("insights"),
            headers={**tenant.headers, "Content-Type": "application/json", "Content-Length": "20"},
            body=body,
        )

        assert result.status_code < 500
        assert tenant.get("insights").json["count"] == 0


class TestBodiesOfAnotherMediaType:
    @pytest.mark.parametrize(("method", "route"), [*WRITE_ROUTES, ("POST", "elements")])
    @pytest.mark.parametrize(
        "content_type",
        ["text/plain", "application/x-www-form-urlencoded", "application/json", None],
        ids=["text", "form", "json", "none"],
    )
    def test_a_body_that_is_not_json_is_a_parse_error_whatever_its_declared_type(
        self, tenant: Tenant, method: str, route: str, content_type: str | None
    ) -> None:
        # CONTRACT §4: "a body that is not JSON → 400 parse_error" (curl -d sends a form
        # type, python's requests none); PostHog's parsers would answer 415 to these types.
        path = fill(tenant, route)
        headers = {**tenant.headers, **({"Content-Type": content_type} if content_type else {})}

        result = tenant.client.simulate_request(
            method, tenant.path(path), headers=headers, body=b"name=x"
        )

        assert result.status_code == 400
        assert result.json["type"] == "invalid_request"
        assert result.json["code"] == "parse_error"
        assert result.json["detail"].startswith("JSON parse error - ")
        assert result.json["attr"] is None

    @pytest.mark.parametrize("content_type", ["text/plain", None], ids=["text", "none"])
    def test_a_json_body_is_taken_whatever_its_declared_type(
        self, tenant: Tenant, content_type: str | None
    ) -> None:
        headers = {**tenant.headers, **({"Content-Type": content_type} if content_type else {})}

        result = tenant.client.simulate_post(
            tenant.path("insights"), headers=headers, body=b'{"name": "Sent as text"}'
        )

        assert result.status_code == 201
        assert result.json["name"] == "Sent as text"

    def test_json_with_a_charset_and_an_empty_body_of_any_type_are_taken(
        self, tenant: Tenant
    ) -> None:
        created = tenant.client.simulate_post(
            tenant.path("insights"),
            headers={**tenant.headers, "Content-Type": "Application/JSON; charset=utf-8"},
            body=b'{"name": "x"}',
        )
        empty = tenant.client.simulate_post(
            tenant.path("dashboards"),
            headers={**tenant.headers, "Content-Type": "text/plain"},
            body=b"",
        )

        assert (created.status_code, empty.status_code) == (201, 201)


class TestBodiesThatAreNotJson:
    @pytest.mark.parametrize(("method", "route"), WRITE_ROUTES)
    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b"{",
            b"{'name': 'single quotes'}",
            b'{"name": "x",}',
            b"\xff\xfe\x00",
            b"NaN",
            b"[1,",
        ],
        ids=[
            "words",
            "open-brace",
            "single-quotes",
            "trailing-comma",
            "bad-utf8",
            "nan",
            "open-list",
        ],
    )
    def test_a_body_that_is_not_json_is_400_parse_error(
        self, tenant: Tenant, method: str, route: str, body: bytes
    ) -> None:
        path = fill(tenant, route)

        result = send_json(tenant, method, path, body)

        assert result.status_code == 400
        assert set(result.json) == ENVELOPE_KEYS
        assert (result.json["type"], result.json["code"], result.json["attr"]) == (
            "invalid_request",
            "parse_error",
            None,
        )
        assert result.json["detail"].startswith("JSON parse error")

    @pytest.mark.parametrize(("method", "route"), [*WRITE_ROUTES, ("POST", "elements")])
    @pytest.mark.parametrize("levels", [101, 600])
    def test_a_body_nested_deeper_than_100_levels_is_400_parse_error(
        self, tenant: Tenant, method: str, route: str, levels: int
    ) -> None:
        # 600 levels used to reach Python's recursion limit in validation or storage: a 500.
        path = fill(tenant, route)
        nested = '{"a":' * (levels - 1) + "1" + "}" * (levels - 1)

        result = send_json(tenant, method, path, f'{{"name": "Deep", "filters": {nested}}}')

        assert result.status_code == 400
        assert result.json == {
            "type": "invalid_request",
            "code": "parse_error",
            "detail": "JSON parse error - nested more than 100 levels deep",
            "attr": None,
        }

    @pytest.mark.parametrize(("method", "route"), WRITE_ROUTES)
    def test_a_deep_body_with_a_long_number_is_400_parse_error(
        self, tenant: Tenant, method: str, route: str
    ) -> None:
        # A 19-digit number sends the body through Python's recursive parser, which used to
        # overflow at depths orjson accepts: a 500, even for the key lookup of a GET.
        path = fill(tenant, route)
        body = "[" * 1000 + "1234567890123456789" + "]" * 1000

        result = send_json(tenant, method, path, body)

        assert result.status_code == 400
        assert (result.json["code"], result.json["detail"]) == (
            "parse_error",
            "JSON parse error - nested too deeply",
        )

    def test_a_get_with_such_a_body_is_answered(self, tenant: Tenant) -> None:
        # A GET's body is read only for a personal_api_key: one that is not JSON offers none.
        result = send_json(
            tenant, "GET", "insights", "[" * 1000 + "1234567890123456789" + "]" * 1000
        )

        assert result.status_code == 200

    def test_a_body_nested_100_levels_deep_is_stored_whole(self, tenant: Tenant) -> None:
        filters: dict[str, Any] = {"leaf": 1}
        for _ in range(98):
            filters = {"a": filters}

        created = tenant.post("insights", json={"name": "Deep", "filters": filters})

        assert created.status_code == 201, created.text
        assert tenant.get(f"insights/{created.json['id']}").json["filters"] == filters

    @pytest.mark.parametrize(("method", "route"), WRITE_ROUTES)
    @pytest.mark.parametrize(
        ("body", "kind"), [(b"[]", "list"), (b'"text"', "str"), (b"42", "int"), (b"true", "bool")]
    )
    def test_json_that_is_not_an_object_is_400_invalid_data(
        self, tenant: Tenant, method: str, route: str, body: bytes, kind: str
    ) -> None:
        path = fill(tenant, route)

        result = send_json(tenant, method, path, body)

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": f"Invalid data. Expected a dictionary, but got {kind}.",
            "attr": None,
        }

    def test_a_json_null_body_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            tenant.path("insights"),
            headers={**tenant.headers, "Content-Type": "application/json"},
            body=b"null",
        )

        assert result.status_code == 400
        assert set(result.json) == ENVELOPE_KEYS
        assert result.json["type"] == "validation_error"


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
INSIGHT_FIELDS = sorted(InsightWrite.model_fields)
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
                if result.status_code == 400:
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
INSIGHT_LIST_PARAMS = sorted(set(InsightListParams.model_fields) - {"format"})


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


# NUL characters: PostgreSQL text cannot hold them, so each case gets a brand-new database
# (a failure here must not poison the database the other tests share).

NUL_WRITES = [
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


# ---------------------------------------------------------------------------------------------
# Property test: random bodies and query strings.

_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)
_BODIES = st.dictionaries(
    st.sampled_from([*INSIGHT_FIELDS, "kind", "personal_api_key"]), _JSON, max_size=5
)
_PARAMS = st.dictionaries(st.sampled_from(INSIGHT_LIST_PARAMS), _TEXT, max_size=4)
_PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class TestPropertyNeverA500:
    @_PROPERTY_SETTINGS
    @given(body=_BODIES)
    def test_random_insight_bodies_get_a_status_below_500_and_envelopes(
        self, tenant: Tenant, body: dict[str, Any]
    ) -> None:
        created = tenant.post("insights", json=body)
        target = tenant.get("insights", params={"limit": 1}).json["results"]
        patched = tenant.patch(f"insights/{target[0]['id'] if target else 1}", json=body)
        if target:
            tenant.patch(f"insights/{target[0]['id']}", json={"deleted": False})

        assert problems(created) == []
        assert problems(patched) == []

    @_PROPERTY_SETTINGS
    @given(params=_PARAMS)
    def test_random_list_query_strings_get_a_status_below_500_and_envelopes(
        self, tenant: Tenant, params: dict[str, str]
    ) -> None:
        result = tenant.get("insights", params=params)

        assert problems(result) == []


# ---------------------------------------------------------------------------------------------
# The OpenAPI document.


def _resolve(document: dict[str, Any], reference: str) -> Any:
    node: Any = document
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


class TestOpenApiDocument:
    def test_the_schema_is_an_openapi_3_document(self, client: falcon.testing.TestClient) -> None:
        result = client.simulate_get("/api/schema")

        assert result.status_code == 200
        assert result.headers["content-type"].startswith("application/json")
        assert result.json["openapi"].startswith("3.")
        assert result.json["info"]["title"]

    def test_the_schema_answers_format_csv_like_every_endpoint(
        self, client: falcon.testing.TestClient
    ) -> None:
        result = client.simulate_get("/api/schema", params={"format": "csv"})

        assert result.status_code == 200
        assert result.headers["content-type"] == "text/csv; charset=utf-8"
        header, row = list(csv.reader(io.StringIO(result.text)))
        assert header == sorted(header)
        assert row[header.index("openapi")].startswith("3.")

    def test_every_served_route_and_method_is_documented(
        self, client: falcon.testing.TestClient, routes: list[ServedRoute]
    ) -> None:
        paths = client.simulate_get("/api/schema").json["paths"]

        served = {
            (documented_path(route.template), method.lower())
            for route in routes
            if route.template != "/api/schema"
            for method in route.methods
        }
        documented = {(path, method) for path, operations in paths.items() for method in operations}
        assert served - documented == set()
        assert documented - served == set()

    def test_every_documented_path_parameter_is_declared(
        self, client: falcon.testing.TestClient, routes: list[ServedRoute]
    ) -> None:
        paths = client.simulate_get("/api/schema").json["paths"]

        undeclared = [
            (path, method, field)
            for route in routes
            if not route.is_public
            for path in [documented_path(route.template)]
            for method in route.methods
            for field in re.findall(r"{(\w+)}", path)
            if field
            not in {
                p["name"]
                for p in paths[path][method.lower()].get("parameters", [])
                if p.get("in") == "path"
            }
        ]
        assert undeclared == []

    def test_every_operation_documents_its_success_and_auth_errors(
        self, client: falcon.testing.TestClient, routes: list[ServedRoute]
    ) -> None:
        paths = client.simulate_get("/api/schema").json["paths"]
        success = {"GET": "200", "PATCH": "200", "PUT": "200", "POST": "201", "DELETE": "405"}
        # Actions answer 200 (CONTRACT.md §1 rows 1, 2 and 5); only creations answer 201.
        actions = ("/cancel", "/generate_metadata", "/viewed", "/revert")
        # Insights refuse DELETE with 405 (row 17); elements are deleted, 204 (row 10).
        deletions = {"/api/projects/{project_id}/elements/{element_id}": "204"}
        deletions["/api/environments/{environment_id}/elements/{element_id}"] = "204"

        missing = [
            (route.template, method, status)
            for route in routes
            if not route.is_public
            for method in route.methods
            for status in (
                "200"
                if route.template.endswith(actions)
                else deletions.get(documented_path(route.template), success[method])
                if method == "DELETE"
                else success[method],
                "401",
                "403",
                "404",
            )
            if status not in paths[documented_path(route.template)][method.lower()]["responses"]
        ]
        assert missing == []

    def test_every_operation_documents_the_format_parameter(
        self, client: falcon.testing.TestClient, routes: list[ServedRoute]
    ) -> None:
        # Every endpoint answers CSV too (CONTRACT.md §1): a client reads that from the document.
        paths = client.simulate_get("/api/schema").json["paths"]

        undocumented = [
            (route.template, method)
            for route in routes
            if route.template != "/api/schema"
            for method in route.methods
            if method != "OPTIONS"
            if "format"
            not in {
                p["name"]
                for p in paths[documented_path(route.template)][method.lower()].get(
                    "parameters", []
                )
                if p.get("in") == "query"
            }
        ]
        assert undocumented == []

    def test_every_reference_in_the_document_resolves(
        self, client: falcon.testing.TestClient
    ) -> None:
        document = client.simulate_get("/api/schema").json

        unresolved = []
        for reference in set(_references(document)):
            try:
                _resolve(document, reference)
            except (KeyError, TypeError):
                unresolved.append(reference)
        assert unresolved == []

    def test_the_document_declares_bearer_personal_api_keys(
        self, client: falcon.testing.TestClient
    ) -> None:
        document = client.simulate_get("/api/schema").json

        schemes = document["components"]["securitySchemes"]
        assert [s["scheme"] for s in schemes.values() if s.get("type") == "http"] == ["bearer"]
        assert document["security"] == [{name: []} for name in schemes]

    def test_capture_takes_no_personal_api_key_and_answers_status_1(
        self, client: falcon.testing.TestClient
    ) -> None:
        document = client.simulate_get("/api/schema").json

        for path in ("/e", "/capture", "/batch", "/i/v0/e"):
            post = document["paths"][path]["post"]
            assert post["security"] == []
            # 404: an unknown `format`, as everywhere.
            assert set(post["responses"]) == {"200", "400", "401", "404", "413", "503"}
            ok = post["responses"]["200"]["content"]["application/json"]["schema"]
            assert _resolve(document, ok["$ref"])["properties"]["status"]["const"] == 1

    def test_bounds_are_json_schema_minimum_and_maximum(
        self, client: falcon.testing.TestClient
    ) -> None:
        document = client.simulate_get("/api/schema").json
        activity = document["paths"]["/api/projects/{project_id}/insights/activity"]["get"]

        def keywords(node: Any) -> set[str]:
            if isinstance(node, dict):
                return {*node, *(k for value in node.values() for k in keywords(value))}
            if isinstance(node, list):
                return {k for value in node for k in keywords(value)}
            return set()

        page = next(p for p in activity["parameters"] if p["name"] == "page")
        assert page["schema"]["minimum"] == 1
        assert keywords(document) & {"ge", "le", "gt", "lt"} == set()

    def test_operation_ids_are_unique(self, client: falcon.testing.TestClient) -> None:
        paths = client.simulate_get("/api/schema").json["paths"]

        ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
        assert len(ids) == len(set(ids))
