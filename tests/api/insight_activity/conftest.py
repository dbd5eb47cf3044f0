"""Fixtures of the insights' activity log tests: a database on a hand-set clock."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.api.insight_activity.support import SPRING, Clocked
from tests.clock import Clock
from tests.databases import DatabaseFactory
from tests.tenants import TenantFactory


@pytest.fixture(scope="package")
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
    """A database of the test's backend shared by this package, on a hand-set clock."""
    if backend_kind not in _clocked_backends:
        clock = Clock(SPRING)
        _clocked_backends[backend_kind] = (
            open_backend(databases.create(backend_kind), clock=clock),
            clock,
        )
    backend, clock = _clocked_backends[backend_kind]
    client = falcon.testing.TestClient(create_app(backend))
    return Clocked(backend, clock, TenantFactory(backend, client))
