"""Helpers of the read-model tests: reading every read-model table and checking it against
the aggregates, a world that runs commands, aggregates saved straight into the event store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.dashboard import Dashboard
from domain.errors import DomainError
from domain.insight import Insight
from store.backend import Backend, open_backend
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.keys import Keys
from store.tenancy import Tenancy
from store.views import ViewCommands

Dump = dict[str, list[tuple[Any, ...]]]
AT = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Reading every read-model table


def _sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, repr(value)) for value in row)


def dump(backend: Backend) -> Dump:
    """Every row of every table of every projection, in a canonical order."""
    tables: Dump = {}
    for projection in backend.projector.projections:
        for table in projection.model_tables:
            rows = backend.database.query(f"SELECT * FROM {table}")
            tables[table] = sorted((tuple(row) for row in rows), key=_sort_key)
    return tables


def rows(backend: Backend, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in backend.database.query(sql, params)]


def assert_caught_up(backend: Backend) -> None:
    head = backend.projector.head()
    assert head > 0
    assert backend.projector.positions() == {p.name: head for p in backend.projector.projections}


def assert_read_model_matches_aggregates(
    backend: Backend, insight_ids: Sequence[int], dashboard_ids: Sequence[int]
) -> None:
    """Each insight's and dashboard's row says what its aggregate says."""
    repository = backend.events.repository
    for insight_id in insight_ids:
        insight: Insight = repository.get(Insight.create_id(insight_id))
        values = insight.values
        row = rows(
            backend,
            "SELECT name, description, deleted, favorited, saved, sort_order "
            "FROM insights WHERE id = %s",
            insight_id,
        )
        assert row == [
            (
                values["name"],
                values["description"],
                int(values["deleted"]),
                int(values["favorited"]),
                int(values["saved"]),
                values["order"],
            )
        ], f"insight {insight_id}"
        tags = rows(
            backend, "SELECT tag FROM insight_tags WHERE insight_id = %s ORDER BY tag", insight_id
        )
        assert [tag for (tag,) in tags] == values["tags"], f"tags of insight {insight_id}"
        active = rows(
            backend,
            "SELECT dashboard_id FROM insight_tiles WHERE insight_id = %s AND active = 1 "
            "ORDER BY dashboard_id",
            insight_id,
        )
        assert [int(d) for (d,) in active] == insight.dashboard_ids, (
            f"tiles of insight {insight_id}"
        )
    for dashboard_id in dashboard_ids:
        dashboard: Dashboard = repository.get(Dashboard.create_id(dashboard_id))
        row = rows(
            backend, "SELECT name, pinned, deleted FROM dashboards WHERE id = %s", dashboard_id
        )
        assert row == [
            (
                dashboard.values["name"],
                int(dashboard.values["pinned"]),
                int(dashboard.values["deleted"]),
            )
        ], f"dashboard {dashboard_id}"


# ---------------------------------------------------------------------------------------------
# A world that runs commands through the application services

EMAILS = ("ann@example.com", "bea@example.com", "cy@example.com")


def pick(items: Sequence[Any], i: int) -> Any:
    return items[i % len(items)]


@dataclass
class World:
    """Runs commands against the services, remembering what exists to address it later."""

    backend: Backend
    projects: list[int] = field(default_factory=list)
    environments: dict[int, list[int]] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    dashboards: list[tuple[int, int]] = field(default_factory=list)
    insights: list[tuple[int, int]] = field(default_factory=list)

    def run(self, commands: Sequence[tuple[Any, ...]]) -> None:
        for command in commands:
            handler: Callable[..., None] = getattr(self, command[0])
            try:
                handler(*command[1:])
            except DomainError:
                pass  # e.g. editing a deleted insight: refused, and nothing is recorded

    def bootstrap(self, who: int, name: str) -> None:
        email = pick(EMAILS, who)
        created = Tenancy(self.backend).bootstrap(
            email=email,
            first_name="Ann",
            last_name="Tester",
            organization=f"{name} org",
            project=name or "P",
        )
        self.users[email] = created.user_id
        self.projects.append(created.project_id)
        self.environments[created.project_id] = [created.environment_id]
        self.members[created.project_id] = [created.user_id]

    def add_member(self, project: int, who: int) -> None:
        if not self.projects:
            return
        project_id = pick(self.projects, project)
        email = pick(EMAILS, who)
        user_id = Tenancy(self.backend).add_member(
            email=email, project_id=project_id, first_name="Bea", last_name=""
        )
        self.users[email] = user_id
        if user_id not in self.members[project_id]:
            self.members[project_id].append(user_id)

    def add_environment(self, project: int, name: str) -> None:
        if not self.projects:
            return
        project_id = pick(self.projects, project)
        environment_id = Tenancy(self.backend).add_environment(
            project_id=project_id, name=name or "Staging"
        )
        self.environments[project_id].append(environment_id)

    def create_key(self, who: int, scopes: list[str], limited: bool) -> None:
        if not self.users:
            return
        email = pick(sorted(self.users), who)
        projects = (
            [p for p in self.projects if self.users[email] in self.members[p]] if limited else None
        )
        self.keys.append(
            Keys(self.backend).create(email=email, scopes=scopes, projects=projects).id
        )

    def revoke_key(self, key: int) -> None:
        if self.keys:
            Keys(self.backend).revoke(pick(self.keys, key))

    def _where(self, project: int) -> tuple[int, int, int]:
        project_id = pick(self.projects, project)
        environment_id = pick(self.environments[project_id], project)
        return project_id, environment_id, self.members[project_id][0]

    def create_dashboard(self, project: int, name: str, pinned: bool) -> None:
        if not self.projects:
            return
        project_id, environment_id, actor = self._where(project)
        dashboard_id = DashboardCommands(self.backend).create(
            project_id=project_id,
            environment_id=environment_id,
            actor_id=actor,
            values={"name": name, "pinned": pinned},
        )
        self.dashboards.append((project_id, dashboard_id))

    def update_dashboard(self, dashboard: int, values: dict[str, Any]) -> None:
        if not self.dashboards:
            return
        project_id, dashboard_id = pick(self.dashboards, dashboard)
        _, environment_id, actor = self._where(self.projects.index(project_id))
        DashboardCommands(self.backend).update(
            project_id=project_id,
            environment_id=environment_id,
            actor_id=actor,
            dashboard_id=dashboard_id,
            values=values,
        )

    def _dashboard_ids(self, project_id: int, picks: list[int]) -> list[int]:
        own = [d for p, d in self.dashboards if p == project_id]
        return [pick(own, i) for i in picks] if own else []

    def create_insight(self, project: int, environment: int, values: dict[str, Any]) -> None:
        if not self.projects:
            return
        project_id, _, actor = self._where(project)
        environment_id = pick(self.environments[project_id], environment)
        if "dashboards" in values:
            values = {**values, "dashboards": self._dashboard_ids(project_id, values["dashboards"])}
        insight_id = InsightCommands(self.backend).create(
            project_id=project_id, environment_id=environment_id, actor_id=actor, values=values
        )
        self.insights.append((project_id, insight_id))

    def view_insights(self, project: int, who: int, insights: list[int]) -> None:
        if not self.insights:
            return
        project_id, _ = pick(self.insights, insights[0])
        ViewCommands(self.backend).record(
            project_id=project_id,
            environment_id=pick(self.environments[project_id], who),
            user_id=pick(self.members[project_id], who),
            insight_ids=[pick(self.insights, i)[1] for i in insights],
        )

    def update_insight(self, insight: int, environment: int, values: dict[str, Any]) -> None:
        if not self.insights:
            return
        project_id, insight_id = pick(self.insights, insight)
        if "dashboards" in values:
            values = {**values, "dashboards": self._dashboard_ids(project_id, values["dashboards"])}
        InsightCommands(self.backend).update(
            project_id=project_id,
            environment_id=pick(self.environments[project_id], environment),
            actor_id=self.members[project_id][-1],
            insight_id=insight_id,
            values=values,
        )

    def delete_insight(self, insight: int) -> None:
        self.update_insight(insight, 0, {"deleted": True})

    def restore_insight(self, insight: int) -> None:
        self.update_insight(insight, 0, {"deleted": False})


def open_on(url: DatabaseUrl, opened: list[Backend]) -> Backend:
    backend = open_backend(url)
    opened.append(backend)
    return backend


# ---------------------------------------------------------------------------------------------
# Aggregates saved straight into the event store, and the rows they become


def new_dashboard(dashboard_id: int, name: str) -> Dashboard:
    return Dashboard.create(
        dashboard_id=dashboard_id,
        project_id=1,
        environment_id=1,
        actor_id=None,
        at=AT,
        values={"name": name},
    )


def new_insight(insight_id: int, values: dict[str, Any]) -> Insight:
    return Insight.create(
        insight_id=insight_id,
        project_id=1,
        environment_id=1,
        short_id=f"s{insight_id:07d}",
        actor_id=None,
        at=AT,
        values=values,
        new_tiles={},
    )


def write_lagging(writer: Backend, start: int, count: int, batch: int = 25) -> tuple[int, int]:
    """Save `count` dashboards and `count` insights (two tags each) straight into the event
    store, bypassing the projector; returns (events written, tags written)."""
    for offset in range(0, count, batch):
        aggregates: list[Any] = []
        for n in range(start + offset, start + min(offset + batch, count)):
            aggregates.append(new_dashboard(n, f"Board {n}"))
            aggregates.append(new_insight(n, {"name": f"Insight {n}", "tags": [f"t{n}", "shared"]}))
        writer.events.save(*aggregates)
    return 2 * count, 2 * count


def counts(backend: Backend) -> tuple[int, int, int]:
    ((dashboards,),) = rows(backend, "SELECT count(*) FROM dashboards")
    ((insights,),) = rows(backend, "SELECT count(*) FROM insights")
    ((tags,),) = rows(backend, "SELECT count(*) FROM insight_tags")
    return int(dashboards), int(insights), int(tags)
