"""Fixtures of the time travel and revert tests: a project on a backend whose clock the test
sets, the story of one insight in it, and another organization's member."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.api.insight_time_travel.support import START, Clock, Project, Story, tell_story
from tests.tenants import Tenant, TenantFactory


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
