"""An id handed out again (a sequence set back, as a restore or a lost write could) makes
a create draw another id, never a 500 or a second aggregate under the same id."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from domain.dashboard import Dashboard
from domain.environment import Environment
from domain.insight import Insight
from store.backend import Backend
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.tenancy import Bootstrapped, Tenancy


def _set_back(backend: Backend, sequence: str, last: int) -> None:
    """Make `last` the next id the sequence hands out."""
    if backend.database.dialect == "postgresql":
        backend.database.query(f"SELECT setval('{sequence}_id_seq', {last}, false)")
    else:
        with backend.database.transaction(write=True) as cursor:
            cursor.execute("UPDATE sequences SET value = %s WHERE name = %s", (last - 1, sequence))


def _bootstrap(backend: Backend, email: str) -> Bootstrapped:
    return Tenancy(backend).bootstrap(
        email=email, first_name="Ann", last_name="", organization="Org", project="Proj"
    )


def _creates_again(
    backend: Backend, sequence: str, create: Callable[[], int], aggregate_id: Callable[[int], UUID]
) -> None:
    first = create()
    _set_back(backend, sequence, first)
    second = create()
    assert second > first
    for created in (first, second):
        aggregate = backend.events.repository.get(aggregate_id(created))
        assert (aggregate.version, aggregate.id) == (1, aggregate_id(created))


def test_a_reissued_insight_id_draws_another(fresh_backend: Backend) -> None:
    tenant = _bootstrap(fresh_backend, "ann@example.com")
    commands = InsightCommands(fresh_backend)
    _creates_again(
        fresh_backend,
        "insight",
        lambda: commands.create(
            project_id=tenant.project_id,
            environment_id=tenant.project_id,
            actor_id=tenant.user_id,
            values={"name": "Revenue"},
        ),
        Insight.create_id,
    )


def test_a_reissued_dashboard_id_draws_another(fresh_backend: Backend) -> None:
    tenant = _bootstrap(fresh_backend, "ann@example.com")
    commands = DashboardCommands(fresh_backend)
    _creates_again(
        fresh_backend,
        "dashboard",
        lambda: commands.create(
            project_id=tenant.project_id,
            environment_id=tenant.project_id,
            actor_id=tenant.user_id,
            values={"name": "Board"},
        ),
        Dashboard.create_id,
    )


def test_a_reissued_environment_id_draws_another(fresh_backend: Backend) -> None:
    tenancy = Tenancy(fresh_backend)
    tenant = _bootstrap(fresh_backend, "ann@example.com")
    _creates_again(
        fresh_backend,
        "team",
        lambda: tenancy.add_environment(project_id=tenant.project_id, name="Staging"),
        Environment.create_id,
    )


@pytest.mark.parametrize("same_user", [True, False], ids=["same-user", "new-user"])
def test_a_reissued_project_id_draws_another(fresh_backend: Backend, same_user: bool) -> None:
    first = _bootstrap(fresh_backend, "ann@example.com")
    _set_back(fresh_backend, "team", first.project_id)
    second = _bootstrap(fresh_backend, "ann@example.com" if same_user else "bea@example.com")
    assert second.project_id > first.project_id
    tenancy = Tenancy(fresh_backend)
    for bootstrapped in (first, second):
        project = tenancy.get_project(bootstrapped.project_id)
        assert project.organization_id == bootstrapped.organization_id
        assert project.members == [bootstrapped.user_id]
