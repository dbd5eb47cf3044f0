"""Fixtures shared by every test: databases on both backends, backends, API clients, tenants."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest
from hypothesis import HealthCheck, settings

from api.app import create_app
from store.backend import Backend, open_backend
from store.config import DatabaseUrl
from store.tenancy import Tenancy
from tests.databases import BACKENDS, DatabaseFactory
from tests.tenants import Tenant, TenantFactory

# No test may depend on how fast this machine is: hypothesis's per-example deadline and its
# "input generation is slow" check are timings, and they fail on a loaded CI runner.
settings.register_profile("insightlog", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("insightlog")


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fresh_url(backend_kind: str, databases: DatabaseFactory) -> DatabaseUrl:
    """A new, migrated, empty database of the test's backend."""
    return databases.create(backend_kind)


@pytest.fixture
def fresh_backend(fresh_url: DatabaseUrl) -> Iterator[Backend]:
    backend = open_backend(fresh_url)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def _shared_backends(databases: DatabaseFactory) -> Iterator[dict[str, Backend]]:
    opened: dict[str, Backend] = {}
    yield opened
    for backend in opened.values():
        backend.close()


@pytest.fixture
def backend(
    backend_kind: str, databases: DatabaseFactory, _shared_backends: dict[str, Backend]
) -> Backend:
    """A backend on a database shared by the session; tests isolate themselves by tenant."""
    if backend_kind not in _shared_backends:
        _shared_backends[backend_kind] = open_backend(databases.create(backend_kind))
    return _shared_backends[backend_kind]


@pytest.fixture
def client(backend: Backend) -> falcon.testing.TestClient:
    """The WSGI app on the test's backend, called through falcon's WSGI test client."""
    return falcon.testing.TestClient(create_app(backend))


@pytest.fixture
def tenants(backend: Backend, client: falcon.testing.TestClient) -> TenantFactory:
    return TenantFactory(backend, client)


@pytest.fixture
def tenant(tenants: TenantFactory) -> Tenant:
    """A fresh organization, project and member with a `*` key."""
    return tenants.create()


@pytest.fixture
def second_project(tenant: Tenant) -> int:
    """Another project (in a new organization) of which the tenant's user is also a member."""
    return (
        Tenancy(tenant.backend)
        .bootstrap(
            email=tenant.email,
            first_name="Ann",
            last_name="Tester",
            organization="Ann's side business",
            project="Side project",
        )
        .project_id
    )
