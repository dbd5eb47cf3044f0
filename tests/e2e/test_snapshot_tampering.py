"""`insightlog audit verify` against snapshots edited behind the product's back. Loading an
insight (and `?version=`) starts from its latest snapshot, so a forged one would change what
the product shows and what later writes build on, while every event still verifies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.insight import Insight
from store.audit import verify_log
from store.backend import open_backend
from store.config import DatabaseUrl
from store.insights import InsightCommands
from store.tenancy import Tenancy
from tests.e2e.audit_helpers import MAIN_LOG, audit_verify, log_tables, query
from tests.e2e.backlog import query_write

pytestmark = pytest.mark.e2e

UPDATES = 120  # A snapshot is taken at version 100.
SNAPSHOT_VERSION = 100


def _snapshots(url: DatabaseUrl) -> str:
    return "stored_snapshots" if url.backend == "sqlite" else "insightlog_snapshots"


def _renamed_often(url: DatabaseUrl) -> int:
    """An insight renamed UPDATES times ("Step 001", ...): its id."""
    backend = open_backend(url)
    try:
        ada = Tenancy(backend).bootstrap(
            email=f"ada-{uuid.uuid4().hex[:8]}@example.com",
            first_name="Ada",
            last_name="",
            organization="Engines",
            project="Difference",
        )
        where: dict[str, Any] = {"project_id": ada.project_id, "environment_id": ada.environment_id}
        insights = InsightCommands(backend)
        insight_id = insights.create(**where, actor_id=ada.user_id, values={"name": "Step 000"})
        for step in range(1, UPDATES + 1):
            insights.update(
                **where,
                actor_id=ada.user_id,
                insight_id=insight_id,
                values={"name": f"Step {step:03d}"},
            )
        return insight_id
    finally:
        backend.close()


def _position_of_version(url: DatabaseUrl, version: int) -> int:
    # Version N is the (N - 1)-th rename.
    return log_tables(url, MAIN_LOG).position_of(f'"after":"Step {version - 1:03d}"'.encode())


def _snapshot_state(url: DatabaseUrl) -> bytes:
    rows = query(url, f"SELECT state FROM {_snapshots(url)}")
    assert len(rows) == 1, rows
    return bytes(rows[0][0])


def _main_entry(url: DatabaseUrl) -> tuple[int, dict[str, object]]:
    verification = audit_verify(url)
    return verification.returncode, verification.log(MAIN_LOG)


def _tampered(url: DatabaseUrl, position: int | None, problem: str) -> dict[str, object]:
    return {
        "log": MAIN_LOG,
        "events_verified": log_tables(url, MAIN_LOG).count(),
        "head_hash": None,
        "position": position,
        "problem": problem,
    }


ALTERED = "has an altered snapshot: it differs from the state its events give"


@pytest.fixture
def renamed(fresh_url: DatabaseUrl) -> tuple[DatabaseUrl, int]:
    return fresh_url, _renamed_often(fresh_url)


def test_an_untouched_snapshot_verifies_intact(renamed: tuple[DatabaseUrl, int]) -> None:
    url, _ = renamed
    assert b'"name":"Step 099"' in _snapshot_state(url)

    code, entry = _main_entry(url)

    assert code == 0
    assert entry["events_verified"] == log_tables(url, MAIN_LOG).count()
    assert "position" not in entry


def test_a_forged_snapshot_is_reported_at_the_event_it_stands_for(
    renamed: tuple[DatabaseUrl, int],
) -> None:
    url, insight_id = renamed
    forged = _snapshot_state(url).replace(b'"name":"Step 099"', b'"name":"Forged"')
    query_write(url, f"UPDATE {_snapshots(url)} SET state = %s", (forged,))
    # What the product would show: the forgery, though every event is intact.
    backend = open_backend(url)
    try:
        loaded: Insight = backend.events.repository.get(
            Insight.create_id(insight_id), version=SNAPSHOT_VERSION
        )
        assert loaded.values["name"] == "Forged"
    finally:
        backend.close()

    code, entry = _main_entry(url)

    assert code == 1
    assert entry == _tampered(
        url,
        _position_of_version(url, SNAPSHOT_VERSION),
        f"event at position {_position_of_version(url, SNAPSHOT_VERSION)} {ALTERED}",
    )


def test_a_snapshot_inserted_at_a_later_version_is_reported(
    renamed: tuple[DatabaseUrl, int],
) -> None:
    url, _ = renamed
    table = _snapshots(url)
    # The state of version 100 passed off as version 110's: loads from 110 on would use it.
    query_write(
        url,
        f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
        f"SELECT originator_id, 110, topic, state FROM {table}",
    )

    code, entry = _main_entry(url)

    assert code == 1
    position = _position_of_version(url, 110)
    assert entry == _tampered(url, position, f"event at position {position} {ALTERED}")


def test_a_snapshot_of_no_aggregate_is_reported_as_inserted(
    renamed: tuple[DatabaseUrl, int],
) -> None:
    url, _ = renamed
    table = _snapshots(url)
    stranger = uuid.uuid4()
    query_write(
        url,
        f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
        f"SELECT %s, originator_version, topic, state FROM {table}",
        (str(stranger),),
    )

    code, entry = _main_entry(url)

    assert code == 1
    assert entry == _tampered(
        url,
        None,
        f"a snapshot of {stranger} at version {SNAPSHOT_VERSION} has no event of that version: "
        "it was inserted",
    )


def test_a_deleted_snapshot_verifies_intact(renamed: tuple[DatabaseUrl, int]) -> None:
    # Loads then fold the events themselves: nothing they show is changed.
    url, _ = renamed
    query_write(url, f"DELETE FROM {_snapshots(url)}")

    code, entry = _main_entry(url)

    assert (code, entry.get("position")) == (0, None)


def test_snapshots_taken_before_a_class_version_upgrade_verify_intact(
    renamed: tuple[DatabaseUrl, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading upcasts an older snapshot's state; comparing the stored state as it is
    # reported every snapshot older than the class as forged.
    url, insight_id = renamed
    monkeypatch.setattr(Insight, "class_version", 2, raising=False)
    monkeypatch.setattr(Insight, "upcast_v1_v2", staticmethod(lambda state: None), raising=False)
    backend = open_backend(url)
    try:
        assert backend.events.repository.get(Insight.create_id(insight_id)).version == 121
        check = verify_log(backend.events, backend.database)
    finally:
        backend.close()

    assert check.tampering is None


def test_a_snapshot_saved_during_the_check_is_left_for_the_next_one(
    renamed: tuple[DatabaseUrl, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its event lies past the head the check reads: listed after it, the snapshot looked
    # inserted.
    url, insight_id = renamed
    backend = open_backend(url)
    try:
        recorder: Any = backend.events.recorder
        last_hashed = recorder.last_hashed
        written: list[int] = []

        def head_then_a_snapshot() -> int:
            head = last_hashed()
            if not written:
                written.append(1)
                commands = InsightCommands(backend)
                where = backend.insights.find(1, str(insight_id))
                assert where is not None
                for step in range(80):  # Past version 200: a second snapshot.
                    commands.update(
                        project_id=where.project_id,
                        environment_id=where.environment_id,
                        actor_id=where.created_by_id or 0,
                        insight_id=insight_id,
                        values={"name": f"Later {step}"},
                    )
            return int(head)

        monkeypatch.setattr(recorder, "last_hashed", head_then_a_snapshot)
        check = verify_log(backend.events, backend.database)
    finally:
        backend.close()

    assert written == [1]
    assert check.tampering is None
