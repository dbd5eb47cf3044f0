"""Insights: the query, the field limits and the request bodies refused or ignored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_write.support import TRENDS, listed_names, patch, retrieve
from tests.bodies import validation_error
from tests.tenants import Tenant


def raw_body(tenant: Tenant, method: str, suffix: str, body: str) -> Any:
    return tenant.client.simulate_request(
        method,
        tenant.path(suffix),
        headers={**tenant.headers, "Content-Type": "application/json"},
        body=body,
    )


class TestQueryValidation:
    def test_a_null_query_is_accepted(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "No query", "query": None})

        assert result.status_code == 201
        assert result.json["query"] is None

    def test_a_query_can_be_cleared_with_null(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Trends", query=TRENDS)

        assert patch(tenant, created, query=None)["query"] is None

    @pytest.mark.parametrize(
        ("query", "detail"),
        [
            (5, "Query must be a valid JSON object"),
            ("TrendsQuery", "Query must be a valid JSON object"),
            ([TRENDS], "Query must be a valid JSON object"),
            ({}, "Query must be a valid JSON object"),
            ("", "Query must be a valid JSON object"),
            ({"series": []}, "query has no 'kind'."),
            ({"kind": ""}, "query has no 'kind'."),
            ({"kind": 7}, "query has no 'kind'."),
            ({"kind": "MysteryQuery"}, "Unknown query kind 'MysteryQuery' in query."),
            (
                {"kind": "InsightVizNode", "source": {"kind": "MysteryQuery"}},
                "Unknown query kind 'MysteryQuery' in query.source.",
            ),
            ({"kind": "InsightVizNode"}, "query.source is required for InsightVizNode."),
        ],
        ids=[
            "number", "string", "list", "empty-object", "empty-string", "no-kind", "blank-kind",
            "numeric-kind", "unknown-kind", "unknown-source-kind", "wrapper-without-source",
        ],
    )  # fmt: skip
    def test_an_invalid_query_is_a_400(self, tenant: Tenant, query: Any, detail: str) -> None:
        result = tenant.post("insights", json={"name": "Broken", "query": query})

        assert result.status_code == 400
        if query:
            # PostHog's request parser refuses a query that is not a known node, as it
            # refuses a body that is not JSON: naming no field.
            assert result.json == {
                "type": "invalid_request",
                "code": "parse_error",
                "detail": detail,
                "attr": None,
            }
        else:
            assert result.json == validation_error("query", detail)
        assert listed_names(tenant) == []

    def test_an_invalid_query_in_a_patch_changes_nothing(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Trends", query=TRENDS)

        result = tenant.patch(
            f"insights/{created['id']}", json={"name": "Broken", "query": {"kind": "Nope"}}
        )

        assert result.status_code == 400
        assert result.json["code"] == "parse_error"
        assert retrieve(tenant, created) == created


class TestFieldLimits:
    @pytest.mark.parametrize("field", ["name", "derived_name", "description"])
    def test_400_characters_are_accepted(self, tenant: Tenant, field: str) -> None:
        result = tenant.post("insights", json={field: "x" * 400})

        assert result.status_code == 201
        assert result.json[field] == "x" * 400

    @pytest.mark.parametrize("field", ["name", "derived_name", "description"])
    def test_more_than_400_characters_is_a_400_max_length(self, tenant: Tenant, field: str) -> None:
        result = tenant.post("insights", json={field: "x" * 401})

        assert result.status_code == 400
        assert result.json == validation_error(
            field, "Ensure this field has no more than 400 characters.", code="max_length"
        )

    @pytest.mark.parametrize("field", ["name", "derived_name", "description"])
    def test_more_than_400_characters_is_a_400_on_patch(self, tenant: Tenant, field: str) -> None:
        created = tenant.create_insight(name="Short")

        result = tenant.patch(f"insights/{created['id']}", json={field: "x" * 401})

        assert result.status_code == 400
        assert result.json["code"] == "max_length"
        assert result.json["attr"] == field

    @pytest.mark.parametrize("order", [2**31 - 1, -(2**31)])
    def test_order_within_int32_is_accepted(self, tenant: Tenant, order: int) -> None:
        result = tenant.post("insights", json={"order": order})

        assert result.status_code == 201
        assert result.json["order"] == order

    def test_order_above_int32_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"order": 2**31})

        assert result.status_code == 400
        assert result.json == validation_error(
            "order", "Ensure this value is less than or equal to 2147483647.", code="max_value"
        )

    def test_order_below_int32_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"order": -(2**31) - 1})

        assert result.status_code == 400
        assert result.json == validation_error(
            "order", "Ensure this value is greater than or equal to -2147483648.", code="min_value"
        )

    def test_a_non_integer_order_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"order": "first"})

        assert result.status_code == 400
        assert result.json == validation_error("order", "A valid integer is required.")

    @pytest.mark.parametrize("field", ["favorited", "saved", "deleted"])
    def test_null_for_a_boolean_field_is_a_400(self, tenant: Tenant, field: str) -> None:
        result = tenant.post("insights", json={field: None})

        assert result.status_code == 400
        assert result.json == validation_error(field, "This field may not be null.", code="null")


class TestRequestBodies:
    def test_unknown_and_read_only_keys_are_ignored(self, tenant: Tenant) -> None:
        result = tenant.post(
            "insights",
            json={
                "name": "Plain",
                "color": "blue",
                "id": 424242,
                "short_id": "ZZZZZZZZ",
                "created_by": 999,
                "is_sample": True,
            },
        )

        assert result.status_code == 201
        body = result.json
        assert (body["name"], body["is_sample"], body["created_by"]["id"]) == (
            "Plain",
            False,
            tenant.user_id,
        )
        assert body["id"] != 424242
        assert body["short_id"] != "ZZZZZZZZ"

    def test_unknown_keys_are_ignored_on_patch(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Plain")

        result = tenant.patch(f"insights/{created['id']}", json={"color": "blue", "name": "Pale"})

        assert result.status_code == 200
        assert result.json["name"] == "Pale"

    @pytest.mark.parametrize("method", ["POST", "PATCH"])
    def test_a_json_list_body_is_a_400(self, tenant: Tenant, method: str) -> None:
        created = tenant.create_insight(name="Plain")
        suffix = "insights" if method == "POST" else f"insights/{created['id']}"

        result = raw_body(tenant, method, suffix, '[{"name": "Listed"}]')

        assert result.status_code == 400
        assert result.json == validation_error(
            None, "Invalid data. Expected a dictionary, but got list."
        )

    @pytest.mark.parametrize("method", ["POST", "PATCH"])
    def test_malformed_json_is_a_400_parse_error(self, tenant: Tenant, method: str) -> None:
        created = tenant.create_insight(name="Plain")
        suffix = "insights" if method == "POST" else f"insights/{created['id']}"

        result = raw_body(tenant, method, suffix, '{"name": "Broken"')

        assert result.status_code == 400
        assert set(result.json) == {"type", "code", "detail", "attr"}
        assert (result.json["type"], result.json["code"], result.json["attr"]) == (
            "invalid_request",
            "parse_error",
            None,
        )
        assert result.json["detail"].startswith("JSON parse error")
        assert listed_names(tenant) == ["Plain"]
