"""Capture: every path takes every body shape, unusual but valid bodies are never a 500
(CONTRACT §4), and NUL characters are replaced."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import orjson
import pytest

from tests.api.capture.support import (
    MIB,
    OK,
    SHOP,
    click,
    clicks,
    pageview,
    post_batch,
    stats,
    stored_uuids,
    the_chain_of,
    the_one_stored,
)
from tests.tenants import Tenant

CAPTURE_PATHS = ("/e", "/e/", "/capture", "/capture/", "/batch", "/batch/", "/i/v0/e", "/i/v0/e/")


# ---------------------------------------------------------------------------------------------
# Paths and body shapes


def single_event_body(tenant: Tenant, events: list[dict[str, Any]]) -> Any:
    return {**events[0], "api_key": tenant.project_api_key}


def batch_body(tenant: Tenant, events: list[dict[str, Any]]) -> Any:
    return {"api_key": tenant.project_api_key, "batch": events}


def bare_list_body(tenant: Tenant, events: list[dict[str, Any]]) -> Any:
    return [{**event, "token": tenant.project_api_key} for event in events]


BODY_SHAPES: dict[str, tuple[Callable[[Tenant, list[dict[str, Any]]], Any], int]] = {
    "single event": (single_event_body, 1),
    "batch": (batch_body, 3),
    "bare list": (bare_list_body, 3),
}


class TestPathsAndBodyShapes:
    @pytest.mark.parametrize("shape", list(BODY_SHAPES))
    @pytest.mark.parametrize("path", CAPTURE_PATHS)
    def test_every_capture_path_stores_every_body_shape_and_answers_status_1(
        self, tenant: Tenant, path: str, shape: str
    ) -> None:
        make_body, count = BODY_SHAPES[shape]
        events = [click("Buy hat"), pageview(), click("Buy scarf")][:count]

        result = tenant.client.simulate_post(path, json=make_body(tenant, events))

        assert result.status_code == 200, result.text
        assert result.json == OK
        assert stored_uuids(tenant) == sorted(event["uuid"] for event in events)

    def test_a_batch_is_counted_in_element_stats_as_soon_as_capture_answers(
        self, tenant: Tenant
    ) -> None:
        result = tenant.capture(
            [click("Buy hat"), click("Buy hat"), click("Buy scarf"), pageview()]
        )

        assert result.status_code == 200
        assert clicks(tenant) == [("$autocapture", "Buy hat", 2), ("$autocapture", "Buy scarf", 1)]

    def test_a_batch_of_more_than_1_mib_is_accepted(self, tenant: Tenant) -> None:
        # CONTRACT §4's 1 MiB cap is for the REST API; capture allows 20 MiB.
        events = [
            {**pageview(), "properties": {"$current_url": SHOP, "note": "h" * 10_000}}
            for _ in range(150)
        ]
        body = orjson.dumps({"api_key": tenant.project_api_key, "batch": events})
        assert len(body) > int(1.4 * MIB)

        result = tenant.client.simulate_post(
            "/batch/", body=body, headers={"Content-Type": "application/json"}
        )

        assert (result.status_code, result.json) == (200, OK)
        assert len(stored_uuids(tenant)) == 150


class TestNulCharacters:
    def test_nul_in_properties_is_replaced_not_500(self, tenant: Tenant) -> None:
        event = pageview()
        event["properties"] = {"$current_url": f"{SHOP}\u0000", "hat\u0000size": "L\u0000XL"}

        result = post_batch(tenant, [event])

        assert (result.status_code, result.json) == (200, OK)
        assert the_one_stored(tenant).properties == {
            "$current_url": f"{SHOP}\ufffd",
            "hat\ufffdsize": "L\ufffdXL",
        }

    def test_nul_in_the_event_name_and_distinct_id_is_replaced(self, tenant: Tenant) -> None:
        result = post_batch(tenant, [pageview(event="hat\u0000bought", distinct_id="ada\u0000")])

        assert (result.status_code, result.json) == (200, OK)
        row = the_one_stored(tenant)
        assert (row.event, row.distinct_id) == ("hat\ufffdbought", "ada\ufffd")

    def test_nul_in_element_text_is_replaced_in_the_chain_and_stats(self, tenant: Tenant) -> None:
        result = post_batch(tenant, [click("Buy\u0000hat")])

        assert (result.status_code, result.json) == (200, OK)
        assert the_one_stored(tenant).elements_chain == the_chain_of("Buy\ufffdhat")
        assert clicks(tenant) == [("$autocapture", "Buy\ufffdhat", 1)]

    def test_nul_in_an_elements_chain_string_is_replaced(self, tenant: Tenant) -> None:
        sent = 'a:nth-child="0"nth-of-type="0"text="Pri\u0000cing"'
        event = {"event": "$autocapture", "distinct_id": "ada", "elements_chain": sent}

        result = post_batch(tenant, [event])

        assert (result.status_code, result.json) == (200, OK)
        assert the_one_stored(tenant).elements_chain == sent.replace("\u0000", "\ufffd")


# ---------------------------------------------------------------------------------------------
# Unusual but valid bodies: never a 500 (CONTRACT §4)


def nested(depth: int) -> str:
    """JSON of an object `depth` levels deep: {"hat": {"hat": … 1 …}}."""
    return '{"hat": ' * depth + "1" + "}" * depth


class TestUnusualBodies:
    def test_a_form_with_url_encoded_plain_json_is_stored_with_its_unicode(
        self, tenant: Tenant
    ) -> None:
        # A form's `data` may be the JSON itself (PostHog reads base64 or plain JSON).
        event = pageview()
        event["properties"]["hat"] = "Hüte 🎩"
        data = quote(orjson.dumps({"api_key": tenant.project_api_key, "batch": [event]}))

        result = tenant.client.simulate_post(
            "/e/",
            body=f"data={data}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

        assert (result.status_code, result.json) == (200, OK), result.text
        assert the_one_stored(tenant).properties == {"$current_url": SHOP, "hat": "Hüte 🎩"}

    @pytest.mark.parametrize("depth", [300, 900])
    def test_deeply_nested_properties_are_not_a_500(self, tenant: Tenant, depth: int) -> None:
        # Valid JSON (the parser allows 1,024 levels): either stored, or refused naming the
        # event's properties; never a server error.
        event_uuid = str(uuid.uuid4())
        body = (
            f'{{"api_key": "{tenant.project_api_key}", "batch": [{{"event": "$pageview", '
            f'"distinct_id": "ada", "uuid": "{event_uuid}", "properties": {nested(depth)}}}]}}'
        )

        result = tenant.client.simulate_post(
            "/batch/", body=body, headers={"Content-Type": "application/json"}
        )

        assert result.status_code in (200, 400), result.text
        if result.status_code == 200:
            assert result.json == OK
            assert stored_uuids(tenant) == [event_uuid]
        else:
            assert result.json["attr"] == "batch__0__properties"
            assert stored_uuids(tenant) == []

    def test_a_distinct_id_number_is_stored_as_text(self, tenant: Tenant) -> None:
        post_batch(tenant, [pageview(distinct_id=4242)])

        assert the_one_stored(tenant).distinct_id == "4242"

    def test_a_distinct_id_in_properties_is_used(self, tenant: Tenant) -> None:
        event = pageview()
        del event["distinct_id"]
        event["properties"]["distinct_id"] = "grace"

        post_batch(tenant, [event])

        assert the_one_stored(tenant).distinct_id == "grace"

    def test_a_very_long_elements_chain_is_stored_and_counted(self, tenant: Tenant) -> None:
        sent = 'a:nth-child="0"nth-of-type="0"text="' + "hat " * 10_000 + '"'
        event = {"event": "$autocapture", "distinct_id": "ada", "elements_chain": sent}

        result = post_batch(tenant, [event])

        assert (result.status_code, result.json) == (200, OK)
        assert the_one_stored(tenant).elements_chain == sent
        assert [row["count"] for row in stats(tenant)] == [1]
