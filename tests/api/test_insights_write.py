"""Creating, retrieving and changing insights (reference §7.2-§7.5 and §6.3-§6.5) through the
WSGI app on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from domain.insight import Insight
from store.backend import Backend, open_backend
from tests.bodies import NOT_FOUND, validation_error
from tests.tenants import Tenant, TenantFactory

TRENDS = {
    "kind": "InsightVizNode",
    "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]},
}
FUNNELS = {"kind": "InsightVizNode", "source": {"kind": "FunnelsQuery", "series": []}}
START = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)
LATER = "2024-03-15T13:00:00Z"
FULL_KEYS = frozenset(
    {
        "id", "short_id", "name", "derived_name", "filters", "query", "dashboards",
        "dashboard_tiles", "description", "last_refresh", "refreshing", "saved", "tags",
        "updated_at", "created_by", "created_at", "last_modified_at", "favorited",
        "user_access_level", "last_viewed_at", "order", "deleted", "cache_target_age",
        "next_allowed_client_refresh", "result", "hasMore", "columns", "last_modified_by",
        "is_sample", "effective_restriction_level", "effective_privilege_level", "timezone",
        "is_cached", "query_status", "hogql", "types", "resolved_date_range", "alerts",
        "filters_hash",
    }
)  # fmt: skip
BASIC_KEYS = FULL_KEYS - {
    "order", "deleted", "cache_target_age", "next_allowed_client_refresh", "result", "hasMore",
    "columns", "last_modified_by", "is_sample", "effective_restriction_level",
    "effective_privilege_level", "timezone", "is_cached", "query_status", "hogql", "types",
    "resolved_date_range", "alerts", "filters_hash",
}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Helpers


def retrieve(tenant: Tenant, insight: dict[str, Any]) -> dict[str, Any]:
    result = tenant.get(f"insights/{insight['id']}")
    assert result.status_code == 200, result.text
    return dict(result.json)


def patch(tenant: Tenant, insight: dict[str, Any], **fields: Any) -> dict[str, Any]:
    result = tenant.patch(f"insights/{insight['id']}", json=fields)
    assert result.status_code == 200, result.text
    return dict(result.json)


def patch_as(tenant: Tenant, key: str, insight: dict[str, Any], fields: dict[str, Any]) -> Any:
    return tenant.client.simulate_patch(
        tenant.path(f"insights/{insight['id']}"),
        headers={"Authorization": f"Bearer {key}"},
        json=fields,
    )


def raw_body(tenant: Tenant, method: str, suffix: str, body: str) -> Any:
    return tenant.client.simulate_request(
        method,
        tenant.path(suffix),
        headers={**tenant.headers, "Content-Type": "application/json"},
        body=body,
    )


def listed_names(tenant: Tenant) -> list[str | None]:
    return [row["name"] for row in tenant.get("insights").json["results"]]


def insight_with_short_id(tenant: Tenant, short_id: str, name: str) -> int:
    """An insight whose short_id the test chooses, saved through the real store."""
    backend = tenant.backend
    insight_id = backend.sequences.next_id("insight")
    at = backend.clock()
    insight = Insight.create(
        insight_id=insight_id,
        project_id=tenant.project_id,
        environment_id=tenant.project_id,
        short_id=short_id,
        actor_id=tenant.user_id,
        at=at,
        values={"name": name},
        new_tiles={},
    )
    backend.record(insight)
    return insight_id


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def timed(backend: Backend, clock: Clock) -> Iterator[Tenant]:
    """A tenant served by a second backend on the shared database whose clock the test sets."""
    timed_backend = open_backend(backend.url, clock=clock)
    client = falcon.testing.TestClient(create_app(timed_backend))
    yield TenantFactory(timed_backend, client).create("Tim")
    timed_backend.close()


# ---------------------------------------------------------------------------------------------


class TestCreate:
    def test_create_answers_201_with_the_full_shape(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "Weekly signups", "query": TRENDS})

        assert result.status_code == 201
        assert set(result.json) == FULL_KEYS

    def test_create_stores_every_writable_field(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Growth board")

        body = tenant.create_insight(
            name="Weekly signups",
            derived_name="Pageview count",
            description="Signups per week",
            query=TRENDS,
            order=7,
            tags=["growth"],
            favorited=True,
            saved=False,
            dashboards=[board["id"]],
        )

        assert {
            key: body[key]
            for key in (
                "name", "derived_name", "description", "query", "order", "tags", "favorited",
                "saved", "dashboards", "deleted",
            )
        } == {
            "name": "Weekly signups",
            "derived_name": "Pageview count",
            "description": "Signups per week",
            "query": TRENDS,
            "order": 7,
            "tags": ["growth"],
            "favorited": True,
            "saved": False,
            "dashboards": [board["id"]],
            "deleted": False,
        }  # fmt: skip

    def test_an_empty_body_creates_an_unnamed_saved_insight(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={})

        assert result.status_code == 201
        body = result.json
        assert (body["name"], body["query"], body["filters"], body["tags"]) == (None, None, {}, [])
        assert (body["saved"], body["favorited"], body["deleted"], body["order"]) == (
            True,
            False,
            False,
            None,
        )

    def test_the_creator_is_creator_and_last_modifier(self, tenant: Tenant) -> None:
        body = tenant.create_insight(name="Weekly signups")

        assert body["created_by"]["id"] == tenant.user_id
        assert body["last_modified_by"]["id"] == tenant.user_id
        assert body["created_by"]["email"] == tenant.email

    def test_creation_sets_created_modified_and_updated_to_the_same_time(
        self, timed: Tenant
    ) -> None:
        body = timed.create_insight(name="Weekly signups")

        assert (body["created_at"], body["last_modified_at"], body["updated_at"]) == (
            "2024-03-15T12:00:00Z",
            "2024-03-15T12:00:00Z",
            "2024-03-15T12:00:00Z",
        )

    def test_short_id_is_eight_alphanumerics_and_unique(self, tenant: Tenant) -> None:
        short_ids = [tenant.create_insight(name=f"Insight {n}")["short_id"] for n in range(3)]

        assert all(len(s) == 8 and s.isascii() and s.isalnum() for s in short_ids)
        assert len(set(short_ids)) == 3

    def test_create_via_environments_prefix_is_visible_under_projects(self, tenant: Tenant) -> None:
        result = tenant.client.simulate_post(
            tenant.path("insights", prefix="environments"),
            headers=tenant.headers,
            json={"name": "Env made"},
        )

        assert result.status_code == 201
        assert retrieve(tenant, result.json)["name"] == "Env made"


class TestRetrieve:
    def test_retrieve_answers_what_create_answered(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups", tags=["growth"], query=TRENDS)

        assert retrieve(tenant, created) == created

    def test_retrieve_by_short_id_equals_retrieve_by_id(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.get(f"insights/{created['short_id']}")

        assert result.status_code == 200
        assert result.json == retrieve(tenant, created)

    def test_an_all_digit_short_id_is_found_when_no_id_matches(self, tenant: Tenant) -> None:
        insight_id = insight_with_short_id(tenant, "98765432", "Numeric short id")

        result = tenant.get("insights/98765432")

        assert result.status_code == 200
        assert (result.json["id"], result.json["name"]) == (insight_id, "Numeric short id")

    def test_an_all_digit_key_is_an_id_before_it_is_a_short_id(self, tenant: Tenant) -> None:
        by_id = tenant.create_insight(name="Found by id")
        insight_with_short_id(tenant, str(by_id["id"]), "Shadowing short id")

        result = tenant.get(f"insights/{by_id['id']}")

        assert result.json["name"] == "Found by id"

    def test_retrieve_with_basic_gives_the_basic_shape(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.get(f"insights/{created['id']}", params={"basic": "true"})

        assert set(result.json) == BASIC_KEYS

    @pytest.mark.parametrize("value", ["abc", "1.5", "true"])
    def test_a_from_dashboard_that_is_not_an_integer_is_a_400(
        self, tenant: Tenant, value: str
    ) -> None:
        insight = tenant.create_insight(name="Board member")

        result = tenant.get(f"insights/{insight['id']}", params={"from_dashboard": value})

        assert result.status_code == 400
        assert result.json == validation_error("from_dashboard", "A valid integer is required.")

    @pytest.mark.parametrize(
        "parameter", ["filters_override", "variables_override", "tile_filters_override"]
    )
    @pytest.mark.parametrize("value", ["{", "[1]", "not json"])
    def test_an_override_that_is_not_a_json_object_is_a_400(
        self, tenant: Tenant, parameter: str, value: str
    ) -> None:
        insight = tenant.create_insight(name="Overridden")

        result = tenant.get(f"insights/{insight['id']}", params={parameter: value})

        assert result.status_code == 400
        assert result.json == validation_error(
            parameter, f"Invalid JSON passed in {parameter} parameter"
        )

    def test_from_a_dashboard_showing_it_adds_the_tiles_color_and_layouts(
        self, tenant: Tenant
    ) -> None:
        shown = tenant.create_dashboard(name="Shown")["id"]
        other = tenant.create_dashboard(name="Other")["id"]
        insight = tenant.create_insight(name="On a board", dashboards=[shown])
        plain = retrieve(tenant, insight)

        on_board = tenant.get(f"insights/{insight['id']}", params={"from_dashboard": shown})
        elsewhere = tenant.get(f"insights/{insight['id']}", params={"from_dashboard": other})

        assert on_board.json == {**plain, "color": None, "layouts": {}}
        assert elsewhere.json == plain

    @pytest.mark.parametrize("key", ["999999999", "NoSuchId", "0"])
    def test_an_unknown_insight_is_404(self, tenant: Tenant, key: str) -> None:
        result = tenant.get(f"insights/{key}")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_an_insight_of_another_project_is_404(self, tenants: Any, tenant: Tenant) -> None:
        other = tenants.create("Olga")
        theirs = other.create_insight(name="Olga's secret")

        by_id = tenant.get(f"insights/{theirs['id']}")
        by_short_id = tenant.get(f"insights/{theirs['short_id']}")

        assert (by_id.status_code, by_short_id.status_code) == (404, 404)
        assert by_id.json == NOT_FOUND


class TestPartialUpdate:
    def test_only_the_sent_fields_change(self, tenant: Tenant) -> None:
        created = tenant.create_insight(
            name="Weekly signups", description="Old words", tags=["growth"], query=TRENDS, order=3
        )

        updated = patch(tenant, created, description="New words")

        changed = {"description", "updated_at"}
        assert updated["description"] == "New words"
        assert {k: v for k, v in updated.items() if k not in changed | {"last_modified_at"}} == {
            k: v for k, v in created.items() if k not in changed | {"last_modified_at"}
        }

    def test_patch_answers_200_with_the_full_shape(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.patch(f"insights/{created['id']}", json={"name": "Daily signups"})

        assert result.status_code == 200
        assert set(result.json) == FULL_KEYS
        assert result.json == retrieve(tenant, created)

    def test_patch_by_short_id_changes_the_insight(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        result = tenant.patch(f"insights/{created['short_id']}", json={"name": "Daily signups"})

        assert result.status_code == 200
        assert retrieve(tenant, created)["name"] == "Daily signups"

    def test_put_is_a_partial_update_too(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups", description="Kept")

        result = tenant.client.simulate_put(
            tenant.path(f"insights/{created['id']}"),
            headers=tenant.headers,
            json={"name": "Daily signups"},
        )

        assert result.status_code == 200
        assert (result.json["name"], result.json["description"]) == ("Daily signups", "Kept")

    def test_a_value_python_deems_equal_but_json_does_not_is_stored(self, tenant: Tenant) -> None:
        # 1 == True to Python: the change of type used to be dropped as "no change".
        insight = tenant.create_insight(filters={"interval": 1})

        answer = patch(tenant, insight, filters={"interval": True})

        assert answer["filters"] == retrieve(tenant, insight)["filters"]
        assert retrieve(tenant, insight)["filters"]["interval"] is True

    def test_name_can_be_cleared_with_null(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Weekly signups")

        assert patch(tenant, created, name=None)["name"] is None

    def test_an_unknown_insight_is_404_on_patch(self, tenant: Tenant) -> None:
        result = tenant.patch("insights/NoSuchId", json={"name": "Ghost"})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_an_insight_of_another_project_is_404_on_patch(
        self, tenants: Any, tenant: Tenant
    ) -> None:
        other = tenants.create("Olga")
        theirs = other.create_insight(name="Olga's secret")

        result = tenant.patch(f"insights/{theirs['id']}", json={"name": "Hijacked"})

        assert result.status_code == 404
        assert retrieve(other, theirs)["name"] == "Olga's secret"


class TestLastModified:
    @pytest.mark.parametrize(
        "fields",
        [
            {"name": "Weekly signups"},
            {"description": "Signups per week"},
            {"filters": {}},
            {"name": "Daily signups", "favorited": True},
        ],
        ids=["same-name", "same-description", "same-filters", "name-and-favorited"],
    )
    def test_sending_a_material_field_sets_last_modified_even_when_unchanged(
        self, timed: Tenant, clock: Clock, fields: dict[str, Any]
    ) -> None:
        bea_id, bea_key = timed.add_member("Bea")
        created = timed.create_insight(name="Weekly signups", description="Signups per week")
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, fields)

        assert result.status_code == 200
        assert (result.json["last_modified_at"], result.json["last_modified_by"]["id"]) == (
            LATER,
            bea_id,
        )

    @pytest.mark.parametrize(
        "fields",
        [
            {"query": FUNNELS},
            {"tags": ["growth"]},
            {"favorited": True},
            {"derived_name": "Pageviews"},
            {"order": 4},
            {"saved": False},
            {"deleted": True},
        ],
        ids=["query", "tags", "favorited", "derived_name", "order", "saved", "deleted"],
    )
    def test_other_fields_leave_last_modified_alone(
        self, timed: Tenant, clock: Clock, fields: dict[str, Any]
    ) -> None:
        _, bea_key = timed.add_member("Bea")
        created = timed.create_insight(name="Weekly signups", query=TRENDS)
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, fields)

        assert result.status_code == 200
        assert (result.json["last_modified_at"], result.json["last_modified_by"]["id"]) == (
            "2024-03-15T12:00:00Z",
            timed.user_id,
        )

    def test_changing_dashboards_leaves_last_modified_alone(
        self, timed: Tenant, clock: Clock
    ) -> None:
        _, bea_key = timed.add_member("Bea")
        board = timed.create_dashboard(name="Board")
        created = timed.create_insight(name="Weekly signups")
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, {"dashboards": [board["id"]]})

        assert (result.json["last_modified_at"], result.json["last_modified_by"]["id"]) == (
            "2024-03-15T12:00:00Z",
            timed.user_id,
        )

    def test_updated_at_changes_with_any_change(self, timed: Tenant, clock: Clock) -> None:
        created = timed.create_insight(name="Weekly signups")
        clock.advance(hours=1)

        updated = patch(timed, created, favorited=True)

        assert (updated["updated_at"], updated["last_modified_at"]) == (
            LATER,
            "2024-03-15T12:00:00Z",
        )

    def test_created_at_and_created_by_never_change(self, timed: Tenant, clock: Clock) -> None:
        _, bea_key = timed.add_member("Bea")
        created = timed.create_insight(name="Weekly signups")
        clock.advance(hours=1)

        result = patch_as(timed, bea_key, created, {"name": "Daily signups"})

        assert (result.json["created_at"], result.json["created_by"]) == (
            created["created_at"],
            created["created_by"],
        )


class TestSaved:
    @pytest.mark.parametrize(
        "fields", [{"favorited": True}, {"name": "Renamed"}, {}], ids=["favorited", "name", "empty"]
    )
    def test_any_patch_saves_an_unsaved_insight(
        self, tenant: Tenant, fields: dict[str, Any]
    ) -> None:
        draft = tenant.create_insight(name="Draft", saved=False)

        assert patch(tenant, draft, **fields)["saved"] is True

    def test_patch_that_sends_saved_false_keeps_it_unsaved(self, tenant: Tenant) -> None:
        draft = tenant.create_insight(name="Draft", saved=False)

        assert patch(tenant, draft, saved=False, name="Still a draft")["saved"] is False

    def test_saved_can_be_turned_off_by_patch(self, tenant: Tenant) -> None:
        kept = tenant.create_insight(name="Kept")

        assert patch(tenant, kept, saved=False)["saved"] is False


class TestTags:
    def test_tags_are_trimmed_lower_cased_and_deduplicated(self, tenant: Tenant) -> None:
        body = tenant.create_insight(name="Tagged", tags=[" Growth ", "growth", "KPI", "kpi "])

        assert sorted(body["tags"]) == ["growth", "kpi"]

    def test_patch_replaces_the_tag_set(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth", "kpi"])

        updated = patch(tenant, created, tags=["KPI", "Churn"])

        assert sorted(updated["tags"]) == ["churn", "kpi"]

    def test_patch_without_tags_leaves_them(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth"])

        assert patch(tenant, created, name="Renamed")["tags"] == ["growth"]

    def test_an_empty_tag_list_clears_the_tags(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Tagged", tags=["growth"])

        assert patch(tenant, created, tags=[])["tags"] == []

    def test_tags_that_are_not_a_list_are_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "Tagged", "tags": "growth"})

        assert result.status_code == 400
        assert result.json == validation_error(
            "tags", 'Expected a list of items but got type "str".', code="not_a_list"
        )


class TestDashboards:
    def test_create_links_the_dashboards_and_shows_their_tiles(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        south = tenant.create_dashboard(name="South")["id"]

        body = tenant.create_insight(name="Linked", dashboards=[south, north])

        assert sorted(body["dashboards"]) == sorted([north, south])
        assert sorted(tile["dashboard_id"] for tile in body["dashboard_tiles"]) == sorted(
            [north, south]
        )
        assert all(
            set(tile) == {"id", "dashboard_id", "deleted"}
            and isinstance(tile["id"], int)
            and tile["deleted"] in (None, False)
            for tile in body["dashboard_tiles"]
        )

    def test_patch_replaces_the_dashboard_set(self, tenant: Tenant) -> None:
        north, south, east = (tenant.create_dashboard(name=n)["id"] for n in ("N", "S", "E"))
        created = tenant.create_insight(name="Linked", dashboards=[north, south])

        updated = patch(tenant, created, dashboards=[south, east])

        assert sorted(updated["dashboards"]) == sorted([south, east])
        assert sorted(t["dashboard_id"] for t in updated["dashboard_tiles"]) == sorted(
            [south, east]
        )

    def test_patch_without_dashboards_leaves_them(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north])

        assert patch(tenant, created, name="Renamed")["dashboards"] == [north]

    def test_repeated_dashboard_ids_link_once(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]

        body = tenant.create_insight(name="Linked", dashboards=[north, north])

        assert body["dashboards"] == [north]
        assert len(body["dashboard_tiles"]) == 1

    def test_relinking_a_dashboard_reactivates_its_old_tile(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north])
        patch(tenant, created, dashboards=[])

        relinked = patch(tenant, created, dashboards=[north])

        assert relinked["dashboard_tiles"] == created["dashboard_tiles"]

    def test_a_dashboard_of_another_project_is_a_400_on_create(
        self, tenants: Any, tenant: Tenant
    ) -> None:
        foreign = tenants.create("Olga").create_dashboard(name="Olga's board")["id"]

        result = tenant.post("insights", json={"name": "Linked", "dashboards": [foreign]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "dashboards", f'Invalid pk "{foreign}" - object does not exist.', code="does_not_exist"
        )
        assert listed_names(tenant) == []

    def test_a_dashboard_of_another_project_is_a_400_on_patch(
        self, tenants: Any, tenant: Tenant
    ) -> None:
        foreign = tenants.create("Olga").create_dashboard(name="Olga's board")["id"]
        created = tenant.create_insight(name="Linked")

        result = tenant.patch(f"insights/{created['id']}", json={"dashboards": [foreign]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "dashboards", f'Invalid pk "{foreign}" - object does not exist.', code="does_not_exist"
        )
        assert retrieve(tenant, created)["dashboards"] == []

    def test_an_unknown_dashboard_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "Linked", "dashboards": [987654321]})

        assert result.status_code == 400
        assert result.json == validation_error(
            "dashboards", 'Invalid pk "987654321" - object does not exist.', code="does_not_exist"
        )

    def test_a_deleted_dashboard_in_the_payload_is_ignored(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        gone = tenant.create_dashboard(name="Gone")["id"]
        tenant.patch(f"dashboards/{gone}", json={"deleted": True})

        body = tenant.create_insight(name="Linked", dashboards=[north, gone])

        assert body["dashboards"] == [north]

    def test_deleting_a_dashboard_takes_it_off_its_insights(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        south = tenant.create_dashboard(name="South")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north, south])

        tenant.patch(f"dashboards/{north}", json={"deleted": True})

        after = retrieve(tenant, created)
        assert after["dashboards"] == [south]
        assert [tile["dashboard_id"] for tile in after["dashboard_tiles"]] == [south]


class TestLinksToDeletedDashboards:
    """PostHog replaces only the links it shows: a deleted dashboard's link is hidden, not
    removed, by a new set of dashboards, and shows again when the dashboard is restored."""

    @pytest.fixture
    def hidden(self, tenant: Tenant) -> tuple[dict[str, Any], int, int]:
        north = tenant.create_dashboard(name="North")["id"]
        south = tenant.create_dashboard(name="South")["id"]
        created = tenant.create_insight(name="Linked", dashboards=[north])
        tenant.patch(f"dashboards/{north}", json={"deleted": True})
        return created, north, south

    def test_a_new_set_keeps_the_hidden_link(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, south = hidden

        answer = patch(tenant, created, dashboards=[south])
        tenant.patch(f"dashboards/{north}", json={"deleted": False})

        assert answer["dashboards"] == [south]
        assert sorted(retrieve(tenant, created)["dashboards"]) == sorted([north, south])

    def test_an_empty_set_keeps_the_hidden_link_too(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, _ = hidden

        patch(tenant, created, dashboards=[])
        tenant.patch(f"dashboards/{north}", json={"deleted": False})

        assert retrieve(tenant, created)["dashboards"] == [north]

    def test_the_activity_entry_shows_only_the_links_it_showed(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, _, south = hidden

        patch(tenant, created, dashboards=[south])

        entries = tenant.get(f"insights/{created['id']}/activity").json["results"]
        assert entries[0]["detail"]["changes"] == [
            {
                "type": "Insight",
                "action": "changed",
                "field": "dashboards",
                "before": [],
                "after": [{"id": south, "name": "South"}],
            }
        ]

    def test_each_entry_of_a_page_hides_the_dashboards_deleted_when_it_was_made(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, south = hidden
        patch(tenant, created, dashboards=[south])
        tenant.patch(f"dashboards/{north}", json={"deleted": False})
        patch(tenant, created, dashboards=[])

        entries = tenant.get(f"insights/{created['id']}/activity").json["results"]

        assert [entry["detail"]["changes"] for entry in entries[:2]] == [
            [
                {
                    "type": "Insight",
                    "action": "changed",
                    "field": "dashboards",
                    "before": [{"id": north, "name": "North"}, {"id": south, "name": "South"}],
                    "after": [],
                }
            ],
            [
                {
                    "type": "Insight",
                    "action": "changed",
                    "field": "dashboards",
                    "before": [],
                    "after": [{"id": south, "name": "South"}],
                }
            ],
        ]

    def test_deleting_the_insight_takes_it_off_the_hidden_dashboard_as_well(
        self, tenant: Tenant, hidden: tuple[dict[str, Any], int, int]
    ) -> None:
        created, north, _ = hidden

        patch(tenant, created, deleted=True)
        tenant.patch(f"dashboards/{north}", json={"deleted": False})
        patch(tenant, created, deleted=False)

        assert retrieve(tenant, created)["dashboards"] == []


class TestSoftDelete:
    def test_patch_deleted_true_answers_200_with_deleted_true(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Doomed")

        result = tenant.patch(f"insights/{created['id']}", json={"deleted": True})

        assert result.status_code == 200
        assert result.json["deleted"] is True

    def test_a_deleted_insight_is_404_on_retrieve(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Doomed")
        patch(tenant, created, deleted=True)

        by_id = tenant.get(f"insights/{created['id']}")
        by_short_id = tenant.get(f"insights/{created['short_id']}")

        assert (by_id.status_code, by_short_id.status_code) == (404, 404)
        assert by_id.json == NOT_FOUND

    @pytest.mark.parametrize(
        "fields",
        [{"name": "Zombie"}, {"deleted": True}, {}, {"favorited": True}],
        ids=["name", "deleted-again", "empty", "favorited"],
    )
    def test_a_deleted_insight_is_404_on_patch(
        self, tenant: Tenant, fields: dict[str, Any]
    ) -> None:
        created = tenant.create_insight(name="Doomed")
        patch(tenant, created, deleted=True)

        result = tenant.patch(f"insights/{created['id']}", json=fields)

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_insight_leaves_the_list(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Doomed")
        tenant.create_insight(name="Keeper")

        patch(tenant, created, deleted=True)

        assert listed_names(tenant) == ["Keeper"]

    def test_patch_deleted_false_restores(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Phoenix")
        patch(tenant, created, deleted=True)

        result = tenant.patch(f"insights/{created['id']}", json={"deleted": False})

        assert result.status_code == 200
        assert result.json["deleted"] is False
        assert retrieve(tenant, created)["name"] == "Phoenix"

    def test_restoring_can_change_other_fields_at_once(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Phoenix")
        patch(tenant, created, deleted=True)

        restored = patch(tenant, created, deleted=False, name="Risen phoenix")

        assert (restored["deleted"], restored["name"]) == (False, "Risen phoenix")

    def test_deleting_takes_the_insight_off_its_dashboards(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Doomed", dashboards=[north])

        deleted = patch(tenant, created, deleted=True)

        assert (deleted["dashboards"], deleted["dashboard_tiles"]) == ([], [])

    def test_dashboards_sent_with_deleted_true_are_ignored(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Doomed")

        deleted = patch(tenant, created, deleted=True, dashboards=[north])

        assert deleted["dashboards"] == []

    def test_restoring_does_not_put_the_insight_back_on_dashboards(self, tenant: Tenant) -> None:
        north = tenant.create_dashboard(name="North")["id"]
        created = tenant.create_insight(name="Phoenix", dashboards=[north])
        patch(tenant, created, deleted=True)

        restored = patch(tenant, created, deleted=False)

        assert restored["dashboards"] == []

    def test_delete_is_405_with_an_empty_body(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Kept")

        result = tenant.delete(f"insights/{created['id']}")

        assert result.status_code == 405
        assert result.content == b""
        assert retrieve(tenant, created)["deleted"] is False

    @pytest.mark.parametrize("key", ["999999999", "NoSuchId"])
    def test_delete_of_an_unknown_insight_is_405_with_an_empty_body(
        self, tenant: Tenant, key: str
    ) -> None:
        result = tenant.delete(f"insights/{key}/")

        assert result.status_code == 405
        assert result.content == b""


class TestQueryValidation:
    def test_a_null_query_is_accepted(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"name": "No query", "query": None})

        assert result.status_code == 201
        assert result.json["query"] is None

    def test_a_query_can_be_cleared_with_null(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Trends", query=TRENDS)

        assert patch(tenant, created, query=None)["query"] is None

    @pytest.mark.parametrize(
        ("query", "detail"),
        [
            (5, "Query must be a valid JSON object"),
            ("TrendsQuery", "Query must be a valid JSON object"),
            ([TRENDS], "Query must be a valid JSON object"),
            ({}, "Query must be a valid JSON object"),
            ("", "Query must be a valid JSON object"),
            ({"series": []}, "query has no 'kind'."),
            ({"kind": ""}, "query has no 'kind'."),
            ({"kind": 7}, "query has no 'kind'."),
            ({"kind": "MysteryQuery"}, "Unknown query kind 'MysteryQuery' in query."),
            (
                {"kind": "InsightVizNode", "source": {"kind": "MysteryQuery"}},
                "Unknown query kind 'MysteryQuery' in query.source.",
            ),
            ({"kind": "InsightVizNode"}, "query.source is required for InsightVizNode."),
        ],
        ids=[
            "number", "string", "list", "empty-object", "empty-string", "no-kind", "blank-kind",
            "numeric-kind", "unknown-kind", "unknown-source-kind", "wrapper-without-source",
        ],
    )  # fmt: skip
    def test_an_invalid_query_is_a_400_naming_query(
        self, tenant: Tenant, query: Any, detail: str
    ) -> None:
        result = tenant.post("insights", json={"name": "Broken", "query": query})

        assert result.status_code == 400
        if query:
            # PostHog's request parser refuses a query that is not a known node.
            assert result.json == {
                "type": "invalid_request",
                "code": "parse_error",
                "detail": detail,
                "attr": "query",
            }
        else:
            assert result.json == validation_error("query", detail)
        assert listed_names(tenant) == []

    def test_an_invalid_query_in_a_patch_changes_nothing(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Trends", query=TRENDS)

        result = tenant.patch(
            f"insights/{created['id']}", json={"name": "Broken", "query": {"kind": "Nope"}}
        )

        assert result.status_code == 400
        assert result.json["attr"] == "query"
        assert retrieve(tenant, created) == created


class TestFieldLimits:
    @pytest.mark.parametrize("field", ["name", "derived_name", "description"])
    def test_400_characters_are_accepted(self, tenant: Tenant, field: str) -> None:
        result = tenant.post("insights", json={field: "x" * 400})

        assert result.status_code == 201
        assert result.json[field] == "x" * 400

    @pytest.mark.parametrize("field", ["name", "derived_name", "description"])
    def test_more_than_400_characters_is_a_400_max_length(self, tenant: Tenant, field: str) -> None:
        result = tenant.post("insights", json={field: "x" * 401})

        assert result.status_code == 400
        assert result.json == validation_error(
            field, "Ensure this field has no more than 400 characters.", code="max_length"
        )

    @pytest.mark.parametrize("field", ["name", "derived_name", "description"])
    def test_more_than_400_characters_is_a_400_on_patch(self, tenant: Tenant, field: str) -> None:
        created = tenant.create_insight(name="Short")

        result = tenant.patch(f"insights/{created['id']}", json={field: "x" * 401})

        assert result.status_code == 400
        assert result.json["code"] == "max_length"
        assert result.json["attr"] == field

    @pytest.mark.parametrize("order", [2**31 - 1, -(2**31)])
    def test_order_within_int32_is_accepted(self, tenant: Tenant, order: int) -> None:
        result = tenant.post("insights", json={"order": order})

        assert result.status_code == 201
        assert result.json["order"] == order

    def test_order_above_int32_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"order": 2**31})

        assert result.status_code == 400
        assert result.json == validation_error(
            "order", "Ensure this value is less than or equal to 2147483647.", code="max_value"
        )

    def test_order_below_int32_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"order": -(2**31) - 1})

        assert result.status_code == 400
        assert result.json == validation_error(
            "order", "Ensure this value is greater than or equal to -2147483648.", code="min_value"
        )

    def test_a_non_integer_order_is_a_400(self, tenant: Tenant) -> None:
        result = tenant.post("insights", json={"order": "first"})

        assert result.status_code == 400
        assert result.json == validation_error("order", "A valid integer is required.")

    @pytest.mark.parametrize("field", ["favorited", "saved", "deleted"])
    def test_null_for_a_boolean_field_is_a_400(self, tenant: Tenant, field: str) -> None:
        result = tenant.post("insights", json={field: None})

        assert result.status_code == 400
        assert result.json == validation_error(field, "This field may not be null.", code="null")


class TestRequestBodies:
    def test_unknown_and_read_only_keys_are_ignored(self, tenant: Tenant) -> None:
        result = tenant.post(
            "insights",
            json={
                "name": "Plain",
                "color": "blue",
                "id": 424242,
                "short_id": "ZZZZZZZZ",
                "created_by": 999,
                "is_sample": True,
            },
        )

        assert result.status_code == 201
        body = result.json
        assert (body["name"], body["is_sample"], body["created_by"]["id"]) == (
            "Plain",
            False,
            tenant.user_id,
        )
        assert body["id"] != 424242
        assert body["short_id"] != "ZZZZZZZZ"

    def test_unknown_keys_are_ignored_on_patch(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Plain")

        result = tenant.patch(f"insights/{created['id']}", json={"color": "blue", "name": "Pale"})

        assert result.status_code == 200
        assert result.json["name"] == "Pale"

    @pytest.mark.parametrize("method", ["POST", "PATCH"])
    def test_a_json_list_body_is_a_400(self, tenant: Tenant, method: str) -> None:
        created = tenant.create_insight(name="Plain")
        suffix = "insights" if method == "POST" else f"insights/{created['id']}"

        result = raw_body(tenant, method, suffix, '[{"name": "Listed"}]')

        assert result.status_code == 400
        assert result.json == validation_error(
            None, "Invalid data. Expected a dictionary, but got list."
        )

    @pytest.mark.parametrize("method", ["POST", "PATCH"])
    def test_malformed_json_is_a_400_parse_error(self, tenant: Tenant, method: str) -> None:
        created = tenant.create_insight(name="Plain")
        suffix = "insights" if method == "POST" else f"insights/{created['id']}"

        result = raw_body(tenant, method, suffix, '{"name": "Broken"')

        assert result.status_code == 400
        assert set(result.json) == {"type", "code", "detail", "attr"}
        assert (result.json["type"], result.json["code"], result.json["attr"]) == (
            "invalid_request",
            "parse_error",
            None,
        )
        assert result.json["detail"].startswith("JSON parse error")
        assert listed_names(tenant) == ["Plain"]
