"""Elements: update, and the updates refused."""

from __future__ import annotations

from typing import Any

import falcon.testing
import pytest

from tests.api.elements.support import (
    BUY_BUTTON,
    INT32_MAX,
    INT32_MIN,
    NOT_AN_INTEGER,
    SHAPE,
    call,
    create,
    invalid,
    listed,
    retrieve,
    too_long,
)
from tests.bodies import ELEMENT_FIELDS
from tests.tenants import Tenant


def put(tenant: Tenant, suffix: str, **kwargs: Any) -> falcon.testing.Result:
    return tenant.client.simulate_put(tenant.path(suffix), headers=tenant.headers, **kwargs)


class TestUpdate:
    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_an_update_changes_only_the_sent_fields(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        result = call(
            tenant, method, f"elements/{buy_button['id']}", json={"text": "Buy later", "order": 3}
        )

        expected = {**buy_button, "text": "Buy later", "order": 3}
        assert result.status_code == 200, result.text
        assert list(result.json) == SHAPE
        assert result.json == expected
        assert retrieve(tenant, buy_button) == expected

    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_an_empty_update_changes_nothing(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        result = call(tenant, method, f"elements/{buy_button['id']}", json={})

        assert result.status_code == 200
        assert result.json == buy_button
        assert retrieve(tenant, buy_button) == buy_button

    def test_put_with_every_field_replaces_every_field(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        replacement = {
            "text": "Cancel",
            "tag_name": "a",
            "attr_class": ["link"],
            "href": "/cancel",
            "attr_id": "cancel",
            "nth_child": 5,
            "nth_of_type": 4,
            "attributes": {"attr__role": "link"},
            "order": 1,
        }

        result = put(tenant, f"elements/{buy_button['id']}", json=replacement)

        assert result.status_code == 200, result.text
        assert result.json == {"id": buy_button["id"], **replacement}

    def test_nullable_fields_can_be_set_to_null(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        nulls = {field: None for field in ELEMENT_FIELDS if field != "attributes"}

        result = tenant.patch(f"elements/{buy_button['id']}", json=nulls)

        assert result.status_code == 200, result.text
        assert result.json == {
            "id": buy_button["id"],
            **nulls,
            "attributes": BUY_BUTTON["attributes"],
        }

    def test_the_id_cannot_be_changed(self, tenant: Tenant, buy_button: dict[str, Any]) -> None:
        result = tenant.patch(f"elements/{buy_button['id']}", json={"id": 1, "text": "Kept id"})

        assert result.status_code == 200
        assert result.json["id"] == buy_button["id"]
        assert retrieve(tenant, buy_button)["text"] == "Kept id"

    def test_attributes_one_to_true_is_a_real_change(self, tenant: Tenant) -> None:
        created = create(tenant, attributes={"x": 1})

        result = tenant.patch(f"elements/{created['id']}", json={"attributes": {"x": True}})

        assert result.status_code == 200
        assert result.json["attributes"] == {"x": True}
        assert retrieve(tenant, created)["attributes"]["x"] is True

    def test_attributes_true_to_one_is_a_real_change(self, tenant: Tenant) -> None:
        created = create(tenant, attributes={"x": True})

        result = tenant.patch(f"elements/{created['id']}", json={"attributes": {"x": 1}})

        assert result.status_code == 200
        stored = retrieve(tenant, created)["attributes"]["x"]
        assert stored == 1 and stored is not True

    def test_attributes_one_to_one_point_zero_is_stored_as_a_float(self, tenant: Tenant) -> None:
        created = create(tenant, attributes={"x": 1})

        tenant.patch(f"elements/{created['id']}", json={"attributes": {"x": 1.0}})

        assert type(retrieve(tenant, created)["attributes"]["x"]) is float

    def test_attributes_can_change_from_an_object_to_a_list(self, tenant: Tenant) -> None:
        created = create(tenant, attributes={"x": 1})

        result = tenant.patch(f"elements/{created['id']}", json={"attributes": ["x", 1]})

        assert result.status_code == 200
        assert retrieve(tenant, created)["attributes"] == ["x", 1]

    def test_a_number_coerced_to_the_same_text_leaves_the_text_as_it_was(
        self, tenant: Tenant
    ) -> None:
        created = create(tenant, text="42")

        result = tenant.patch(f"elements/{created['id']}", json={"text": 42})

        assert result.status_code == 200
        assert retrieve(tenant, created)["text"] == "42"

    def test_updates_through_the_environments_prefix_are_seen_by_the_project(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = call(
            tenant,
            "PATCH",
            f"elements/{buy_button['id']}",
            prefix="environments",
            json={"tag_name": "a"},
        )

        assert result.status_code == 200
        assert retrieve(tenant, buy_button)["tag_name"] == "a"

    def test_the_update_is_listed(self, tenant: Tenant, buy_button: dict[str, Any]) -> None:
        tenant.patch(f"elements/{buy_button['id']}", json={"text": "Listed change"})

        assert [row["text"] for row in listed(tenant)["results"]] == ["Listed change"]


INVALID_UPDATES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"text": "t" * 10_001}, too_long("text", 10_000)),
    ({"href": "h" * 10_001}, too_long("href", 10_000)),
    ({"attr_id": "i" * 10_001}, too_long("attr_id", 10_000)),
    ({"tag_name": "g" * 1_001}, too_long("tag_name", 1_000)),
    ({"text": True}, invalid("invalid_input", "Not a valid string.", "text")),
    ({"text": "Buy\x00now"}, invalid("null_characters_not_allowed",
                                     "Null characters are not allowed.", "text")),
    ({"attr_class": "btn"}, invalid("not_a_list", 'Expected a list of items but got type "str".',
                                    "attr_class")),
    ({"attr_class": ["ok", "c" * 201]}, too_long("attr_class__1", 200)),
    ({"nth_child": INT32_MAX + 1}, invalid("max_value",
                                           f"Ensure this value is less than or equal to {INT32_MAX}.",
                                           "nth_child")),
    ({"nth_of_type": INT32_MIN - 1}, invalid("min_value",
                                             "Ensure this value is greater than or equal to "
                                             f"{INT32_MIN}.", "nth_of_type")),
    ({"order": "abc"}, invalid("invalid_input", NOT_AN_INTEGER, "order")),
    ({"order": 1.5}, invalid("invalid_input", NOT_AN_INTEGER, "order")),
    ({"order": True}, invalid("invalid_input", NOT_AN_INTEGER, "order")),
    ({"order": "7.0"}, invalid("invalid_input", NOT_AN_INTEGER, "order")),
    ({"attributes": None}, invalid("null", "This field may not be null.", "attributes")),
    # A valid field beside an invalid one: nothing is applied.
    ({"text": "Half applied", "nth_child": "abc"}, invalid("invalid_input", NOT_AN_INTEGER,
                                                           "nth_child")),
]  # fmt: skip


class TestUpdateValidation:
    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    @pytest.mark.parametrize(
        ("body", "error"), INVALID_UPDATES, ids=[str(i) for i in range(len(INVALID_UPDATES))]
    )
    def test_an_invalid_update_is_400_and_changes_nothing(
        self,
        tenant: Tenant,
        buy_button: dict[str, Any],
        method: str,
        body: dict[str, Any],
        error: dict[str, Any],
    ) -> None:
        result = call(tenant, method, f"elements/{buy_button['id']}", json=body)

        assert result.status_code == 400
        assert result.json == error
        assert retrieve(tenant, buy_button) == buy_button
        assert listed(tenant)["results"] == [buy_button]

    def test_a_malformed_json_update_is_a_parse_error_and_changes_nothing(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = call(
            tenant,
            "PATCH",
            f"elements/{buy_button['id']}",
            body='{"text": "Half',
            headers={"Content-Type": "application/json"},
        )

        assert result.status_code == 400
        assert result.json["code"] == "parse_error"
        assert retrieve(tenant, buy_button) == buy_button
