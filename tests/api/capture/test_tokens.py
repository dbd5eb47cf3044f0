"""Capture: project tokens, and projects never seeing each other's events."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import falcon.testing
import orjson
import pytest

from tests.api.capture.support import (
    MISSING_API_KEY,
    OK,
    TOKEN_HELP,
    click,
    clicks,
    pageview,
    post_batch,
    stored,
    stored_uuids,
    values,
)
from tests.tenants import Tenant, TenantFactory

INVALID_API_KEY = {
    "type": "authentication_error",
    "code": "invalid_api_key",
    "detail": f"Project API key invalid. {TOKEN_HELP}",
    "attr": None,
}


# ---------------------------------------------------------------------------------------------
# Project tokens


class TestTokens:
    def test_api_key_in_the_batch_body_authenticates(self, tenant: Tenant) -> None:
        event = click("Buy hat")

        result = tenant.client.simulate_post(
            "/batch/", json={"api_key": tenant.project_api_key, "batch": [event]}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_token_in_the_batch_body_authenticates(self, tenant: Tenant) -> None:
        event = click("Buy hat")

        result = tenant.client.simulate_post(
            "/batch/", json={"token": tenant.project_api_key, "batch": [event]}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    @pytest.mark.parametrize("where", ["api_key", "token", "properties.token"])
    def test_a_token_in_each_event_authenticates(self, tenant: Tenant, where: str) -> None:
        events = [click("Buy hat"), click("Buy scarf")]
        for event in events:
            if where == "properties.token":
                event["properties"]["token"] = tenant.project_api_key
            else:
                event[where] = tenant.project_api_key

        result = tenant.client.simulate_post("/batch/", json={"batch": events})

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == sorted(event["uuid"] for event in events)

    def test_no_token_is_401_missing_api_key(self, tenant: Tenant) -> None:
        event = click("Buy hat")

        result = tenant.client.simulate_post("/batch/", json={"batch": [event]})

        assert result.status_code == 401
        assert result.json == MISSING_API_KEY
        assert stored_uuids(tenant) == []

    def test_events_of_a_list_without_a_token_take_the_first_events(self, tenant: Tenant) -> None:
        # PostHog reads a bare list's token from its first event (the Mixpanel Swift SDK).
        with_token = {**click("Buy hat"), "token": tenant.project_api_key}
        without = click("Buy scarf")

        result = tenant.client.simulate_post("/batch/", json=[with_token, without])

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == sorted([with_token["uuid"], without["uuid"]])

    def test_a_list_whose_first_event_has_no_token_is_401(self, tenant: Tenant) -> None:
        without = click("Buy scarf")
        with_token = {**click("Buy hat"), "token": tenant.project_api_key}

        result = tenant.client.simulate_post("/batch/", json=[without, with_token])

        assert result.status_code == 401
        assert result.json == MISSING_API_KEY
        assert stored_uuids(tenant) == []

    def test_dollar_token_in_an_event_authenticates(self, tenant: Tenant) -> None:
        # posthog-js' identify calls send it so.
        event = {**click("Buy hat"), "$token": tenant.project_api_key}

        result = tenant.client.simulate_post("/e/", json=event)

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    @pytest.mark.parametrize("field", ["api_key", "token"])
    def test_a_form_field_beside_data_authenticates(self, tenant: Tenant, field: str) -> None:
        event = click("Buy hat")
        data = base64.b64encode(orjson.dumps(event)).decode()
        form = urlencode({"data": data, field: tenant.project_api_key})

        result = tenant.client.simulate_post(
            "/e/", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_a_blank_form_api_key_leaves_the_token_beside_it(self, tenant: Tenant) -> None:
        event = click("Buy hat")
        data = base64.b64encode(orjson.dumps(event)).decode()
        form = urlencode({"data": data, "api_key": "", "token": tenant.project_api_key})

        result = tenant.client.simulate_post(
            "/e/", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    @pytest.mark.parametrize("parameter", ["api_key", "token"])
    def test_a_query_parameter_authenticates_a_get(self, tenant: Tenant, parameter: str) -> None:
        event = click("Buy hat")
        data = base64.b64encode(orjson.dumps(event)).decode()

        result = tenant.client.simulate_get(
            "/e/", params={"data": data, parameter: tenant.project_api_key}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_an_unknown_form_token_is_401_invalid_api_key(self, tenant: Tenant) -> None:
        data = base64.b64encode(orjson.dumps(click("Buy hat"))).decode()
        form = urlencode({"data": data, "api_key": "phc_NoSuchProjectHasThisToken"})

        result = tenant.client.simulate_post(
            "/e/", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )

        assert result.status_code == 401
        assert result.json == INVALID_API_KEY
        assert stored_uuids(tenant) == []

    # A NUL cannot be compared with text on PostgreSQL: it used to be a 500 there.
    @pytest.mark.parametrize("token", ["phc_NoSuchProjectHasThisToken", "phc_\x00", "\x00"])
    def test_an_unknown_token_is_401_invalid_api_key(self, tenant: Tenant, token: str) -> None:
        event = click("Buy hat")

        result = tenant.client.simulate_post("/batch/", json={"api_key": token, "batch": [event]})

        assert result.status_code == 401
        assert result.json == INVALID_API_KEY
        assert stored_uuids(tenant) == []

    def test_one_event_with_an_unknown_token_refuses_the_whole_batch(self, tenant: Tenant) -> None:
        good = {**click("Buy hat"), "token": tenant.project_api_key}
        forged = {**click("Buy scarf"), "token": "phc_NoSuchProjectHasThisToken"}

        result = tenant.client.simulate_post("/batch/", json=[good, forged])

        assert result.status_code == 401
        assert result.json == INVALID_API_KEY
        assert stored_uuids(tenant) == []

    def test_a_personal_api_key_is_not_a_project_token(self, tenant: Tenant) -> None:
        assert tenant.key.startswith("phx_")
        event = click("Buy hat")

        result = tenant.client.simulate_post(
            "/batch/", json={"api_key": tenant.key, "batch": [event]}
        )

        assert result.status_code == 401
        assert result.json == INVALID_API_KEY
        assert stored_uuids(tenant) == []

    def test_the_body_is_not_searched_for_a_personal_key(
        self, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Capture takes no personal key: parsing its body (up to 20 MiB) to look for one
        # doubled the work of every batch.
        def no_key_lookup(req: falcon.Request) -> None:
            raise AssertionError(f"the body of {req.path} was parsed to find a personal key")

        monkeypatch.setattr("api.auth._find_key", no_key_lookup)

        result = post_batch(tenant, [click("Buy hat")], personal_api_key=tenant.key)

        assert result.status_code == 200, result.text
        assert len(stored_uuids(tenant)) == 1

    def test_a_project_token_is_refused_by_the_rest_api_in_the_header(self, tenant: Tenant) -> None:
        assert tenant.project_api_key.startswith("phc_")

        result = tenant.client.simulate_get(
            tenant.path("insights"),
            headers={"Authorization": f"Bearer {tenant.project_api_key}"},
        )

        assert result.status_code == 401
        assert result.json == {
            "type": "authentication_error",
            "code": "authentication_failed",
            "detail": "Personal API key found in request Authorization header is invalid.",
            "attr": None,
        }

    def test_a_project_token_is_refused_by_the_rest_api_in_the_query_string(
        self, tenant: Tenant
    ) -> None:
        result = tenant.client.simulate_get(
            tenant.path("elements/stats"),
            params={"personal_api_key": tenant.project_api_key},
        )

        assert result.status_code == 401
        assert result.json == {
            "type": "authentication_error",
            "code": "authentication_failed",
            "detail": "Personal API key found in request query string is invalid.",
            "attr": None,
        }


# ---------------------------------------------------------------------------------------------
# Projects never see each other's events


class TestIsolation:
    def test_clicks_captured_with_one_projects_token_never_show_in_another(
        self, tenants: TenantFactory
    ) -> None:
        ann, bob = tenants.create("Ann"), tenants.create("Bob")

        ann.capture([click("Buy hat"), click("Buy hat"), pageview()])
        bob.capture([click("Buy scarf")])

        assert clicks(ann) == [("$autocapture", "Buy hat", 2)]
        assert clicks(bob) == [("$autocapture", "Buy scarf", 1)]
        assert values(bob, "text") == [{"name": "Buy scarf"}]
        assert [e.event for e in stored(bob.backend, bob.project_id)] == ["$autocapture"]

    def test_a_project_cannot_read_another_projects_stats_with_its_key(
        self, tenants: TenantFactory
    ) -> None:
        ann, bob = tenants.create("Ann"), tenants.create("Bob")
        ann.capture([click("Buy hat")])

        result = bob.client.simulate_get(ann.path("elements/stats"), headers=bob.headers)

        assert result.status_code == 403
        assert result.json == {
            "type": "authentication_error",
            "code": "permission_denied",
            "detail": "You don't have access to the project.",
            "attr": None,
        }

    def test_one_batch_with_each_projects_token_per_event_stores_each_in_its_own(
        self, tenants: TenantFactory
    ) -> None:
        ann, bob = tenants.create("Ann"), tenants.create("Bob")
        for_ann = {**click("Buy hat"), "token": ann.project_api_key}
        for_bob = {**click("Buy scarf"), "token": bob.project_api_key}

        result = ann.client.simulate_post("/batch/", json=[for_ann, for_bob])

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(ann) == [for_ann["uuid"]]
        assert stored_uuids(bob) == [for_bob["uuid"]]
