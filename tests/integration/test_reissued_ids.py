"""An id handed out again (a sequence set back, as a restore or a lost write could) makes
a create draw another id, never a 500 or a second aggregate under the same id."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate

from domain.dashboard import Dashboard
from domain.element import Element
from domain.environment import Environment
from domain.insight import Insight
from store.backend import Backend
from store.dashboards import DashboardCommands
from store.elements import ElementCommands
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


Create = Callable[[Backend, Bootstrapped], int]
"""A create in the tenant's project; returns the new id."""


def _where(tenant: Bootstrapped) -> dict[str, int]:
    return {
        "project_id": tenant.project_id,
        "environment_id": tenant.environment_id,
        "actor_id": tenant.user_id,
    }


CREATES: dict[str, tuple[str, Create, Callable[[int], UUID]]] = {
    "insight": (
        "insight",
        lambda backend, tenant: InsightCommands(backend).create(
            **_where(tenant), values={"name": "Revenue"}
        ),
        Insight.create_id,
    ),
    "dashboard": (
        "dashboard",
        lambda backend, tenant: DashboardCommands(backend).create(
            **_where(tenant), values={"name": "Board"}
        ),
        Dashboard.create_id,
    ),
    "element": (
        "element",
        lambda backend, tenant: ElementCommands(backend).create(
            **_where(tenant), values={"text": "Buy"}
        ),
        Element.create_id,
    ),
    "environment": (
        "team",
        lambda backend, tenant: Tenancy(backend).add_environment(
            project_id=tenant.project_id, name="Staging"
        ),
        Environment.create_id,
    ),
}


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_reissued_id_draws_another(fresh_backend: Backend, kind: str) -> None:
    sequence, create, aggregate_id = CREATES[kind]
    tenant = _bootstrap(fresh_backend, "ann@example.com")
    first = create(fresh_backend, tenant)
    _set_back(fresh_backend, sequence, first)

    second = create(fresh_backend, tenant)

    assert second > first
    for created in (first, second):
        aggregate: Aggregate = fresh_backend.events.repository.get(aggregate_id(created))
        assert (aggregate.version, aggregate.id) == (1, aggregate_id(created))


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
