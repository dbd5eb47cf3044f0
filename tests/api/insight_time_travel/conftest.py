"""Fixtures of the time travel and revert tests: a project on a backend whose clock the test
sets, the story of one insight in it, and another organization's member."""

from __future__ import annotations

import pytest

from tests.api.insight_time_travel.support import START, Project, Story, tell_story
from tests.clock import Clock
from tests.tenants import Tenant, TenantFactory


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


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
