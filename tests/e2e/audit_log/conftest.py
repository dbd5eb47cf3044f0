"""Fixtures of the `insightlog audit log` tests: the story, told once per backend."""

from __future__ import annotations

import pytest

from tests.databases import BACKENDS, DatabaseFactory
from tests.e2e.audit_log.support import Story, tell_the_story


@pytest.fixture(scope="package", params=BACKENDS)
def story(request: pytest.FixtureRequest, databases: DatabaseFactory) -> Story:
    """The story, told once per backend on a fresh database; the package's tests only read."""
    return tell_the_story(databases.create(str(request.param)))
