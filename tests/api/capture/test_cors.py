"""Capture: CORS, as browsers send events from any origin."""

from __future__ import annotations

import base64

import orjson
import pytest

from tests.api.capture.support import (
    MISSING_API_KEY,
    OK,
    click,
)
from tests.tenants import Tenant

# ---------------------------------------------------------------------------------------------
# CORS: browsers send events from any origin


class TestCors:
    @pytest.mark.parametrize("path", ["/e/", "/batch/", "/i/v0/e/", "/capture"])
    def test_a_preflight_is_200_and_allows_the_origin(self, tenant: Tenant, path: str) -> None:
        result = tenant.client.simulate_options(
            path,
            headers={
                "Origin": "https://hats.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )

        assert result.status_code == 200
        assert result.headers["Access-Control-Allow-Origin"] == "https://hats.example"
        assert "POST" in result.headers["Access-Control-Allow-Methods"]
        assert "content-type" in result.headers["Access-Control-Allow-Headers"].lower()

    def test_a_post_answers_with_the_origin_allowed(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            "/e/",
            json={**click("Buy hat"), "api_key": tenant.project_api_key},
            headers={"Origin": "https://hats.example"},
        )

        assert (result.status_code, result.json) == (200, OK)
        assert result.headers["Access-Control-Allow-Origin"] == "https://hats.example"
        assert result.headers["Access-Control-Allow-Credentials"] == "true"

    def test_without_an_origin_any_origin_is_allowed_without_credentials(
        self, tenant: Tenant
    ) -> None:
        # Browsers refuse `*` together with credentials.
        result = tenant.client.simulate_post(
            "/e/", json={**click("Buy hat"), "api_key": tenant.project_api_key}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert result.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in result.headers

    def test_a_refused_post_is_readable_by_the_browser_too(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            "/e/", json=click("Buy hat"), headers={"Origin": "https://hats.example"}
        )

        assert result.status_code == 401
        assert result.json == MISSING_API_KEY
        assert result.headers["Access-Control-Allow-Origin"] == "https://hats.example"

    def test_a_get_answers_with_the_origin_allowed(self, tenant: Tenant) -> None:
        data = base64.b64encode(
            orjson.dumps({**click("Buy hat"), "api_key": tenant.project_api_key})
        ).decode()

        result = tenant.client.simulate_get(
            "/e/", params={"data": data}, headers={"Origin": "https://hats.example"}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert result.headers["Access-Control-Allow-Origin"] == "https://hats.example"
