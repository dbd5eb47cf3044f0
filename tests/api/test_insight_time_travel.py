"""Time travel and revert (issue 4 "Time travel"; CONTRACT.md §5 "Event sourcing gives …", §3
scopes, §4 errors): `GET …/insights/{id}?version=N`, `?as_of=<ISO-8601>` and
`POST …/insights/{id}/revert`, through the WSGI app on both backends, at instants a test clock
chooses, by id and by short_id, under /api/projects/ and /api/environments/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from domain.insight import InsightNotFoundError
from store.backend import Backend, open_backend
from store.insight_history import InsightHistoryService
from tests.bodies import NOT_A_MEMBER, NOT_FOUND
from tests.tenants import Tenant, TenantFactory

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
TRENDS = {
    "kind": "InsightVizNode",
    "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "signed_up"}]},
}
FUNNELS = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "FunnelsQuery",
        "series": [
            {"kind": "EventsNode", "event": "signed_up"},
            {"kind": "EventsNode", "event": "paid"},
        ],
    },
}
# What an insight says (reference §5.4 writable fields), without `deleted`, which a revert
# leaves alone; `dashboard_tiles` follows `dashboards`.
EDITABLE_KEYS = (
    "name",
    "derived_name",
    "description",
    "query",
    "filters",
    "order",
    "favorited",
    "saved",
    "tags",
    "dashboards",
    "dashboard_tiles",
)
UNKNOWN_INSIGHT_ID = 9_000_000_000_000
INT64_MAX = 2**63 - 1

MISSING_INSIGHT_WRITE = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "API key missing required scope 'insight:write'",
    "attr": None,
}
MISSING_INSIGHT_READ = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "API key missing required scope 'insight:read'",
    "attr": None,
}
BOTH_VERSION_AND_AS_OF = {
    "type": "validation_error",
    "code": "invalid_input",
    "detail": "Give either version or as_of, not both.",
    "attr": "as_of",
}
NOT_AN_INTEGER = {
    "type": "validation_error",
    "code": "invalid_input",
    "detail": "A valid integer is required.",
    "attr": "version",
}
BELOW_ONE = {
    "type": "validation_error",
    "code": "min_value",
    "detail": "Ensure this value is greater than or equal to 1.",
    "attr": "version",
}


def invalid_as_of(value: str) -> dict[str, Any]:
    return {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": f"'{value}' is not an ISO-8601 date and time.",
        "attr": "as_of",
    }


def no_such_version(version: int) -> dict[str, Any]:
    return {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": f"This insight has no version {version}.",
        "attr": "version",
    }


def iso(instant: datetime) -> str:
    """CONTRACT §4: ISO-8601 UTC ending in Z, no fraction when it is zero."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{instant.microsecond:06d}Z" if instant.microsecond else f"{text}Z"


def editable(shape: dict[str, Any]) -> dict[str, Any]:
    return {key: shape[key] for key in EDITABLE_KEYS}


# ---------------------------------------------------------------------------------------------
# A project whose clock the test sets, and the story of one insight in it


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: datetime) -> None:
        self.now = instant


@dataclass(frozen=True)
class Member:
    name: str
    user_id: int
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Project:
    """Ann's project on a backend whose clock the test sets."""

    tenant: Tenant
    clock: Clock

    @property
    def client(self) -> falcon.testing.TestClient:
        return self.tenant.client

    @property
    def ann(self) -> Member:
        return Member("Ann", self.tenant.user_id, self.tenant.key)

    def member(self, first_name: str) -> Member:
        user_id, key = self.tenant.add_member(first_name)
        return Member(first_name, user_id, key)

    def path(self, suffix: str, prefix: str = "projects") -> str:
        return f"/api/{prefix}/{self.tenant.project_id}/{suffix}"

    # Raw calls -------------------------------------------------------------------------------

    def get_insight(
        self,
        key: int | str,
        *,
        prefix: str = "projects",
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> falcon.testing.Result:
        return self.client.simulate_get(
            self.path(f"insights/{key}", prefix),
            headers=headers or self.ann.headers,
            params=params,
        )

    def post_revert(
        self,
        key: int | str,
        body: Any = None,
        *,
        raw: str | None = None,
        prefix: str = "projects",
        headers: dict[str, str] | None = None,
    ) -> falcon.testing.Result:
        path = self.path(f"insights/{key}/revert", prefix)
        headers = headers or self.ann.headers
        if raw is not None:
            return self.client.simulate_post(
                path, headers={**headers, "Content-Type": "application/json"}, body=raw
            )
        return self.client.simulate_post(path, headers=headers, json=body)

    # Checked calls ---------------------------------------------------------------------------

    def at(self, instant: datetime) -> None:
        self.clock.set(instant)

    def create_dashboard(self, name: str) -> int:
        return int(self.tenant.create_dashboard(name=name)["id"])

    def delete_dashboard(self, dashboard_id: int) -> None:
        result = self.tenant.patch(f"dashboards/{dashboard_id}", json={"deleted": True})
        assert result.status_code == 200, result.text

    def create(self, by: Member | None = None, **fields: Any) -> dict[str, Any]:
        result = self.client.simulate_post(
            self.path("insights"), headers=(by or self.ann).headers, json=fields
        )
        assert result.status_code == 201, result.text
        return dict(result.json)

    def patch(self, insight_id: int, by: Member | None = None, **fields: Any) -> dict[str, Any]:
        result = self.client.simulate_patch(
            self.path(f"insights/{insight_id}"), headers=(by or self.ann).headers, json=fields
        )
        assert result.status_code == 200, result.text
        return dict(result.json)

    def current(self, insight_id: int) -> dict[str, Any]:
        result = self.get_insight(insight_id)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def version(self, insight_id: int | str, version: int, **params: str) -> dict[str, Any]:
        result = self.get_insight(insight_id, version=str(version), **params)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def revert(self, insight_id: int | str, version: int, **kwargs: Any) -> dict[str, Any]:
        result = self.post_revert(insight_id, {"version": version}, **kwargs)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def activity(self, insight_id: int, **params: str) -> list[dict[str, Any]]:
        result = self.client.simulate_get(
            self.path(f"insights/{insight_id}/activity"), headers=self.ann.headers, params=params
        )
        assert result.status_code == 200, result.text
        return list(result.json["results"])

    def snapshot(self, insight_id: int, versions: int) -> dict[str, Any]:
        """Everything a client can read of the insight: its current shape, every version, and
        proof that there is no version after `versions`."""
        after = self.get_insight(insight_id, version=str(versions + 1))
        return {
            "current": self.current(insight_id),
            "versions": [self.version(insight_id, n) for n in range(1, versions + 1)],
            "next version": (after.status_code, after.json),
            "activity": self.activity(insight_id, limit="50"),
        }


@dataclass
class Story:
    """The history of "Weekly signups" in Ann's project.

    v1 09:00 Ann creates it: trends of signed_up, tagged growth, on the Launch dashboard.
    v2 10:00 Bea renames it and rewrites its description (material: last modified by Bea).
    v3 11:00 Ann turns it into a funnel, tags it kpi, favourites it and moves it to the Board
             dashboard (not material: last modified stays Bea at 10:00).
    v4 12:00 Ann renames it "Sign-up funnel" and clears its description.
    """

    project: Project
    bea: Member
    launch: int
    board: int
    times: list[datetime]
    states: list[dict[str, Any]] = field(default_factory=list)
    """The API's answer to the write that made each version, in order (index 0 = version 1)."""

    @property
    def id(self) -> int:
        return int(self.states[0]["id"])

    @property
    def short_id(self) -> str:
        return str(self.states[0]["short_id"])

    @property
    def latest(self) -> int:
        return len(self.states)


def tell_story(project: Project) -> Story:
    bea = project.member("Bea")
    project.at(START)
    launch = project.create_dashboard("Launch")
    board = project.create_dashboard("Board")
    times = [START + timedelta(hours=hour) for hour in range(4)]
    story = Story(project=project, bea=bea, launch=launch, board=board, times=times)

    project.at(times[0])
    story.states.append(
        project.create(
            name="Weekly signups",
            description="Signups per ISO week",
            tags=["growth"],
            query=TRENDS,
            dashboards=[launch],
        )
    )
    project.at(times[1])
    story.states.append(
        project.patch(
            story.id, by=bea, name="Weekly sign-ups", description="Sign-ups, Monday to Sunday"
        )
    )
    project.at(times[2])
    story.states.append(
        project.patch(
            story.id, tags=["growth", "kpi"], query=FUNNELS, favorited=True, dashboards=[board]
        )
    )
    project.at(times[3])
    story.states.append(project.patch(story.id, name="Sign-up funnel", description=None))
    project.at(times[3] + timedelta(hours=1))
    return story


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def timed_backend(backend: Backend, clock: Clock) -> Iterator[Backend]:
    """A second backend on the shared database whose clock the test sets."""
    opened = open_backend(backend.url, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def timed_tenants(timed_backend: Backend) -> TenantFactory:
    return TenantFactory(timed_backend, falcon.testing.TestClient(create_app(timed_backend)))


@pytest.fixture
def project(timed_tenants: TenantFactory, clock: Clock) -> Project:
    return Project(timed_tenants.create("Ann"), clock)


@pytest.fixture
def story(project: Project) -> Story:
    return tell_story(project)


@pytest.fixture
def zed(timed_tenants: TenantFactory) -> Tenant:
    """Another organization's member, with a `*` key."""
    return timed_tenants.create("Zed")


# ---------------------------------------------------------------------------------------------
# GET …/insights/{id}?version=N


class TestVersion:
    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    @pytest.mark.parametrize("by", ["id", "short_id"])
    def test_every_version_is_the_full_shape_the_write_that_made_it_answered(
        self, story: Story, prefix: str, by: str
    ) -> None:
        key = story.id if by == "id" else story.short_id
        for version, state in enumerate(story.states, start=1):
            result = story.project.get_insight(key, prefix=prefix, version=str(version))

            assert result.status_code == 200, (version, result.text)
            assert result.json == state, f"version {version}"

    def test_version_1_is_the_created_state(self, story: Story) -> None:
        first = story.project.version(story.id, 1)

        assert first["name"] == "Weekly signups"
        assert first["description"] == "Signups per ISO week"
        assert first["tags"] == ["growth"]
        assert first["query"] == TRENDS
        assert first["favorited"] is False
        assert first["dashboards"] == [story.launch]
        assert first["deleted"] is False
        assert first["created_at"] == iso(story.times[0])
        assert first["created_by"]["id"] == story.project.ann.user_id
        assert first["last_modified_at"] == iso(story.times[0])
        assert first["last_modified_by"]["id"] == story.project.ann.user_id

    def test_last_modified_is_as_it_was_then_and_created_never_changes(self, story: Story) -> None:
        ann, bea = story.project.ann.user_id, story.bea.user_id
        expected = [
            # (last_modified_at, last_modified_by) after each version
            (story.times[0], ann),
            (story.times[1], bea),
            (story.times[1], bea),  # v3 changed no material field (reference §6.4)
            (story.times[3], ann),
        ]
        for version, (at, by) in enumerate(expected, start=1):
            past = story.project.version(story.id, version)

            assert (past["last_modified_at"], past["last_modified_by"]["id"]) == (iso(at), by)
            assert past["created_at"] == iso(story.times[0])
            assert past["created_by"]["id"] == ann

    def test_each_version_shows_the_dashboards_it_was_on_then(self, story: Story) -> None:
        on = [story.project.version(story.id, n)["dashboards"] for n in range(1, 5)]

        assert on == [[story.launch], [story.launch], [story.board], [story.board]]

    def test_the_latest_version_equals_the_current_insight(self, story: Story) -> None:
        latest = story.project.version(story.id, story.latest)

        assert latest == story.project.current(story.id)

    def test_basic_gives_the_basic_shape_of_a_version(self, story: Story) -> None:
        full = story.project.version(story.id, 2)
        basic = story.project.version(story.id, 2, basic="true")

        assert "deleted" not in basic and "last_modified_by" not in basic
        assert basic["name"] == "Weekly sign-ups"
        assert {key: full[key] for key in basic} == basic

    def test_a_version_after_the_latest_is_404(self, story: Story) -> None:
        result = story.project.get_insight(story.id, version=str(story.latest + 1))

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_version_after_the_latest_is_404_by_short_id_under_environments(
        self, story: Story
    ) -> None:
        result = story.project.get_insight(
            story.short_id, prefix="environments", version=str(story.latest + 1)
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize("version", [INT64_MAX, INT64_MAX + 1, 10**30])
    def test_a_version_far_past_the_latest_is_404_not_a_server_error(
        self, story: Story, version: int
    ) -> None:
        result = story.project.get_insight(story.id, version=str(version))

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize(
        ("value", "error"),
        [
            ("0", BELOW_ONE),
            ("-1", BELOW_ONE),
            ("abc", NOT_AN_INTEGER),
            ("1.5", NOT_AN_INTEGER),
            ("true", NOT_AN_INTEGER),
            ("", NOT_AN_INTEGER),
        ],
    )
    def test_a_version_that_is_not_a_positive_integer_is_400(
        self, story: Story, value: str, error: dict[str, Any]
    ) -> None:
        result = story.project.get_insight(story.id, version=value)

        assert result.status_code == 400
        assert result.json == error

    def test_an_unknown_insight_is_404_at_any_version(self, story: Story) -> None:
        result = story.project.get_insight(UNKNOWN_INSIGHT_ID, version="1")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_another_projects_insight_is_404_at_any_version(
        self, story: Story, zed: Tenant
    ) -> None:
        theirs = zed.create_insight(name="Zed's churn")

        result = story.project.get_insight(theirs["id"], version="1")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_key_without_insight_read_cannot_read_a_version(self, story: Story) -> None:
        key = story.project.tenant.key_with(["activity_log:read"])

        result = story.project.get_insight(
            story.id, headers={"Authorization": f"Bearer {key}"}, version="1"
        )

        assert result.status_code == 403
        assert result.json == MISSING_INSIGHT_READ

    def test_an_insight_read_key_can_read_a_version(self, story: Story) -> None:
        key = story.project.tenant.key_with(["insight:read"])

        result = story.project.get_insight(
            story.id, headers={"Authorization": f"Bearer {key}"}, version="1"
        )

        assert result.status_code == 200
        assert result.json["name"] == "Weekly signups"

    def test_another_organizations_member_cannot_read_a_version(
        self, story: Story, zed: Tenant
    ) -> None:
        result = story.project.get_insight(story.id, headers=zed.headers, version="1")

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER


class TestVersionOfDeletedInsights:
    """Decision (contract silent): a soft-deleted insight is 404 at every version, as its
    retrieve and its activity page are (reference §7.3, §7.11); once restored, the versions
    from its deleted time read as they were, `deleted: true` included."""

    def test_a_deleted_insight_is_404_at_a_version_before_its_deletion(self, story: Story) -> None:
        story.project.patch(story.id, deleted=True)

        result = story.project.get_insight(story.id, version="1")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_insight_is_404_as_of_an_instant_before_its_deletion(
        self, story: Story
    ) -> None:
        story.project.patch(story.id, deleted=True)

        result = story.project.get_insight(story.id, as_of=iso(story.times[1]))

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_restored_insight_shows_its_deleted_version_as_deleted_and_off_dashboards(
        self, story: Story
    ) -> None:
        story.project.at(story.times[3] + timedelta(hours=1))
        deleted = story.project.patch(story.id, deleted=True)
        story.project.at(story.times[3] + timedelta(hours=2))
        story.project.patch(story.id, deleted=False)

        at_deletion = story.project.version(story.id, 5)

        assert at_deletion["deleted"] is True
        assert at_deletion["dashboards"] == []
        assert at_deletion["name"] == "Sign-up funnel"
        assert at_deletion == deleted
        assert story.project.version(story.id, 6)["deleted"] is False
        assert story.project.version(story.id, 4)["dashboards"] == [story.board]


# ---------------------------------------------------------------------------------------------
# GET …/insights/{id}?as_of=<ISO-8601>


class TestAsOf:
    def test_an_instant_between_two_versions_gives_the_earlier_one(self, story: Story) -> None:
        between = story.times[1] + timedelta(minutes=30)

        past = story.project.get_insight(story.id, as_of=iso(between))

        assert past.status_code == 200
        assert past.json == story.states[1]

    def test_the_instant_of_a_version_gives_that_version(self, story: Story) -> None:
        for version, at in enumerate(story.times, start=1):
            past = story.project.get_insight(story.id, as_of=iso(at))

            assert past.status_code == 200
            assert past.json == story.states[version - 1], version

    def test_a_microsecond_before_a_version_gives_the_one_before(self, story: Story) -> None:
        just_before = story.times[2] - timedelta(microseconds=1)

        past = story.project.get_insight(story.id, as_of=iso(just_before))

        assert past.status_code == 200
        assert past.json == story.states[1]

    def test_an_instant_after_the_last_version_gives_the_current_insight(
        self, story: Story
    ) -> None:
        past = story.project.get_insight(story.id, as_of="2031-01-01T00:00:00Z")

        assert past.status_code == 200
        assert past.json == story.project.current(story.id)

    def test_an_instant_before_creation_is_404(self, story: Story) -> None:
        result = story.project.get_insight(
            story.id, as_of=iso(story.times[0] - timedelta(microseconds=1))
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_date_before_creation_day_is_404(self, story: Story) -> None:
        result = story.project.get_insight(story.id, as_of="2026-03-01")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_date_without_time_means_its_midnight_utc(self, story: Story) -> None:
        past = story.project.get_insight(story.id, as_of="2026-03-03")

        assert past.status_code == 200
        assert past.json == story.states[-1]

    @pytest.mark.parametrize(
        ("as_of", "version"),
        [
            # 10:30 at +02:00 is 08:30Z: before creation, so tested separately
            ("2026-03-02T11:30:00+02:00", 1),  # 09:30Z
            ("2026-03-02T12:00:00+02:00", 2),  # 10:00Z exactly
            ("2026-03-02T05:59:59.999999-05:00", 2),  # 10:59:59.999999Z
            ("2026-03-02T06:00:00-05:00", 3),  # 11:00Z
            ("2026-03-02T11:00:00+00:00", 3),
            ("2026-03-02T11:00:00Z", 3),
        ],
    )
    def test_a_timezone_offset_is_converted_to_utc(
        self, story: Story, as_of: str, version: int
    ) -> None:
        past = story.project.get_insight(story.id, as_of=as_of)

        assert past.status_code == 200
        assert past.json == story.states[version - 1]

    def test_an_offset_that_puts_the_instant_before_creation_is_404(self, story: Story) -> None:
        # 10:30 local at +02:00 is 08:30Z, half an hour before the insight existed.
        result = story.project.get_insight(story.id, as_of="2026-03-02T10:30:00+02:00")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize(
        ("as_of", "version"),
        [("2026-03-02T09:59:59", 1), ("2026-03-02T10:00:00", 2), ("2026-03-02 10:00:00", 2)],
    )
    def test_a_naive_instant_is_utc(self, story: Story, as_of: str, version: int) -> None:
        past = story.project.get_insight(story.id, as_of=as_of)

        assert past.status_code == 200
        assert past.json == story.states[version - 1]

    def test_as_of_works_by_short_id_under_environments(self, story: Story) -> None:
        past = story.project.get_insight(
            story.short_id, prefix="environments", as_of="2026-03-02T10:30:00Z"
        )

        assert past.status_code == 200
        assert past.json == story.states[1]

    @pytest.mark.parametrize(
        "value", ["yesterday", "2026-13-01", "2026-03-02T25:00:00Z", "1700000000", ""]
    )
    def test_an_unparseable_instant_is_400(self, story: Story, value: str) -> None:
        result = story.project.get_insight(story.id, as_of=value)

        assert result.status_code == 400
        assert result.json == invalid_as_of(value)

    def test_version_and_as_of_together_are_400_on_as_of(self, story: Story) -> None:
        result = story.project.get_insight(story.id, version="1", as_of=iso(story.times[1]))

        assert result.status_code == 400
        assert result.json == BOTH_VERSION_AND_AS_OF

    def test_the_last_representable_instant_far_west_gives_the_current_insight(
        self, story: Story
    ) -> None:
        # 9999-12-31T23:59:59-14:00 is a valid ISO-8601 instant after every version (it is in
        # year 10000 in UTC): never a 500 (CONTRACT §4).
        past = story.project.get_insight(story.id, as_of="9999-12-31T23:59:59-14:00")

        assert past.status_code == 200
        assert past.json == story.project.current(story.id)

    def test_the_first_representable_instant_far_east_is_before_creation(
        self, story: Story
    ) -> None:
        # 0001-01-01T00:00:00+14:00 is in year 0 in UTC, long before the insight: a 404.
        result = story.project.get_insight(story.id, as_of="0001-01-01T00:00:00+14:00")

        assert result.status_code == 404
        assert result.json == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# POST …/insights/{id}/revert


class TestRevert:
    def test_revert_answers_200_with_the_current_insight_saying_what_version_n_said(
        self, story: Story
    ) -> None:
        story.project.at(story.times[3] + timedelta(hours=2))

        reverted = story.project.revert(story.id, 1)

        assert editable(reverted) == editable(story.states[0])
        assert reverted["deleted"] is False
        assert reverted == story.project.current(story.id)

    @pytest.mark.parametrize(("then", "now"), [(1, True), (1.0, 1), (0, False)])
    def test_revert_restores_a_value_python_deems_equal_to_the_current_one(
        self, project: Project, then: Any, now: Any
    ) -> None:
        created = project.create(name="Typed", filters={"interval": then})
        project.patch(created["id"], filters={"interval": now})

        reverted = project.revert(created["id"], 1)

        assert reverted["filters"] == {"interval": then}
        assert type(reverted["filters"]["interval"]) is type(then)
        assert type(project.current(created["id"])["filters"]["interval"]) is type(then)

    def test_revert_is_a_modification_by_the_reverter_now(self, story: Story) -> None:
        now = story.times[3] + timedelta(hours=2)
        story.project.at(now)

        reverted = story.project.revert(story.id, 2, headers=story.bea.headers)

        assert reverted["last_modified_at"] == iso(now)
        assert reverted["last_modified_by"]["id"] == story.bea.user_id
        assert reverted["created_at"] == iso(story.times[0])
        assert reverted["created_by"]["id"] == story.project.ann.user_id

    def test_revert_records_a_new_version_equal_to_the_current_insight(self, story: Story) -> None:
        reverted = story.project.revert(story.id, 1)

        new = story.project.version(story.id, story.latest + 1)
        after = story.project.get_insight(story.id, version=str(story.latest + 2))

        assert new == reverted
        assert after.status_code == 404
        assert after.json == NOT_FOUND

    def test_revert_leaves_earlier_versions_as_they_were(self, story: Story) -> None:
        story.project.revert(story.id, 1)

        for version, state in enumerate(story.states, start=1):
            assert story.project.version(story.id, version) == state

    def test_revert_shows_in_activity_as_an_update_triggered_by_the_revert(
        self, story: Story
    ) -> None:
        now = story.times[3] + timedelta(hours=2)
        story.project.at(now)
        story.project.revert(story.id, 1)

        newest = story.project.activity(story.id)[0]

        assert newest["activity"] == "updated"
        assert newest["user"] == {"first_name": "Ann", "email": story.project.tenant.email}
        assert newest["scope"] == "Insight"
        assert newest["item_id"] == str(story.id)
        assert newest["created_at"] == iso(now)
        assert newest["detail"]["trigger"] == {
            "job_type": "revert",
            "job_id": "1",
            "payload": {"version": 1},
        }
        assert newest["detail"]["name"] == "Weekly signups"
        assert newest["detail"]["short_id"] == story.short_id
        assert newest["detail"]["type"] is None

    def test_the_revert_entry_lists_each_field_it_changed_before_and_after(
        self, story: Story
    ) -> None:
        story.project.revert(story.id, 1)

        changes = story.project.activity(story.id)[0]["detail"]["changes"]

        assert changes == [
            {
                "type": "Insight",
                "action": "changed",
                "field": "name",
                "before": "Sign-up funnel",
                "after": "Weekly signups",
            },
            {
                "type": "Insight",
                "action": "created",
                "field": "description",
                "before": None,
                "after": "Signups per ISO week",
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "query",
                "before": FUNNELS,
                "after": TRENDS,
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "favorited",
                "before": True,
                "after": False,
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "tags",
                "before": ["growth", "kpi"],
                "after": ["growth"],
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "dashboards",
                "before": [{"id": story.board, "name": "Board"}],
                "after": [{"id": story.launch, "name": "Launch"}],
            },
        ]

    def test_reverting_to_a_version_that_differs_only_in_text_lists_only_the_text(
        self, story: Story
    ) -> None:
        story.project.revert(story.id, 3)

        newest = story.project.activity(story.id)[0]

        assert newest["detail"]["trigger"] == {
            "job_type": "revert",
            "job_id": "3",
            "payload": {"version": 3},
        }
        assert newest["detail"]["changes"] == [
            {
                "type": "Insight",
                "action": "changed",
                "field": "name",
                "before": "Sign-up funnel",
                "after": "Weekly sign-ups",
            },
            {
                "type": "Insight",
                "action": "created",
                "field": "description",
                "before": None,
                "after": "Sign-ups, Monday to Sunday",
            },
        ]

    def test_the_revert_entry_is_the_only_new_activity(self, story: Story) -> None:
        before = story.project.activity(story.id, limit="50")

        story.project.revert(story.id, 1)

        after = story.project.activity(story.id, limit="50")
        assert after[1:] == before
        assert len(after) == len(before) + 1

    def test_revert_puts_the_insight_back_on_its_dashboards_with_their_old_tiles(
        self, story: Story
    ) -> None:
        reverted = story.project.revert(story.id, 1)

        assert reverted["dashboards"] == [story.launch]
        assert reverted["dashboard_tiles"] == story.states[0]["dashboard_tiles"]

    def test_revert_skips_dashboards_deleted_since_that_version(self, story: Story) -> None:
        project = story.project
        project.patch(story.id, dashboards=[story.launch, story.board])  # v5
        project.patch(story.id, dashboards=[])  # v6
        project.delete_dashboard(story.launch)

        reverted = project.revert(story.id, 5)

        assert reverted["dashboards"] == [story.board]
        assert project.current(story.id)["dashboards"] == [story.board]

    def test_a_version_still_shows_a_dashboard_deleted_since(self, story: Story) -> None:
        # Decision (contract silent): a version shows the links it had then.
        story.project.delete_dashboard(story.launch)

        assert story.project.version(story.id, 1)["dashboards"] == [story.launch]

    def test_a_version_written_while_a_dashboard_was_deleted_does_not_show_its_link(
        self, story: Story
    ) -> None:
        # The link was hidden then, as the live insight showed it (CONTRACT.md §7).
        project = story.project
        project.delete_dashboard(story.board)
        written = project.patch(story.id, name="Renamed while hidden")  # v5

        shown = project.version(story.id, 5)

        assert (written["dashboards"], shown["dashboards"], shown["dashboard_tiles"]) == (
            [],
            [],
            [],
        )
        assert project.version(story.id, 4)["dashboards"] == [story.board]

    def test_as_of_after_a_dashboard_was_deleted_does_not_show_its_link(self, story: Story) -> None:
        project = story.project
        deleted_at = story.times[3] + timedelta(hours=3)
        project.at(deleted_at)
        project.delete_dashboard(story.board)

        before = project.get_insight(story.id, as_of=iso(deleted_at - timedelta(minutes=1)))
        after = project.get_insight(story.id, as_of=iso(deleted_at + timedelta(minutes=1)))

        assert before.json["dashboards"] == [story.board]
        assert (after.json["dashboards"], after.json["dashboard_tiles"]) == ([], [])
        assert after.json["name"] == before.json["name"]  # The same version: v4.

    def test_revert_shows_in_the_list(self, story: Story) -> None:
        story.project.revert(story.id, 1)

        listed = story.project.tenant.get(
            "insights", params={"dashboards": f"[{story.launch}]", "tags": '["growth"]'}
        )

        assert listed.status_code == 200
        assert [row["name"] for row in listed.json["results"]] == ["Weekly signups"]
        assert listed.json["results"][0]["favorited"] is False

    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    def test_revert_by_short_id_reverts_the_same_insight(self, story: Story, prefix: str) -> None:
        reverted = story.project.revert(story.short_id, 2, prefix=prefix)

        assert reverted["id"] == story.id
        assert editable(reverted) == editable(story.states[1])

    def test_reverting_twice_to_the_same_version_changes_nothing_the_second_time(
        self, story: Story
    ) -> None:
        first = story.project.revert(story.id, 1)

        second = story.project.revert(story.id, 1)

        assert editable(second) == editable(first)
        assert story.project.activity(story.id)[0]["detail"]["trigger"]["job_id"] == "1"
        assert len(story.project.activity(story.id, limit="50")) == story.latest + 1

    def test_a_revert_can_itself_be_reverted(self, story: Story) -> None:
        story.project.revert(story.id, 1)  # v5

        back = story.project.revert(story.id, 4)  # v6

        assert editable(back) == editable(story.states[3])
        assert editable(story.project.version(story.id, 5)) == editable(story.states[0])

    def test_a_numeric_string_version_is_read_as_that_integer(self, story: Story) -> None:
        # Decision: like DRF's IntegerField (and our query strings), "1" is the integer 1.
        result = story.project.post_revert(story.id, {"version": "1"})

        assert result.status_code == 200
        assert editable(result.json) == editable(story.states[0])


class TestRevertLeavesDeletedAlone:
    def test_reverting_to_a_deleted_version_does_not_delete_the_insight(self, story: Story) -> None:
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        project.patch(story.id, deleted=False)  # v6

        reverted = project.revert(story.id, 5)

        assert reverted["deleted"] is False
        assert project.current(story.id)["deleted"] is False
        assert reverted["dashboards"] == []

    def test_reverting_a_restored_insight_to_before_its_deletion_keeps_it_live(
        self, story: Story
    ) -> None:
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        project.patch(story.id, deleted=False)  # v6, off every dashboard

        reverted = project.revert(story.id, 4)

        assert editable(reverted) == editable(story.states[3])
        assert reverted["deleted"] is False
        changes = project.activity(story.id)[0]["detail"]["changes"]
        assert [change["field"] for change in changes] == ["dashboards"]

    def test_a_deleted_insight_cannot_be_reverted(self, story: Story) -> None:
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        before = project.tenant.get("insights/activity", params={"limit": "50"}).json

        result = project.post_revert(story.id, {"version": 1})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert project.get_insight(story.id).status_code == 404
        assert project.tenant.get("insights/activity", params={"limit": "50"}).json == before
        restored = project.patch(story.id, deleted=False)
        # Restoring brings it back off every dashboard (reference §7.4), nothing else changed.
        off_dashboards = {"dashboards": [], "dashboard_tiles": []}
        assert editable(restored) == {**editable(story.states[3]), **off_dashboards}

    def test_a_revert_that_finds_the_insight_deleted_meanwhile_is_not_found(
        self, story: Story
    ) -> None:
        # The resource looked it up live; a delete came before the command loaded it. With
        # nothing to undo, the command used to return as if it had reverted.
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        tenant = project.tenant

        with pytest.raises(InsightNotFoundError):
            InsightHistoryService(tenant.backend).revert(
                project_id=tenant.project_id,
                environment_id=tenant.project_id,
                actor_id=tenant.user_id,
                insight_id=story.id,
                version=5,
            )


class TestRevertRefusals:
    """Every refused revert leaves the insight, its versions and its activity as they were."""

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({}, {"type": "validation_error", "code": "required",
                  "detail": "This field is required.", "attr": "version"}),
            ({"version": None}, {"type": "validation_error", "code": "null",
                                 "detail": "This field may not be null.", "attr": "version"}),
            ({"version": 0}, BELOW_ONE),
            ({"version": -2}, BELOW_ONE),
            ({"version": "two"}, NOT_AN_INTEGER),
            ({"version": "1.5"}, NOT_AN_INTEGER),
            ({"version": 1.5}, NOT_AN_INTEGER),
            ({"version": True}, NOT_AN_INTEGER),
            ({"version": False}, NOT_AN_INTEGER),
            ({"version": [1]}, NOT_AN_INTEGER),
            ({"version": {"n": 1}}, NOT_AN_INTEGER),
            ({"version": 5}, no_such_version(5)),
            ({"version": INT64_MAX}, no_such_version(INT64_MAX)),
            ({"version": INT64_MAX + 1}, no_such_version(INT64_MAX + 1)),
            # Integers past 64 bits are read exactly (as PostHog's json does): no such version.
            ({"version": 10**30}, no_such_version(10**30)),
            ([{"version": 1}], {"type": "validation_error", "code": "invalid_input",
                                "detail": "Invalid data. Expected a dictionary, but got list.",
                                "attr": None}),
            ("version 1", {"type": "validation_error", "code": "invalid_input",
                           "detail": "Invalid data. Expected a dictionary, but got str.",
                           "attr": None}),
            (1, {"type": "validation_error", "code": "invalid_input",
                 "detail": "Invalid data. Expected a dictionary, but got int.", "attr": None}),
        ],
        ids=[
            "missing", "null", "zero", "negative", "word", "decimal-text", "decimal", "true",
            "false", "list", "object", "never-reached", "int64-max", "past-int64", "past-json-int",
            "body-is-a-list", "body-is-a-string", "body-is-a-number",
        ],
    )  # fmt: skip
    def test_a_bad_body_is_400_and_changes_nothing(
        self, story: Story, body: Any, error: dict[str, Any]
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(story.id, body)

        assert result.status_code == 400
        assert result.json == error
        assert story.project.snapshot(story.id, story.latest) == before

    def test_a_body_that_is_not_json_is_a_parse_error_and_changes_nothing(
        self, story: Story
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(story.id, raw='{"version": 1')

        assert result.status_code == 400
        assert result.json["type"] == "invalid_request"
        assert result.json["code"] == "parse_error"
        assert result.json["attr"] is None
        assert result.json["detail"].startswith("JSON parse error - ")
        assert story.project.snapshot(story.id, story.latest) == before

    def test_a_read_only_key_is_403_and_changes_nothing(self, story: Story) -> None:
        key = story.project.tenant.key_with(["insight:read", "activity_log:read"])
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(
            story.id, {"version": 1}, headers={"Authorization": f"Bearer {key}"}
        )

        assert result.status_code == 403
        assert result.json == MISSING_INSIGHT_WRITE
        assert story.project.snapshot(story.id, story.latest) == before

    def test_an_insight_write_key_may_revert(self, story: Story) -> None:
        key = story.project.tenant.key_with(["insight:write"])

        result = story.project.post_revert(
            story.id, {"version": 1}, headers={"Authorization": f"Bearer {key}"}
        )

        assert result.status_code == 200
        assert editable(result.json) == editable(story.states[0])

    def test_another_organizations_key_is_403_and_changes_nothing(
        self, story: Story, zed: Tenant
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(story.id, {"version": 1}, headers=zed.headers)

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER
        assert story.project.snapshot(story.id, story.latest) == before

    def test_another_organization_cannot_revert_through_its_own_project(
        self, story: Story, zed: Tenant
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = zed.client.simulate_post(
            zed.path(f"insights/{story.id}/revert"), headers=zed.headers, json={"version": 1}
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert story.project.snapshot(story.id, story.latest) == before

    def test_an_unknown_insight_is_404(self, story: Story) -> None:
        result = story.project.post_revert(UNKNOWN_INSIGHT_ID, {"version": 1})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_get_on_revert_is_405(self, story: Story) -> None:
        result = story.project.client.simulate_get(
            story.project.path(f"insights/{story.id}/revert"), headers=story.project.ann.headers
        )

        assert result.status_code == 405
        assert result.json == {
            "type": "invalid_request",
            "code": "method_not_allowed",
            "detail": 'Method "GET" not allowed.',
            "attr": None,
        }


class TestTimeTravelRefusalsChangeNothing:
    @pytest.mark.parametrize(
        ("params", "status"),
        [
            ({"version": "0"}, 400),
            ({"version": "abc"}, 400),
            ({"version": "99"}, 404),
            ({"as_of": "yesterday"}, 400),
            ({"as_of": "2026-03-01T00:00:00Z"}, 404),
            ({"version": "1", "as_of": "2026-03-02T10:00:00Z"}, 400),
        ],
    )
    def test_a_refused_time_travel_read_changes_nothing(
        self, story: Story, params: dict[str, str], status: int
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.get_insight(story.id, **params)

        assert result.status_code == status
        assert story.project.snapshot(story.id, story.latest) == before
