"""Fixtures of the tests of creating, retrieving and changing insights: a tenant on a
backend whose clock the test sets."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.api.insights_write.support import START
from tests.clock import Clock
from tests.tenants import Tenant, TenantFactory


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
