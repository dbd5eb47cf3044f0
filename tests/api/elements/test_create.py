"""Elements: create, and how values of other types are coerced or refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.elements.support import BUY_BUTTON, SHAPE, call, create, invalid, listed, retrieve
from tests.bodies import ELEMENT_FIELDS
from tests.tenants import Tenant

EMPTY: dict[str, Any] = {**dict.fromkeys(ELEMENT_FIELDS), "attributes": {}}


# --------------------------------------------------------------------------------------------
# Create
# --------------------------------------------------------------------------------------------


class TestCreate:
    def test_create_answers_201_with_the_id_and_the_nine_fields_in_order(
        self, tenant: Tenant
    ) -> None:
        result = tenant.post("elements", json=BUY_BUTTON)

        assert result.status_code == 201, result.text
        assert list(result.json) == SHAPE
        assert isinstance(result.json["id"], int)
        assert {k: v for k, v in result.json.items() if k != "id"} == BUY_BUTTON

    def test_an_empty_object_is_a_valid_element_with_every_field_null_and_attributes_empty(
        self, tenant: Tenant
    ) -> None:
        result = tenant.post("elements", json={})

        assert result.status_code == 201, result.text
        assert {k: v for k, v in result.json.items() if k != "id"} == EMPTY

    def test_an_empty_body_is_an_empty_element(self, tenant: Tenant) -> None:
        result = tenant.post("elements")

        assert result.status_code == 201, result.text
        assert {k: v for k, v in result.json.items() if k != "id"} == EMPTY

    def test_explicit_nulls_are_accepted_for_every_nullable_field(self, tenant: Tenant) -> None:
        nulls = {field: None for field in ELEMENT_FIELDS if field != "attributes"}

        result = tenant.post("elements", json=nulls)

        assert result.status_code == 201, result.text
        assert {k: v for k, v in result.json.items() if k != "id"} == EMPTY

    def test_unknown_keys_are_ignored(self, tenant: Tenant) -> None:
        result = tenant.post(
            "elements", json={"text": "Sign up", "colour": "teal", "id": 4242, "group": 7}
        )

        assert result.status_code == 201, result.text
        assert result.json["text"] == "Sign up"
        assert result.json["id"] != 4242
        assert "colour" not in result.json and "group" not in result.json

    def test_each_element_gets_its_own_increasing_id(self, tenant: Tenant) -> None:
        first = create(tenant, text="First")
        second = create(tenant, text="Second")

        assert second["id"] > first["id"]

    def test_the_created_element_is_retrievable(self, tenant: Tenant) -> None:
        created = create(tenant, **BUY_BUTTON)

        assert retrieve(tenant, created) == created

    def test_the_created_element_is_listed(self, tenant: Tenant) -> None:
        created = create(tenant, **BUY_BUTTON)

        body = listed(tenant)

        assert body["count"] == 1
        assert body["results"] == [created]

    def test_blank_strings_and_an_empty_class_list_are_kept(self, tenant: Tenant) -> None:
        created = create(tenant, text="", tag_name="", href="", attr_id="", attr_class=["", "x"])

        assert (created["text"], created["tag_name"], created["href"], created["attr_id"]) == (
            "",
            "",
            "",
            "",
        )
        assert created["attr_class"] == ["", "x"]
        assert create(tenant, attr_class=[])["attr_class"] == []

    def test_numeric_strings_are_accepted_for_integer_fields(self, tenant: Tenant) -> None:
        created = create(tenant, nth_child="3", nth_of_type="-4", order="0")

        assert (created["nth_child"], created["nth_of_type"], created["order"]) == (3, -4, 0)

    def test_non_ascii_text_up_to_the_limit_in_characters_is_accepted(self, tenant: Tenant) -> None:
        text = "é" * 9_999 + "🙂"

        created = create(tenant, text=text, tag_name="ü" * 1_000)

        assert retrieve(tenant, created)["text"] == text
        assert created["tag_name"] == "ü" * 1_000

    def test_a_malformed_json_body_is_a_parse_error_and_creates_nothing(
        self, tenant: Tenant
    ) -> None:
        result = call(
            tenant,
            "POST",
            "elements",
            body='{"text": ',
            headers={"Content-Type": "application/json"},
        )

        assert result.status_code == 400
        assert (result.json["type"], result.json["code"], result.json["attr"]) == (
            "invalid_request",
            "parse_error",
            None,
        )
        assert listed(tenant)["count"] == 0

    def test_a_body_that_is_a_list_is_refused(self, tenant: Tenant) -> None:
        # Reference silent on the envelope's attr; this asserts the product's answer.
        result = tenant.post("elements", json=[BUY_BUTTON])

        assert result.status_code == 400
        assert result.json == invalid(
            "invalid_input", "Invalid data. Expected a dictionary, but got list.", None
        )
        assert listed(tenant)["count"] == 0

    def test_a_body_over_one_mebibyte_is_413(self, tenant: Tenant) -> None:
        result = tenant.post("elements", json={"attributes": {"blob": "z" * (1 << 20)}})

        assert result.status_code == 413
        assert result.json == {
            "type": "invalid_request",
            "code": "request_too_large",
            "detail": "Request body is larger than 1 MiB.",
            "attr": None,
        }
        assert listed(tenant)["count"] == 0


class TestCoercion:
    @pytest.mark.parametrize(
        ("field", "sent", "stored"),
        [
            ("text", 42, "42"),
            ("text", 1.5, "1.5"),
            ("text", 10**20, "100000000000000000000"),
            ("tag_name", 7, "7"),
            ("href", -3, "-3"),
            ("attr_id", 0, "0"),
        ],
    )
    def test_numbers_are_coerced_to_strings_for_text_fields(
        self, tenant: Tenant, field: str, sent: Any, stored: str
    ) -> None:
        created = create(tenant, **{field: sent})

        assert created[field] == stored
        assert retrieve(tenant, created)[field] == stored

    def test_numbers_in_attr_class_are_coerced_to_strings(self, tenant: Tenant) -> None:
        created = create(tenant, attr_class=["btn", 3])

        assert created["attr_class"] == ["btn", "3"]

    @pytest.mark.parametrize("field", ["text", "tag_name", "href", "attr_id"])
    @pytest.mark.parametrize("sent", [True, False])
    def test_booleans_are_refused_for_text_fields(
        self, tenant: Tenant, field: str, sent: bool
    ) -> None:
        result = tenant.post("elements", json={field: sent})

        assert result.status_code == 400
        assert result.json == invalid("invalid_input", "Not a valid string.", field)
        assert listed(tenant)["count"] == 0

    @pytest.mark.parametrize("sent", [{"a": 1}, ["a"]])
    def test_objects_and_lists_are_refused_for_text_fields(self, tenant: Tenant, sent: Any) -> None:
        result = tenant.post("elements", json={"text": sent})

        assert result.status_code == 400
        assert result.json == invalid("invalid_input", "Not a valid string.", "text")

    def test_a_boolean_in_attr_class_is_refused_at_its_index(self, tenant: Tenant) -> None:
        result = tenant.post("elements", json={"attr_class": ["btn", True]})

        assert result.status_code == 400
        assert result.json == invalid("invalid_input", "Not a valid string.", "attr_class__1")
