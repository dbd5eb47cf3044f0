"""Fixtures of the API tests whose events take a time the test sets: each package that uses
them provides its own `clock` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.clock import Clock
from tests.tenants import TenantFactory


@pytest.fixture
def timed_backend(backend: Backend, clock: Clock) -> Iterator[Backend]:
    """A second backend on the shared database whose clock the test sets."""
    opened = open_backend(backend.url, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def timed_tenants(timed_backend: Backend) -> TenantFactory:
    return TenantFactory(timed_backend, falcon.testing.TestClient(create_app(timed_backend)))
