"""The insights list's feature-flag filters: `feature_flag` and `hide_feature_flag_insights`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insights_list.support import _row, name_set, names, patch_insight
from tests.tenants import Tenant

TOTAL_VOLUME = "Feature Flag Called Total Volume"
UNIQUE_USERS = "Feature Flag calls made by unique users per variant"
# The insights of the `flagged` fixture that name the flag new-checkout.
NAMING_NEW_CHECKOUT = {"Query breakdown", "Legacy breakdown", "Legacy property"}


def broken_down_by(flag: str) -> dict[str, Any]:
    source = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "breakdownFilter": {"breakdown": f"$feature/{flag}", "breakdown_type": "event"},
    }
    return {"kind": "InsightVizNode", "source": source}


class TestFeatureFlagFilter:
    @pytest.fixture
    def flagged(self, tenant: Tenant) -> Tenant:
        tenant.create_insight(name="Query breakdown", query=broken_down_by("new-checkout"))
        tenant.create_insight(
            name="Legacy breakdown",
            filters={"insight": "TRENDS", "breakdown": "$feature/new-checkout"},
        )
        tenant.create_insight(
            name="Legacy property",
            filters={
                "insight": "TRENDS",
                "properties": [{"key": "$feature/new-checkout", "value": "test"}],
            },
        )
        tenant.create_insight(name="Other flag", query=broken_down_by("dark-mode"))
        tenant.create_insight(name="Plain")
        return tenant

    def test_breakdowns_and_properties_naming_the_flag_match(self, flagged: Tenant) -> None:
        assert name_set(flagged, feature_flag="new-checkout") == NAMING_NEW_CHECKOUT

    def test_a_nul_in_a_string_breakdown_or_properties_is_stored_and_matched(
        self, tenant: Tenant
    ) -> None:
        # PostgreSQL's text cannot hold a NUL: these two are kept as bare strings, not JSON.
        filters = {"breakdown": "a\x00$feature/new-checkout", "properties": "b\x00new-checkout"}
        created = tenant.post("insights", json={"name": "With NUL", "filters": filters})
        patched = tenant.patch(
            f"insights/{created.json['id']}", json={"filters": {**filters, "insight": "TRENDS"}}
        )

        assert (created.status_code, patched.status_code) == (201, 200)
        assert patched.json["filters"] == {**filters, "insight": "TRENDS"}
        assert name_set(tenant, feature_flag="new-checkout") == {"With NUL"}

    def test_the_flag_key_matches_case_insensitively(self, flagged: Tenant) -> None:
        assert name_set(flagged, feature_flag="NEW-Checkout") == NAMING_NEW_CHECKOUT

    def test_a_key_is_a_substring_as_in_posthog(self, flagged: Tenant) -> None:
        # PostHog tests `icontains`: a prefix of a key matches the longer key too.
        assert name_set(flagged, feature_flag="new") == NAMING_NEW_CHECKOUT

    def test_properties_match_the_bare_key(self, flagged: Tenant) -> None:
        flagged.create_insight(
            name="Bare property",
            filters={"properties": [{"key": "dark-mode", "type": "flag"}]},
        )

        assert name_set(flagged, feature_flag="dark-mode") == {"Other flag", "Bare property"}

    def test_like_wildcards_in_the_key_are_literal(self, flagged: Tenant) -> None:
        assert names(flagged, feature_flag="new_checkout") == []
        assert names(flagged, feature_flag="%") == []

    def test_a_changed_query_is_filtered_by_its_new_breakdown(self, flagged: Tenant) -> None:
        patch_insight(flagged, _row(flagged, "Other flag"), query=broken_down_by("new-checkout"))
        patch_insight(flagged, _row(flagged, "Legacy breakdown"), filters={"insight": "TRENDS"})

        assert name_set(flagged, feature_flag="new-checkout") == {
            "Query breakdown",
            "Other flag",
            "Legacy property",
        }
        assert names(flagged, feature_flag="dark-mode") == []

    def test_combines_with_search(self, flagged: Tenant) -> None:
        assert names(flagged, feature_flag="dark-mode", search="flag") == ["Other flag"]
        assert names(flagged, feature_flag="new-checkout", search="flag") == []

    def test_a_key_with_a_nul_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.get("insights", params={"feature_flag": "a\x00b"})

        assert result.status_code == 400
        assert (result.json["attr"], result.json["detail"]) == (
            "feature_flag",
            "Null characters are not allowed.",
        )


class TestHideFeatureFlagInsights:
    @pytest.fixture
    def generated(self, tenant: Tenant) -> Tenant:
        tenant.create_insight(name=TOTAL_VOLUME)
        tenant.create_insight(name=UNIQUE_USERS)
        tenant.create_insight(name=TOTAL_VOLUME.lower())
        tenant.create_insight(name="Signups")
        tenant.create_insight(derived_name="Unnamed")
        return tenant

    @pytest.mark.parametrize("value", ["true", "1", "yes", "on", "True"])
    def test_truthy_leaves_out_the_generated_insights(self, generated: Tenant, value: str) -> None:
        # Names compare exactly; an unnamed insight stays.
        assert name_set(generated, hide_feature_flag_insights=value) == {
            TOTAL_VOLUME.lower(),
            "Signups",
            None,
        }

    @pytest.mark.parametrize("value", ["false", "0", "", "no"])
    def test_anything_else_keeps_them(self, generated: Tenant, value: str) -> None:
        assert len(names(generated, hide_feature_flag_insights=value)) == 5
