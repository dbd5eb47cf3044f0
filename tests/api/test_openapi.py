"""The OpenAPI document says what the server does (an audit of every route against it).

No JSON Schema or OpenAPI validator is installed, so the document is asserted as it is, and
real answers are checked against it with the little this file needs: declared statuses and
media types, and the required properties of the declared shapes.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from store.chain_rows import VALUE_KEYS
from tests.tenants import Tenant

INSIGHTS = "/api/projects/{project_id}/insights"
INSIGHT = "/api/projects/{project_id}/insights/{insight_id}"
ERROR_OUT = re.compile(r"#/components/schemas/ErrorOut\.\w+$")
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def document(client: falcon.testing.TestClient) -> dict[str, Any]:
    return client.simulate_get("/api/schema").json


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, or what its `$ref` names."""
    reference = schema.get("$ref")
    if reference is None:
        return schema
    return document["components"]["schemas"][reference.removeprefix("#/components/schemas/")]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in operation["parameters"] if p["name"] == name)


def missing(document: dict[str, Any], schema: dict[str, Any], body: dict[str, Any]) -> set[str]:
    """The required properties of an object `schema` that `body` lacks."""
    return set(resolve(document, schema)["required"]) - set(body)


def _has_nanoseconds() -> bool:
    """Whether `date` knows %N (BSD's prints the letter)."""
    printed = subprocess.run(["date", "+%N"], capture_output=True, text=True, check=False)
    return printed.stdout.strip().isdigit()


class TestDeclarations:
    def test_a_retrieved_insight_is_the_full_or_the_basic_shape(
        self, document: dict[str, Any]
    ) -> None:
        ok = document["paths"][INSIGHT]["get"]["responses"]["200"]["content"]

        shapes = resolve(document, ok["application/json"]["schema"])["anyOf"]
        assert [resolve(document, shape)["title"] for shape in shapes] == [
            "InsightOut",
            "InsightBasicOut",
        ]

    @pytest.mark.parametrize(
        "name",
        [
            "date_from",
            "date_to",
            "created_date_from",
            "created_date_to",
            "last_viewed_date_from",
            "last_viewed_date_to",
        ],
    )
    def test_list_dates_are_text_in_absolute_or_relative_forms(
        self, document: dict[str, Any], name: str
    ) -> None:
        schema = parameter(document["paths"][INSIGHTS]["get"], name)["schema"]

        assert schema["type"] == "string"
        assert "format" not in schema and "anyOf" not in schema
        for form in ("2030-01-01", "-7d", "dStart", "UTC without an offset"):
            assert form in schema["description"]

    def test_as_of_is_text_a_date_or_a_date_and_time(self, document: dict[str, Any]) -> None:
        schema = parameter(document["paths"][INSIGHT]["get"], "as_of")["schema"]

        assert schema["type"] == "string"
        assert "format" not in schema and "anyOf" not in schema
        assert "ISO-8601 date or date and time" in schema["description"]

    @pytest.mark.parametrize(
        "name", ["filters_override", "variables_override", "tile_filters_override"]
    )
    def test_override_parameters_are_json_text(self, document: dict[str, Any], name: str) -> None:
        schema = parameter(document["paths"][INSIGHT]["get"], name)["schema"]

        assert (schema["type"], schema["contentMediaType"], schema["contentSchema"]) == (
            "string",
            "application/json",
            {"type": "object"},
        )

    def test_csv_is_declared_beside_json_wherever_format_is_a_parameter(
        self, document: dict[str, Any]
    ) -> None:
        list_ok = document["paths"][INSIGHTS]["get"]["responses"]["200"]["content"]
        undeclared = [
            (path, method, status)
            for path, method, operation in operations(document)
            if any(p["name"] == "format" for p in operation.get("parameters", []))
            for status, response in operation["responses"].items()
            if status.startswith("2") and "application/json" in response.get("content", {})
            if response["content"].get("text/csv") != {"schema": {"type": "string"}}
        ]

        assert list_ok["text/csv"] == {"schema": {"type": "string"}}
        assert undeclared == []

    def test_every_operation_with_a_body_declares_413_with_the_envelope(
        self, document: dict[str, Any]
    ) -> None:
        too_large = document["paths"][INSIGHTS]["post"]["responses"]["413"]
        undeclared = [
            (path, method)
            for path, method, operation in operations(document)
            if "requestBody" in operation and "413" not in operation["responses"]
        ]

        assert ERROR_OUT.match(too_large["content"]["application/json"]["schema"]["$ref"])
        assert undeclared == []

    def test_every_api_operation_and_capture_with_a_body_declares_413(
        self, document: dict[str, Any]
    ) -> None:
        # A GET too reads a body: it may hold a personal_api_key.
        wrong = [
            (path, method)
            for path, method, operation in operations(document)
            if ("413" in operation["responses"])
            != ((path.startswith("/api/") and path != "/api/schema") or "requestBody" in operation)
        ]

        assert wrong == []

    @pytest.mark.parametrize(
        ("path", "method", "required"),
        [
            (INSIGHTS, "post", False),
            (INSIGHT, "patch", False),
            (INSIGHT, "put", False),
            ("/api/projects/{project_id}/dashboards", "post", False),
            ("/api/projects/{project_id}/dashboards/{dashboard_id}", "patch", False),
            ("/api/projects/{project_id}/elements", "post", False),
            ("/api/projects/{project_id}/elements/{element_id}", "put", False),
            ("/api/projects/{project_id}/insights/viewed", "post", True),
            ("/api/projects/{project_id}/insights/cancel", "post", True),
            ("/api/projects/{project_id}/insights/generate_metadata", "post", True),
            ("/api/projects/{project_id}/insights/{insight_id}/revert", "post", True),
            ("/batch", "post", True),
        ],
    )
    def test_a_body_is_required_exactly_where_an_empty_one_is_refused(
        self,
        document: dict[str, Any],
        tenant: Tenant,
        path: str,
        method: str,
        required: bool,
    ) -> None:
        values = {
            "project_id": tenant.project_id,
            "insight_id": tenant.create_insight(name="Body")["id"],
            "dashboard_id": tenant.create_dashboard(name="Body")["id"],
            "element_id": tenant.post("elements", json={}).json["id"],
        }
        body = document["paths"][path][method]["requestBody"]

        result = tenant.client.simulate_request(
            method.upper(), path.format(**values), headers=tenant.headers
        )

        assert body["required"] is required
        assert (result.status_code == 400) is required, result.text

    def test_dashboards_and_elements_lists_document_limit_and_offset(
        self, document: dict[str, Any]
    ) -> None:
        for path in (
            "/api/projects/{project_id}/dashboards",
            "/api/projects/{project_id}/elements",
        ):
            listing = document["paths"][path]["get"]

            limit, offset = parameter(listing, "limit"), parameter(listing, "offset")
            assert limit["in"] == offset["in"] == "query"
            assert limit["schema"]["anyOf"][0] == {"type": "integer", "minimum": 1}
            assert offset["schema"]["anyOf"][0] == {"type": "integer", "minimum": 0}

    def test_values_key_is_an_enum_of_what_the_server_accepts(
        self, document: dict[str, Any], tenant: Tenant
    ) -> None:
        key = parameter(
            document["paths"]["/api/projects/{project_id}/elements/values"]["get"], "key"
        )

        answers = {
            name: tenant.get("elements/values", params={"key": name}).status_code
            for name in [*key["schema"]["enum"], "attr_class"]
        }
        assert key["required"] is True
        assert key["schema"]["enum"] == [*VALUE_KEYS, "selector"]
        assert answers == {**dict.fromkeys(key["schema"]["enum"], 200), "attr_class": 400}

    def test_element_stats_parameters_declare_the_bounds_enforced(
        self, document: dict[str, Any]
    ) -> None:
        stats = document["paths"]["/api/projects/{project_id}/elements/stats"]["get"]

        bounds = {
            name: parameter(stats, name)["schema"]["anyOf"][0]
            for name in ("limit", "offset", "max_element_chain_depth", "sampling_factor")
        }
        assert bounds == {
            "limit": {"type": "integer", "minimum": 1, "maximum": 999_999},
            "offset": {"type": "integer", "minimum": 0},
            "max_element_chain_depth": {"type": "integer", "minimum": 1},
            "sampling_factor": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        }


class TestSecurity:
    def test_a_key_goes_in_a_bearer_header_or_the_personal_api_key_parameter(
        self, document: dict[str, Any]
    ) -> None:
        schemes = document["components"]["securitySchemes"]

        assert (schemes["PersonalAPIKey"]["type"], schemes["PersonalAPIKey"]["scheme"]) == (
            "http",
            "bearer",
        )
        parameter_scheme = schemes["PersonalAPIKeyParameter"]
        assert (parameter_scheme["type"], parameter_scheme["in"], parameter_scheme["name"]) == (
            "apiKey",
            "query",
            "personal_api_key",
        )
        assert "JSON request body" in parameter_scheme["description"]
        # A list of requirement objects: either one will do.
        assert document["security"] == [{"PersonalAPIKey": []}, {"PersonalAPIKeyParameter": []}]

    def test_only_public_operations_override_the_security(self, document: dict[str, Any]) -> None:
        overridden = [
            (path, operation["security"])
            for path, _, operation in operations(document)
            if "security" in operation
        ]

        assert {path for path, _ in overridden} == {"/e", "/capture", "/batch", "/i/v0/e"}
        assert all(security == [] for _, security in overridden)

    @pytest.mark.parametrize("place", ["query", "body"])
    def test_the_parameter_is_accepted_in_the_query_and_in_a_json_body(
        self, tenant: Tenant, place: str
    ) -> None:
        credential = {"personal_api_key": tenant.key}
        arguments = {"params": credential} if place == "query" else {"json": credential}

        result = tenant.client.simulate_get(tenant.path("insights"), **arguments)

        assert result.status_code == 200, result.text


class TestCapture:
    def test_distinct_id_is_optional_as_it_may_be_a_property(
        self, document: dict[str, Any], tenant: Tenant
    ) -> None:
        event = next(
            schema
            for name, schema in document["components"]["schemas"].items()
            if name.endswith(".CapturedEventIn")
        )

        result = tenant.client.simulate_post(
            "/e",
            json={
                "api_key": tenant.project_api_key,
                "event": "x",
                "properties": {"$distinct_id": 1},
            },
        )

        assert event["required"] == ["event"]
        assert result.status_code == 200, result.text

    @pytest.mark.parametrize("method", ["get", "post", "options"])
    def test_an_unknown_format_is_a_declared_404(
        self, document: dict[str, Any], client: falcon.testing.TestClient, method: str
    ) -> None:
        result = client.simulate_request(method.upper(), "/batch", params={"format": "xml"})

        assert result.status_code == 404
        assert set(result.json) == {"type", "code", "detail", "attr"}
        for path in ("/e", "/capture", "/batch", "/i/v0/e"):
            answer = document["paths"][path][method]["responses"]["404"]
            assert ERROR_OUT.match(answer["content"]["application/json"]["schema"]["$ref"])


class TestNotNullFields:
    @pytest.mark.parametrize(
        ("path", "method", "field", "schema"),
        [
            ("/api/projects/{project_id}/insights", "post", "favorited", {"type": "boolean"}),
            ("/api/projects/{project_id}/insights", "post", "deleted", {"type": "boolean"}),
            (
                "/api/projects/{project_id}/insights",
                "post",
                "tags",
                {"type": "array", "items": {"type": "string", "maxLength": 255}},
            ),
            ("/api/projects/{project_id}/dashboards", "post", "pinned", {"type": "boolean"}),
            (
                "/api/projects/{project_id}/elements",
                "post",
                "attributes",
                {"not": {"type": "null"}},
            ),
        ],
        ids=["favorited", "deleted", "tags", "pinned", "attributes"],
    )
    def test_a_field_refused_as_null_is_documented_without_null(
        self,
        document: dict[str, Any],
        tenant: Tenant,
        path: str,
        method: str,
        field: str,
        schema: dict[str, Any],
    ) -> None:
        body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        documented = resolve(document, body["schema"])["properties"][field]
        answer = tenant.client.simulate_request(
            method.upper(),
            path.replace("{project_id}", str(tenant.project_id)),
            headers=tenant.headers,
            json={"name": "n", field: None},
        )

        assert {key: documented[key] for key in schema} == schema
        assert "default" not in documented
        assert (answer.status_code, answer.json["code"], answer.json["attr"]) == (
            400,
            "null",
            field,
        )


class TestEnvironmentPaths:
    def test_environment_paths_name_their_parameter_environment_id(
        self, document: dict[str, Any]
    ) -> None:
        environments = [
            (path, method, operation)
            for path, method, operation in operations(document)
            if path.startswith("/api/environments/")
        ]

        assert environments
        for path, _, operation in environments:
            assert path.startswith("/api/environments/{environment_id}/")
            assert "project_id" not in operation["operationId"]
            names = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
            assert names[0] == "environment_id" and "project_id" not in names

    def test_projects_paths_keep_project_id(self, document: dict[str, Any]) -> None:
        listing = document["paths"][INSIGHTS]["get"]

        assert parameter(listing, "project_id")["in"] == "path"


class TestRealAnswers:
    def test_a_basic_insight_has_the_basic_shape_only(
        self, document: dict[str, Any], tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Basic")
        full, basic = resolve(
            document,
            document["paths"][INSIGHT]["get"]["responses"]["200"]["content"]["application/json"][
                "schema"
            ],
        )["anyOf"]

        for params in ({"basic": "true"}, {"basic": "true", "version": 1}):
            result = tenant.get(f"insights/{created['id']}", params=params)

            assert result.status_code == 200, result.text
            assert missing(document, basic, result.json) == set()
            assert missing(document, full, result.json) != set()  # Not an InsightOut.

    @pytest.mark.parametrize("suffix", ["insights", "dashboards", "elements", "insights/{insight}"])
    def test_a_csv_answer_is_declared(
        self, document: dict[str, Any], tenant: Tenant, suffix: str
    ) -> None:
        insight = tenant.create_insight(name="Row")["id"]
        path = f"/api/projects/{{project_id}}/{suffix}".replace("{insight}", "{insight_id}")

        result = tenant.client.simulate_get(
            tenant.path(suffix.format(insight=insight)),
            params={"limit": 1},
            headers={**tenant.headers, "Accept": "text/csv"},
        )

        assert result.status_code == 200, result.text
        assert result.headers["content-type"].startswith("text/csv")
        assert "text/csv" in document["paths"][path]["get"]["responses"]["200"]["content"]

    @pytest.mark.parametrize(
        "params",
        [
            {"date_from": "-7d"},
            {"created_date_to": "2030-01-01"},
            {"last_viewed_date_from": "dStart"},
        ],
    )
    def test_the_documented_date_forms_are_read(
        self, tenant: Tenant, params: dict[str, str]
    ) -> None:
        assert tenant.get("insights", params=params).status_code == 200

    def test_the_readme_as_of_example_sees_a_change_just_made(self, tenant: Tenant) -> None:
        # Truncated to the second, "now" came before a change made in the same second.
        found = re.search(r"as_of=\$\((date [^)]*)\)", README.read_text())
        assert found is not None
        command = shlex.split(found[1])
        if not _has_nanoseconds():
            pytest.skip("this `date` has no %N (GNU coreutils' has)")
        created = tenant.create_insight(name="Before")
        tenant.patch(f"insights/{created['id']}", json={"name": "After"})

        now = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
        result = tenant.get(f"insights/{created['id']}", params={"as_of": now})

        assert result.status_code == 200, result.text
        assert result.json["name"] == "After"
