"""Elements as CSV, and JSON as the default format."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.elements.support import create
from tests.tenants import Tenant


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    header, *rows = [line for line in csv.reader(io.StringIO(text)) if line]
    return header, [dict(zip(header, row, strict=True)) for row in rows]


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
