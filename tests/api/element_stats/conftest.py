"""Fixtures of the element stats and values tests: shops on the shared database whose clock
says NOW."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest

from api.app import create_app
from store.backend import Backend, open_backend
from tests.api.element_stats.support import (
    BUY,
    DOCS,
    HERO,
    NOW,
    SIGN_UP,
    Shop,
    click,
    clicks,
)
from tests.tenants import TenantFactory

# ---------------------------------------------------------------------------------------------
# Fixtures: a backend on the shared database whose clock says NOW


@pytest.fixture(scope="package")
def _clocked() -> Iterator[dict[str, tuple[Backend, falcon.testing.TestClient]]]:
    opened: dict[str, tuple[Backend, falcon.testing.TestClient]] = {}
    yield opened
    for backend, _ in opened.values():
        backend.close()


@pytest.fixture
def shop_tenants(
    backend_kind: str,
    backend: Backend,
    _clocked: dict[str, tuple[Backend, falcon.testing.TestClient]],
) -> TenantFactory:
    """Tenants on the shared database, served by an app whose clock stands at NOW."""
    if backend_kind not in _clocked:
        timed = open_backend(backend.url, clock=lambda: NOW)
        _clocked[backend_kind] = (timed, falcon.testing.TestClient(create_app(timed)))
    return TenantFactory(*_clocked[backend_kind])


@pytest.fixture
def shop(shop_tenants: TenantFactory) -> Shop:
    return Shop(shop_tenants.create("Ada"))


@pytest.fixture
def rival(shop_tenants: TenantFactory) -> Shop:
    """Another organization's project, on the same database."""
    return Shop(shop_tenants.create("Rex"))


# ---------------------------------------------------------------------------------------------
# limit, offset, next and previous


@pytest.fixture
def five_rows(shop: Shop) -> Shop:
    """Five (chain, type) rows with counts 5, 4, 3, 2, 1."""
    shop.capture(
        [
            *clicks(SIGN_UP, 5),
            *clicks(HERO, 4, "$dead_click"),
            *clicks(BUY, 3),
            *clicks(BUY, 2, "$rageclick"),
            click(DOCS),
        ]
    )
    return shop
