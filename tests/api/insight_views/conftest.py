"""Fixtures of the insight views tests: a project on a backend whose clock the test sets."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.api.insight_views.support import (
    START,
    Clock,
    Project,
)
from tests.tenants import TenantFactory


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
