"""POST …/insights/cancel and …/insights/generate_metadata (CONTRACT.md §1 rows 1 and 2)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.tenants import Tenant


def trends(
    event: str = "$pageview", math: str = "total", kind: str = "TrendsQuery"
) -> dict[str, Any]:
    series = [{"kind": "EventsNode", "event": event, "math": math}]
    return {"kind": "InsightVizNode", "source": {"kind": kind, "series": series}}


def retention(target: dict[str, Any]) -> dict[str, Any]:
    source = {"kind": "RetentionQuery", "retentionFilter": {"targetEntity": target}}
    return {"kind": "InsightVizNode", "source": source}


def metadata(tenant: Tenant, query: Any, prefix: str = "environments") -> Any:
    return tenant.client.simulate_post(
        tenant.path("insights/generate_metadata", prefix),
        headers=tenant.headers,
        json={"query": query},
    )


class TestCancel:
    def test_cancel_answers_200_without_a_body(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            tenant.path("insights/cancel", "environments"),
            headers=tenant.headers,
            json={"client_query_id": "dashboard-refresh-7"},
        )

        assert result.status_code == 200
        assert result.content == b""

    def test_cancel_without_a_client_query_id_is_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights/cancel", json={})

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "Field is required.",
            "attr": "client_query_id",
        }

    def test_cancel_accepts_a_read_only_key(self, tenant: Tenant) -> None:
        key = tenant.key_with(["insight:read"])

        result = tenant.client.simulate_post(
            tenant.path("insights/cancel"),
            headers={"Authorization": f"Bearer {key}"},
            json={"client_query_id": "q1"},
        )

        assert result.status_code == 200


class TestGenerateMetadata:
    def test_a_trends_query_gets_a_name_and_a_description(self, tenant: Tenant) -> None:
        result = metadata(tenant, trends("user signed up", "dau"))

        assert result.status_code == 200
        assert result.json == {
            "name": "user signed up unique users trend",
            "description": "Trend of user signed up unique users, daily, since -7d.",
        }

    def test_the_same_query_always_gets_the_same_words(self, tenant: Tenant) -> None:
        first = metadata(tenant, trends("checkout started")).json
        second = metadata(tenant, trends("checkout started"), prefix="projects").json

        assert first == second

    @pytest.mark.parametrize(
        "other",
        [
            trends("$pageview", "total", "StickinessQuery"),
            trends("$autocapture", "total"),
            trends("$pageview", "weekly_active"),
        ],
        ids=["kind", "event", "math"],
    )
    def test_a_different_kind_event_or_math_gets_a_different_name(
        self, tenant: Tenant, other: dict[str, Any]
    ) -> None:
        base = metadata(tenant, trends("$pageview", "total")).json["name"]

        assert metadata(tenant, other).json["name"] != base

    @pytest.mark.parametrize(
        ("one", "other"),
        [
            (trends("login"), trends("Login")),
            (
                retention({"id": "signup", "type": "events"}),
                retention({"id": "purchase", "type": "events"}),
            ),
            (
                {"kind": "InsightVizNode", "source": {"kind": "PathsQuery"}},
                {"kind": "InsightVizNode", "source": {"kind": "PathsV2Query"}},
            ),
            (
                {"kind": "DataTableNode", "source": {"kind": "HogQLQuery", "query": "select 1"}},
                {
                    "kind": "DataVisualizationNode",
                    "source": {"kind": "HogQLQuery", "query": "select 1"},
                },
            ),
            ({"kind": "ActorsQuery"}, {"kind": "DataTableNode", "source": {"kind": "ActorsQuery"}}),
            (trends("x"), {"kind": "DataTableNode", "source": trends("x")["source"]}),
        ],
        ids=[
            "event case",
            "retention event",
            "paths kind",
            "sql wrapper",
            "bare",
            "trends wrapper",
        ],
    )
    def test_queries_that_differ_only_there_get_different_names(
        self, tenant: Tenant, one: dict[str, Any], other: dict[str, Any]
    ) -> None:
        names = [metadata(tenant, query).json["name"] for query in (one, other)]

        assert names[0] != names[1]

    def test_a_funnel_names_its_steps(self, tenant: Tenant) -> None:
        query = {
            "kind": "InsightVizNode",
            "source": {
                "kind": "FunnelsQuery",
                "series": [
                    {"kind": "EventsNode", "event": "viewed pricing"},
                    {"kind": "EventsNode", "event": "started trial"},
                ],
                "funnelsFilter": {"funnelWindowInterval": 7, "funnelWindowIntervalUnit": "day"},
            },
        }

        result = metadata(tenant, query)

        assert result.json["name"] == "Funnel: viewed pricing → started trial"
        assert "within 7 day(s)" in result.json["description"]

    def test_long_names_are_cut_to_100_and_descriptions_to_200_characters(
        self, tenant: Tenant
    ) -> None:
        result = metadata(tenant, trends("e" * 500))

        assert result.status_code == 200
        # A cut name ends in a digest of the whole: names cut alike stay different.
        assert len(result.json["name"]) == 100
        assert re.fullmatch(r"e+\.\.\. [0-9a-f]{8}", result.json["name"])
        assert len(result.json["description"]) == 200 and result.json["description"].endswith("...")

    def test_a_missing_query_is_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights/generate_metadata", json={})

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "Missing 'query' field in request body",
            "attr": None,
        }

    def test_a_bare_insight_query_is_an_invalid_format(self, tenant: Tenant) -> None:
        result = metadata(tenant, {"kind": "TrendsQuery", "series": []})

        assert result.status_code == 400
        assert result.json["detail"] == "Invalid query format"

    def test_an_unknown_kind_is_a_400_parse_error(self, tenant: Tenant) -> None:
        result = metadata(tenant, {"kind": "CrystalBallQuery"})

        assert result.status_code == 400
        assert result.json == {
            "type": "invalid_request",
            "code": "parse_error",
            "detail": "Unknown query kind 'CrystalBallQuery' in query.",
            "attr": None,
        }

    def test_it_needs_the_insight_write_scope(self, tenant: Tenant) -> None:
        key = tenant.key_with(["insight:read"])

        result = tenant.client.simulate_post(
            tenant.path("insights/generate_metadata"),
            headers={"Authorization": f"Bearer {key}"},
            json={"query": trends()},
        )

        assert result.status_code == 403
        assert result.json["detail"] == "API key missing required scope 'insight:write'"

    def test_nothing_is_stored(self, tenant: Tenant) -> None:
        metadata(tenant, trends())

        assert tenant.get("insights").json["count"] == 0
