"""Request bodies: the size limit, bodies of another media type, and bodies that are not
JSON."""

from __future__ import annotations

from typing import Any

import falcon.testing
import pytest

from tests.api.conventions.support import ENVELOPE_KEYS, fill
from tests.tenants import Tenant

MIB = 1 << 20
WRITE_ROUTES = [
    ("POST", "insights"),
    ("PATCH", "insights/{insight}"),
    ("PUT", "insights/{insight}"),
    ("POST", "dashboards"),
    ("PATCH", "dashboards/{dashboard}"),
]


def send_json(tenant: Tenant, method: str, path: str, body: bytes | str) -> falcon.testing.Result:
    """`body` as it is, sent as JSON to the tenant's `path`."""
    return tenant.client.simulate_request(
        method,
        tenant.path(path),
        headers={**tenant.headers, "Content-Type": "application/json"},
        body=body,
    )


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
