"""Pages, searches and filters holding more ids than one SQL statement may take parameters:
PostgreSQL's protocol allows 65,535, and SQLite builds may be compiled with as few as 999.
PostHog's list has no cap on `limit`, so both must answer in full, never with a 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import falcon.testing
import orjson
import pytest

from api.app import create_app
from domain.insight import Insight
from domain.short_id import short_id_for
from store.backend import Backend, open_backend
from tests.bodies import TRENDS
from tests.databases import BACKENDS, DatabaseFactory
from tests.tenants import Tenant, TenantFactory

# More insights than the backend takes parameters in one statement.
MANY = {"sqlite": 1_200, "postgresql": 66_000}
# SQLite's own default before 3.32; this build allows more, so the test lowers it.
SQLITE_PARAMETER_LIMIT = 999
SAVED_AT_ONCE = 2_000


def _insight_ids(backend: Backend, count: int) -> list[int]:
    if backend.database.dialect == "postgresql":
        # One round trip for all of them; the same sequence a create draws from.
        rows = backend.database.query(
            "SELECT nextval('insight_id_seq') FROM generate_series(1, %s)", (count,)
        )
        return [int(row[0]) for row in rows]
    return [backend.sequences.next_id("insight") for _ in range(count)]


def _seed(backend: Backend, tenant: Tenant, count: int) -> None:
    """Create `count` insights through the domain and the event store, in large batches."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = _insight_ids(backend, count)
    for first in range(0, count, SAVED_AT_ONCE):
        backend.events.save(
            *(
                Insight.create(
                    insight_id=insight_id,
                    project_id=tenant.project_id,
                    environment_id=tenant.project_id,
                    short_id=short_id_for(insight_id),
                    actor_id=tenant.user_id,
                    at=start + timedelta(seconds=insight_id),
                    values={"name": f"Weekly retention {insight_id}", "query": TRENDS},
                    new_tiles={},
                )
                for insight_id in ids[first : first + SAVED_AT_ONCE]
            )
        )
    backend.projector.catch_up()


@pytest.fixture(scope="module", params=BACKENDS)
def crowded(request: pytest.FixtureRequest, databases: DatabaseFactory) -> Iterator[Tenant]:
    """A project with MANY of the backend's insights, all named alike (seeded once: it
    takes a while on PostgreSQL)."""
    backend_kind = str(request.param)
    backend = open_backend(databases.create(backend_kind))
    if backend_kind == "sqlite":
        # NOTE: the API's reads run on this thread's connection, so the limit holds for them.
        connection = backend.database._connection()  # type: ignore[attr-defined]
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_PARAMETER_LIMIT)
    tenant = TenantFactory(backend, falcon.testing.TestClient(create_app(backend))).create()
    _seed(backend, tenant, MANY[backend_kind])
    yield tenant
    backend.close()


def test_a_page_larger_than_the_parameter_limit(crowded: Tenant) -> None:
    many = MANY[crowded.backend.database.dialect]

    result = crowded.get("insights", params={"limit": str(many + 10)})

    assert result.status_code == 200, result.text
    assert result.json["count"] == many
    assert len(result.json["results"]) == many
    assert result.json["next"] is None


def test_a_search_matching_more_than_the_parameter_limit(crowded: Tenant) -> None:
    many = MANY[crowded.backend.database.dialect]

    result = crowded.get("insights", params={"search": "retention", "limit": "2"})
    everything = crowded.get("insights", params={"search": "retention", "limit": str(many)})

    assert result.status_code == 200, result.text
    assert result.json["count"] == many
    # Equal scores rank by name: "Weekly retention 1" < "Weekly retention 10" < ...
    assert [row["name"] for row in result.json["results"]] == [
        "Weekly retention 1",
        "Weekly retention 10",
    ]
    assert {row["search_match_type"] for row in result.json["results"]} == {"exact"}
    assert everything.status_code == 200, everything.text
    assert len(everything.json["results"]) == many


def test_a_created_by_filter_naming_more_users_than_the_parameter_limit(
    crowded: Tenant,
) -> None:
    many = MANY[crowded.backend.database.dialect]
    # Strangers' ids, then the creator's: the filter takes them all.
    users = [*range(10_000_000, 10_000_000 + many), crowded.user_id]

    result = crowded.get("insights", params={"created_by": str(users), "limit": "1"})

    assert result.status_code == 200, result.text
    assert result.json["count"] == many


@pytest.fixture(scope="module", params=BACKENDS)
def tagged(request: pytest.FixtureRequest, databases: DatabaseFactory) -> Iterator[Tenant]:
    """A project with one insight, tagged and on one dashboard, and another insight."""
    backend = open_backend(databases.create(str(request.param)))
    tenant = TenantFactory(backend, falcon.testing.TestClient(create_app(backend))).create()
    board = tenant.create_dashboard(name="Growth")["id"]
    tenant.create_insight(name="Signups", tags=["growth"], dashboards=[board])
    tenant.create_insight(name="Churn")
    yield tenant
    backend.close()


def _ids_beyond_the_limit(first: int) -> list[int]:
    return list(range(first, first + 70_000))


def test_a_tags_filter_naming_more_tags_than_the_parameter_limit(tagged: Tenant) -> None:
    tags = [f"team-{n}" for n in range(70_000)] + ["growth"]

    result = tagged.get("insights", params={"tags": orjson.dumps(tags).decode()})

    assert result.status_code == 200, result.text
    assert [row["name"] for row in result.json["results"]] == ["Signups"]


def test_a_dashboards_filter_naming_more_dashboards_than_the_parameter_limit(
    tagged: Tenant,
) -> None:
    board = tagged.get("dashboards").json["results"][0]["id"]

    repeated = tagged.get("insights", params={"dashboards": str([board] * 70_000)})
    many = tagged.get(
        "insights", params={"dashboards": str([board, *_ids_beyond_the_limit(10_000_000)])}
    )

    # Every listed dashboard counts: the same one 70,000 times is one dashboard, and no
    # insight is on 70,001 of them.
    assert repeated.status_code == 200, repeated.text
    assert [row["name"] for row in repeated.json["results"]] == ["Signups"]
    assert many.status_code == 200, many.text
    assert many.json["count"] == 0
