"""Chains, events and the `Shop` client shared by the element stats and values tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import falcon.testing

from tests.bodies import ELEMENT_FIELDS
from tests.tenants import Tenant

# Tuesday 10 March 2026, 15:00 UTC: "-7d" is Tuesday 3 March, whose day starts at 00:00 UTC.
NOW = datetime(2026, 3, 10, 15, 0, 0, tzinfo=UTC)
AN_HOUR_AGO = "2026-03-10T14:00:00Z"
EVENT_TYPES = ("$autocapture", "$rageclick", "$dead_click")

# Chains as posthog-js produces them (reference §1.3), clicked element first.
BUY = (
    'button.btn.btn-primary:attr__class="btn btn-primary"nth-child="2"nth-of-type="1"'
    'text="Buy now";div.pricing-card:nth-child="1"nth-of-type="1";body:nth-child="1"nth-of-type="1"'
)
SIGN_UP = (
    'a.nav-link:attr__href="/signup"attr_id="signup-link"href="/signup"nth-child="3"'
    'nth-of-type="2"text="Sign up";nav:nth-child="1"nth-of-type="1"'
)
DOCS = 'a:href="/docs"nth-child="1"nth-of-type="1"text="Docs"'
HERO = (
    'button.cta:attr__aria-label="Start trial"attr__class="cta"attr__data-attr="hero-cta"'
    'attr__data-test-id="start"href="/trial"nth-child="1"nth-of-type="1"text="Start free trial";'
    'section:attr__data-section="hero"nth-child="1"nth-of-type="1"'
)


def element(order: int, **fields: Any) -> dict[str, Any]:
    """PostHog's 9-key element dict (reference §4.1), nulls and `{}` unless given."""
    shaped: dict[str, Any] = dict.fromkeys(ELEMENT_FIELDS)
    shaped["attributes"] = {}
    shaped.update(fields)
    shaped["order"] = order
    return shaped


BUY_ELEMENTS = [
    element(
        0,
        text="Buy now",
        tag_name="button",
        attr_class=["btn", "btn-primary"],
        nth_child=2,
        nth_of_type=1,
        attributes={"attr__class": "btn btn-primary"},
    ),
    element(1, tag_name="div", attr_class=["pricing-card"], nth_child=1, nth_of_type=1),
    element(2, tag_name="body", nth_child=1, nth_of_type=1),
]


def labelled(label: str) -> str:
    """A one-element chain whose button text names it."""
    return f'button:nth-child="1"nth-of-type="1"text="{label}"'


def click(
    chain: str,
    event: str = "$autocapture",
    *,
    at: str = AN_HOUR_AGO,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One PostHog event on `chain` at `at` (no sent_at, so the timestamp is kept as is)."""
    return {
        "event": event,
        "distinct_id": "visitor-ada",
        "uuid": str(uuid.uuid4()),
        "timestamp": at,
        "properties": {**(properties or {}), "$elements_chain": chain},
    }


def clicks(
    chain: str, times: int, event: str = "$autocapture", **kwargs: Any
) -> list[dict[str, Any]]:
    return [click(chain, event, **kwargs) for _ in range(times)]


def validation_error(detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": "validation_error", "code": "invalid_input", "detail": detail, "attr": attr}


def permission_denied(detail: str) -> dict[str, Any]:
    return {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": detail,
        "attr": None,
    }


Params = Sequence[tuple[str, str]] | dict[str, str]


@dataclass
class Shop:
    """A project whose web shop sends clicks; the API answers as of NOW."""

    tenant: Tenant

    @property
    def client(self) -> falcon.testing.TestClient:
        return self.tenant.client

    @property
    def stats_path(self) -> str:
        return self.tenant.path("elements/stats")

    def capture(self, events: list[dict[str, Any]]) -> None:
        result = self.tenant.capture(events)
        assert result.status_code == 200, result.text
        assert result.json == {"status": 1}

    def get(
        self,
        suffix: str,
        params: Params = (),
        *,
        headers: dict[str, str] | None = None,
        prefix: str = "projects",
    ) -> falcon.testing.Result:
        items = list(params.items()) if isinstance(params, dict) else list(params)
        return self.client.simulate_get(
            self.tenant.path(suffix, prefix),
            query_string=urlencode(items),
            headers=self.tenant.headers if headers is None else headers,
        )

    def stats(self, params: Params = (), **kwargs: Any) -> falcon.testing.Result:
        return self.get("elements/stats", params, **kwargs)

    def stats_ok(self, params: Params = ()) -> dict[str, Any]:
        result = self.stats(params)
        assert result.status_code == 200, result.text
        return result.json

    def rows(self, params: Params = ()) -> list[tuple[str, str, int]]:
        """(text of the clicked element, type, count) of each result, in order."""
        return [
            (row["elements"][0]["text"], row["type"], row["count"])
            for row in self.stats_ok(params)["results"]
        ]

    def texts(self, params: Params = ()) -> list[str]:
        """Texts of the clicked elements that the stats count, sorted."""
        return sorted(row["elements"][0]["text"] for row in self.stats_ok(params)["results"])

    def values(self, params: Params = (), **kwargs: Any) -> falcon.testing.Result:
        return self.get("elements/values", params, **kwargs)

    def names(self, params: Params) -> list[str]:
        result = self.values(params)
        assert result.status_code == 200, result.text
        return [item["name"] for item in result.json]


FIVE_ROWS = [
    ("Sign up", "$autocapture", 5),
    ("Start free trial", "$dead_click", 4),
    ("Buy now", "$autocapture", 3),
    ("Buy now", "$rageclick", 2),
    ("Docs", "$autocapture", 1),
]
