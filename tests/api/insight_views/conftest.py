"""Fixtures of the insight views tests: a project on a backend whose clock the test sets."""

from __future__ import annotations

import pytest

from tests.api.insight_views.support import (
    START,
    Project,
)
from tests.clock import Clock
from tests.tenants import TenantFactory


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def project(timed_tenants: TenantFactory, clock: Clock) -> Project:
    return Project(timed_tenants.create("Ann"), clock)
