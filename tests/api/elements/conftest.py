"""Fixtures of the element CRUD tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.elements.support import BUY_BUTTON, create
from tests.tenants import Tenant


@pytest.fixture
def buy_button(tenant: Tenant) -> dict[str, Any]:
    return create(tenant, **BUY_BUTTON)
