"""The OpenAPI document: every served route documented, and what each operation declares."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import falcon.testing

from api.openapi import documented_path
from tests.api.served_routes import ServedRoute

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
