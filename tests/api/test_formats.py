"""Response formats (CONTRACT.md §4): `?format=csv|json`, datetimes in UTC with `Z`, and the
optional trailing slash, through the WSGI app on both backends."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.bodies import NOT_FOUND, TRENDS
from tests.clock import Clock
from tests.tenants import Tenant, TenantFactory

DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
DATETIME_KEYS = frozenset(
    {
        "created_at", "updated_at", "last_modified_at", "last_viewed_at", "last_refresh",
        "cache_target_age", "next_allowed_client_refresh", "last_accessed_at",
    }
)  # fmt: skip


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV body."""
    lines = [line for line in csv.reader(io.StringIO(text)) if line]
    if not lines:
        return [], []
    header, *rows = lines
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def get_csv(tenant: Tenant, suffix: str, **params: str) -> falcon.testing.Result:
    result = tenant.get(suffix, params={**params, "format": "csv"})
    assert result.status_code == 200, result.text
    return result


def datetime_values(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of a datetime field anywhere in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in DATETIME_KEYS:
                yield key, item
            else:
                yield from datetime_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from datetime_values(item)


def assert_datetimes_are_utc_z(document: Any) -> None:
    found = list(datetime_values(document))
    assert found, "no datetime fields found"
    for key, value in found:
        assert value is None or DATETIME.match(value), f"{key}={value!r}"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC))


@pytest.fixture
def timed(backend: Backend, clock: Clock) -> Iterator[Tenant]:
    """A tenant served by a second backend on the shared database whose clock the test sets."""
    timed_backend = open_backend(backend.url, clock=clock)
    client = falcon.testing.TestClient(create_app(timed_backend))
    yield TenantFactory(timed_backend, client).create("Tim")
    timed_backend.close()


@pytest.fixture
def stocked(tenant: Tenant) -> Tenant:
    """Three insights, one of them on a dashboard with two tags."""
    board = tenant.create_dashboard(name="Growth board")
    tenant.create_insight(name="Plain")
    tenant.create_insight(name="Trends", query=TRENDS)
    tenant.create_insight(name="Tagged", tags=["growth", "kpi"], dashboards=[board["id"]])
    return tenant


class TestCsvList:
    def test_csv_list_is_text_csv(self, stocked: Tenant) -> None:
        result = get_csv(stocked, "insights")

        assert result.headers["content-type"].split(";")[0] == "text/csv"

    def test_csv_list_has_one_row_per_result(self, stocked: Tenant) -> None:
        _, rows = parse_csv(get_csv(stocked, "insights").text)

        json_names = [row["name"] for row in stocked.get("insights").json["results"]]
        assert [row["name"] for row in rows] == json_names

    def test_csv_list_respects_pagination_and_filters(self, stocked: Tenant) -> None:
        _, rows = parse_csv(get_csv(stocked, "insights", tags='["growth"]', limit="1").text)

        assert [row["name"] for row in rows] == ["Tagged"]

    def test_csv_columns_are_sorted(self, stocked: Tenant) -> None:
        header, _ = parse_csv(get_csv(stocked, "insights").text)

        assert header == sorted(header)

    def test_nested_values_become_dotted_columns(self, stocked: Tenant) -> None:
        header, _ = parse_csv(get_csv(stocked, "insights").text)

        assert {
            "created_by.email",
            "created_by.id",
            "last_modified_by.first_name",
            "tags.0",
            "tags.1",
            "dashboards.0",
            "dashboard_tiles.0.dashboard_id",
            "query.kind",
            "query.source.kind",
        } <= set(header)

    def test_the_envelope_is_not_flattened_into_columns(self, stocked: Tenant) -> None:
        header, _ = parse_csv(get_csv(stocked, "insights").text)

        assert not {"count", "next", "previous"} & set(header)
        assert not [column for column in header if column.startswith("results")]

    def test_csv_cells_carry_the_json_values(self, stocked: Tenant) -> None:
        _, rows = parse_csv(get_csv(stocked, "insights").text)

        (tagged,) = [row for row in rows if row["name"] == "Tagged"]
        (board,) = stocked.get("dashboards").json["results"]
        assert (tagged["tags.0"], tagged["tags.1"]) == ("growth", "kpi")
        assert tagged["dashboards.0"] == str(board["id"])
        assert tagged["created_by.email"] == stocked.email
        assert tagged["created_by.id"] == str(stocked.user_id)

    def test_rows_without_a_nested_value_leave_its_column_empty(self, stocked: Tenant) -> None:
        _, rows = parse_csv(get_csv(stocked, "insights").text)

        (plain,) = [row for row in rows if row["name"] == "Plain"]
        assert (plain["tags.0"], plain["dashboards.0"], plain["query.kind"]) == ("", "", "")

    @pytest.mark.parametrize("start", ["=", "+", "-", "@"])
    def test_text_a_spreadsheet_would_run_is_kept_as_text(self, tenant: Tenant, start: str) -> None:
        name = f'{start}HYPERLINK("http://evil.example","x")'
        tenant.create_insight(name=name, order=-5, tags=["@team"])

        _, (row,) = parse_csv(get_csv(tenant, "insights").text)

        assert (row["name"], row["tags.0"], row["order"]) == (f"'{name}", "'@team", "-5")

    def test_a_csv_wider_than_it_may_be_is_a_400(
        self, stocked: Tenant, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        header, rows = parse_csv(get_csv(stocked, "insights").text)
        monkeypatch.setattr("api.formats.MAX_CSV_CELLS", len(header) * len(rows) - 1)

        result = stocked.get("insights", params={"format": "csv"})

        assert result.status_code == 400
        assert result.json == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": (
                f"This answer would be {len(rows):,} rows of {len(header):,} columns in CSV; "
                "ask for fewer rows (limit) or for JSON."
            ),
            "attr": "format",
        }
        assert stocked.get("insights").status_code == 200

    def test_csv_of_an_empty_list_has_no_rows(self, tenant: Tenant) -> None:
        result = get_csv(tenant, "insights")

        assert result.headers["content-type"].split(";")[0] == "text/csv"
        assert parse_csv(result.text)[1] == []

    def test_csv_of_the_dashboards_list_has_one_row_per_dashboard(self, stocked: Tenant) -> None:
        stocked.create_dashboard(name="Second board")

        header, rows = parse_csv(get_csv(stocked, "dashboards").text)

        assert header == sorted(header)
        assert sorted(row["name"] for row in rows) == ["Growth board", "Second board"]
        assert "created_by.email" in header


def accepting(tenant: Tenant, accept: str, **params: str) -> falcon.testing.Result:
    return tenant.client.simulate_get(
        tenant.path("insights"), headers={**tenant.headers, "Accept": accept}, params=params
    )


class TestAcceptHeader:
    """PostHog's renderers are chosen by `?format=` or else by the Accept header."""

    @pytest.mark.parametrize("accept", ["text/csv", "text/*", "text/csv, application/json;q=0.5"])
    def test_an_accept_that_prefers_csv_gets_the_csv_of_format_csv(
        self, stocked: Tenant, accept: str
    ) -> None:
        result = accepting(stocked, accept)

        assert result.status_code == 200
        assert result.headers["content-type"].split(";")[0] == "text/csv"
        assert result.text == get_csv(stocked, "insights").text

    @pytest.mark.parametrize(
        "accept", ["*/*", "application/json", "application/json, text/csv", "text/html, */*"]
    )
    def test_an_accept_that_takes_json_gets_json(self, stocked: Tenant, accept: str) -> None:
        result = accepting(stocked, accept)

        assert result.headers["content-type"] == "application/json"
        assert result.json["count"] == 3

    def test_format_wins_over_accept(self, stocked: Tenant) -> None:
        result = accepting(stocked, "text/csv", format="json")

        assert result.headers["content-type"] == "application/json"


class TestCsvSingleObject:
    def test_csv_retrieve_is_one_row(self, stocked: Tenant) -> None:
        tagged = stocked.get("insights", params={"search": "Tagged"}).json["results"][0]

        result = get_csv(stocked, f"insights/{tagged['id']}")

        header, rows = parse_csv(result.text)
        assert result.headers["content-type"].split(";")[0] == "text/csv"
        assert header == sorted(header)
        assert [(row["id"], row["name"], row["tags.1"]) for row in rows] == [
            (str(tagged["id"]), "Tagged", "kpi")
        ]

    def test_csv_create_answers_one_row(self, tenant: Tenant) -> None:
        result = tenant.post("insights", params={"format": "csv"}, json={"name": "Fresh"})

        assert result.status_code == 201
        _, rows = parse_csv(result.text)
        assert [row["name"] for row in rows] == ["Fresh"]

    def test_format_json_is_the_default_rendering(self, stocked: Tenant) -> None:
        result = stocked.get("insights", params={"format": "json"})

        assert result.status_code == 200
        assert result.headers["content-type"].split(";")[0] == "application/json"
        assert result.json == stocked.get("insights").json


class TestUnknownFormat:
    @pytest.mark.parametrize("suffix", ["insights", "dashboards"])
    def test_an_unknown_format_on_a_list_is_404(self, tenant: Tenant, suffix: str) -> None:
        result = tenant.get(suffix, params={"format": "xml"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_an_unknown_format_on_retrieve_is_404(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Plain")

        result = tenant.get(f"insights/{created['id']}", params={"format": "yaml"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_an_unknown_format_on_create_is_404_and_creates_nothing(self, tenant: Tenant) -> None:
        result = tenant.post("insights", params={"format": "xml"}, json={"name": "Ghost"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert tenant.get("insights").json["count"] == 0


class TestDatetimes:
    def test_list_datetimes_are_utc_with_z(self, stocked: Tenant) -> None:
        assert_datetimes_are_utc_z(stocked.get("insights").json)

    def test_basic_list_datetimes_are_utc_with_z(self, stocked: Tenant) -> None:
        assert_datetimes_are_utc_z(stocked.get("insights", params={"basic": "true"}).json)

    def test_create_retrieve_and_patch_datetimes_are_utc_with_z(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Plain")
        retrieved = tenant.get(f"insights/{created['id']}").json
        patched = tenant.patch(f"insights/{created['id']}", json={"name": "Pale"}).json

        for document in (created, retrieved, patched):
            assert_datetimes_are_utc_z(document)

    def test_dashboard_datetimes_are_utc_with_z(self, tenant: Tenant) -> None:
        created = tenant.create_dashboard(name="Growth board")

        assert_datetimes_are_utc_z(created)
        assert_datetimes_are_utc_z(tenant.get("dashboards").json)

    def test_csv_datetimes_are_utc_with_z(self, stocked: Tenant) -> None:
        _, rows = parse_csv(get_csv(stocked, "insights").text)

        for row in rows:
            for column in ("created_at", "updated_at", "last_modified_at"):
                assert DATETIME.match(row[column]), f"{column}={row[column]!r}"

    def test_a_whole_second_has_no_fraction(self, timed: Tenant) -> None:
        created = timed.create_insight(name="On the second")

        assert (created["created_at"], created["updated_at"], created["last_modified_at"]) == (
            "2024-03-15T12:00:00Z",
            "2024-03-15T12:00:00Z",
            "2024-03-15T12:00:00Z",
        )

    def test_a_fraction_has_six_digits(self, timed: Tenant, clock: Clock) -> None:
        clock.now += timedelta(microseconds=120000)

        created = timed.create_insight(name="Just after")

        assert created["created_at"] == "2024-03-15T12:00:00.120000Z"

    def test_a_dashboard_created_on_the_second_has_no_fraction(self, timed: Tenant) -> None:
        assert timed.create_dashboard(name="Board")["created_at"] == "2024-03-15T12:00:00Z"


class TestTrailingSlash:
    def test_list_answers_the_same_with_a_trailing_slash(self, stocked: Tenant) -> None:
        with_slash = stocked.get("insights/")

        assert with_slash.status_code == 200
        assert with_slash.json == stocked.get("insights").json

    def test_retrieve_answers_the_same_with_a_trailing_slash(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Plain")

        by_id = tenant.get(f"insights/{created['id']}/")
        by_short_id = tenant.get(f"insights/{created['short_id']}/")

        assert (by_id.status_code, by_short_id.status_code) == (200, 200)
        assert by_id.json == by_short_id.json == created

    def test_create_accepts_a_trailing_slash(self, tenant: Tenant) -> None:
        result = tenant.post("insights/", json={"name": "Slashed"})

        assert result.status_code == 201
        assert result.json["name"] == "Slashed"

    def test_patch_accepts_a_trailing_slash(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Plain")

        result = tenant.patch(f"insights/{created['id']}/", json={"name": "Pale"})

        assert result.status_code == 200
        assert result.json["name"] == "Pale"

    def test_dashboards_accept_a_trailing_slash(self, tenant: Tenant) -> None:
        created = tenant.post("dashboards/", json={"name": "Slashed board"})

        assert created.status_code == 201
        assert tenant.get(f"dashboards/{created.json['id']}/").json == created.json
        assert tenant.get("dashboards/").json == tenant.get("dashboards").json

    def test_csv_works_with_a_trailing_slash(self, stocked: Tenant) -> None:
        with_slash = get_csv(stocked, "insights/")

        assert with_slash.text == get_csv(stocked, "insights").text
