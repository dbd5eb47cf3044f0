"""Properties of the audit trail (issue 4 "Tests"; CONTRACT.md §5 "any insight as it was at any
version"; reference posthog-insights-api.md §9.1-§9.3): random sequences of creations, partial
updates, soft deletes, restores and reverts of one insight, driven through the WSGI app on both
backends, while the test tracks the state every request should leave behind.

1. Starting from the created state and applying each activity entry's `changes` in order (oldest
   first) reproduces the editable fields GET /insights/{id} shows now; and the entries are exactly
   those PostHog's change rules (§9.2) derive from the tracked states.
2. GET /insights/{id}?version=N (and ?as_of=<the N-th event's instant>) equals the state the test
   tracked after the N-th event, for every N.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid5

import falcon.testing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from domain.ids import NAMESPACE
from domain.insight import Insight
from store.backend import Backend, open_backend
from tests.bodies import NOT_FOUND, TRENDS
from tests.databases import DatabaseFactory
from tests.tenants import Tenant, TenantFactory

START = datetime(2024, 6, 3, 8, 30, 0, tzinfo=UTC)
FUNNELS = {
    "kind": "InsightVizNode",
    "source": {"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]},
}
DASHBOARD_NAMES = ("Growth board", "Revenue board", "Support board")
# Reference §9.2: the tracked fields, in the order the product documents (domain/insight_activity).
TRACKED = (
    "name",
    "derived_name",
    "description",
    "filters",
    "query",
    "deleted",
    "favorited",
    "tags",
    "dashboards",
)
# What a request can set, tracked or not (`order` and `saved` are excluded from the activity).
EDITABLE = (*TRACKED, "order", "saved")
DEFAULTS: dict[str, Any] = {
    "name": None,
    "derived_name": None,
    "description": None,
    "filters": {},
    "query": None,
    "deleted": False,
    "favorited": False,
    "tags": [],
    "dashboards": [],
    "order": None,
    "saved": True,
}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def iso(instant: datetime) -> str:
    """CONTRACT §4: ISO-8601 UTC ending in Z, no fraction when it is zero."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{instant.microsecond:06d}Z" if instant.microsecond else f"{text}Z"


def empty(value: Any) -> bool:
    """Reference §9.2: None, "", [] and {} are empty; False is a real value."""
    return value is None or (isinstance(value, str | list | dict | tuple) and not value)


def shown(state: dict[str, Any]) -> dict[str, Any]:
    """The editable fields as GET shows them: `filters` reads {} while a query is set."""
    view = {name: state[name] for name in EDITABLE}
    if view["query"] is not None:
        view["filters"] = {}
    return view


def read_editable(body: dict[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in EDITABLE}


def change(name: str, action: str, before: Any, after: Any) -> dict[str, Any]:
    return {"type": "Insight", "action": action, "field": name, "before": before, "after": after}


def entry_id(insight_id: int, version: int) -> str:
    """Issue 4: uuid5(NAMESPACE, "<insight stream id>/<version>")."""
    return str(uuid5(NAMESPACE, f"{Insight.create_id(insight_id)}/{version}"))


# ---------------------------------------------------------------------------------------------
# Strategies

names = st.sampled_from([None, "", "Weekly signups", "Churned accounts"])
derived_names = st.sampled_from([None, "", "Pageview count"])
descriptions = st.sampled_from([None, "", "Counts every signup", "Only paying teams"])
tags = st.lists(st.sampled_from(["growth", "KPI", " kpi ", "churn", ""]), max_size=3)
filters = st.sampled_from(
    [None, {}, {"insight": "TRENDS"}, {"insight": "FUNNELS", "interval": "week"}]
)
queries = st.sampled_from([None, TRENDS, FUNNELS])
dashboard_picks = st.lists(st.integers(0, len(DASHBOARD_NAMES) - 1), max_size=3)
fields = st.fixed_dictionaries(
    {},
    optional={
        "name": names,
        "derived_name": derived_names,
        "description": descriptions,
        "tags": tags,
        "filters": filters,
        "query": queries,
        "favorited": st.booleans(),
        "dashboards": dashboard_picks,
        "order": st.sampled_from([None, 1, 42]),
        "saved": st.booleans(),
    },
)
# Never zero, so that every event has an instant of its own; sometimes with microseconds.
advance = st.one_of(
    st.integers(1, 999_999).map(lambda micros: timedelta(microseconds=micros)),
    st.integers(1, 7_200).map(lambda seconds: timedelta(seconds=seconds)),
)
operation = st.one_of(
    st.tuples(st.just("update"), fields),
    st.tuples(st.just("update"), fields),
    st.tuples(st.just("delete"), fields),
    st.tuples(st.just("restore"), fields),
    st.tuples(st.just("revert"), st.integers(0, 1_000)),
)
creation = st.tuples(fields, st.sampled_from([False, False, False, False, True]))
steps = st.lists(st.tuples(advance, operation), min_size=2, max_size=14)

# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Version:
    """The tracked state after one event, when it happened and what triggered it."""

    state: dict[str, Any]
    at: datetime
    trigger: dict[str, Any] | None


@dataclass
class Scenario:
    """One insight driven through the API, and every state the test expects it went through."""

    tenant: Tenant
    clock: Clock
    dashboards: list[dict[str, Any]]
    insight_id: int = 0
    short_id: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    versions: list[Version] = field(default_factory=list)

    @property
    def dashboard_names(self) -> dict[int, str]:
        return {board["id"]: board["name"] for board in self.dashboards}

    def _body(self, values: dict[str, Any]) -> dict[str, Any]:
        body = dict(values)
        if "dashboards" in body:
            body["dashboards"] = [self.dashboards[pick]["id"] for pick in body["dashboards"]]
        return body

    @staticmethod
    def _normalized(body: dict[str, Any]) -> dict[str, Any]:
        """The product's canonical form of sent values (tags trimmed, lower-cased, a sorted set;
        dashboards a sorted set of ids; absent filters {})."""
        result = copy.deepcopy(body)
        if "tags" in result:
            result["tags"] = sorted({tag.strip().lower() for tag in result["tags"]} - {""})
        if "dashboards" in result:
            result["dashboards"] = sorted(set(result["dashboards"]))
        if "filters" in result:
            result["filters"] = result["filters"] or {}
        return result

    def _recorded(self, body: dict[str, Any], trigger: dict[str, Any] | None) -> None:
        """Check the response's updated_at and track the state if an event was recorded."""
        changed = self.versions[-1].state != self.state if self.versions else True
        recorded = body["updated_at"] == iso(self.clock.now)
        if changed:
            assert recorded, "the state changed, so an event must have been recorded"
        if recorded:
            self.versions.append(Version(copy.deepcopy(self.state), self.clock.now, trigger))
        assert read_editable(body) == shown(self.state)

    def create(self, values: dict[str, Any], deleted: bool) -> None:
        body = {**self._body(values), "deleted": deleted}
        result = self.tenant.post("insights", json=body)
        assert result.status_code == 201, result.text
        self.insight_id = int(result.json["id"])
        self.short_id = str(result.json["short_id"])
        self.state = {**DEFAULTS, **self._normalized(body)}
        if deleted:
            self.state["dashboards"] = []  # created deleted: on no dashboard
        self._recorded(result.json, None)

    def patch(self, values: dict[str, Any], deleted: bool | None) -> None:
        body = self._body(values)
        if deleted is not None:
            body["deleted"] = deleted
        result = self.tenant.patch(f"insights/{self.insight_id}", json=body)
        if self.state["deleted"] and body.get("deleted") is not False:
            # Reference §10: a deleted insight is 404 unless the request restores it.
            assert (result.status_code, result.json) == (404, NOT_FOUND)
            return
        assert result.status_code == 200, result.text
        normalized = self._normalized(body)
        # Reference §6.5: every update saves the insight unless it says otherwise.
        normalized.setdefault("saved", True)
        if not self.state["deleted"] and normalized.get("deleted") is True:
            normalized["dashboards"] = []  # a soft delete leaves every dashboard
        self.state = {**self.state, **normalized}
        self._recorded(result.json, None)

    def revert(self, pick: int) -> None:
        version = 1 + pick % len(self.versions)
        result = self.tenant.post(f"insights/{self.insight_id}/revert", json={"version": version})
        if self.state["deleted"]:
            assert (result.status_code, result.json) == (404, NOT_FOUND)
            return
        assert result.status_code == 200, result.text
        past = self.versions[version - 1].state
        self.state = {
            **self.state,
            **{name: copy.deepcopy(past[name]) for name in EDITABLE if name != "deleted"},
        }
        trigger = {"job_type": "revert", "job_id": str(version), "payload": {"version": version}}
        self._recorded(result.json, trigger)

    def run(self, created: tuple[dict[str, Any], bool], ops: list[tuple[timedelta, Any]]) -> None:
        self.clock.now += timedelta(seconds=1)
        self.create(*created)
        for step, (kind, argument) in ops:
            self.clock.now += step
            if kind == "update":
                self.patch(argument, None)
            elif kind == "delete":
                self.patch(argument, True)
            elif kind == "restore":
                self.patch(argument, False)
            else:
                self.revert(argument)

    def restore_if_deleted(self) -> None:
        """Time travel reads a live insight: bring a deleted one back (one more event)."""
        if self.state["deleted"]:
            self.clock.now += timedelta(seconds=1)
            self.patch({}, False)

    # -- what the activity log should say, from the tracked states --------------------------

    def _refs(self, ids: list[int]) -> list[dict[str, Any]]:
        return [{"id": board_id, "name": self.dashboard_names[board_id]} for board_id in ids]

    def _change(self, name: str, before: Any, after: Any) -> dict[str, Any] | None:
        """Reference §9.2 applied to two tracked values."""
        if name == "dashboards":
            # The synthetic change: always "changed", both sides as [{id, name}].
            return (
                None
                if before == after
                else change(name, "changed", self._refs(before), self._refs(after))
            )
        if (empty(before) and empty(after)) or before == after:
            return None
        if empty(before):
            return change(name, "created", None, after)
        if empty(after):
            return change(name, "deleted", before, None)
        return change(name, "changed", before, after)

    def expected_entries(self) -> list[dict[str, Any]]:
        """Newest first, as the per-insight route should list them."""
        user = {"first_name": "Ann", "email": self.tenant.email}
        found = []
        for number, version in enumerate(self.versions, start=1):
            state = version.state
            detail: dict[str, Any] = {
                "changes": None,
                "trigger": version.trigger,
                "name": state["name"] or state["derived_name"],
                "short_id": self.short_id,
                "type": None,
            }
            if number == 1:
                activity = "created"
            else:
                before = self.versions[number - 2].state
                changes = [
                    found_change
                    for name in TRACKED
                    if (found_change := self._change(name, before[name], state[name])) is not None
                ]
                if not changes:
                    continue  # an event the activity log does not show
                detail["changes"] = changes
                activity = (
                    "deleted"
                    if state["deleted"] and not before["deleted"]
                    else "restored"
                    if before["deleted"] and not state["deleted"]
                    else "updated"
                )
            found.append(
                {
                    "id": entry_id(self.insight_id, number),
                    "user": user,
                    "activity": activity,
                    "scope": "Insight",
                    "item_id": str(self.insight_id),
                    "detail": detail,
                    "created_at": iso(version.at),
                }
            )
        return found[::-1]


def all_entries(scenario: Scenario, limit: int) -> list[dict[str, Any]]:
    """Every entry of the insight, page by page, newest first."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        result = scenario.tenant.get(
            f"insights/{scenario.insight_id}/activity",
            params={"page": str(page), "limit": str(limit)},
        )
        assert result.status_code == 200, result.text
        body = result.json
        found += body["results"]
        assert len(body["results"]) <= limit
        if body["next"] is None:
            assert len(found) == body["total_count"]
            return found
        page += 1


def replay(created: dict[str, Any], oldest_first: list[dict[str, Any]]) -> dict[str, Any]:
    """The created state with every entry's changes applied in order; each change's `before`
    must be what the replay holds at that point (empty values equal)."""
    state = copy.deepcopy(created)
    for entry in oldest_first:
        for item in entry["detail"]["changes"]:
            name, before, after = item["field"], item["before"], item["after"]
            if name == "dashboards":
                assert [ref["id"] for ref in before] == state["dashboards"], entry
                state["dashboards"] = [ref["id"] for ref in after]
                continue
            if item["action"] == "created":
                assert before is None and not empty(after), entry
            elif item["action"] == "deleted":
                assert after is None and not empty(before), entry
            else:
                assert not empty(before) and not empty(after) and before != after, entry
            held = state[name]
            assert (empty(held) and empty(before)) or held == before, (name, held, entry)
            state[name] = after
    return state


def equal_up_to_empties(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return left.keys() == right.keys() and all(
        (empty(left[key]) and empty(right[key])) or left[key] == right[key] for key in left
    )


# ---------------------------------------------------------------------------------------------
# Fixtures: one database per backend for this module, on a hand-moved clock, with one tenant and
# three dashboards per test; every example drives a new insight.


@pytest.fixture(scope="module")
def _clocked_backends() -> Iterator[dict[str, tuple[Backend, Clock]]]:
    opened: dict[str, tuple[Backend, Clock]] = {}
    yield opened
    for backend, _ in opened.values():
        backend.close()


@dataclass
class Setting:
    tenant: Tenant
    clock: Clock
    dashboards: list[dict[str, Any]]

    def scenario(self) -> Scenario:
        return Scenario(self.tenant, self.clock, self.dashboards)


@pytest.fixture
def setting(
    backend_kind: str,
    databases: DatabaseFactory,
    _clocked_backends: dict[str, tuple[Backend, Clock]],
) -> Setting:
    if backend_kind not in _clocked_backends:
        clock = Clock(START)
        _clocked_backends[backend_kind] = (
            open_backend(databases.create(backend_kind), clock=clock),
            clock,
        )
    backend, clock = _clocked_backends[backend_kind]
    tenant = TenantFactory(backend, falcon.testing.TestClient(create_app(backend))).create("Ann")
    dashboards = [tenant.create_dashboard(name=name) for name in DASHBOARD_NAMES]
    return Setting(tenant, clock, dashboards)


PROPERTY_SETTINGS = settings(
    max_examples=35,
    deadline=None,
    # One bug is enough to report; shrinking several distinct failures takes minutes.
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class TestTheActivityLogIsTheHistory:
    @PROPERTY_SETTINGS
    @given(created=creation, ops=steps, limit=st.sampled_from([1, 3, 10, 100]))
    def test_replaying_every_entrys_changes_on_the_created_state_gives_the_current_state(
        self,
        setting: Setting,
        created: tuple[dict[str, Any], bool],
        ops: list[tuple[timedelta, Any]],
        limit: int,
    ) -> None:
        scenario = setting.scenario()
        scenario.run(created, ops)
        scenario.restore_if_deleted()

        history = all_entries(scenario, limit)
        oldest_first = history[::-1]
        assert oldest_first[0]["activity"] == "created"
        assert oldest_first[0]["detail"]["changes"] is None
        replayed = replay(scenario.versions[0].state, oldest_first[1:])

        current = scenario.tenant.get(f"insights/{scenario.insight_id}")
        assert current.status_code == 200, current.text
        assert equal_up_to_empties(
            {name: shown(replayed)[name] for name in TRACKED},
            {name: current.json[name] for name in TRACKED},
        )
        assert history == scenario.expected_entries()


class TestEveryVersionCanBeRead:
    @PROPERTY_SETTINGS
    @given(created=creation, ops=steps)
    def test_version_n_and_as_of_its_instant_equal_the_state_after_the_nth_event(
        self,
        setting: Setting,
        created: tuple[dict[str, Any], bool],
        ops: list[tuple[timedelta, Any]],
    ) -> None:
        scenario = setting.scenario()
        scenario.run(created, ops)
        scenario.restore_if_deleted()
        path = f"insights/{scenario.insight_id}"

        for number, version in enumerate(scenario.versions, start=1):
            by_version = scenario.tenant.get(path, params={"version": str(number)})
            assert by_version.status_code == 200, by_version.text
            assert read_editable(by_version.json) == shown(version.state), f"version {number}"
            assert by_version.json["updated_at"] == iso(version.at), f"version {number}"
            by_time = scenario.tenant.get(path, params={"as_of": iso(version.at)})
            assert by_time.status_code == 200, by_time.text
            assert by_time.json == by_version.json, f"as_of the instant of version {number}"

        beyond = scenario.tenant.get(path, params={"version": str(len(scenario.versions) + 1)})
        assert beyond.status_code == 404
        before_it = scenario.tenant.get(
            path, params={"as_of": iso(scenario.versions[0].at - timedelta(microseconds=1))}
        )
        assert (before_it.status_code, before_it.json) == (404, NOT_FOUND)
        latest = scenario.tenant.get(path, params={"version": str(len(scenario.versions))})
        assert read_editable(latest.json) == read_editable(scenario.tenant.get(path).json)
