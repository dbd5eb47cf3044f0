"""Capture: autocapture elements, stored as the canonical chain and counted by stats."""

from __future__ import annotations

import uuid

from tests.api.capture.support import (
    SHOP,
    click,
    clicks,
    pageview,
    post_batch,
    stats,
    stored_uuids,
    the_chain_of,
    the_one_stored,
    values,
)
from tests.tenants import Tenant

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
