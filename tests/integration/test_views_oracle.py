"""Views against a brute-force oracle (CONTRACT.md §1 rows 3-5, §2, §7 "Trending"; reference
§4.2, §7.8-§7.10): random sequences of creations, soft deletes, restores, renames and views by
several members in two environments, at instants a fake clock chooses; afterwards `trending`
(several windows and pages) and `my_last_viewed` of every (member, environment) must equal what
follows from the raw view events read back from the views log, and the log must hold exactly
the views that were allowed. Through the WSGI app, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest
from eventsourcing.application import Application
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from domain.insight import Insight
from domain.insight_views import ViewBatch
from store.backend import Backend, open_backend
from store.config import DatabaseUrl
from store.tenancy import Tenancy
from tests.tenants import Tenant, TenantFactory

START = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MEMBERS = ("Ann", "Bea", "Cid", "Dee")
UNKNOWN_INSIGHT_ID = 9_000_000_000_000
# (days, limit, offset) asked of trending after every sequence; limit 1000 checks the cap.
TRENDING_QUERIES = (
    (7, 10, 0),
    (7, 2, 1),
    (1, 10, 0),
    (0, 10, 0),
    (3, 4, 2),
    (30, 1000, 0),
    (-1, 10, 0),
    (100_000, 100, 0),
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def micros(instant: datetime) -> int:
    """Microseconds since the epoch: exact, unlike a float timestamp."""
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def iso(instant: datetime) -> str:
    """CONTRACT §4: ISO-8601 UTC ending in Z, no fraction when it is zero."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{instant.microsecond:06d}Z" if instant.microsecond else f"{text}Z"


# ---------------------------------------------------------------------------------------------
# Operations

# How far the clock moves before each operation: never zero, so that no two operations share
# an instant (only the ids of one view request share one); some steps reach past a week.
advance = st.one_of(
    st.integers(1, 999_999).map(lambda micros: timedelta(microseconds=micros)),
    st.integers(1, 3_600).map(lambda seconds: timedelta(seconds=seconds)),
    st.integers(1, 48).map(lambda hours: timedelta(hours=hours)),
    st.integers(1, 10).map(lambda days: timedelta(days=days)),
    st.just(7 * DAY),
)
member = st.integers(0, len(MEMBERS) - 1)
environment = st.integers(0, 1)
insight_pick = st.integers(0, 40)
view_pick = st.one_of(
    insight_pick.map(lambda index: ("insight", index)),
    st.just(("unknown", 0)),
    st.just(("foreign", 0)),
)
create = st.tuples(
    st.just("create"), member, environment, st.sampled_from([False, False, False, True])
)
operation = st.one_of(
    create,
    st.tuples(st.just("view"), member, environment, st.lists(view_pick, min_size=1, max_size=3)),
    st.tuples(st.just("view"), member, environment, st.lists(view_pick, min_size=2, max_size=10)),
    st.tuples(st.just("view"), member, environment, st.lists(view_pick, min_size=2, max_size=10)),
    st.tuples(st.just("view_all"), member, environment),
    st.tuples(st.just("browse"), member, environment, insight_pick),
    st.tuples(st.just("delete"), insight_pick),
    st.tuples(st.just("restore"), insight_pick),
    st.tuples(st.just("rename"), member, insight_pick),
)
# A few insights first, so that views have something to choose from.
steps = st.tuples(
    st.lists(st.tuples(advance, create), min_size=3, max_size=8),
    st.lists(st.tuples(advance, operation), min_size=8, max_size=30),
).map(lambda parts: parts[0] + parts[1])
# After the sequence: optionally put "now" exactly k days after one of the instants seen, so
# that a view sits right on the edge of a window.
final_move = st.one_of(
    st.none(), st.tuples(st.integers(0, 10_000), st.sampled_from([0, 1, 3, 7, 30]))
)


@dataclass
class InsightModel:
    """What the test knows of one insight from the requests it made."""

    id: int
    deleted: bool
    last_modified_at: datetime
    last_modified_by: int


@dataclass(frozen=True)
class Batch:
    """One view event: who viewed which insights, where and when."""

    environment_id: int
    user_id: int
    insight_ids: tuple[int, ...]
    at: datetime


@dataclass
class World:
    """One project with three members and two environments, driven through the API."""

    client: falcon.testing.TestClient
    clock: Clock
    tenant: Tenant
    keys: list[str]
    user_ids: list[int]
    environments: list[int]
    foreign_insight_id: int
    insights: list[InsightModel] = field(default_factory=list)
    expected_batches: list[Batch] = field(default_factory=list)
    instants: list[datetime] = field(default_factory=list)

    def path(self, suffix: str, environment_index: int = 0) -> str:
        return f"/api/projects/{self.environments[environment_index]}/{suffix}"

    def headers(self, member_index: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[member_index]}"}

    def run(self, steps: list[tuple[timedelta, tuple[Any, ...]]]) -> None:
        for step, op in steps:
            self.clock.now += step
            self.instants.append(self.clock.now)
            getattr(self, f"do_{op[0]}")(*op[1:])

    def pick(self, index: int) -> InsightModel | None:
        return self.insights[index % len(self.insights)] if self.insights else None

    def do_create(self, member_index: int, environment_index: int, deleted: bool) -> None:
        result = self.client.simulate_post(
            self.path("insights", environment_index),
            headers=self.headers(member_index),
            json={"name": f"Insight {len(self.insights)}", "deleted": deleted},
        )
        assert result.status_code == 201, result.text
        insight_id = int(result.json["id"])
        user_id = self.user_ids[member_index]
        self.insights.append(InsightModel(insight_id, deleted, self.clock.now, user_id))
        if not deleted:
            self.expected_batches.append(
                Batch(self.environments[environment_index], user_id, (insight_id,), self.clock.now)
            )

    def _patch(self, insight: InsightModel, member_index: int, body: dict[str, Any]) -> None:
        result = self.client.simulate_patch(
            self.path(f"insights/{insight.id}"), headers=self.headers(member_index), json=body
        )
        assert result.status_code == 200, result.text

    def do_delete(self, index: int) -> None:
        insight = self.pick(index)
        if insight is None or insight.deleted:
            return
        self._patch(insight, 0, {"deleted": True})
        insight.deleted = True  # reference §6.4: `deleted` is not material

    def do_restore(self, index: int) -> None:
        insight = self.pick(index)
        if insight is None or not insight.deleted:
            return
        self._patch(insight, 0, {"deleted": False})
        insight.deleted = False

    def do_rename(self, member_index: int, index: int) -> None:
        insight = self.pick(index)
        if insight is None or insight.deleted:
            return
        self._patch(insight, member_index, {"name": f"Renamed at {iso(self.clock.now)}"})
        insight.last_modified_at = self.clock.now
        insight.last_modified_by = self.user_ids[member_index]

    def do_view_all(self, member_index: int, environment_index: int) -> None:
        """One request naming every insight, deleted ones too, and an unknown and a foreign id."""
        picks = [("insight", index) for index in range(len(self.insights))]
        self.do_view(member_index, environment_index, [*picks, ("unknown", 1), ("foreign", 0)])

    def do_browse(self, member_index: int, environment_index: int, start: int) -> None:
        """One request per insight, a second apart, starting from the `start`th."""
        for offset in range(len(self.insights)):
            if offset:
                self.clock.now += timedelta(seconds=1)
                self.instants.append(self.clock.now)
            self.do_view(member_index, environment_index, [("insight", start + offset)])

    def do_view(
        self, member_index: int, environment_index: int, picks: list[tuple[str, int]]
    ) -> None:
        ids: list[int] = []
        for kind, index in picks:
            insight = self.pick(index) if kind == "insight" else None
            if insight is not None:
                ids.append(insight.id)
            elif kind == "foreign":
                ids.append(self.foreign_insight_id)
            else:
                ids.append(UNKNOWN_INSIGHT_ID + index)
        result = self.client.simulate_post(
            self.path("insights/viewed", environment_index),
            headers=self.headers(member_index),
            json={"insight_ids": ids},
        )
        assert (result.status_code, result.text) == (200, ""), result.text
        live = {insight.id for insight in self.insights if not insight.deleted}
        kept = tuple(sorted(set(ids) & live))
        if kept:
            self.expected_batches.append(
                Batch(
                    self.environments[environment_index],
                    self.user_ids[member_index],
                    kept,
                    self.clock.now,
                )
            )


# ---------------------------------------------------------------------------------------------
# The views log and the oracle


def recorded_batches(backend: Backend, after: tuple[int, int]) -> list[Batch]:
    """Every view after these positions of the main log (where an insight's Created event is
    its creator's view) and of the views log, oldest first."""
    batches = [
        *_view_batches(backend.events, after[0]),
        *_view_batches(backend.views, after[1]),
    ]
    return sorted(batches, key=lambda batch: batch.at)


def _view_batches(store: Application[Any], after: int) -> list[Batch]:
    batches: list[Batch] = []
    start = after + 1
    topics = [get_topic(ViewBatch.InsightsViewed), get_topic(Insight.Created)]
    while True:
        notifications = store.recorder.select_notifications(start=start, limit=500, topics=topics)
        for notification in notifications:
            event: Any = store.mapper.to_domain_event(notification)
            if isinstance(event, Insight.Created):
                if event.values.get("deleted"):
                    continue
                user_id, insight_ids = event.actor_id, (event.insight_id,)
            else:
                user_id, insight_ids = event.user_id, tuple(event.insight_ids)
            assert user_id is not None
            batches.append(
                Batch(
                    int(event.environment_id),
                    int(user_id),
                    tuple(int(i) for i in insight_ids),
                    event.timestamp.astimezone(UTC),
                )
            )
        if len(notifications) < 500:
            return batches
        start = notifications[-1].id + 1


def log_positions(backend: Backend) -> tuple[int, int]:
    """The heads of the main log and of the views log."""
    return (
        backend.events.recorder.max_notification_id() or 0,
        backend.views.recorder.max_notification_id() or 0,
    )


class Oracle:
    """Trending and my_last_viewed computed by brute force from the raw view events."""

    def __init__(self, batches: list[Batch], insights: list[InsightModel]) -> None:
        self.last: dict[tuple[int, int, int], datetime] = {}
        for batch in batches:
            for insight_id in batch.insight_ids:
                key = (batch.environment_id, batch.user_id, insight_id)
                self.last[key] = max(self.last.get(key, batch.at), batch.at)
        self.live = {insight.id: insight for insight in insights if not insight.deleted}

    def last_viewed_by_anyone(self, insight_id: int) -> datetime | None:
        times = [at for (_, _, i), at in self.last.items() if i == insight_id]
        return max(times) if times else None

    def my_last_viewed(self, environment_id: int, user_id: int) -> list[tuple[int, str]]:
        mine = [
            (at, insight_id)
            for (env, user, insight_id), at in self.last.items()
            if (env, user) == (environment_id, user_id) and insight_id in self.live
        ]
        # NOTE: ids of one request share an instant; the larger id first (the product's
        # deterministic choice; PostHog leaves ties unordered).
        mine.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [(insight_id, iso(at)) for at, insight_id in mine[:5]]

    def trending(
        self, environment_id: int, now: datetime, days: int, limit: int, offset: int
    ) -> list[tuple[Any, ...]]:
        cutoff = now - days * DAY
        rows = []
        for insight_id, insight in self.live.items():
            recent = {
                (env, user): at
                for (env, user, i), at in self.last.items()
                if i == insight_id and at >= cutoff
            }
            if not recent:
                continue
            viewers = sorted(
                ((at, user) for (env, user), at in recent.items() if env == environment_id),
                key=lambda item: (-micros(item[0]), item[1]),
            )
            last_any = self.last_viewed_by_anyone(insight_id)
            assert last_any is not None
            rows.append(
                (
                    insight_id,
                    len(recent),
                    [user for _, user in viewers[:3]],
                    iso(last_any),
                    iso(insight.last_modified_at),
                    insight.last_modified_by,
                )
            )
        rows.sort(key=lambda row: (-row[1], -micros(self.live[row[0]].last_modified_at), -row[0]))
        return rows[offset : offset + min(limit, 100)]


def trending_seen(
    world: World, environment_index: int, days: int, limit: int, offset: int
) -> list[tuple[Any, ...]]:
    result = world.client.simulate_get(
        world.path("insights/trending", environment_index),
        headers=world.headers(0),
        params={"days": str(days), "limit": str(limit), "offset": str(offset)},
    )
    assert result.status_code == 200, result.text
    body = result.json
    assert (body["count"], body["next"], body["previous"]) == (len(body["results"]), None, None)
    return [
        (
            row["id"],
            row["view_count"],
            [viewer["id"] for viewer in row["viewers"]],
            row["last_viewed_at"],
            row["last_modified_at"],
            row["last_modified_by"]["id"],
        )
        for row in body["results"]
    ]


def my_last_viewed_seen(
    world: World, member_index: int, environment_index: int
) -> list[tuple[int, str]]:
    result = world.client.simulate_get(
        world.path("insights/my_last_viewed", environment_index),
        headers=world.headers(member_index),
    )
    assert result.status_code == 200, result.text
    return [(row["id"], row["last_viewed_at"]) for row in result.json]


# ---------------------------------------------------------------------------------------------


@dataclass
class Setting:
    """A fresh database with a backend on the test's clock, and another project's insight."""

    backend: Backend
    client: falcon.testing.TestClient
    clock: Clock
    tenants: TenantFactory
    foreign_insight_id: int

    def new_world(self) -> World:
        ann = self.tenants.create("Ann")
        others = [ann.add_member(name) for name in MEMBERS[1:]]
        staging = Tenancy(self.backend).add_environment(project_id=ann.project_id, name="Staging")
        return World(
            client=self.client,
            clock=self.clock,
            tenant=ann,
            keys=[ann.key, *(key for _, key in others)],
            user_ids=[ann.user_id, *(user_id for user_id, _ in others)],
            environments=[ann.project_id, staging],
            foreign_insight_id=self.foreign_insight_id,
        )


@pytest.fixture
def setting(fresh_url: DatabaseUrl) -> Iterator[Setting]:
    clock = Clock(START)
    backend = open_backend(fresh_url, clock=clock)
    client = falcon.testing.TestClient(create_app(backend))
    tenants = TenantFactory(backend, client)
    foreign = tenants.create("Zed").create_insight(name="Zed's secret")
    yield Setting(backend, client, clock, tenants, int(foreign["id"]))
    backend.close()


class TestViewsAgreeWithTheOracle:
    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps=steps, final=final_move)
    def test_trending_and_my_last_viewed_follow_from_the_view_events(
        self,
        setting: Setting,
        steps: list[tuple[timedelta, tuple[Any, ...]]],
        final: tuple[int, int] | None,
    ) -> None:
        # Every example is a new project; its clock starts afresh.
        setting.clock.now = START
        world = setting.new_world()
        position = log_positions(setting.backend)

        world.run(steps)
        if final is not None:
            instant, days = final
            edge = world.instants[instant % len(world.instants)] + days * DAY
            setting.clock.now = max(setting.clock.now, edge)

        # The log holds exactly the allowed views: unknown, foreign and deleted ids dropped,
        # repeats merged, requests left with nothing recorded as no event at all.
        batches = recorded_batches(setting.backend, position)
        assert batches == world.expected_batches

        oracle = Oracle(batches, world.insights)
        for environment_index, environment_id in enumerate(world.environments):
            for days, limit, offset in TRENDING_QUERIES:
                expected = oracle.trending(environment_id, setting.clock.now, days, limit, offset)
                seen = trending_seen(world, environment_index, days, limit, offset)
                assert seen == expected, (
                    f"trending in environment {environment_index} with days={days} "
                    f"limit={limit} offset={offset}"
                )
            for member_index, user_id in enumerate(world.user_ids):
                assert my_last_viewed_seen(world, member_index, environment_index) == (
                    oracle.my_last_viewed(environment_id, user_id)
                ), f"my_last_viewed of {MEMBERS[member_index]} in environment {environment_index}"

        # The list shows each live insight's latest view by anyone (null when never viewed).
        listed = world.client.simulate_get(
            world.path("insights"), headers=world.headers(0), params={"basic": "true"}
        ).json["results"]
        assert {row["id"]: row["last_viewed_at"] for row in listed} == {
            insight_id: (
                None if (at := oracle.last_viewed_by_anyone(insight_id)) is None else iso(at)
            )
            for insight_id in oracle.live
        }
