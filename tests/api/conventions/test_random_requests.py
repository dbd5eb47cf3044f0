"""Property test: random bodies and query strings get a status below 500 and envelopes."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conventions.support import INSIGHT_FIELDS, INSIGHT_LIST_PARAMS, problems
from tests.tenants import Tenant

# ---------------------------------------------------------------------------------------------
# Property test: random bodies and query strings.

_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)
_BODIES = st.dictionaries(
    st.sampled_from([*INSIGHT_FIELDS, "kind", "personal_api_key"]), _JSON, max_size=5
)
_PARAMS = st.dictionaries(st.sampled_from(INSIGHT_LIST_PARAMS), _TEXT, max_size=4)
_PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class TestPropertyNeverA500:
    @_PROPERTY_SETTINGS
    @given(body=_BODIES)
    def test_random_insight_bodies_get_a_status_below_500_and_envelopes(
        self, tenant: Tenant, body: dict[str, Any]
    ) -> None:
        created = tenant.post("insights", json=body)
        target = tenant.get("insights", params={"limit": 1}).json["results"]
        patched = tenant.patch(f"insights/{target[0]['id'] if target else 1}", json=body)
        if target:
            tenant.patch(f"insights/{target[0]['id']}", json={"deleted": False})

        assert problems(created) == []
        assert problems(patched) == []

    @_PROPERTY_SETTINGS
    @given(params=_PARAMS)
    def test_random_list_query_strings_get_a_status_below_500_and_envelopes(
        self, tenant: Tenant, params: dict[str, str]
    ) -> None:
        result = tenant.get("insights", params=params)

        assert problems(result) == []
