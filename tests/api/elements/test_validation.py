"""Elements: validation of text, `attr_class`, integer and `attributes` fields (reference
§4.2)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.elements.support import (
    INT32_MAX,
    INT32_MIN,
    NOT_AN_INTEGER,
    call,
    create,
    invalid,
    listed,
    retrieve,
    too_long,
)
from tests.tenants import Tenant

# --------------------------------------------------------------------------------------------
# Validation (reference §4.2)
# --------------------------------------------------------------------------------------------


class TestTextValidation:
    @pytest.mark.parametrize(("field", "limit"), [("text", 10_000), ("href", 10_000),
                                                  ("attr_id", 10_000), ("tag_name", 1_000)])  # fmt: skip
    def test_a_value_at_the_limit_is_accepted(self, tenant: Tenant, field: str, limit: int) -> None:
        created = create(tenant, **{field: "k" * limit})

        assert len(retrieve(tenant, created)[field]) == limit

    @pytest.mark.parametrize(("field", "limit"), [("text", 10_000), ("href", 10_000),
                                                  ("attr_id", 10_000), ("tag_name", 1_000)])  # fmt: skip
    def test_a_value_over_the_limit_is_max_length(
        self, tenant: Tenant, field: str, limit: int
    ) -> None:
        result = tenant.post("elements", json={field: "k" * (limit + 1)})

        assert result.status_code == 400
        assert result.json == too_long(field, limit)
        assert listed(tenant)["count"] == 0

    @pytest.mark.parametrize("field", ["text", "tag_name", "href", "attr_id"])
    def test_a_nul_character_is_refused(self, tenant: Tenant, field: str) -> None:
        result = tenant.post("elements", json={field: "Buy\x00now"})

        assert result.status_code == 400
        assert result.json == invalid(
            "null_characters_not_allowed", "Null characters are not allowed.", field
        )
        assert listed(tenant)["count"] == 0


class TestAttrClassValidation:
    @pytest.mark.parametrize(
        ("sent", "kind"), [("btn primary", "str"), ({"0": "btn"}, "dict"), (5, "int")]
    )
    def test_a_value_that_is_not_a_list_is_not_a_list(
        self, tenant: Tenant, sent: Any, kind: str
    ) -> None:
        result = tenant.post("elements", json={"attr_class": sent})

        assert result.status_code == 400
        assert result.json == invalid(
            "not_a_list", f'Expected a list of items but got type "{kind}".', "attr_class"
        )

    def test_an_item_of_200_characters_is_accepted(self, tenant: Tenant) -> None:
        created = create(tenant, attr_class=["c" * 200])

        assert created["attr_class"] == ["c" * 200]

    def test_the_first_item_over_200_characters_is_named_by_index_0(self, tenant: Tenant) -> None:
        result = tenant.post("elements", json={"attr_class": ["c" * 201]})

        assert result.status_code == 400
        assert result.json == too_long("attr_class__0", 200)

    def test_a_later_item_over_200_characters_is_named_by_its_index(self, tenant: Tenant) -> None:
        result = tenant.post("elements", json={"attr_class": ["btn", "primary", "c" * 201]})

        assert result.status_code == 400
        assert result.json == too_long("attr_class__2", 200)
        assert listed(tenant)["count"] == 0

    def test_a_null_item_may_not_be_null(self, tenant: Tenant) -> None:
        result = tenant.post("elements", json={"attr_class": ["btn", None]})

        assert result.status_code == 400
        assert result.json == invalid("null", "This field may not be null.", "attr_class__1")

    def test_a_nul_character_in_an_item_is_refused_at_its_index(self, tenant: Tenant) -> None:
        result = tenant.post("elements", json={"attr_class": ["btn", "pri\x00mary"]})

        assert result.status_code == 400
        assert result.json == invalid(
            "null_characters_not_allowed", "Null characters are not allowed.", "attr_class__1"
        )


class TestIntegerValidation:
    @pytest.mark.parametrize("field", ["nth_child", "nth_of_type", "order"])
    def test_the_int32_bounds_are_accepted(self, tenant: Tenant, field: str) -> None:
        high = create(tenant, **{field: INT32_MAX})
        low = create(tenant, **{field: INT32_MIN})

        assert retrieve(tenant, high)[field] == INT32_MAX
        assert retrieve(tenant, low)[field] == INT32_MIN

    @pytest.mark.parametrize(
        ("field", "sent"),
        [("nth_child", INT32_MAX + 1), ("nth_of_type", INT32_MAX + 1), ("order", INT32_MAX + 1),
         ("nth_child", 2**63), ("order", 10**20), ("nth_of_type", 10**20)],
    )  # fmt: skip
    def test_above_int32_is_max_value(self, tenant: Tenant, field: str, sent: int) -> None:
        result = tenant.post("elements", json={field: sent})

        assert result.status_code == 400
        assert result.json == invalid(
            "max_value", f"Ensure this value is less than or equal to {INT32_MAX}.", field
        )
        assert listed(tenant)["count"] == 0

    @pytest.mark.parametrize(
        ("field", "sent"),
        [("nth_child", INT32_MIN - 1), ("nth_of_type", INT32_MIN - 1), ("order", INT32_MIN - 1),
         ("order", -(2**63))],
    )  # fmt: skip
    def test_below_int32_is_min_value(self, tenant: Tenant, field: str, sent: int) -> None:
        result = tenant.post("elements", json={field: sent})

        assert result.status_code == 400
        assert result.json == invalid(
            "min_value", f"Ensure this value is greater than or equal to {INT32_MIN}.", field
        )

    @pytest.mark.parametrize(
        ("field", "sent"),
        [*(("nth_child", sent) for sent in ("abc", 1.5, True, False, "7.0", "", [1], {"n": 1})),
         ("nth_of_type", "abc"), ("nth_of_type", True), ("order", 1.5), ("order", "7.0")],
    )  # fmt: skip
    def test_a_non_integer_is_invalid_input(self, tenant: Tenant, field: str, sent: Any) -> None:
        result = tenant.post("elements", json={field: sent})

        assert result.status_code == 400
        assert result.json == invalid("invalid_input", NOT_AN_INTEGER, field)
        assert listed(tenant)["count"] == 0


class TestAttributes:
    def test_null_attributes_may_not_be_null(self, tenant: Tenant) -> None:
        result = tenant.post("elements", json={"attributes": None})

        assert result.status_code == 400
        assert result.json == invalid("null", "This field may not be null.", "attributes")
        assert listed(tenant)["count"] == 0

    @pytest.mark.parametrize(
        "value",
        [
            {"attr__data-attr": "buy-button"},
            {"nested": {"deep": [1, 2.5, None, True, {"x": "y"}]}},
            ["a", 1, None],
            "just a string",
            42,
            -7.25,
            True,
            False,
            {},
            [],
            "",
        ],
    )
    def test_any_json_value_is_stored_and_returned_as_sent(
        self, tenant: Tenant, value: Any
    ) -> None:
        created = create(tenant, attributes=value)

        assert created["attributes"] == value
        assert type(created["attributes"]) is type(value)
        assert retrieve(tenant, created)["attributes"] == value
        assert listed(tenant)["results"][0]["attributes"] == value

    def test_a_big_integer_in_attributes_is_returned_exactly(self, tenant: Tenant) -> None:
        value = {"big": 12345678901234567890123, "u64": 18446744073709551615}

        created = create(tenant, attributes=value)

        assert retrieve(tenant, created)["attributes"] == value

    def test_a_nul_character_inside_attributes_is_stored_as_sent(self, tenant: Tenant) -> None:
        # Reference §4.2: attributes is any JSON value; "\u0000" is valid JSON text.
        result = tenant.post("elements", json={"attributes": {"k\x00ey": "va\x00lue"}})

        assert result.status_code == 201, result.text
        assert retrieve(tenant, result.json)["attributes"] == {"k\x00ey": "va\x00lue"}

    @pytest.mark.parametrize("body", ['{"text": "\\ud800"}', '{"attributes": {"half": "\\udfff"}}'])
    def test_a_lone_surrogate_is_a_parse_error(self, tenant: Tenant, body: str) -> None:
        result = call(
            tenant, "POST", "elements", body=body, headers={"Content-Type": "application/json"}
        )

        assert result.status_code == 400
        assert (result.json["type"], result.json["code"]) == ("invalid_request", "parse_error")
        assert listed(tenant)["count"] == 0

    def test_absent_attributes_default_to_an_empty_object(self, tenant: Tenant) -> None:
        assert create(tenant, text="Plain")["attributes"] == {}
