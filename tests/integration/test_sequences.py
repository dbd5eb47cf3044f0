"""Insight ids: proposed from the sequence and claimed in the transaction that saves the
insight, so they stay consecutive, distinct and never come again, whichever process asks."""

from __future__ import annotations

from store.backend import Backend, open_backend
from store.config import DatabaseUrl
from store.insights import InsightCommands
from store.tenancy import Bootstrapped, Tenancy


def _tenant(backend: Backend) -> Bootstrapped:
    return Tenancy(backend).bootstrap(
        email="ann@example.com", first_name="Ann", last_name="", organization="O", project="P"
    )


def _create(backend: Backend, tenant: Bootstrapped, name: str) -> int:
    return InsightCommands(backend).create(
        project_id=tenant.project_id,
        environment_id=tenant.environment_id,
        actor_id=tenant.user_id,
        values={"name": name},
    )


def test_a_create_takes_its_id_for_good_in_its_own_commit(fresh_backend: Backend) -> None:
    tenant = _tenant(fresh_backend)

    ids = [_create(fresh_backend, tenant, f"Insight {n}") for n in range(3)]

    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    # Drawn the other way, the next id is the one after them: the creates advanced the
    # sequence, not only this process's memory of it.
    assert fresh_backend.sequences.next_id("insight") == ids[-1] + 1


def test_processes_taking_turns_get_consecutive_ids(
    fresh_backend: Backend, fresh_url: DatabaseUrl
) -> None:
    other = open_backend(fresh_url)
    try:
        tenant = _tenant(fresh_backend)
        backends = [fresh_backend, other] * 4

        ids = [_create(backend, tenant, f"Turn {n}") for n, backend in enumerate(backends)]

        assert ids == list(range(ids[0], ids[0] + len(backends)))
        listed = fresh_backend.database.query(
            "SELECT id FROM insights WHERE project_id = %s ORDER BY id", (tenant.project_id,)
        )
        assert [int(row[0]) for row in listed] == ids
    finally:
        other.close()
