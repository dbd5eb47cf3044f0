"""PostHog-compatible capture (`/e`, `/capture`, `/batch`, `/i/v0/e`; CONTRACT.md §3 last bullet,
§7 "Capture"; issue 5 "Capture") through the WSGI app on both backends: paths and body shapes,
encodings and limits, project tokens, dedupe by uuid, all-or-nothing batches, timestamps,
autocapture elements, CORS and project isolation. What was stored is read from the
`analytics_events` table and through `GET …/elements/stats` and `…/elements/values`."""

from __future__ import annotations

import base64
import gzip
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import falcon.testing
import orjson
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.tenants import Tenant, TenantFactory

OK = {"status": 1}
MIB = 1 << 20
CAPTURE_PATHS = ("/e", "/e/", "/capture", "/capture/", "/batch", "/batch/", "/i/v0/e", "/i/v0/e/")
NOW = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SHOP = "https://hats.example/shop"
TOKEN_HELP = "You can find your project API key in your insightlog project settings."
MISSING_API_KEY = {
    "type": "authentication_error",
    "code": "missing_api_key",
    "detail": f"API key not provided. {TOKEN_HELP}",
    "attr": None,
}
INVALID_API_KEY = {
    "type": "authentication_error",
    "code": "invalid_api_key",
    "detail": f"Project API key invalid. {TOKEN_HELP}",
    "attr": None,
}
NO_DATA = {
    "type": "validation_error",
    "code": "no_data",
    "detail": "No data found. Make sure to send events in the body.",
    "attr": None,
}
BAD_GZIP = {
    "type": "validation_error",
    "code": "parse_error",
    "detail": "The body is not valid gzip data.",
    "attr": None,
}
PAYLOAD_TOO_LARGE = {
    "type": "invalid_request",
    "code": "request_too_large",
    "detail": "Capture payload is larger than 20 MiB.",
    "attr": None,
}
BODY_TOO_LARGE = {
    "type": "invalid_request",
    "code": "request_too_large",
    "detail": "Request body is larger than 20 MiB.",
    "attr": None,
}

# The posthog-js shape of an autocaptured click (reference: posthog-insight-queries.md §3,
# `elements_chain`, whose example chain this is).
SIGN_UP_ELEMENTS = [
    {
        "tag_name": "button",
        "$el_text": "Sign up",
        "attr__class": "btn primary",
        "nth_child": 1,
        "nth_of_type": 1,
    },
    {"tag_name": "div", "nth_child": 2, "nth_of_type": 1},
]
SIGN_UP_CHAIN = (
    'button.btn.primary:attr__class="btn primary"nth-child="1"nth-of-type="1"text="Sign up";'
    'div:nth-child="2"nth-of-type="1"'
)


def invalid_event(index: int, field: str | None, problem: str) -> dict[str, Any]:
    attr = f"batch__{index}" + (f"__{field}" if field else "")
    return {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": f"Invalid event at index {index}: {problem}",
        "attr": attr,
    }


def button(text: str) -> list[dict[str, Any]]:
    """The `$elements` of a click on a button with `text`, inside the shop's main div."""
    return [
        {"tag_name": "button", "$el_text": text, "attr__class": "buy", "nth_child": 1},
        {"tag_name": "div", "attr__id": "main", "nth_child": 1, "nth_of_type": 1},
    ]


def click(
    text: str,
    *,
    event: str = "$autocapture",
    distinct_id: str = "ada",
    event_uuid: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An autocaptured click on the button `text`, with a uuid of its own."""
    return {
        "event": event,
        "distinct_id": distinct_id,
        "uuid": event_uuid or str(uuid.uuid4()),
        "properties": {"$current_url": SHOP, "$elements": button(text)},
        **fields,
    }


def pageview(**fields: Any) -> dict[str, Any]:
    return {
        "event": "$pageview",
        "distinct_id": "ada",
        "uuid": str(uuid.uuid4()),
        "properties": {"$current_url": SHOP},
        **fields,
    }


def gzipped(payload: Any) -> bytes:
    return gzip.compress(orjson.dumps(payload))


def base64_with_plus(payload: dict[str, Any]) -> str:
    """Standard base64 of the payload's JSON, padded until it holds a '+' and a '/'."""
    for size in range(64):
        text = base64.b64encode(orjson.dumps({**payload, "pad": "🎩é?>" * size})).decode()
        if "+" in text and "/" in text:
            return text
    raise AssertionError("no padding gives a '+' and a '/'")


@dataclass(frozen=True)
class Stored:
    """One row of analytics_events, as the test reads it."""

    uuid: str
    event: str
    distinct_id: str
    timestamp: datetime
    properties: dict[str, Any]
    elements_chain: str


def stored(backend: Backend, project_id: int) -> list[Stored]:
    """The project's analytics events, oldest first."""
    rows = backend.analytics.database.query(
        "SELECT uuid, event, distinct_id, timestamp, properties, elements_chain "
        "FROM analytics_events WHERE project_id = %s",
        (project_id,),
    )
    events = [
        Stored(
            uuid=str(row[0]),
            event=row[1],
            distinct_id=row[2],
            timestamp=EPOCH + timedelta(microseconds=int(row[3])),
            properties=orjson.loads(row[4]) if isinstance(row[4], str) else dict(row[4]),
            elements_chain=row[5],
        )
        for row in rows
    ]
    return sorted(events, key=lambda e: (e.timestamp, e.uuid))


def stored_uuids(tenant: Tenant) -> list[str]:
    return sorted(event.uuid for event in stored(tenant.backend, tenant.project_id))


def the_one_stored(tenant: Tenant) -> Stored:
    events = stored(tenant.backend, tenant.project_id)
    assert len(events) == 1, events
    return events[0]


def stats(tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    result = tenant.get("elements/stats", params=params)
    assert result.status_code == 200, result.text
    results: list[dict[str, Any]] = result.json["results"]
    return results


def clicks(tenant: Tenant, **params: str) -> list[tuple[str, str, int]]:
    """Element stats as (type, text of the clicked element, count), sorted."""
    return sorted(
        (row["type"], row["elements"][0]["text"], row["count"]) for row in stats(tenant, **params)
    )


def values(tenant: Tenant, key: str) -> list[dict[str, str]]:
    result = tenant.get("elements/values", params={"key": key})
    assert result.status_code == 200, result.text
    found: list[dict[str, str]] = result.json
    return found


def post_batch(tenant: Tenant, events: list[Any], **body: Any) -> falcon.testing.Result:
    return tenant.client.simulate_post(
        "/batch/", json={"api_key": tenant.project_api_key, "batch": events, **body}
    )


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


# ---------------------------------------------------------------------------------------------
# Encodings


class TestEncodings:
    def test_a_gzip_body_with_content_encoding_gzip_is_stored(self, tenant: Tenant) -> None:
        event = click("Buy hat")

        result = tenant.client.simulate_post(
            "/batch/",
            body=gzipped({"api_key": tenant.project_api_key, "batch": [event]}),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_a_gzip_body_with_compression_gzip_js_is_stored(self, tenant: Tenant) -> None:
        # posthog-js: text/plain gzip body, the compression named in the query string.
        event = click("Buy hat")

        result = tenant.client.simulate_post(
            "/e/",
            params={"compression": "gzip-js", "ver": "1.200.0"},
            body=gzipped([{**event, "token": tenant.project_api_key}]),
            headers={"Content-Type": "text/plain"},
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_a_form_with_url_encoded_base64_data_is_stored(self, tenant: Tenant) -> None:
        event = click("Buy hat")
        data = base64_with_plus({"api_key": tenant.project_api_key, "batch": [event]})

        result = tenant.client.simulate_post(
            "/e/",
            body=f"data={quote(data, safe='')}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_a_form_whose_plus_signs_became_spaces_is_still_decoded(self, tenant: Tenant) -> None:
        # A form sent without escaping '+': the form decoder turns each '+' into ' '.
        event = click("Buy hat")
        data = base64_with_plus({"api_key": tenant.project_api_key, "batch": [event]})

        result = tenant.client.simulate_post(
            "/e/",
            body=f"data={data}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_a_get_with_base64_data_in_the_query_string_is_stored(self, tenant: Tenant) -> None:
        event = click("Buy hat")
        data = base64_with_plus({**event, "api_key": tenant.project_api_key})

        result = tenant.client.simulate_get("/e/", query_string=f"data={quote(data, safe='')}")

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_a_get_whose_unescaped_plus_signs_read_as_spaces_is_still_decoded(
        self, tenant: Tenant
    ) -> None:
        event = click("Buy hat")
        data = base64_with_plus({**event, "api_key": tenant.project_api_key})

        result = tenant.client.simulate_get("/e/", query_string=f"data={data}&ip=1")

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [event["uuid"]]

    def test_a_body_that_is_not_gzip_but_says_so_is_400_parse_error(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            "/batch/",
            body=b"\x1f\x8bthis is not deflate data at all",
            headers={"Content-Encoding": "gzip"},
        )

        assert result.status_code == 400
        assert result.json == BAD_GZIP

    def test_a_gzip_body_with_a_wrong_checksum_is_400_and_stores_nothing(
        self, tenant: Tenant
    ) -> None:
        event = click("Buy hat")
        body = bytearray(gzipped({"api_key": tenant.project_api_key, "batch": [event]}))
        body[-8] ^= 0xFF  # the CRC-32 of the trailer

        result = tenant.client.simulate_post(
            "/batch/", body=bytes(body), headers={"Content-Encoding": "gzip"}
        )

        assert result.status_code == 400
        assert result.json == BAD_GZIP
        assert stored_uuids(tenant) == []

    def test_a_gzip_body_cut_before_its_trailer_is_400_and_stores_nothing(
        self, tenant: Tenant
    ) -> None:
        # Without the trailer (CRC-32 and size) nothing proves the body arrived whole;
        # Python's gzip module refuses such a stream ("Compressed file ended before the
        # end-of-stream marker was reached").
        event = click("Buy hat")
        body = gzipped({"api_key": tenant.project_api_key, "batch": [event]})[:-8]

        result = tenant.client.simulate_post(
            "/batch/", body=body, headers={"Content-Encoding": "gzip"}
        )

        assert result.status_code == 400
        assert result.json == BAD_GZIP
        assert stored_uuids(tenant) == []

    def test_invalid_json_is_400_parse_error(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            "/batch/",
            body=b'{"api_key": "phc_x", "batch": [',
            headers={"Content-Type": "application/json"},
        )

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "parse_error",
            "detail": "Invalid JSON: unexpected end of data.",
            "attr": None,
        }

    def test_a_body_that_is_neither_json_nor_base64_is_400_parse_error(
        self, tenant: Tenant
    ) -> None:
        result = tenant.client.simulate_post("/batch/", body=b"<html>hats!</html>")

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "parse_error",
            "detail": "The body is neither JSON nor base64-encoded JSON.",
            "attr": None,
        }

    @pytest.mark.parametrize("body", [b"", b"  \n"], ids=["empty", "blank"])
    def test_an_empty_body_is_400_no_data(self, tenant: Tenant, body: bytes) -> None:
        result = tenant.client.simulate_post("/batch/", body=body)

        assert result.status_code == 400
        assert result.json == NO_DATA

    def test_a_get_without_data_is_400_no_data(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_get("/e/")

        assert result.status_code == 400
        assert result.json == NO_DATA

    def test_lz64_compression_is_400_and_stores_nothing(self, tenant: Tenant) -> None:
        event = click("Buy hat")

        result = tenant.client.simulate_post(
            "/e/",
            params={"compression": "lz64"},
            json={"api_key": tenant.project_api_key, "batch": [event]},
        )

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "parse_error",
            "detail": "Unsupported compression 'lz64'; use gzip.",
            "attr": None,
        }
        assert stored_uuids(tenant) == []


class TestSizeLimits:
    def test_a_gzip_bomb_is_413_and_stores_nothing(self, tenant: Tenant) -> None:
        # A real batch, then 100 MiB of zeros inside a string: about 100 KiB on the wire.
        event = click("Buy hat")
        head = orjson.dumps({"api_key": tenant.project_api_key, "batch": [event]})[:-1]
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts = [compressor.compress(head + b', "padding": "')]
        zeros = b"0" * MIB
        parts += [compressor.compress(zeros) for _ in range(100)]
        parts += [compressor.compress(b'"}'), compressor.flush()]
        bomb = b"".join(parts)
        assert len(bomb) < MIB

        result = tenant.client.simulate_post(
            "/batch/", body=bomb, headers={"Content-Encoding": "gzip"}
        )

        assert result.status_code == 413
        assert result.json == PAYLOAD_TOO_LARGE
        assert stored_uuids(tenant) == []

    def test_a_body_over_20_mib_is_413_and_stores_nothing(self, tenant: Tenant) -> None:
        event = click("Buy hat")
        body = orjson.dumps(
            {"api_key": tenant.project_api_key, "batch": [event], "padding": "p" * (20 * MIB)}
        )

        result = tenant.client.simulate_post(
            "/batch/", body=body, headers={"Content-Type": "application/json"}
        )

        assert result.status_code == 413
        assert result.json == BODY_TOO_LARGE
        assert stored_uuids(tenant) == []

    def test_a_million_values_is_413_before_anything_is_parsed(
        self, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # 3 MiB of `[],` is 20 KiB gzipped and a million Python lists once parsed: it is
        # refused by counting, open to anyone as capture is, before the token is looked at.
        parsed: list[bytes] = []
        monkeypatch.setattr("api.capture_body.json_codec.loads", parsed.append)
        body = b'{"api_key":"phc_any","batch":[' + b"[]," * 1_000_000 + b"[]]}"

        result = tenant.client.simulate_post(
            "/batch/", body=gzip.compress(body), headers={"Content-Encoding": "gzip"}
        )

        assert result.status_code == 413
        assert result.json == {
            "type": "invalid_request",
            "code": "request_too_large",
            "detail": "Capture payload has more than 1,000,000 values.",
            "attr": None,
        }
        assert parsed == []


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

    def test_one_event_without_a_token_refuses_the_whole_batch(self, tenant: Tenant) -> None:
        with_token = {**click("Buy hat"), "token": tenant.project_api_key}
        without = click("Buy scarf")

        result = tenant.client.simulate_post("/batch/", json=[with_token, without])

        assert result.status_code == 401
        assert result.json == MISSING_API_KEY
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
# Dedupe by uuid


class TestDedupe:
    def test_a_batch_sent_twice_counts_once(self, tenant: Tenant) -> None:
        batch = [click("Buy hat"), click("Buy hat"), click("Buy scarf"), pageview()]

        first = tenant.capture(batch)
        retried = tenant.capture(batch)

        assert (first.status_code, first.json) == (200, OK)
        assert (retried.status_code, retried.json) == (200, OK)
        assert stored_uuids(tenant) == sorted(event["uuid"] for event in batch)
        assert clicks(tenant) == [("$autocapture", "Buy hat", 2), ("$autocapture", "Buy scarf", 1)]

    def test_a_retry_that_adds_new_events_stores_only_the_new_ones(self, tenant: Tenant) -> None:
        sent = [click("Buy hat"), click("Buy scarf")]
        tenant.capture(sent)
        later = click("Buy scarf")

        result = tenant.capture([*sent, later])

        assert (result.status_code, result.json) == (200, OK)
        assert clicks(tenant) == [("$autocapture", "Buy hat", 1), ("$autocapture", "Buy scarf", 2)]

    def test_a_uuid_twice_in_one_batch_counts_once(self, tenant: Tenant) -> None:
        twice = click("Buy hat")

        result = tenant.capture([twice, dict(twice), click("Buy scarf")])

        assert (result.status_code, result.json) == (200, OK)
        assert len(stored_uuids(tenant)) == 2
        assert clicks(tenant) == [("$autocapture", "Buy hat", 1), ("$autocapture", "Buy scarf", 1)]

    def test_a_uuid_in_another_spelling_is_the_same_event(self, tenant: Tenant) -> None:
        event_uuid = uuid.uuid4()
        tenant.capture([click("Buy hat", event_uuid=str(event_uuid))])

        result = tenant.capture([click("Buy hat", event_uuid=str(event_uuid).upper())])

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == [str(event_uuid)]
        assert clicks(tenant) == [("$autocapture", "Buy hat", 1)]

    def test_the_same_uuid_in_two_projects_is_two_events(self, tenants: TenantFactory) -> None:
        ann, bob = tenants.create("Ann"), tenants.create("Bob")
        shared = str(uuid.uuid4())

        assert ann.capture([click("Buy hat", event_uuid=shared)]).status_code == 200
        assert bob.capture([click("Buy hat", event_uuid=shared)]).status_code == 200

        assert stored_uuids(ann) == [shared]
        assert stored_uuids(bob) == [shared]
        assert clicks(ann) == [("$autocapture", "Buy hat", 1)]
        assert clicks(bob) == [("$autocapture", "Buy hat", 1)]

    def test_a_resent_event_counts_once_beside_another_projects_event_of_its_uuid(
        self, tenants: TenantFactory
    ) -> None:
        ann, bob = tenants.create("Ann"), tenants.create("Bob")
        shared = str(uuid.uuid4())
        anns = {**click("Buy hat", event_uuid=shared), "api_key": ann.project_api_key}
        bobs = {**click("Buy scarf", event_uuid=shared), "api_key": bob.project_api_key}
        assert ann.client.simulate_post("/batch/", json=[anns]).status_code == 200

        resent = ann.client.simulate_post("/batch/", json=[anns, bobs])

        assert (resent.status_code, resent.json) == (200, OK)
        assert clicks(ann) == [("$autocapture", "Buy hat", 1)]
        assert clicks(bob) == [("$autocapture", "Buy scarf", 1)]

    def test_events_without_a_uuid_are_each_stored(self, tenant: Tenant) -> None:
        anonymous = click("Buy hat")
        del anonymous["uuid"]

        tenant.capture([anonymous])
        tenant.capture([anonymous])

        assert len(stored_uuids(tenant)) == 2
        assert clicks(tenant) == [("$autocapture", "Buy hat", 2)]


# ---------------------------------------------------------------------------------------------
# A batch is stored whole or not at all


INVALID_EVENTS: dict[str, tuple[dict[str, Any], str, str]] = {
    "missing event name": (
        {"distinct_id": "ada", "properties": {}},
        "event",
        "`event` is required (a non-empty text).",
    ),
    "blank event name": (
        {"event": "   ", "distinct_id": "ada"},
        "event",
        "`event` is required (a non-empty text).",
    ),
    "event name too long": (
        {"event": "h" * 401, "distinct_id": "ada"},
        "event",
        "`event` is longer than 400 characters.",
    ),
    "missing distinct_id": (
        {"event": "$pageview", "properties": {"$current_url": SHOP}},
        "distinct_id",
        "`distinct_id` is required (a text or a number).",
    ),
    "distinct_id an object": (
        {"event": "$pageview", "distinct_id": {"id": "ada"}},
        "distinct_id",
        "`distinct_id` is required (a text or a number).",
    ),
    "properties a list": (
        {"event": "$pageview", "distinct_id": "ada", "properties": ["$current_url"]},
        "properties",
        "`properties` must be a JSON object.",
    ),
    "bad uuid": (
        {"event": "$pageview", "distinct_id": "ada", "uuid": "hat-1234"},
        "uuid",
        "`uuid` 'hat-1234' is not a UUID.",
    ),
    "bad timestamp": (
        {"event": "$pageview", "distinct_id": "ada", "timestamp": "last tuesday"},
        "timestamp",
        "`timestamp` 'last tuesday' is not an ISO-8601 date.",
    ),
    "timestamp not a text": (
        {"event": "$pageview", "distinct_id": "ada", "timestamp": 1710500000000},
        "timestamp",
        "`timestamp` must be an ISO-8601 text.",
    ),
    "offset not a number": (
        {"event": "$pageview", "distinct_id": "ada", "offset": "soon"},
        "offset",
        "`offset` must be a number of milliseconds.",
    ),
    "$elements not a list": (
        {"event": "$autocapture", "distinct_id": "ada", "properties": {"$elements": "button"}},
        "properties",
        "`$elements` must be a list of objects, each with `attributes` an object.",
    ),
    "elements_chain not a text": (
        {"event": "$autocapture", "distinct_id": "ada", "elements_chain": 42},
        "elements_chain",
        "`elements_chain` must be a text.",
    ),
}


class TestAllOrNothing:
    @pytest.mark.parametrize("case", list(INVALID_EVENTS))
    def test_one_invalid_event_refuses_the_batch_naming_its_index(
        self, tenant: Tenant, case: str
    ) -> None:
        invalid, field, problem = INVALID_EVENTS[case]
        batch = [click("Buy hat"), invalid, click("Buy scarf")]

        result = post_batch(tenant, batch)

        assert result.status_code == 400
        assert result.json == invalid_event(1, field, problem)
        assert stored_uuids(tenant) == []
        assert stats(tenant) == []

    def test_an_event_that_is_not_an_object_refuses_the_batch(self, tenant: Tenant) -> None:
        result = post_batch(tenant, [click("Buy hat"), click("Buy scarf"), "hat"])

        assert result.status_code == 400
        assert result.json == invalid_event(2, None, "an event must be a JSON object.")
        assert stored_uuids(tenant) == []

    def test_the_first_invalid_event_is_the_one_named(self, tenant: Tenant) -> None:
        batch = [click("Buy hat"), {"event": "$pageview"}, {"distinct_id": "ada"}]

        result = post_batch(tenant, batch)

        assert result.status_code == 400
        assert result.json == invalid_event(
            1, "distinct_id", "`distinct_id` is required (a text or a number)."
        )

    def test_a_refused_batch_leaves_earlier_events_and_counts_alone(self, tenant: Tenant) -> None:
        earlier = click("Buy hat")
        tenant.capture([earlier])

        refused = post_batch(tenant, [click("Buy hat"), {"event": "$autocapture"}])

        assert refused.status_code == 400
        assert stored_uuids(tenant) == [earlier["uuid"]]
        assert clicks(tenant) == [("$autocapture", "Buy hat", 1)]

    def test_the_corrected_batch_is_then_stored_whole(self, tenant: Tenant) -> None:
        batch = [click("Buy hat"), {"event": "$autocapture", "uuid": str(uuid.uuid4())}]
        assert post_batch(tenant, batch).status_code == 400
        batch[1] = {**click("Buy scarf"), "uuid": batch[1]["uuid"]}

        result = post_batch(tenant, batch)

        assert (result.status_code, result.json) == (200, OK)
        assert stored_uuids(tenant) == sorted(event["uuid"] for event in batch)


# ---------------------------------------------------------------------------------------------
# Timestamps, at instants a test clock chooses


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def timed_backend(backend: Backend) -> Iterator[Backend]:
    """A second backend on the shared database whose clock stands still at NOW."""
    opened = open_backend(backend.url, clock=Clock(NOW))
    yield opened
    opened.close()


@pytest.fixture
def timed(timed_backend: Backend) -> Tenant:
    client = falcon.testing.TestClient(create_app(timed_backend))
    return TenantFactory(timed_backend, client).create("Tim")


class TestTimestamps:
    def test_an_event_without_a_timestamp_happened_now(self, timed: Tenant) -> None:
        post_batch(timed, [pageview()])

        assert the_one_stored(timed).timestamp == NOW

    def test_an_explicit_timestamp_is_stored_to_the_microsecond(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(timestamp="2024-03-14T09:30:00.123456Z")])

        assert the_one_stored(timed).timestamp == datetime(
            2024, 3, 14, 9, 30, 0, 123456, tzinfo=UTC
        )

    def test_a_timestamp_with_an_offset_is_stored_in_utc(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(timestamp="2024-03-14T11:30:00+02:00")])

        assert the_one_stored(timed).timestamp == datetime(2024, 3, 14, 9, 30, tzinfo=UTC)

    def test_a_timestamp_without_a_zone_is_utc(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(timestamp="2024-03-14T09:30:00")])

        assert the_one_stored(timed).timestamp == datetime(2024, 3, 14, 9, 30, tzinfo=UTC)

    def test_sent_at_corrects_the_clients_clock_skew(self, timed: Tenant) -> None:
        # The client's clock is 15 minutes fast; the click was 5 minutes before sending.
        post_batch(
            timed,
            [click("Buy hat", timestamp="2024-03-15T12:10:00Z")],
            sent_at="2024-03-15T12:15:00Z",
        )

        assert the_one_stored(timed).timestamp == NOW - timedelta(minutes=5)

    def test_ignore_sent_at_keeps_the_timestamp_as_sent(self, timed: Tenant) -> None:
        event = pageview(timestamp="2024-03-10T08:00:00Z")
        event["properties"]["$ignore_sent_at"] = True

        post_batch(timed, [event], sent_at="2024-03-15T12:15:00Z")

        assert the_one_stored(timed).timestamp == datetime(2024, 3, 10, 8, 0, tzinfo=UTC)

    def test_offset_is_milliseconds_before_now(self, timed: Tenant) -> None:
        post_batch(timed, [pageview(offset=90_500)])

        assert the_one_stored(timed).timestamp == NOW - timedelta(seconds=90.5)

    def test_offset_wins_over_timestamp_and_sent_at(self, timed: Tenant) -> None:
        post_batch(
            timed,
            [pageview(offset=1_000, timestamp="2020-01-01T00:00:00Z")],
            sent_at="2020-01-01T00:00:05Z",
        )

        assert the_one_stored(timed).timestamp == NOW - timedelta(seconds=1)

    def test_a_skew_correction_beyond_the_calendar_is_400_not_500(self, timed: Tenant) -> None:
        result = post_batch(
            timed,
            [pageview(timestamp="9999-12-31T23:59:59Z")],
            sent_at="0001-01-01T00:00:00Z",
        )

        assert result.status_code == 400
        assert result.json == invalid_event(0, "timestamp", "the timestamp is out of range.")
        assert stored_uuids(timed) == []

    def test_a_bad_sent_at_is_400_naming_it(self, timed: Tenant) -> None:
        result = post_batch(
            timed, [pageview(timestamp="2024-03-15T12:00:00Z")], sent_at="half past noon"
        )

        assert result.status_code == 400
        assert result.json == invalid_event(
            0, "sent_at", "`sent_at` 'half past noon' is not an ISO-8601 date."
        )

    def test_a_click_ten_days_ago_is_outside_the_default_week_of_stats(self, timed: Tenant) -> None:
        post_batch(
            timed,
            [click("Buy hat", timestamp="2024-03-05T12:00:00Z"), click("Buy scarf")],
        )

        assert clicks(timed) == [("$autocapture", "Buy scarf", 1)]
        assert clicks(timed, date_from="-14d") == [
            ("$autocapture", "Buy hat", 1),
            ("$autocapture", "Buy scarf", 1),
        ]


# ---------------------------------------------------------------------------------------------
# Autocapture elements


class TestElements:
    def test_posthog_js_elements_are_stored_as_the_canonical_chain(self, tenant: Tenant) -> None:
        event = click("ignored")
        event["properties"]["$elements"] = SIGN_UP_ELEMENTS

        post_batch(tenant, [event])

        assert the_one_stored(tenant).elements_chain == SIGN_UP_CHAIN

    def test_a_top_level_chain_wins_and_neither_chain_stays_in_the_properties(
        self, tenant: Tenant
    ) -> None:
        event = click("Other", elements_chain=SIGN_UP_CHAIN)
        event["properties"]["$elements_chain"] = 'span:text="Other"'

        post_batch(tenant, [event])

        row = the_one_stored(tenant)
        assert row.elements_chain == SIGN_UP_CHAIN
        assert {"$elements", "$elements_chain"} & row.properties.keys() == set()

    def test_elements_in_api_shape_are_serialised_as_reference_1_3_says(
        self, tenant: Tenant
    ) -> None:
        event = click("ignored")
        event["properties"]["$elements"] = [
            {
                "tag_name": "a",
                "attr_class": ["btn", "big"],
                "text": "Hi",
                "href": "/x",
                "nth_child": 2,
            }
        ]

        post_batch(tenant, [event])

        assert the_one_stored(tenant).elements_chain == (
            'a.big.btn:href="/x"nth-child="2"nth-of-type="0"text="Hi"'
        )
        assert [row["elements"] for row in stats(tenant)] == [
            [
                {
                    "text": "Hi",
                    "tag_name": "a",
                    "attr_class": ["big", "btn"],
                    "href": "/x",
                    "attr_id": None,
                    "nth_child": 2,
                    "nth_of_type": 0,
                    "attributes": {},
                    "order": 0,
                }
            ]
        ]

    def test_a_position_beyond_64_bits_is_stored_and_shown_as_unknown(self, tenant: Tenant) -> None:
        # It used to be a 500 that lost the whole batch: JSON writers take 64 bits at most.
        event = click("ignored")
        event["properties"]["$elements"] = [{"tag_name": "a", "nth_child": 10**20}]

        answer = post_batch(tenant, [event, click("kept")])

        assert answer.status_code == 200, answer.text
        clicked = sorted(
            (row["elements"][0]["tag_name"], row["elements"][0]["nth_child"])
            for row in stats(tenant)
        )
        assert clicked == [("a", None), ("button", 1)]

    def test_stats_show_the_parsed_elements_of_the_stored_chain(self, tenant: Tenant) -> None:
        event = click("ignored")
        event["properties"]["$elements"] = SIGN_UP_ELEMENTS

        post_batch(tenant, [event])

        (row,) = stats(tenant)
        assert (row["type"], row["count"]) == ("$autocapture", 1)
        assert row["hash"] == format(int(row["hash"], 16), "x")
        assert row["elements"] == [
            {
                "text": "Sign up",
                "tag_name": "button",
                "attr_class": ["btn", "primary"],
                "href": None,
                "attr_id": None,
                "nth_child": 1,
                "nth_of_type": 1,
                "attributes": {"attr__class": "btn primary"},
                "order": 0,
            },
            {
                "text": None,
                "tag_name": "div",
                "attr_class": None,
                "href": None,
                "attr_id": None,
                "nth_child": 2,
                "nth_of_type": 1,
                "attributes": {},
                "order": 1,
            },
        ]

    def test_elements_are_removed_from_the_stored_properties(self, tenant: Tenant) -> None:
        event = click("Buy hat")
        event["properties"]["$event_type"] = "click"

        post_batch(tenant, [event])

        assert the_one_stored(tenant).properties == {"$current_url": SHOP, "$event_type": "click"}

    def test_an_elements_chain_string_is_kept_as_sent(self, tenant: Tenant) -> None:
        # Not in canonical order (text before nth-child): stored byte for byte all the same.
        sent = 'button.buy:text="Buy hat"nth-child="1"nth-of-type="1";div:nth-child="1"'
        event = {
            "event": "$autocapture",
            "distinct_id": "ada",
            "uuid": str(uuid.uuid4()),
            "properties": {"$current_url": SHOP, "$elements_chain": sent},
        }

        post_batch(tenant, [event])

        row = the_one_stored(tenant)
        assert row.elements_chain == sent
        assert row.properties == {"$current_url": SHOP}
        assert clicks(tenant) == [("$autocapture", "Buy hat", 1)]

    def test_a_top_level_elements_chain_is_kept_as_sent(self, tenant: Tenant) -> None:
        sent = 'a:href="/pricing"nth-child="0"nth-of-type="0"text="Pricing"'
        event = {"event": "$autocapture", "distinct_id": "ada", "elements_chain": sent}

        post_batch(tenant, [event])

        assert the_one_stored(tenant).elements_chain == sent
        assert values(tenant, "href") == [{"name": "/pricing"}]

    def test_an_elements_chain_wins_over_elements(self, tenant: Tenant) -> None:
        sent = 'a:href="/pricing"nth-child="0"nth-of-type="0"text="Pricing"'
        event = click("Buy hat")
        event["properties"]["$elements_chain"] = sent

        post_batch(tenant, [event])

        row = the_one_stored(tenant)
        assert row.elements_chain == sent
        assert row.properties == {"$current_url": SHOP}

    def test_values_come_from_captured_clicks(self, tenant: Tenant) -> None:
        post_batch(tenant, [click("Buy hat"), click("Buy hat"), click("Buy scarf")])

        assert values(tenant, "text") == [{"name": "Buy hat"}, {"name": "Buy scarf"}]
        assert values(tenant, "tag_name") == [{"name": "button"}]

    def test_rage_and_dead_clicks_count_under_their_own_type(self, tenant: Tenant) -> None:
        post_batch(
            tenant,
            [
                click("Buy hat"),
                click("Buy hat", event="$rageclick"),
                click("Buy hat", event="$rageclick"),
                click("Buy hat", event="$dead_click"),
            ],
        )

        assert clicks(tenant) == [
            ("$autocapture", "Buy hat", 1),
            ("$dead_click", "Buy hat", 1),
            ("$rageclick", "Buy hat", 2),
        ]

    def test_other_events_with_elements_are_stored_but_not_in_stats(self, tenant: Tenant) -> None:
        event = click("Buy hat", event="hat_bought")

        post_batch(tenant, [event])

        row = the_one_stored(tenant)
        assert (row.event, row.elements_chain) == ("hat_bought", the_chain_of("Buy hat"))
        assert stats(tenant) == []
        assert values(tenant, "text") == []

    def test_an_element_whose_attributes_are_not_an_object_is_400_not_500(
        self, tenant: Tenant
    ) -> None:
        # CONTRACT §4: never a 500 for a client mistake.
        event = click("Buy hat")
        event["properties"]["$elements"] = [{"tag_name": "a", "attributes": "href=/x"}]

        result = post_batch(tenant, [pageview(), event])

        assert result.status_code == 400, result.text
        assert {key: result.json[key] for key in ("type", "code", "attr")} == {
            "type": "validation_error",
            "code": "invalid_input",
            "attr": "batch__1__properties",
        }
        assert result.json["detail"].startswith("Invalid event at index 1: ")
        assert stored_uuids(tenant) == []

    def test_an_element_whose_attributes_are_a_number_is_400_not_500(self, tenant: Tenant) -> None:
        event = click("Buy hat")
        event["properties"]["$elements"] = [{"tag_name": "a", "attributes": 7}]

        result = post_batch(tenant, [event])

        assert result.status_code == 400, result.text
        assert result.json["attr"] == "batch__0__properties"
        assert stored_uuids(tenant) == []


def the_chain_of(text: str) -> str:
    return (
        f'button.buy:attr__class="buy"nth-child="1"nth-of-type="0"text="{text}";'
        'div:attr__id="main"attr_id="main"nth-child="1"nth-of-type="1"'
    )


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
