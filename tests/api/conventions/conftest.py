"""Fixtures of the API convention tests: the routes the app serves."""

from __future__ import annotations

import pytest

from api.app import create_app
from store.backend import Backend
from tests.api.served_routes import ServedRoute, served_routes


@pytest.fixture
def routes(backend: Backend) -> list[ServedRoute]:
    return served_routes(create_app(backend))
