"""Capture: gzip, forms and base64 bodies, what cannot be decoded, and the size limits."""

from __future__ import annotations

import base64
import gzip
import zlib
from typing import Any
from urllib.parse import quote

import orjson
import pytest

from tests.api.capture.support import (
    MIB,
    OK,
    click,
    stored_uuids,
)
from tests.tenants import Tenant

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


def gzipped(payload: Any) -> bytes:
    return gzip.compress(orjson.dumps(payload))


def base64_with_plus(payload: dict[str, Any]) -> str:
    """Standard base64 of the payload's JSON, padded until it holds a '+' and a '/'."""
    for size in range(64):
        text = base64.b64encode(orjson.dumps({**payload, "pad": "🎩é?>" * size})).decode()
        if "+" in text and "/" in text:
            return text
    raise AssertionError("no padding gives a '+' and a '/'")


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
