"""Capture: dedupe by uuid, and a batch stored whole or not at all."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.capture.support import (
    OK,
    SHOP,
    click,
    clicks,
    invalid_event,
    pageview,
    post_batch,
    stats,
    stored_uuids,
)
from tests.tenants import Tenant, TenantFactory

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
