"""Element CRUD (CONTRACT.md §1 rows 6-10, §3, §5; reference posthog-elements-api.md §2-§4)
through the WSGI app on both backends."""

from __future__ import annotations

import csv
import io
from typing import Any

import falcon.testing
import pytest

from domain.environment import Environment
from domain.project import Project
from store.tenancy import Tenancy
from store.tokens import random_token
from tests.bodies import (
    ELEMENT_FIELDS,
    NOT_A_MEMBER,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    method_not_allowed,
    missing_scope,
    no_project_access,
)
from tests.tenants import Tenant, TenantFactory

HOST = "toolbar.example.com"
SHAPE = ["id", *ELEMENT_FIELDS]
EMPTY = {**dict.fromkeys(ELEMENT_FIELDS), "attributes": {}}
BUY_BUTTON: dict[str, Any] = {
    "text": "Buy now",
    "tag_name": "button",
    "attr_class": ["btn", "btn-primary"],
    "href": "/checkout",
    "attr_id": "buy-now",
    "nth_child": 2,
    "nth_of_type": 1,
    "attributes": {"attr__data-attr": "buy-button", "attr__aria-label": "Buy"},
    "order": 0,
}
INT32_MAX = 2_147_483_647
INT32_MIN = -2_147_483_648

NOT_AN_INTEGER = "A valid integer is required."


def invalid(code: str, detail: str, attr: str | None) -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


def too_long(attr: str, limit: int) -> dict[str, Any]:
    return invalid("max_length", f"Ensure this field has no more than {limit} characters.", attr)


def call(
    tenant: Tenant,
    method: str,
    suffix: str,
    *,
    key: str | None = None,
    prefix: str = "projects",
    project_id: int | None = None,
    **kwargs: Any,
) -> falcon.testing.Result:
    """A request to `suffix` of the tenant's project (or `project_id`) with `key` (default:
    the tenant's own `*` key)."""
    target = tenant.project_id if project_id is None else project_id
    headers = {"Authorization": f"Bearer {key or tenant.key}", **kwargs.pop("headers", {})}
    return tenant.client.simulate_request(
        method, f"/api/{prefix}/{target}/{suffix.lstrip('/')}", headers=headers, **kwargs
    )


def create(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    result = tenant.post("elements", json=fields)
    assert result.status_code == 201, result.text
    return dict(result.json)


def retrieve(tenant: Tenant, element: dict[str, Any]) -> dict[str, Any]:
    result = tenant.get(f"elements/{element['id']}")
    assert result.status_code == 200, result.text
    return dict(result.json)


def listed(tenant: Tenant, **params: str) -> dict[str, Any]:
    result = tenant.get("elements", params=params)
    assert result.status_code == 200, result.text
    return dict(result.json)


def listed_ids(tenant: Tenant, project_id: int | None = None) -> list[int]:
    result = call(tenant, "GET", "elements", project_id=project_id)
    assert result.status_code == 200, result.text
    return [row["id"] for row in result.json["results"]]


def put(tenant: Tenant, suffix: str, **kwargs: Any) -> falcon.testing.Result:
    return tenant.client.simulate_put(tenant.path(suffix), headers=tenant.headers, **kwargs)


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    header, *rows = [line for line in csv.reader(io.StringIO(text)) if line]
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def sibling_project(tenant: Tenant, name: str = "Ann's second shop") -> int:
    """Another project of the tenant's organization, with the tenant's user as a member
    (Tenancy.bootstrap always makes a new organization, so this mirrors it by hand)."""
    backend = tenant.backend
    at = backend.clock()
    project_id = backend.sequences.next_id("team")
    project = Project.create(
        project_id=project_id,
        organization_id=tenant.organization_id,
        name=name,
        api_token=random_token("phc_"),
        actor_id=None,
        at=at,
    )
    project.add_member(user_id=tenant.user_id, actor_id=None, at=at)
    primary = Environment.create(
        environment_id=project_id, project_id=project_id, name=name, actor_id=None, at=at
    )
    backend.record(project, primary)
    return project_id


@pytest.fixture
def buy_button(tenant: Tenant) -> dict[str, Any]:
    return create(tenant, **BUY_BUTTON)


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


# --------------------------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------------------------


class TestList:
    def test_an_empty_project_lists_an_empty_envelope(self, tenant: Tenant) -> None:
        body = listed(tenant)

        assert body == {"count": 0, "next": None, "previous": None, "results": []}
        assert list(body) == ["count", "next", "previous", "results"]

    def test_elements_are_listed_in_id_order(self, tenant: Tenant) -> None:
        ids = [create(tenant, text=name)["id"] for name in ("Alpha", "Bravo", "Charlie")]

        body = listed(tenant)

        assert [row["id"] for row in body["results"]] == sorted(ids) == ids
        assert [row["text"] for row in body["results"]] == ["Alpha", "Bravo", "Charlie"]

    def test_listed_elements_equal_retrieved_ones(self, tenant: Tenant) -> None:
        create(tenant, **BUY_BUTTON)
        create(tenant)

        for row in listed(tenant)["results"]:
            assert list(row) == SHAPE
            assert retrieve(tenant, row) == row

    def test_the_default_limit_is_100(self, tenant: Tenant) -> None:
        ids = [create(tenant, order=n)["id"] for n in range(101)]

        result = tenant.client.simulate_get(
            tenant.path("elements"), headers=tenant.headers, host=HOST
        )

        body = result.json
        assert body["count"] == 101
        assert [row["id"] for row in body["results"]] == ids[:100]
        assert body["next"] == (
            f"http://{HOST}/api/projects/{tenant.project_id}/elements?limit=100&offset=100"
        )
        assert body["previous"] is None

    def test_pages_link_with_absolute_urls(self, tenant: Tenant) -> None:
        ids = [create(tenant, text=name)["id"] for name in ("One", "Two", "Three")]

        body = tenant.client.simulate_get(
            tenant.path("elements"),
            headers=tenant.headers,
            query_string="limit=1&offset=1",
            host=HOST,
        ).json

        base = f"http://{HOST}/api/projects/{tenant.project_id}/elements"
        assert body["count"] == 3
        assert [row["id"] for row in body["results"]] == [ids[1]]
        assert (body["previous"], body["next"]) == (
            f"{base}?limit=1",
            f"{base}?limit=1&offset=2",
        )

    def test_following_next_walks_every_element_once(self, tenant: Tenant) -> None:
        ids = [create(tenant, order=n)["id"] for n in range(5)]
        seen: list[int] = []
        url: str | None = f"http://{HOST}{tenant.path('elements')}?limit=2"

        while url is not None:
            path, _, query = url.removeprefix(f"http://{HOST}").partition("?")
            body = tenant.client.simulate_get(
                path, headers=tenant.headers, query_string=query, host=HOST
            ).json
            seen.extend(row["id"] for row in body["results"])
            url = body["next"]

        assert seen == ids

    def test_an_offset_past_the_end_is_an_empty_page(self, tenant: Tenant) -> None:
        create(tenant, text="Only")

        body = listed(tenant, offset="10")

        assert (body["count"], body["results"], body["next"]) == (1, [], None)

    @pytest.mark.parametrize("limit", ["abc", "0", "-1", "1.5"])
    def test_a_limit_that_is_not_a_positive_integer_falls_back_to_100(
        self, tenant: Tenant, limit: str
    ) -> None:
        ids = [create(tenant, order=n)["id"] for n in range(3)]

        body = listed(tenant, limit=limit)

        assert [row["id"] for row in body["results"]] == ids
        assert body["next"] is None

    def test_the_environments_prefix_lists_the_same_elements(self, tenant: Tenant) -> None:
        create(tenant, **BUY_BUTTON)

        result = call(tenant, "GET", "elements", prefix="environments")

        assert result.status_code == 200
        assert result.json == listed(tenant)

    def test_a_trailing_slash_is_optional_and_kept_in_next(self, tenant: Tenant) -> None:
        create(tenant, text="One")
        create(tenant, text="Two")

        result = tenant.client.simulate_get(
            tenant.path("elements/"), headers=tenant.headers, query_string="limit=1", host=HOST
        )

        assert result.status_code == 200
        assert result.json["next"] == (
            f"http://{HOST}/api/projects/{tenant.project_id}/elements/?limit=1&offset=1"
        )


# --------------------------------------------------------------------------------------------
# Routes: prefixes, trailing slashes, ids, methods
# --------------------------------------------------------------------------------------------


class TestRoutes:
    def test_create_through_the_environments_prefix_belongs_to_the_project(
        self, tenant: Tenant
    ) -> None:
        result = call(tenant, "POST", "elements", prefix="environments", json={"text": "Env"})

        assert result.status_code == 201, result.text
        assert retrieve(tenant, result.json) == result.json

    def test_every_environment_of_the_project_sees_its_elements(self, tenant: Tenant) -> None:
        staging = Tenancy(tenant.backend).add_environment(
            project_id=tenant.project_id, name="Staging"
        )
        created = call(
            tenant,
            "POST",
            "elements",
            prefix="environments",
            project_id=staging,
            json={"text": "Staged"},
        )
        assert created.status_code == 201, created.text

        retrieved = call(tenant, "GET", f"elements/{created.json['id']}")
        via_staging = call(tenant, "GET", "elements", prefix="environments", project_id=staging)

        assert retrieved.json == created.json
        assert [row["id"] for row in via_staging.json["results"]] == [created.json["id"]]

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT"])
    def test_a_trailing_slash_is_optional_on_an_element(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        result = call(tenant, method, f"elements/{buy_button['id']}/", json={})

        assert result.status_code == 200, result.text
        assert result.json == buy_button

    def test_post_with_a_trailing_slash_creates(self, tenant: Tenant) -> None:
        result = tenant.post("elements/", json={"text": "Slash"})

        assert result.status_code == 201, result.text
        assert listed_ids(tenant) == [result.json["id"]]

    def test_delete_with_a_trailing_slash_deletes(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.delete(f"elements/{buy_button['id']}/")

        assert result.status_code == 204
        assert listed_ids(tenant) == []

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    @pytest.mark.parametrize("element_id", ["buy-now", "1.5", "-1", "0", "987654321", "9" * 19])
    def test_a_non_numeric_or_unknown_id_is_404(
        self, tenant: Tenant, method: str, element_id: str
    ) -> None:
        result = call(tenant, method, f"elements/{element_id}", json={"text": "x"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("PUT", "elements"), ("PATCH", "elements"), ("DELETE", "elements"), ("POST", "{id}")],
    )
    def test_other_methods_are_405(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str, suffix: str
    ) -> None:
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, json={"text": "Nope"})

        assert result.status_code == 405
        assert result.json == method_not_allowed(method)
        assert retrieve(tenant, buy_button) == buy_button
        assert listed_ids(tenant) == [buy_button["id"]]

    def test_an_unknown_project_is_404(self, tenant: Tenant) -> None:
        result = call(tenant, "GET", "elements", project_id=987654321)

        assert result.status_code in (403, 404)
        if result.status_code == 404:
            assert result.json == {**NOT_FOUND, "detail": "Project not found."}

    def test_a_non_numeric_project_is_404(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_get("/api/projects/shop/elements", headers=tenant.headers)

        assert result.status_code == 404
        assert result.json == {**NOT_FOUND, "detail": "Project not found."}


# --------------------------------------------------------------------------------------------
# Retrieve, update, delete
# --------------------------------------------------------------------------------------------


class TestRetrieve:
    def test_retrieve_answers_what_create_answered(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.get(f"elements/{buy_button['id']}")

        assert result.status_code == 200
        assert list(result.json) == SHAPE
        assert result.json == buy_button

    def test_retrieve_through_the_environments_prefix(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = call(tenant, "GET", f"elements/{buy_button['id']}", prefix="environments")

        assert result.status_code == 200
        assert result.json == buy_button


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


class TestDelete:
    def test_delete_answers_204_with_an_empty_body(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.delete(f"elements/{buy_button['id']}")

        assert result.status_code == 204
        assert result.content == b""

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    def test_a_deleted_element_is_404_afterwards(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        assert tenant.delete(f"elements/{buy_button['id']}").status_code == 204

        result = call(tenant, method, f"elements/{buy_button['id']}", json={"text": "Revived"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_element_is_gone_from_the_list_and_its_count(self, tenant: Tenant) -> None:
        keeper = create(tenant, text="Keeper")
        doomed = create(tenant, text="Doomed")

        tenant.delete(f"elements/{doomed['id']}")

        body = listed(tenant)
        assert body["count"] == 1
        assert body["results"] == [keeper]

    def test_delete_through_the_environments_prefix(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = call(tenant, "DELETE", f"elements/{buy_button['id']}", prefix="environments")

        assert result.status_code == 204
        assert tenant.get(f"elements/{buy_button['id']}").status_code == 404

    def test_a_new_element_after_a_delete_gets_a_new_id(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        tenant.delete(f"elements/{buy_button['id']}")

        assert create(tenant, **BUY_BUTTON)["id"] != buy_button["id"]


# --------------------------------------------------------------------------------------------
# Scopes and tenancy
# --------------------------------------------------------------------------------------------


class TestScopes:
    @pytest.mark.parametrize("scopes", [["element:read"], ["element:write"], ["*"],
                                        ["insight:read", "element:read"]])  # fmt: skip
    def test_a_key_that_can_read_elements_lists_and_retrieves(
        self, tenant: Tenant, buy_button: dict[str, Any], scopes: list[str]
    ) -> None:
        key = tenant.key_with(scopes)

        listed_result = call(tenant, "GET", "elements", key=key)
        retrieved = call(tenant, "GET", f"elements/{buy_button['id']}", key=key)

        assert listed_result.status_code == 200
        assert listed_result.json["results"] == [buy_button]
        assert retrieved.status_code == 200
        assert retrieved.json == buy_button

    def test_an_element_write_key_creates_updates_and_deletes(self, tenant: Tenant) -> None:
        key = tenant.key_with(["element:write"])

        created = call(tenant, "POST", "elements", key=key, json={"text": "Writer"})
        path = f"elements/{created.json['id']}"
        patched = call(tenant, "PATCH", path, key=key, json={"text": "Rewriter"})
        replaced = call(tenant, "PUT", path, key=key, json={"order": 2})
        deleted = call(tenant, "DELETE", path, key=key)

        assert [r.status_code for r in (created, patched, replaced, deleted)] == [
            201,
            200,
            200,
            204,
        ]
        assert replaced.json["text"] == "Rewriter"
        assert listed_ids(tenant) == []

    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("POST", "elements"), ("PATCH", "{id}"), ("PUT", "{id}"), ("DELETE", "{id}")],
    )
    def test_a_read_only_key_cannot_write(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str, suffix: str
    ) -> None:
        key = tenant.key_with(["element:read"])
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=key, json={"text": "Vandalised"})

        assert result.status_code == 403
        assert result.json == missing_scope("element:write")
        assert listed(tenant)["results"] == [buy_button]

    def test_the_scope_is_checked_before_the_body_is_validated(self, tenant: Tenant) -> None:
        key = tenant.key_with(["element:read"])

        result = call(tenant, "POST", "elements", key=key, json={"nth_child": "abc"})

        assert result.status_code == 403
        assert result.json == missing_scope("element:write")

    def test_the_scope_is_checked_before_the_element_is_looked_up(self, tenant: Tenant) -> None:
        key = tenant.key_with(["element:read"])

        result = call(tenant, "DELETE", "elements/987654321", key=key)

        assert result.status_code == 403
        assert result.json == missing_scope("element:write")

    @pytest.mark.parametrize(
        "scopes",
        [["insight:read"], ["insight:write"],
         ["insight:read", "insight:write", "dashboard:write", "activity_log:read"]],
    )  # fmt: skip
    @pytest.mark.parametrize(
        ("method", "suffix", "scope"),
        [
            ("GET", "elements", "element:read"),
            ("GET", "{id}", "element:read"),
            ("POST", "elements", "element:write"),
            ("PATCH", "{id}", "element:write"),
            ("PUT", "{id}", "element:write"),
            ("DELETE", "{id}", "element:write"),
        ],
    )
    def test_keys_without_an_element_scope_are_refused(
        self,
        tenant: Tenant,
        buy_button: dict[str, Any],
        scopes: list[str],
        method: str,
        suffix: str,
        scope: str,
    ) -> None:
        key = tenant.key_with(scopes)
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=key, json={"text": "Sneaky"})

        assert result.status_code == 403
        assert result.json == missing_scope(scope)
        assert listed(tenant)["results"] == [buy_button]

    def test_no_credentials_is_401(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_get(tenant.path("elements"))

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED

    def test_no_credentials_cannot_create(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(tenant.path("elements"), json={"text": "Anon"})

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED
        assert listed(tenant)["count"] == 0


class TestProjectLimitedKeys:
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("GET", "elements"), ("GET", "{id}"), ("POST", "elements"), ("PATCH", "{id}"),
         ("PUT", "{id}"), ("DELETE", "{id}")],
    )  # fmt: skip
    def test_a_key_limited_to_another_project_is_refused_naming_the_project(
        self,
        tenant: Tenant,
        buy_button: dict[str, Any],
        second_project: int,
        method: str,
        suffix: str,
    ) -> None:
        key = tenant.key_with(["element:write"], projects=[second_project])
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=key, json={"text": "Smuggled"})

        assert result.status_code == 403
        assert result.json == no_project_access(tenant.project_id)
        assert listed(tenant)["results"] == [buy_button]

    def test_a_key_limited_to_a_project_works_there(
        self, tenant: Tenant, second_project: int
    ) -> None:
        key = tenant.key_with(["element:write"], projects=[second_project])

        created = call(
            tenant, "POST", "elements", key=key, project_id=second_project, json={"text": "Side"}
        )

        assert created.status_code == 201, created.text
        assert listed_ids(tenant, project_id=second_project) == [created.json["id"]]
        assert listed_ids(tenant) == []


class TestOtherOrganizations:
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("GET", "elements"), ("GET", "{id}"), ("POST", "elements"), ("PATCH", "{id}"),
         ("PUT", "{id}"), ("DELETE", "{id}")],
    )  # fmt: skip
    def test_a_key_of_another_organization_is_refused_and_sees_nothing(
        self,
        tenants: TenantFactory,
        tenant: Tenant,
        buy_button: dict[str, Any],
        method: str,
        suffix: str,
    ) -> None:
        stranger = tenants.create("Mallory")
        path = suffix.replace("{id}", f"elements/{buy_button['id']}")

        result = call(tenant, method, path, key=stranger.key, json={"text": "Hijacked"})

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER
        assert "Buy now" not in result.text and "buy-button" not in result.text
        assert listed(tenant)["results"] == [buy_button]

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    def test_another_tenants_element_id_in_ones_own_project_is_404(
        self,
        tenants: TenantFactory,
        tenant: Tenant,
        buy_button: dict[str, Any],
        method: str,
    ) -> None:
        stranger = tenants.create("Mallory")

        result = call(stranger, method, f"elements/{buy_button['id']}", json={"text": "Hijacked"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert listed(tenant)["results"] == [buy_button]

    def test_another_tenants_list_never_shows_the_element(
        self, tenants: TenantFactory, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        stranger = tenants.create("Mallory")
        own = create(stranger, text="Mallory's link")

        body = listed(stranger)

        assert body["count"] == 1
        assert body["results"] == [own]
        assert listed(tenant)["results"] == [buy_button]


class TestProjectsOfOneOrganization:
    def test_each_project_lists_only_its_own_elements(self, tenant: Tenant) -> None:
        sibling = sibling_project(tenant)
        own = create(tenant, text="Shop A button")
        theirs = call(tenant, "POST", "elements", project_id=sibling, json={"text": "Shop B"})
        assert theirs.status_code == 201, theirs.text

        assert listed_ids(tenant) == [own["id"]]
        assert listed_ids(tenant, project_id=sibling) == [theirs.json["id"]]

    @pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
    def test_an_element_id_of_one_project_is_404_in_the_other(
        self, tenant: Tenant, buy_button: dict[str, Any], method: str
    ) -> None:
        sibling = sibling_project(tenant)

        result = call(
            tenant, method, f"elements/{buy_button['id']}", project_id=sibling, json={"text": "X"}
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert retrieve(tenant, buy_button) == buy_button

    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_a_sibling_projects_element_is_404_here(self, tenant: Tenant, method: str) -> None:
        sibling = sibling_project(tenant)
        theirs = call(tenant, "POST", "elements", project_id=sibling, json={"text": "Shop B"})

        result = call(tenant, method, f"elements/{theirs.json['id']}", json={"text": "Crossed"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        again = call(tenant, "GET", f"elements/{theirs.json['id']}", project_id=sibling)
        assert again.json == theirs.json


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------

BUY_BUTTON_COLUMNS = [
    "attr_class.0",
    "attr_class.1",
    "attr_id",
    "attributes.attr__aria-label",
    "attributes.attr__data-attr",
    "href",
    "id",
    "nth_child",
    "nth_of_type",
    "order",
    "tag_name",
    "text",
]


def buy_button_row(element_id: int) -> dict[str, str]:
    return {
        "attr_class.0": "btn",
        "attr_class.1": "btn-primary",
        "attr_id": "buy-now",
        "attributes.attr__aria-label": "Buy",
        "attributes.attr__data-attr": "buy-button",
        "href": "/checkout",
        "id": str(element_id),
        "nth_child": "2",
        "nth_of_type": "1",
        "order": "0",
        "tag_name": "button",
        "text": "Buy now",
    }


class TestCsv:
    def test_retrieve_as_csv_is_one_row_with_flattened_sorted_columns(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.get(f"elements/{buy_button['id']}", params={"format": "csv"})

        assert result.status_code == 200
        assert result.headers["content-type"].startswith("text/csv")
        header, rows = parse_csv(result.text)
        assert header == BUY_BUTTON_COLUMNS
        assert rows == [buy_button_row(buy_button["id"])]

    def test_list_as_csv_is_one_row_per_element(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        empty = create(tenant)

        result = tenant.get("elements", params={"format": "csv"})

        assert result.status_code == 200
        assert result.headers["content-type"].startswith("text/csv")
        header, rows = parse_csv(result.text)
        assert header == sorted({*BUY_BUTTON_COLUMNS, "attr_class"})
        assert rows == [
            {**buy_button_row(buy_button["id"]), "attr_class": ""},
            {
                **dict.fromkeys(header, ""),
                "id": str(empty["id"]),
            },
        ]

    def test_an_empty_list_as_csv_has_no_rows(self, tenant: Tenant) -> None:
        result = tenant.get("elements", params={"format": "csv"})

        assert result.status_code == 200
        assert result.headers["content-type"].startswith("text/csv")
        assert [line for line in csv.reader(io.StringIO(result.text)) if line][1:] == []

    def test_format_json_is_the_default_shape(
        self, tenant: Tenant, buy_button: dict[str, Any]
    ) -> None:
        result = tenant.get(f"elements/{buy_button['id']}", params={"format": "json"})

        assert result.status_code == 200
        assert result.json == buy_button
