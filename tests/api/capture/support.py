"""Events, bodies and read-backs shared by the capture tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import orjson

from store.backend import Backend
from tests.tenants import Tenant

OK = {"status": 1}
MIB = 1 << 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SHOP = "https://hats.example/shop"
TOKEN_HELP = "You can find your project API key in your insightlog project settings."
MISSING_API_KEY = {
    "type": "authentication_error",
    "code": "missing_api_key",
    "detail": f"API key not provided. {TOKEN_HELP}",
    "attr": None,
}


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


def the_chain_of(text: str) -> str:
    return (
        f'button.buy:attr__class="buy"nth-child="1"nth-of-type="0"text="{text}";'
        'div:attr__id="main"attr_id="main"nth-child="1"nth-of-type="1"'
    )
