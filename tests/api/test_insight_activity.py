"""The insights' activity log through the WSGI app (CONTRACT.md §1 row 18, §3, §4, §7 "Activity";
reference posthog-activity-log.md §4 and posthog-insights-api.md §7.11, §9.1-§9.3; issue 4).

Per-insight route: GET /api/{projects|environments}/{id}/insights/{id or short_id}/activity.
Project feed:      GET /api/{projects|environments}/{id}/insights/activity.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid5

import falcon.testing
import pytest

from api.app import create_app
from domain.ids import NAMESPACE
from domain.insight import Insight
from store.backend import Backend, open_backend
from store.insights import InsightCommands
from store.tenancy import Tenancy
from tests.bodies import (
    NOT_A_MEMBER,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    PROJECT_NOT_FOUND,
    TRENDS,
    missing_scope,
    no_project_access,
    validation_error,
)
from tests.databases import DatabaseFactory
from tests.tenants import Tenant, TenantFactory

FUNNELS = {"kind": "InsightVizNode", "source": {"kind": "FunnelsQuery", "series": []}}
HOST = "http://falconframework.org"  # falcon.testing's default scheme and host
SYSTEM_USER = {"first_name": "System", "email": None, "is_system": True}
SPRING = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Helpers


MISSING_ACTIVITY_SCOPE = missing_scope("activity_log:read")


def not_an_integer(attr: str) -> dict[str, Any]:
    return validation_error(attr, "A valid integer is required.")


def below_one(attr: str) -> dict[str, Any]:
    return validation_error(attr, "Ensure this value is greater than or equal to 1.", "min_value")


def entry_id(insight_id: int, version: int) -> str:
    """Issue 4: an entry's id is uuid5(NAMESPACE, "<insight stream id>/<version>")."""
    return str(uuid5(NAMESPACE, f"{Insight.create_id(insight_id)}/{version}"))


def change(field: str, action: str, before: Any, after: Any) -> dict[str, Any]:
    return {"type": "Insight", "action": action, "field": field, "before": before, "after": after}


def activity(
    tenant: Tenant,
    insight: Any = None,
    *,
    key: str | None = None,
    prefix: str = "projects",
    project_id: int | None = None,
    params: dict[str, str] | None = None,
    slash: str = "",
) -> falcon.testing.Result:
    """GET the activity of one insight (an id or short_id), or the project feed when None."""
    target = tenant.project_id if project_id is None else project_id
    suffix = "insights/activity" if insight is None else f"insights/{insight}/activity"
    return tenant.client.simulate_get(
        f"/api/{prefix}/{target}/{suffix}{slash}",
        headers={"Authorization": f"Bearer {key or tenant.key}"},
        params=params,
    )


def entries(tenant: Tenant, insight: Any = None, **kwargs: Any) -> list[dict[str, Any]]:
    """Every entry of the route on one page, newest first."""
    result = activity(tenant, insight, params={"limit": "1000"}, **kwargs)
    assert result.status_code == 200, result.text
    assert result.json["total_count"] == len(result.json["results"])
    return list(result.json["results"])


def newest(tenant: Tenant, insight: Any) -> dict[str, Any]:
    return entries(tenant, insight)[0]


def patch(tenant: Tenant, insight_id: int, body: dict[str, Any]) -> dict[str, Any]:
    result = tenant.patch(f"insights/{insight_id}", json=body)
    assert result.status_code == 200, result.text
    return dict(result.json)


def verbs(items: list[dict[str, Any]]) -> list[str]:
    return [item["activity"] for item in items]


def url_parts(url: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path, parse_qs(parts.query)


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Clocked:
    """A backend whose every event takes the time of `clock`, with tenants on it."""

    backend: Backend
    clock: Clock
    tenants: TenantFactory


@pytest.fixture(scope="module")
def _clocked_backends() -> Iterator[dict[str, tuple[Backend, Clock]]]:
    opened: dict[str, tuple[Backend, Clock]] = {}
    yield opened
    for backend, _ in opened.values():
        backend.close()


@pytest.fixture
def clocked(
    backend_kind: str,
    databases: DatabaseFactory,
    _clocked_backends: dict[str, tuple[Backend, Clock]],
) -> Clocked:
    """A database of the test's backend shared by this module, on a hand-set clock."""
    if backend_kind not in _clocked_backends:
        clock = Clock(SPRING)
        _clocked_backends[backend_kind] = (
            open_backend(databases.create(backend_kind), clock=clock),
            clock,
        )
    backend, clock = _clocked_backends[backend_kind]
    client = falcon.testing.TestClient(create_app(backend))
    return Clocked(backend, clock, TenantFactory(backend, client))


@pytest.fixture
def staging(tenant: Tenant) -> int:
    """A second environment of the tenant's project."""
    return Tenancy(tenant.backend).add_environment(project_id=tenant.project_id, name="Staging")


@pytest.fixture
def mallory(tenants: TenantFactory) -> Tenant:
    """Another organization's member with a `*` key and an insight of her own."""
    attacker = tenants.create("Mallory")
    attacker.create_insight(name="Mallory's own funnel")
    return attacker


# ---------------------------------------------------------------------------------------------


class TestTheEntryShape:
    def test_a_new_insight_has_one_created_entry_exactly_as_posthog_shapes_it(
        self, clocked: Clocked
    ) -> None:
        clocked.clock.now = SPRING
        ann = clocked.tenants.create("Ann")
        created = ann.create_insight(name="Weekly signups", query=TRENDS, tags=["growth"])

        result = activity(ann, created["id"])

        assert result.status_code == 200
        assert result.json == {
            "results": [
                {
                    "id": entry_id(created["id"], 1),
                    "user": {"first_name": "Ann", "email": ann.email},
                    "activity": "created",
                    "scope": "Insight",
                    "item_id": str(created["id"]),
                    "detail": {
                        "changes": None,
                        "trigger": None,
                        "name": "Weekly signups",
                        "short_id": created["short_id"],
                        "type": None,
                    },
                    "created_at": "2024-03-15T12:00:00Z",
                }
            ],
            "next": None,
            "previous": None,
            "total_count": 1,
        }

    def test_an_update_entry_has_the_exact_shape_with_its_changes(self, clocked: Clocked) -> None:
        clocked.clock.now = SPRING
        ann = clocked.tenants.create("Ann")
        created = ann.create_insight(name="Weekly signups")
        clocked.clock.now = SPRING + timedelta(minutes=5, microseconds=250)
        patch(ann, created["id"], {"name": "Weekly activations"})

        result = activity(ann, created["id"])

        assert result.status_code == 200
        assert result.json["results"][0] == {
            "id": entry_id(created["id"], 2),
            "user": {"first_name": "Ann", "email": ann.email},
            "activity": "updated",
            "scope": "Insight",
            "item_id": str(created["id"]),
            "detail": {
                "changes": [change("name", "changed", "Weekly signups", "Weekly activations")],
                "trigger": None,
                "name": "Weekly activations",
                "short_id": created["short_id"],
                "type": None,
            },
            "created_at": "2024-03-15T12:05:00.000250Z",
        }
        assert result.json["total_count"] == 2

    def test_the_item_id_is_the_numeric_id_as_a_string_even_when_addressed_by_short_id(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Short and sweet")

        by_short_id = activity(tenant, created["short_id"])
        by_id = activity(tenant, created["id"])

        assert by_short_id.status_code == 200
        assert by_short_id.json == by_id.json
        assert by_short_id.json["results"][0]["item_id"] == str(created["id"])

    def test_an_entry_keeps_its_id_on_every_read_and_in_the_project_feed(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Stable ids")
        patch(tenant, created["id"], {"description": "Does not move"})

        first = [item["id"] for item in entries(tenant, created["id"])]
        second = [item["id"] for item in entries(tenant, created["id"])]
        feed = [item["id"] for item in entries(tenant)]

        assert first == second == feed
        assert first == [entry_id(created["id"], 2), entry_id(created["id"], 1)]

    def test_the_user_is_whoever_made_the_change_with_only_first_name_and_email(
        self, tenant: Tenant
    ) -> None:
        bea_id, bea_key = tenant.add_member("Bea")
        created = tenant.create_insight(name="Shared funnel")
        renamed = tenant.client.simulate_patch(
            tenant.path(f"insights/{created['id']}"),
            headers={"Authorization": f"Bearer {bea_key}"},
            json={"name": "Bea's funnel"},
        )
        assert renamed.status_code == 200, renamed.text
        bea = renamed.json["last_modified_by"]
        assert bea["id"] == bea_id

        users = [item["user"] for item in entries(tenant, created["id"])]

        assert users == [
            {"first_name": "Bea", "email": bea["email"]},
            {"first_name": "Ann", "email": tenant.email},
        ]

    def test_detail_name_is_the_name_at_the_time_of_each_change(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="First draft")
        patch(tenant, created["id"], {"description": "Still a draft"})
        patch(tenant, created["id"], {"name": "Final cut"})

        names = [item["detail"]["name"] for item in entries(tenant, created["id"])]

        assert names == ["Final cut", "First draft", "First draft"]

    def test_a_trailing_slash_serves_the_same_page(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Slash fiction")

        plain = activity(tenant, created["id"])
        slashed = activity(tenant, created["id"], slash="/")

        assert slashed.status_code == 200
        assert slashed.json == plain.json

    def test_csv_gives_one_row_per_entry_with_flattened_columns(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Spreadsheet")
        patch(tenant, created["id"], {"name": "Spreadsheet v2"})

        result = activity(tenant, created["id"], params={"format": "csv"})

        assert result.status_code == 200
        assert result.headers["content-type"].startswith("text/csv")
        lines = result.text.strip().splitlines()
        header = lines[0].split(",")
        assert header == sorted(header)
        assert {"activity", "detail.name", "user.email", "detail.changes.0.field"} <= set(header)
        assert len(lines) == 3
        assert lines[1].startswith("updated,") and lines[2].startswith("created,")


class TestChangesOfEachField:
    def test_a_rename_is_changed_with_before_and_after(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Signups")
        patch(tenant, created["id"], {"name": "Activated signups"})

        entry = newest(tenant, created["id"])

        assert entry["activity"] == "updated"
        assert entry["detail"]["changes"] == [
            change("name", "changed", "Signups", "Activated signups")
        ]

    @pytest.mark.parametrize(("before", "after"), [(1, True), (1, 1.0), (False, 0)])
    def test_a_change_between_values_only_python_deems_equal_is_listed(
        self, tenant: Tenant, before: Any, after: Any
    ) -> None:
        created = tenant.create_insight(name="Typed", filters={"interval": before})
        patch(tenant, created["id"], {"filters": {"interval": after}})

        entry = newest(tenant, created["id"])

        assert entry["activity"] == "updated"
        assert entry["detail"]["changes"] == [
            change("filters", "changed", {"interval": before}, {"interval": after})
        ]
        assert type(entry["detail"]["changes"][0]["after"]["interval"]) is type(after)

    def test_a_first_description_is_created_with_a_null_before(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Pageviews")
        patch(tenant, created["id"], {"description": "Every page, every day"})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "created", None, "Every page, every day")
        ]

    def test_clearing_a_description_with_null_is_deleted_with_a_null_after(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Pageviews", description="Soon gone")
        patch(tenant, created["id"], {"description": None})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "deleted", "Soon gone", None)
        ]

    def test_clearing_a_description_with_an_empty_string_is_deleted_too(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Pageviews", description="Soon blank")
        patch(tenant, created["id"], {"description": ""})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "deleted", "Soon blank", None)
        ]

    def test_a_description_written_after_an_empty_one_is_created_from_null(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Pageviews", description="")
        patch(tenant, created["id"], {"description": "Now it says something"})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("description", "created", None, "Now it says something")
        ]

    def test_a_derived_name_is_tracked(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Named anyway")
        patch(tenant, created["id"], {"derived_name": "Pageview count"})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("derived_name", "created", None, "Pageview count")
        ]

    def test_tags_are_a_sorted_list_of_normalised_strings(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth"])
        patch(tenant, created["id"], {"tags": ["KPI ", "growth", "kpi"]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("tags", "changed", ["growth"], ["growth", "kpi"])
        ]

    def test_first_tags_are_created_and_removing_every_tag_is_deleted(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tag cloud")
        patch(tenant, created["id"], {"tags": ["Revenue", "churn"]})
        patch(tenant, created["id"], {"tags": []})

        removed, added, _ = entries(tenant, created["id"])

        assert added["detail"]["changes"] == [change("tags", "created", None, ["churn", "revenue"])]
        assert removed["detail"]["changes"] == [
            change("tags", "deleted", ["churn", "revenue"], None)
        ]

    def test_favoriting_is_changed_because_false_is_a_real_value(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Favourite thing")
        patch(tenant, created["id"], {"favorited": True})
        patch(tenant, created["id"], {"favorited": False})

        unfavorited, favorited, _ = entries(tenant, created["id"])

        assert favorited["detail"]["changes"] == [change("favorited", "changed", False, True)]
        assert unfavorited["detail"]["changes"] == [change("favorited", "changed", True, False)]

    def test_a_new_query_shows_both_queries(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Shape shifter", query=TRENDS)
        patch(tenant, created["id"], {"query": FUNNELS})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("query", "changed", TRENDS, FUNNELS)
        ]

    def test_first_filters_are_created(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Legacy trends")
        patch(tenant, created["id"], {"filters": {"insight": "TRENDS", "interval": "week"}})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("filters", "created", None, {"insight": "TRENDS", "interval": "week"})
        ]

    def test_several_fields_in_one_patch_are_one_entry_in_model_field_order(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Kitchen sink", query=TRENDS)
        patch(
            tenant,
            created["id"],
            {
                "tags": ["sink"],
                "favorited": True,
                "query": FUNNELS,
                "description": "Everything at once",
                "derived_name": "Funnel of everything",
                "name": "Kitchen sink v2",
            },
        )

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("name", "changed", "Kitchen sink", "Kitchen sink v2"),
            change("derived_name", "created", None, "Funnel of everything"),
            change("description", "created", None, "Everything at once"),
            change("query", "changed", TRENDS, FUNNELS),
            change("favorited", "changed", False, True),
            change("tags", "created", None, ["sink"]),
        ]
        assert len(entries(tenant, created["id"])) == 2


class TestWhatIsNotAChange:
    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({"description": ""}, id="description-null-to-empty-string"),
            pytest.param({"description": None}, id="description-null-to-null"),
            pytest.param({"derived_name": ""}, id="derived-name-null-to-empty-string"),
            pytest.param({"tags": []}, id="tags-empty-to-empty"),
            pytest.param({"tags": ["", "  "]}, id="tags-of-blanks-to-empty"),
            pytest.param({"filters": {}}, id="filters-empty-to-empty"),
            pytest.param({"filters": None}, id="filters-empty-to-null"),
            pytest.param({"dashboards": []}, id="dashboards-none-to-none"),
            pytest.param({"name": "Steady state"}, id="the-same-name"),
            pytest.param({"favorited": False}, id="the-same-favorited"),
            pytest.param({"deleted": False}, id="restoring-a-live-insight"),
            pytest.param({}, id="an-empty-body"),
        ],
    )
    def test_a_patch_with_only_empty_or_equal_values_adds_no_entry(
        self, tenant: Tenant, body: dict[str, Any]
    ) -> None:
        created = tenant.create_insight(name="Steady state")

        patch(tenant, created["id"], body)

        assert verbs(entries(tenant, created["id"])) == ["created"]

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({"order": 3}, id="order"),
            pytest.param({"saved": False}, id="saved"),
            pytest.param({"order": 7, "saved": False}, id="order-and-saved"),
            pytest.param(
                {"short_id": "Zz9Zz9Zz", "created_at": "2001-01-01T00:00:00Z", "result": [1]},
                id="read-only-and-unknown-keys",
            ),
        ],
    )
    def test_a_patch_of_excluded_fields_only_adds_no_entry(
        self, tenant: Tenant, body: dict[str, Any]
    ) -> None:
        created = tenant.create_insight(name="Excluded things")

        patch(tenant, created["id"], body)

        assert verbs(entries(tenant, created["id"])) == ["created"]

    def test_excluded_fields_beside_a_tracked_one_are_left_out_of_the_changes(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Mixed bag")

        after = patch(tenant, created["id"], {"name": "Mixed bag v2", "order": 9, "saved": False})

        assert (after["order"], after["saved"]) == (9, False)
        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("name", "changed", "Mixed bag", "Mixed bag v2")
        ]


class TestDashboardsChanges:
    def test_adding_a_dashboard_is_a_synthetic_changed_with_ids_and_names(
        self, tenant: Tenant
    ) -> None:
        board = tenant.create_dashboard(name="Growth board")
        created = tenant.create_insight(name="On a board")
        patch(tenant, created["id"], {"dashboards": [board["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("dashboards", "changed", [], [{"id": board["id"], "name": "Growth board"}])
        ]

    def test_dashboards_are_listed_by_id_whatever_order_they_were_sent_in(
        self, tenant: Tenant
    ) -> None:
        alpha = tenant.create_dashboard(name="Alpha board")
        beta = tenant.create_dashboard(name="Beta board")
        created = tenant.create_insight(name="Two boards")
        patch(tenant, created["id"], {"dashboards": [beta["id"], alpha["id"], beta["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change(
                "dashboards",
                "changed",
                [],
                [
                    {"id": alpha["id"], "name": "Alpha board"},
                    {"id": beta["id"], "name": "Beta board"},
                ],
            )
        ]

    def test_moving_between_dashboards_shows_both_sides(self, tenant: Tenant) -> None:
        alpha = tenant.create_dashboard(name="Alpha board")
        beta = tenant.create_dashboard(name="Beta board")
        created = tenant.create_insight(name="Mover", dashboards=[alpha["id"]])
        patch(tenant, created["id"], {"dashboards": [beta["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change(
                "dashboards",
                "changed",
                [{"id": alpha["id"], "name": "Alpha board"}],
                [{"id": beta["id"], "name": "Beta board"}],
            )
        ]

    def test_leaving_every_dashboard_is_changed_to_an_empty_list(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Lonely board")
        created = tenant.create_insight(name="Leaver", dashboards=[board["id"]])
        patch(tenant, created["id"], {"dashboards": []})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("dashboards", "changed", [{"id": board["id"], "name": "Lonely board"}], [])
        ]

    def test_sending_the_same_dashboards_again_adds_no_entry(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Same board")
        created = tenant.create_insight(name="Stayer", dashboards=[board["id"]])
        patch(tenant, created["id"], {"dashboards": [board["id"]]})

        assert verbs(entries(tenant, created["id"])) == ["created"]

    def test_an_old_entry_keeps_the_dashboard_name_it_had_then(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Q1 board")
        created = tenant.create_insight(name="Quarterly")
        patch(tenant, created["id"], {"dashboards": [board["id"]]})
        renamed = tenant.patch(f"dashboards/{board['id']}", json={"name": "Q2 board"})
        assert renamed.status_code == 200, renamed.text

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change("dashboards", "changed", [], [{"id": board["id"], "name": "Q1 board"}])
        ]

    def test_a_dashboard_renamed_since_the_link_is_named_as_it_is_now_on_the_before_side(
        self, tenant: Tenant
    ) -> None:
        # Reference §9.2: `before` lists the dashboards the insight was on when this request
        # came, as {id, name}; the name is the dashboard's name at that moment.
        board = tenant.create_dashboard(name="Q1 board")
        other = tenant.create_dashboard(name="Ops board")
        created = tenant.create_insight(name="Quarterly", dashboards=[board["id"]])
        renamed = tenant.patch(f"dashboards/{board['id']}", json={"name": "Q2 board"})
        assert renamed.status_code == 200, renamed.text

        patch(tenant, created["id"], {"dashboards": [board["id"], other["id"]]})

        assert newest(tenant, created["id"])["detail"]["changes"] == [
            change(
                "dashboards",
                "changed",
                [{"id": board["id"], "name": "Q2 board"}],
                [{"id": board["id"], "name": "Q2 board"}, {"id": other["id"], "name": "Ops board"}],
            )
        ]

    def test_a_soft_delete_names_the_dashboards_it_unlinks_as_they_are_now(
        self, tenant: Tenant
    ) -> None:
        board = tenant.create_dashboard(name="Old name")
        created = tenant.create_insight(name="Doomed", dashboards=[board["id"]])
        renamed = tenant.patch(f"dashboards/{board['id']}", json={"name": "New name"})
        assert renamed.status_code == 200, renamed.text

        patch(tenant, created["id"], {"deleted": True})

        changes = entries(tenant)[0]["detail"]["changes"]
        assert [c for c in changes if c["field"] == "dashboards"] == [
            change("dashboards", "changed", [{"id": board["id"], "name": "New name"}], [])
        ]


class TestDeleteRestoreAndRevert:
    def test_a_soft_delete_is_a_deleted_entry_with_the_deleted_field_changed(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Doomed")
        patch(tenant, created["id"], {"deleted": True})

        entry = entries(tenant)[0]

        assert entry["activity"] == "deleted"
        assert entry["item_id"] == str(created["id"])
        assert entry["detail"]["name"] == "Doomed"
        assert entry["detail"]["changes"] == [change("deleted", "changed", False, True)]

    def test_a_soft_delete_also_shows_the_insight_leaving_its_dashboards(
        self, tenant: Tenant
    ) -> None:
        board = tenant.create_dashboard(name="Wall of fame")
        created = tenant.create_insight(name="Fallen star", dashboards=[board["id"]])
        patch(tenant, created["id"], {"deleted": True})

        assert entries(tenant)[0]["detail"]["changes"] == [
            change("deleted", "changed", False, True),
            change("dashboards", "changed", [{"id": board["id"], "name": "Wall of fame"}], []),
        ]

    def test_a_restore_is_a_restored_entry(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Lazarus")
        patch(tenant, created["id"], {"deleted": True})
        patch(tenant, created["id"], {"deleted": False})

        history = entries(tenant, created["id"])

        assert verbs(history) == ["restored", "deleted", "created"]
        assert history[0]["detail"]["changes"] == [change("deleted", "changed", True, False)]

    def test_a_restore_with_a_rename_is_one_restored_entry_with_both_changes(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Phoenix")
        patch(tenant, created["id"], {"deleted": True})
        patch(tenant, created["id"], {"deleted": False, "name": "Phoenix reborn"})

        entry = newest(tenant, created["id"])

        assert entry["activity"] == "restored"
        assert entry["detail"]["name"] == "Phoenix reborn"
        assert entry["detail"]["changes"] == [
            change("name", "changed", "Phoenix", "Phoenix reborn"),
            change("deleted", "changed", True, False),
        ]

    @pytest.mark.parametrize("address", ["id", "short_id"])
    def test_a_deleted_insight_is_404_on_its_own_activity_route(
        self, tenant: Tenant, address: str
    ) -> None:
        created = tenant.create_insight(name="Hidden history")
        patch(tenant, created["id"], {"deleted": True})

        result = activity(tenant, created[address])

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_insight_stays_in_the_project_feed(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Gone not forgotten")
        patch(tenant, created["id"], {"description": "Last words"})
        patch(tenant, created["id"], {"deleted": True})

        feed = entries(tenant)

        assert [(item["activity"], item["item_id"]) for item in feed] == [
            ("deleted", str(created["id"])),
            ("updated", str(created["id"])),
            ("created", str(created["id"])),
        ]

    def test_an_insight_created_deleted_is_only_in_the_project_feed(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Stillborn", deleted=True)

        assert activity(tenant, created["id"]).status_code == 404
        assert [(item["activity"], item["item_id"]) for item in entries(tenant)] == [
            ("created", str(created["id"]))
        ]

    def test_a_restored_insight_shows_its_whole_history_again(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Comeback")
        patch(tenant, created["id"], {"name": "Comeback tour"})
        patch(tenant, created["id"], {"deleted": True})
        patch(tenant, created["id"], {"deleted": False})

        assert verbs(entries(tenant, created["id"])) == [
            "restored",
            "deleted",
            "updated",
            "created",
        ]

    def test_a_revert_is_an_update_whose_trigger_names_the_revert(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Original")
        patch(tenant, created["id"], {"name": "Regrettable"})

        reverted = tenant.post(f"insights/{created['id']}/revert", json={"version": 1})
        assert reverted.status_code == 200, reverted.text

        entry = newest(tenant, created["id"])
        assert entry["activity"] == "updated"
        assert entry["detail"]["trigger"] == {
            "job_type": "revert",
            "job_id": "1",
            "payload": {"version": 1},
        }
        assert entry["detail"]["changes"] == [change("name", "changed", "Regrettable", "Original")]


class TestOrder:
    def test_entries_are_newest_first(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="One")
        for name in ("Two", "Three", "Four"):
            patch(tenant, created["id"], {"name": name})

        names = [item["detail"]["name"] for item in entries(tenant, created["id"])]

        assert names == ["Four", "Three", "Two", "One"]

    def test_entries_sharing_one_instant_are_still_newest_first(self, clocked: Clocked) -> None:
        clocked.clock.now = SPRING + timedelta(days=1)
        ann = clocked.tenants.create("Ann")
        first = ann.create_insight(name="Frozen one")
        second = ann.create_insight(name="Frozen two")
        patch(ann, first["id"], {"name": "Frozen one, renamed"})
        patch(ann, second["id"], {"favorited": True})
        patch(ann, first["id"], {"deleted": True})

        feed = entries(ann)
        own = entries(ann, second["id"])

        assert [(item["item_id"], item["activity"]) for item in feed] == [
            (str(first["id"]), "deleted"),
            (str(second["id"]), "updated"),
            (str(first["id"]), "updated"),
            (str(second["id"]), "created"),
            (str(first["id"]), "created"),
        ]
        assert {item["created_at"] for item in feed} == {"2024-03-16T12:00:00Z"}
        assert verbs(own) == ["updated", "created"]

    def test_the_project_feed_interleaves_insights_newest_first(self, tenant: Tenant) -> None:
        north = tenant.create_insight(name="North")
        south = tenant.create_insight(name="South")
        patch(tenant, north["id"], {"description": "Up"})
        patch(tenant, south["id"], {"description": "Down"})

        feed = entries(tenant)

        assert [(item["detail"]["name"], item["activity"]) for item in feed] == [
            ("South", "updated"),
            ("North", "updated"),
            ("South", "created"),
            ("North", "created"),
        ]


class TestPagination:
    @staticmethod
    def _insight_with_entries(tenant: Tenant, count: int) -> dict[str, Any]:
        created = tenant.create_insight(name="Version 1")
        for number in range(2, count + 1):
            patch(tenant, created["id"], {"name": f"Version {number}"})
        return created

    def test_the_default_limit_is_ten_with_a_next_url(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 12)

        result = activity(tenant, created["id"])

        assert result.status_code == 200
        body = result.json
        assert [item["detail"]["name"] for item in body["results"]] == [
            f"Version {number}" for number in range(12, 2, -1)
        ]
        assert body["total_count"] == 12
        assert body["previous"] is None
        assert body["next"] == (
            f"{HOST}/api/projects/{tenant.project_id}/insights/{created['id']}"
            "/activity?page=2&limit=10"
        )

    def test_a_middle_page_has_absolute_next_and_previous_urls(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 7)
        path = f"/api/projects/{tenant.project_id}/insights/{created['id']}/activity"

        result = activity(tenant, created["id"], params={"page": "2", "limit": "3"})

        assert result.status_code == 200
        body = result.json
        assert [item["detail"]["name"] for item in body["results"]] == [
            "Version 4",
            "Version 3",
            "Version 2",
        ]
        assert body["total_count"] == 7
        assert url_parts(body["next"]) == (HOST, path, {"page": ["3"], "limit": ["3"]})
        assert url_parts(body["previous"]) == (HOST, path, {"page": ["1"], "limit": ["3"]})

    def test_the_last_page_has_no_next(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 7)
        path = f"/api/projects/{tenant.project_id}/insights/{created['id']}/activity"

        result = activity(tenant, created["id"], params={"page": "3", "limit": "3"})

        assert result.status_code == 200
        assert [item["detail"]["name"] for item in result.json["results"]] == ["Version 1"]
        assert result.json["next"] is None
        assert url_parts(result.json["previous"]) == (HOST, path, {"page": ["2"], "limit": ["3"]})

    def test_a_full_last_page_has_no_next(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 6)

        result = activity(tenant, created["id"], params={"page": "2", "limit": "3"})

        assert len(result.json["results"]) == 3
        assert result.json["next"] is None

    def test_following_next_visits_every_entry_once_in_order(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 8)
        seen: list[str] = []
        url: str | None = tenant.path(f"insights/{created['id']}/activity") + "?limit=3"
        pages = 0

        while url is not None:
            result = tenant.client.simulate_get(
                url.removeprefix(HOST).split("?")[0],
                query_string=urlsplit(url).query,
                headers=tenant.headers,
            )
            assert result.status_code == 200, result.text
            assert result.json["total_count"] == 8
            seen += [item["detail"]["name"] for item in result.json["results"]]
            url = result.json["next"]
            pages += 1

        assert pages == 3
        assert seen == [f"Version {number}" for number in range(8, 0, -1)]

    def test_other_query_parameters_are_kept_in_next_and_previous(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 5)
        path = f"/api/projects/{tenant.project_id}/insights/{created['id']}/activity"

        result = activity(
            tenant, created["id"], params={"page": "2", "limit": "2", "format": "json"}
        )

        assert url_parts(result.json["next"]) == (
            HOST,
            path,
            {"page": ["3"], "limit": ["2"], "format": ["json"]},
        )
        assert url_parts(result.json["previous"]) == (
            HOST,
            path,
            {"page": ["1"], "limit": ["2"], "format": ["json"]},
        )

    def test_the_next_url_of_the_environments_prefix_keeps_that_prefix(
        self, tenant: Tenant
    ) -> None:
        created = self._insight_with_entries(tenant, 3)

        result = activity(tenant, created["id"], prefix="environments", params={"limit": "1"})

        assert result.status_code == 200
        assert result.json["next"] == (
            f"{HOST}/api/environments/{tenant.project_id}/insights/{created['id']}"
            "/activity?page=2&limit=1"
        )

    @pytest.mark.parametrize("page", ["4", "1000", str(10**20)])
    def test_a_page_past_the_end_is_200_with_empty_results(self, tenant: Tenant, page: str) -> None:
        created = self._insight_with_entries(tenant, 5)

        result = activity(tenant, created["id"], params={"page": page, "limit": "2"})

        assert result.status_code == 200
        assert result.json["results"] == []
        assert result.json["next"] is None
        assert result.json["total_count"] == 5

    def test_a_page_past_the_end_of_the_feed_is_200_with_empty_results(
        self, tenant: Tenant
    ) -> None:
        tenant.create_insight(name="Only one")

        result = activity(tenant, params={"page": "2"})

        assert result.status_code == 200
        assert result.json["results"] == []
        assert result.json["total_count"] == 1

    def test_the_feed_of_a_project_without_insights_is_empty(self, tenant: Tenant) -> None:
        result = activity(tenant)

        assert result.status_code == 200
        assert result.json == {"results": [], "next": None, "previous": None, "total_count": 0}

    def test_a_huge_limit_returns_everything(self, tenant: Tenant) -> None:
        created = self._insight_with_entries(tenant, 3)

        result = activity(tenant, created["id"], params={"limit": str(10**20)})

        assert result.status_code == 200
        assert len(result.json["results"]) == 3
        assert result.json["next"] is None

    def test_the_feed_pages_like_the_per_insight_route(self, tenant: Tenant) -> None:
        for name in ("Ant", "Bee", "Cat", "Dog", "Eel"):
            tenant.create_insight(name=name)
        path = f"/api/projects/{tenant.project_id}/insights/activity"

        result = activity(tenant, params={"page": "2", "limit": "2"})

        assert result.status_code == 200
        assert [item["detail"]["name"] for item in result.json["results"]] == ["Cat", "Bee"]
        assert result.json["total_count"] == 5
        assert url_parts(result.json["next"]) == (HOST, path, {"page": ["3"], "limit": ["2"]})
        assert url_parts(result.json["previous"]) == (HOST, path, {"page": ["1"], "limit": ["2"]})


BAD_VALUES = [
    pytest.param("0", below_one, id="zero"),
    pytest.param("-1", below_one, id="negative"),
    pytest.param("-10", below_one, id="more-negative"),
    pytest.param("abc", not_an_integer, id="non-numeric"),
    pytest.param("1.0", not_an_integer, id="decimal-point"),
    pytest.param("1.5", not_an_integer, id="fraction"),
    pytest.param("true", not_an_integer, id="boolean-true"),
    pytest.param("false", not_an_integer, id="boolean-false"),
    pytest.param("1e1", not_an_integer, id="exponent"),
    pytest.param("٣", not_an_integer, id="non-ascii-digit"),
]


class TestBadPageAndLimit:
    @pytest.mark.parametrize("attr", ["page", "limit"])
    @pytest.mark.parametrize(("value", "expected"), BAD_VALUES)
    def test_the_per_insight_route_refuses_it_with_400_naming_the_parameter(
        self, tenant: Tenant, attr: str, value: str, expected: Any
    ) -> None:
        created = tenant.create_insight(name="Strict pager")

        result = activity(tenant, created["id"], params={attr: value})

        assert result.status_code == 400
        assert result.json == expected(attr)

    @pytest.mark.parametrize("attr", ["page", "limit"])
    @pytest.mark.parametrize(("value", "expected"), BAD_VALUES)
    def test_the_project_feed_refuses_it_with_400_naming_the_parameter(
        self, tenant: Tenant, attr: str, value: str, expected: Any
    ) -> None:
        result = activity(tenant, params={attr: value})

        assert result.status_code == 400
        assert result.json == expected(attr)

    def test_the_environments_prefix_refuses_it_too(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Strict everywhere")

        result = activity(tenant, created["id"], prefix="environments", params={"limit": "0"})

        assert result.status_code == 400
        assert result.json == below_one("limit")


class TestScopes:
    def test_a_key_with_every_other_scope_is_refused_on_both_routes_and_prefixes(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Guarded")
        key = tenant.key_with(["insight:write", "dashboard:write", "element:write"])

        results = [
            activity(tenant, insight, key=key, prefix=prefix)
            for prefix in ("projects", "environments")
            for insight in (created["id"], created["short_id"], None)
        ]

        assert [(r.status_code, r.json) for r in results] == [(403, MISSING_ACTIVITY_SCOPE)] * 6

    def test_an_insight_read_key_is_refused(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Read only")
        key = tenant.key_with(["insight:read"])

        result = activity(tenant, created["id"], key=key)

        assert result.status_code == 403
        assert result.json == MISSING_ACTIVITY_SCOPE

    @pytest.mark.parametrize("scope", ["activity_log:read", "activity_log:write", "*"])
    def test_an_activity_log_key_reads_both_routes(self, tenant: Tenant, scope: str) -> None:
        created = tenant.create_insight(name="Auditable")
        key = tenant.key_with([scope])

        own = activity(tenant, created["id"], key=key)
        feed = activity(tenant, key=key)

        assert (own.status_code, feed.status_code) == (200, 200)
        assert verbs(own.json["results"]) == ["created"]
        assert [item["item_id"] for item in feed.json["results"]] == [str(created["id"])]

    def test_an_activity_log_key_cannot_revert(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Read but not write")
        key = tenant.key_with(["activity_log:write"])

        result = tenant.client.simulate_post(
            tenant.path(f"insights/{created['id']}/revert"),
            headers={"Authorization": f"Bearer {key}"},
            json={"version": 1},
        )

        assert result.status_code == 403
        assert result.json == missing_scope("insight:write")

    def test_no_credentials_is_401(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Anonymous visitor")

        results = [
            tenant.client.simulate_get(tenant.path(f"insights/{created['id']}/activity")),
            tenant.client.simulate_get(tenant.path("insights/activity")),
        ]

        assert [(r.status_code, r.json) for r in results] == [(401, NOT_AUTHENTICATED)] * 2

    def test_a_key_limited_to_another_project_is_refused_naming_the_project(
        self, tenant: Tenant, second_project: int
    ) -> None:
        created = tenant.create_insight(name="Fenced")
        key = tenant.key_with(["activity_log:read"], projects=[second_project])

        own = activity(tenant, created["id"], key=key)
        feed = activity(tenant, key=key)
        side_feed = activity(tenant, key=key, project_id=second_project)

        assert (own.status_code, own.json) == (403, no_project_access(tenant.project_id))
        assert (feed.status_code, feed.json) == (403, no_project_access(tenant.project_id))
        assert side_feed.status_code == 200
        assert side_feed.json["results"] == []


class TestAnotherOrganization:
    def test_its_key_is_refused_on_the_victims_routes_without_leaking(
        self, tenant: Tenant, staging: int, mallory: Tenant
    ) -> None:
        created = tenant.create_insight(name="Vera's secret funnel", description="Top secret")
        patch(tenant, created["id"], {"tags": ["classified"]})

        results = [
            activity(tenant, insight, key=mallory.key, prefix=prefix, project_id=project_id)
            for prefix in ("projects", "environments")
            for project_id in (tenant.project_id, staging)
            for insight in (created["id"], created["short_id"], None)
        ]

        assert [(r.status_code, r.json) for r in results] == [(403, NOT_A_MEMBER)] * 12
        for result in results:
            assert "secret" not in result.text and tenant.email not in result.text

    @pytest.mark.parametrize("address", ["id", "short_id"])
    def test_the_victims_insight_through_ones_own_project_is_404(
        self, tenant: Tenant, mallory: Tenant, address: str
    ) -> None:
        created = tenant.create_insight(name="Vera's secret funnel")

        result = activity(mallory, created[address])

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_ones_own_feed_never_holds_the_victims_entries(
        self, tenant: Tenant, mallory: Tenant
    ) -> None:
        created = tenant.create_insight(name="Vera's secret funnel")
        patch(tenant, created["id"], {"deleted": True})

        feed = entries(mallory)

        assert [item["detail"]["name"] for item in feed] == ["Mallory's own funnel"]
        assert str(created["id"]) not in {item["item_id"] for item in feed}

    @pytest.mark.parametrize("project", ["9000000000", "abc"])
    def test_an_unknown_project_is_404(self, tenant: Tenant, project: str) -> None:
        result = tenant.client.simulate_get(
            f"/api/projects/{project}/insights/activity", headers=tenant.headers
        )

        assert result.status_code == 404
        assert result.json == PROJECT_NOT_FOUND

    def test_an_unknown_insight_is_404(self, tenant: Tenant) -> None:
        results = [activity(tenant, key) for key in ("9000000000", "NoSuchId")]

        assert [(r.status_code, r.json) for r in results] == [(404, NOT_FOUND)] * 2


class TestEnvironments:
    def test_the_environments_prefix_of_the_primary_environment_serves_the_same_entries(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(name="Two doors")
        patch(tenant, created["id"], {"name": "Two doors, one room"})

        assert entries(tenant, created["id"], prefix="environments") == entries(
            tenant, created["id"]
        )
        assert entries(tenant, prefix="environments") == entries(tenant)

    def test_changes_made_through_another_environment_show_only_there(
        self, tenant: Tenant, staging: int
    ) -> None:
        created = tenant.create_insight(name="Production insight")
        via_staging = tenant.client.simulate_patch(
            f"/api/environments/{staging}/insights/{created['id']}",
            headers=tenant.headers,
            json={"description": "Edited in staging"},
        )
        assert via_staging.status_code == 200, via_staging.text

        primary = entries(tenant, created["id"])
        in_staging = entries(tenant, created["id"], prefix="environments", project_id=staging)

        assert verbs(primary) == ["created"]
        assert [(item["activity"], item["detail"]["changes"]) for item in in_staging] == [
            ("updated", [change("description", "created", None, "Edited in staging")])
        ]
        assert entries(tenant, prefix="environments", project_id=staging) == in_staging
        assert verbs(entries(tenant)) == ["created"]

    def test_an_insight_created_in_another_environment_has_no_entries_in_the_primary_one(
        self, tenant: Tenant, staging: int
    ) -> None:
        created = tenant.client.simulate_post(
            f"/api/environments/{staging}/insights",
            headers=tenant.headers,
            json={"name": "Born in staging"},
        )
        assert created.status_code == 201, created.text

        primary = activity(tenant, created.json["id"])
        in_staging = entries(tenant, created.json["id"], prefix="environments", project_id=staging)

        assert primary.status_code == 200
        assert primary.json == {"results": [], "next": None, "previous": None, "total_count": 0}
        assert verbs(in_staging) == ["created"]

    def test_the_project_feed_shows_only_its_own_projects_insights(
        self, tenant: Tenant, tenants: TenantFactory
    ) -> None:
        neighbour = tenants.create("Ned")
        mine = tenant.create_insight(name="Mine")
        neighbour.create_insight(name="Ned's")
        patch(tenant, mine["id"], {"favorited": True})

        assert [(item["item_id"], item["activity"]) for item in entries(tenant)] == [
            (str(mine["id"]), "updated"),
            (str(mine["id"]), "created"),
        ]
        assert [item["detail"]["name"] for item in entries(neighbour)] == ["Ned's"]


class TestSystemActor:
    def test_a_change_without_an_actor_shows_the_system_user(self, tenant: Tenant) -> None:
        # No API request changes an insight without a user: the command is called directly, as
        # a background job would.
        created = tenant.create_insight(name="Nightly job target")
        InsightCommands(tenant.backend).update(
            project_id=tenant.project_id,
            environment_id=tenant.project_id,
            actor_id=None,  # type: ignore[arg-type]
            insight_id=created["id"],
            values={"description": "Refreshed by the nightly job"},
        )

        history = entries(tenant, created["id"])

        assert history[0] == {
            "id": entry_id(created["id"], 2),
            "user": SYSTEM_USER,
            "activity": "updated",
            "scope": "Insight",
            "item_id": str(created["id"]),
            "detail": {
                "changes": [change("description", "created", None, "Refreshed by the nightly job")],
                "trigger": None,
                "name": "Nightly job target",
                "short_id": created["short_id"],
                "type": None,
            },
            "created_at": history[0]["created_at"],
        }
        assert history[1]["user"] == {"first_name": "Ann", "email": tenant.email}
        assert entries(tenant)[0]["user"] == SYSTEM_USER


class TestUnnamedInsights:
    def test_an_insight_with_only_a_derived_name_is_logged_under_it(self, tenant: Tenant) -> None:
        created = tenant.create_insight(derived_name="Pageview count", query=TRENDS)
        patch(tenant, created["id"], {"description": "Auto-named"})

        history = entries(tenant, created["id"])

        assert verbs(history) == ["updated", "created"]
        assert [item["detail"]["name"] for item in history] == ["Pageview count"] * 2

    def test_an_insight_with_neither_name_nor_derived_name_is_still_logged(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(query=TRENDS)
        patch(tenant, created["id"], {"favorited": True})

        history = entries(tenant, created["id"])

        assert verbs(history) == ["updated", "created"]
        assert [item["detail"]["name"] for item in history] == [None, None]
        assert [item["item_id"] for item in entries(tenant)] == [str(created["id"])] * 2

    def test_naming_an_unnamed_insight_switches_detail_name_to_the_name(
        self, tenant: Tenant
    ) -> None:
        created = tenant.create_insight(derived_name="Pageview count")
        patch(tenant, created["id"], {"name": "Pageviews that matter"})
        patch(tenant, created["id"], {"name": ""})

        history = entries(tenant, created["id"])

        assert [item["detail"]["name"] for item in history] == [
            "Pageview count",
            "Pageviews that matter",
            "Pageview count",
        ]
        assert history[1]["detail"]["changes"] == [
            change("name", "created", None, "Pageviews that matter")
        ]
        assert history[0]["detail"]["changes"] == [
            change("name", "deleted", "Pageviews that matter", None)
        ]
