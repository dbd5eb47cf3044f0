"""`GET …/elements/stats`: who may read stats, and that only the project's own events count."""

from __future__ import annotations

import orjson
import pytest

from tests.api.element_stats.support import (
    BUY,
    DOCS,
    SIGN_UP,
    Shop,
    click,
    clicks,
    permission_denied,
)

EVERY_EVENT = {"key": "plan", "operator": "is_set"}
"""A property filter every event of the tests that use it matches."""


# ---------------------------------------------------------------------------------------------
# Access


class TestStatsAccess:
    def test_an_element_read_key_may_read_stats(self, shop: Shop) -> None:
        shop.capture([click(DOCS)])
        key = shop.tenant.key_with(["element:read"])

        result = shop.stats(headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 200
        assert [row["count"] for row in result.json["results"]] == [1]

    def test_a_key_without_element_read_is_403(self, shop: Shop) -> None:
        key = shop.tenant.key_with(["insight:read", "dashboard:write"])

        result = shop.stats(headers={"Authorization": f"Bearer {key}"})

        assert result.status_code == 403
        assert result.json == permission_denied("API key missing required scope 'element:read'")

    def test_another_projects_member_is_403(self, shop: Shop, rival: Shop) -> None:
        result = shop.stats(headers=rival.tenant.headers)

        assert result.status_code == 403
        assert result.json == permission_denied("You don't have access to the project.")

    def test_no_credentials_is_401(self, shop: Shop) -> None:
        result = shop.stats(headers={})

        assert result.status_code == 401
        assert result.json["code"] == "not_authenticated"

    def test_other_projects_events_are_never_counted(self, shop: Shop, rival: Shop) -> None:
        shop.capture([click(BUY), click(DOCS, "$rageclick")])
        rival.capture([*clicks(BUY, 5), *clicks(DOCS, 5, "$rageclick"), click(SIGN_UP)])

        assert sorted(shop.rows()) == [("Buy now", "$autocapture", 1), ("Docs", "$rageclick", 1)]

    def test_other_projects_events_are_never_counted_by_filtered_stats(
        self, shop: Shop, rival: Shop
    ) -> None:
        shop.capture([click(BUY)])
        rival.capture([*clicks(BUY, 5), click(SIGN_UP)])

        params = {"properties": '[{"key":"$current_url","operator":"is_not_set"}]'}

        assert shop.rows(params) == [("Buy now", "$autocapture", 1)]

    @pytest.mark.parametrize(
        "group",
        [
            {"type": "OR", "values": [{"key": "absent", "operator": "is_set"}, EVERY_EVENT]},
            {"type": "OR", "values": [EVERY_EVENT]},
            {"type": "AND", "values": [{"type": "OR", "values": [EVERY_EVENT, EVERY_EVENT]}]},
        ],
        ids=["or", "or-alone", "nested-or"],
    )
    def test_an_or_group_counts_only_the_projects_own_events(
        self, shop: Shop, rival: Shop, group: dict[str, object]
    ) -> None:
        # Its filters were joined to the project's condition without brackets: `… AND a OR b`
        # tested `b` on every project's events (and answered 500 for chains not the caller's).
        shop.capture([click(BUY, properties={"plan": "mine"})])
        rival.capture(
            [
                *clicks(BUY, 5, properties={"plan": "secret"}),
                click(SIGN_UP, properties={"plan": "secret"}),
            ]
        )

        assert shop.rows({"properties": orjson.dumps(group).decode()}) == [
            ("Buy now", "$autocapture", 1)
        ]
