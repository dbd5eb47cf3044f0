"""`insightlog audit verify` as a real process against real SQLite files and PostgreSQL
databases whose stored logs were edited behind the product's back: altered, removed,
reordered and truncated events, forged hashes, and the views log."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from domain.insight_views import ViewBatch
from store.audit import verify_log
from store.backend import open_backend
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.hash_chain import GENESIS, chain_hash
from store.insights import InsightCommands
from store.keys import Keys
from store.migrate import migrate
from store.tenancy import Tenancy
from tests.databases import BACKENDS, DatabaseFactory
from tests.e2e.audit_helpers import (
    MAIN_LOG,
    VIEWS_LOG,
    LogTables,
    PristineLogs,
    Verification,
    audit_entries,
    audit_log,
    audit_verify,
    log_tables,
)
from tests.e2e.backlog import query, query_write

pytestmark = pytest.mark.e2e

HEX_HASH = re.compile(r"[0-9a-f]{64}")


def _email(name: str) -> str:
    return f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"


@dataclass(frozen=True)
class History:
    """A database with a short, known history in both logs."""

    url: DatabaseUrl
    main: LogTables
    views: LogTables

    def tables(self, log: str) -> LogTables:
        return self.main if log == MAIN_LOG else self.views


def write_history(url: DatabaseUrl) -> None:
    """Ada bootstraps her project, Grace joins it, Ada makes and revokes a key, builds a
    dashboard and three insights (each creation is also its creator's view, read from the
    insight's Created event), renames one, deletes another, and views two of them again (the
    views log)."""
    backend = open_backend(url)
    try:
        ada_email = _email("Ada")
        tenancy = Tenancy(backend)
        ada = tenancy.bootstrap(
            email=ada_email,
            first_name="Ada",
            last_name="Lovelace",
            organization="Analytical Engines",
            project="Difference Engine",
        )
        tenancy.add_member(
            email=_email("Grace"), project_id=ada.project_id, first_name="Grace", last_name="Hopper"
        )
        keys = Keys(backend)
        keys.revoke(keys.create(email=ada_email, scopes=["insight:read"], label="Nightly").id)
        where: dict[str, Any] = {
            "project_id": ada.project_id,
            "environment_id": ada.environment_id,
            "actor_id": ada.user_id,
        }
        board = DashboardCommands(backend).create(**where, values={"name": "Engine room"})
        insights = InsightCommands(backend)
        signups = insights.create(
            **where, values={"name": "Weekly signups", "tags": ["growth"], "dashboards": [board]}
        )
        insights.update(**where, insight_id=signups, values={"name": "Weekly signups (EU)"})
        funnel = insights.create(**where, values={"name": "Checkout funnel"})
        churn = insights.create(**where, values={"name": "Churned accounts"})
        insights.update(**where, insight_id=churn, values={"deleted": True})
        for viewed in (signups, funnel):
            backend.record_views(
                ViewBatch.record(
                    project_id=ada.project_id,
                    environment_id=ada.environment_id,
                    user_id=ada.user_id,
                    insight_ids=[viewed],
                    at=backend.clock(),
                )
            )
    finally:
        backend.close()


@pytest.fixture(scope="module", params=BACKENDS)
def pristine(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> PristineLogs:
    """The history, written once per backend (SQLite in a folder of its own)."""
    if request.param == "sqlite":
        url = DatabaseUrl.parse(f"sqlite:///{tmp_path_factory.mktemp('history') / 'h.sqlite3'}")
        migrate(url)
    else:
        url = databases.create("postgresql")
    write_history(url)
    return PristineLogs(url)


@pytest.fixture
def history(pristine: PristineLogs, tmp_path: Path) -> History:
    """The history as it was written, for this test to tamper with."""
    url = pristine.restore(tmp_path / "copy")
    return History(url, log_tables(url, MAIN_LOG), log_tables(url, VIEWS_LOG))


def intact_entry(tables: LogTables) -> dict[str, object]:
    """The entry `audit verify` prints for an intact log, read from its tables."""
    head = tables.head()
    return {
        "log": tables.name,
        "events_verified": tables.count(),
        "head_hash": tables.hash(head).hex(),
    }


def tampered_entry(log: str, verified: int, position: int, problem: str) -> dict[str, object]:
    return {
        "log": log,
        "events_verified": verified,
        "head_hash": None,
        "position": position,
        "problem": f"event at position {position} {problem}",
    }


# What identifies the events of the history that the tests tamper with.
BOARD_CREATED = b'"values":{"name":"Engine room"}'
SIGNUPS_RENAMED = b'"after":"Weekly signups (EU)"'
FUNNEL_CREATED = b'"values":{"name":"Checkout funnel"}'
CHURN_CREATED = b'"values":{"name":"Churned accounts"}'
ALTERED_AFTER_THE_FIRST = "was altered, or one before it removed or moved"
UNLIKE_THE_STORES_IDS = "was altered: its originator id is not as the store writes it"


def assert_tampered(verification: Verification) -> None:
    assert verification.returncode == 1, verification
    assert verification.report["intact"] is False
    assert [entry["log"] for entry in verification.report["logs"]] == [MAIN_LOG, VIEWS_LOG]


# ---------------------------------------------------------------------------- intact logs


class TestIntactLogs:
    def test_a_fresh_database_after_migrate_verifies_intact_with_no_events(
        self, fresh_url: DatabaseUrl
    ) -> None:
        verification = audit_verify(fresh_url)

        assert verification.returncode == 0, verification.stderr
        assert verification.report == {
            "intact": True,
            "logs": [
                {"log": MAIN_LOG, "events_verified": 0, "head_hash": None},
                {"log": VIEWS_LOG, "events_verified": 0, "head_hash": None},
            ],
        }

    def test_an_untouched_history_verifies_intact_counting_every_stored_event(
        self, history: History
    ) -> None:
        verification = audit_verify(history.url)

        assert verification.returncode == 0, verification.stderr
        assert verification.report == {
            "intact": True,
            "logs": [intact_entry(history.main), intact_entry(history.views)],
        }
        assert verification.log(MAIN_LOG)["events_verified"] == 15
        assert verification.log(VIEWS_LOG)["events_verified"] == 2

    def test_the_head_hash_is_the_lower_case_hex_of_the_last_events_chain_hash(
        self, history: History
    ) -> None:
        verification = audit_verify(history.url)

        for log in (MAIN_LOG, VIEWS_LOG):
            head_hash = verification.log(log)["head_hash"]
            assert HEX_HASH.fullmatch(head_hash), head_hash
            tables = history.tables(log)
            assert head_hash == tables.hash(tables.head()).hex()

    def test_every_stored_event_has_exactly_one_hash(self, history: History) -> None:
        for tables in (history.main, history.views):
            assert tables.hash_count() == tables.count()

    def test_the_head_hash_moves_on_with_every_new_event(self, history: History) -> None:
        before = audit_verify(history.url).log(MAIN_LOG)

        backend = open_backend(history.url)
        try:
            Tenancy(backend).ensure_user(_email("Hedy"), "Hedy", "Lamarr")
        finally:
            backend.close()
        after = audit_verify(history.url)

        assert after.returncode == 0
        assert after.log(MAIN_LOG)["events_verified"] == before["events_verified"] + 1
        assert after.log(MAIN_LOG)["head_hash"] != before["head_hash"]

    def test_verify_prints_one_json_object_and_nothing_on_stderr(self, history: History) -> None:
        verification = audit_verify(history.url)

        assert verification.returncode == 0
        assert verification.stderr == ""


# ---------------------------------------------------------------------------- altered events


class TestAlteredEvents:
    def test_forging_an_insights_new_name_is_reported_at_that_events_position(
        self, history: History
    ) -> None:
        renamed = history.main.position_of(SIGNUPS_RENAMED)
        state = history.main.state(renamed)
        history.main.set_state(renamed, state.replace(b"(EU)", b"(US)"))

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, renamed - 1, renamed, ALTERED_AFTER_THE_FIRST
        )
        assert verification.log(VIEWS_LOG) == intact_entry(history.views)

    def test_the_forgery_shows_in_the_audit_log_that_verify_flags(self, history: History) -> None:
        renamed = history.main.position_of(SIGNUPS_RENAMED)
        history.main.set_state(renamed, history.main.state(renamed).replace(b"(EU)", b"(US)"))

        entries = audit_entries(history.url, "--scope", "insight")

        forged = next(entry for entry in entries if entry["position"] == renamed)
        assert forged["changes"][0]["after"] == "Weekly signups (US)"
        assert audit_verify(history.url).log(MAIN_LOG)["position"] == renamed

    def test_altering_the_first_event_is_reported_at_position_1(self, history: History) -> None:
        state = history.main.state(1)
        history.main.set_state(1, state.replace(b"@example.com", b"@example.org"))

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(MAIN_LOG, 0, 1, "was altered")

    def test_altering_the_last_event_is_reported_at_the_head(self, history: History) -> None:
        head = history.main.head()
        history.main.set_state(head, history.main.state(head) + b" ")

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, head - 1, head, ALTERED_AFTER_THE_FIRST
        )

    def test_changing_only_an_events_topic_is_reported(self, history: History) -> None:
        position = history.main.position_of(BOARD_CREATED)
        assert history.main.topic(position) == "insightlog.Dashboard.Created"
        history.main.set_topic_and_state(
            position, "insightlog.Dashboard.Updated", history.main.state(position)
        )

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG)["position"] == position

    @pytest.mark.parametrize(
        "respelling",
        [
            # Another spelling of the same id decodes, and hashes, alike; but loading the
            # insight asks for its own spelling, so the rename would silently drop out of its
            # history.
            "upper(originator_id)",
            "substr(originator_id, 1, 8) || '-' || substr(originator_id, 9)",
            # No id at all: the library cannot decode these (it used to crash the check).
            "NULL",
            "'not-a-uuid'",
            "'" + "z" * 32 + "'",
            "5",
            "randomblob(16)",
            # SQLite's length() and GLOB stop at the NUL; the library reads past it.
            "originator_id || char(0) || 'x'",
            "substr(originator_id, 1, 31) || char(0)",
        ],
    )
    def test_respelling_an_events_originator_id_is_reported(
        self, history: History, respelling: str
    ) -> None:
        renamed = history.main.position_of(SIGNUPS_RENAMED)
        if history.url.backend == "postgresql":
            # A uuid column keeps one spelling: there is nothing to re-spell.
            (column_type,) = query(
                history.url,
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'originator_id'",
                (history.main.events,),
            )[0]
            assert column_type == "uuid"
            return
        query_write(
            history.url,
            f"UPDATE {history.main.events} SET originator_id = {respelling} "
            f"WHERE {history.main.position} = %s",
            (renamed,),
        )

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, renamed - 1, renamed, UNLIKE_THE_STORES_IDS
        )
        assert verification.log(VIEWS_LOG) == intact_entry(history.views)

    def test_an_event_whose_state_is_removed_is_reported_not_a_crash(
        self, history: History
    ) -> None:
        # Both stores let the column be NULL; PostgreSQL's library then failed to decode it.
        renamed = history.main.position_of(SIGNUPS_RENAMED)
        query_write(
            history.url,
            f"UPDATE {history.main.events} SET state = NULL WHERE {history.main.position} = %s",
            (renamed,),
        )

        verification = audit_verify(history.url)

        assert_tampered(verification)
        # SQLite's library passes it through, and the chain breaks there; PostgreSQL's
        # cannot read it, and the check finds the row itself.
        problem = "was altered" if history.url.backend == "postgresql" else ALTERED_AFTER_THE_FIRST
        assert verification.log(MAIN_LOG) == tampered_entry(MAIN_LOG, renamed - 1, renamed, problem)

    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("originator_id", "NULL"),
            ("originator_id", "upper(originator_id)"),
            ("state", "NULL"),
            # Decodes, but is no event of its kind: the entry cannot be made.
            ("state", "%s"),
        ],
    )
    def test_audit_log_prints_the_entries_before_an_altered_event_then_names_it(
        self, history: History, column: str, value: str
    ) -> None:
        renamed = history.main.position_of(SIGNUPS_RENAMED)
        if history.url.backend == "postgresql" and column == "originator_id":
            pytest.skip("a uuid column holds only ids the library can read")
        before = [e for e in audit_entries(history.url) if e["position"] < renamed]
        query_write(
            history.url,
            f"UPDATE {history.main.events} SET {column} = {value} "
            f"WHERE {history.main.position} = %s",
            (b"{}", renamed) if value == "%s" else (renamed,),
        )

        completed = audit_log(history.url)

        assert completed.returncode == 1
        assert completed.stderr == (
            f"Error: the event at position {renamed} cannot be read as an audit entry "
            "(`insightlog audit verify` says whether it was altered)\n"
        )
        assert [json.loads(line) for line in completed.stdout.splitlines()] == before


# ---------------------------------------------------------------------------- removed events


class TestRemovedEvents:
    def test_deleting_an_event_in_the_middle_reports_its_position_as_removed(
        self, history: History
    ) -> None:
        removed = history.main.position_of(FUNNEL_CREATED)
        history.main.delete_event(removed)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, removed - 1, removed, "was removed (its hash remains)"
        )
        assert verification.log(VIEWS_LOG) == intact_entry(history.views)

    def test_deleting_an_event_and_its_hash_reports_where_the_chain_breaks(
        self, history: History
    ) -> None:
        removed = history.main.position_of(FUNNEL_CREATED)
        history.main.delete_event(removed)
        history.main.delete_hash(removed)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, removed - 1, removed + 1, ALTERED_AFTER_THE_FIRST
        )

    def test_deleting_the_first_event_is_reported_at_position_1(self, history: History) -> None:
        history.main.delete_event(1)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, 0, 1, "was removed (its hash remains)"
        )


class TestTruncatedLogs:
    def test_deleting_the_last_event_is_reported_because_its_hash_remains(
        self, history: History
    ) -> None:
        head = history.main.head()
        history.main.delete_event(head)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, head - 1, head, "was removed (its hash remains)"
        )

    def test_deleting_the_last_events_with_their_hashes_verifies_intact_with_an_earlier_head(
        self, history: History
    ) -> None:
        # What verify alone cannot see: the chain up to the new last event is whole. Only the
        # head hash, compared with one kept from before, shows the log is shorter.
        before = audit_verify(history.url).log(MAIN_LOG)
        head = history.main.head()
        for position in (head, head - 1):
            history.main.delete_event(position)
            history.main.delete_hash(position)

        verification = audit_verify(history.url)

        assert verification.returncode == 0, verification.report
        assert verification.report["intact"] is True
        assert verification.log(MAIN_LOG) == {
            "log": MAIN_LOG,
            "events_verified": head - 2,
            "head_hash": history.main.hash(head - 2).hex(),
        }
        assert verification.log(MAIN_LOG)["head_hash"] != before["head_hash"]


# ---------------------------------------------------------------------------- reordered events


class TestReorderedEvents:
    def test_swapping_two_events_reports_the_first_swapped_position(self, history: History) -> None:
        first = history.main.position_of(BOARD_CREATED)
        second = history.main.position_of(CHURN_CREATED)
        assert first < second - 1

        history.main.swap_events(first, second)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, first - 1, first, ALTERED_AFTER_THE_FIRST
        )

    def test_swapping_two_adjacent_events_reports_the_first_of_them(self, history: History) -> None:
        second = history.main.position_of(SIGNUPS_RENAMED)
        first = second - 1
        history.main.swap_events(first, second)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG)["position"] == first

    def test_swapping_only_the_topics_and_states_of_two_events_is_reported(
        self, history: History
    ) -> None:
        # The rows keep their stream and version; only what they say moves.
        first = history.main.position_of(BOARD_CREATED)
        second = history.main.position_of(CHURN_CREATED)
        topics = history.main.topic(first), history.main.topic(second)
        states = history.main.state(first), history.main.state(second)
        history.main.set_topic_and_state(first, topics[1], states[1])
        history.main.set_topic_and_state(second, topics[0], states[0])

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, first - 1, first, ALTERED_AFTER_THE_FIRST
        )

    def test_moving_the_last_event_past_the_head_is_reported(self, history: History) -> None:
        head = history.main.head()
        history.main.move_event(head, head + 5)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG)["position"] == head


# ---------------------------------------------------------------------------- the hash table


class TestTamperedHashes:
    def test_editing_a_stored_hash_is_reported_at_its_position(self, history: History) -> None:
        position = history.main.position_of(FUNNEL_CREATED)
        history.main.set_hash(position, hashlib.sha256(b"forged").digest())

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, position - 1, position, ALTERED_AFTER_THE_FIRST
        )

    def test_deleting_a_stored_hash_is_reported_as_an_event_without_one(
        self, history: History
    ) -> None:
        position = history.main.position_of(FUNNEL_CREATED)
        history.main.delete_hash(position)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, position - 1, position, "has no hash: the store did not write it"
        )

    def test_rewriting_an_event_and_every_hash_after_it_changes_the_head_hash(
        self, history: History
    ) -> None:
        # An attacker who recomputes the chain after an edit passes verify; the head hash
        # printed before the edit is what gives them away.
        before = audit_verify(history.url).log(MAIN_LOG)
        renamed = history.main.position_of(SIGNUPS_RENAMED)
        history.main.set_state(renamed, history.main.state(renamed).replace(b"(EU)", b"(US)"))
        backend = open_backend(history.url)
        try:
            notifications = backend.events.recorder.select_notifications(start=1, limit=1000)
        finally:
            backend.close()
        previous = GENESIS
        for notification in notifications:
            previous = chain_hash(previous, notification.id, notification)
            history.main.set_hash(notification.id, previous)

        verification = audit_verify(history.url)

        assert verification.returncode == 0
        assert verification.log(MAIN_LOG)["events_verified"] == before["events_verified"]
        assert verification.log(MAIN_LOG)["head_hash"] != before["head_hash"]


# ---------------------------------------------------------------------------- the views log


class TestViewsLog:
    def test_altering_a_view_is_reported_on_the_views_log_entry(self, history: History) -> None:
        history.views.set_state(2, history.views.state(2).replace(b'"user_id":', b'"user_id":1'))

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == intact_entry(history.main)
        assert verification.log(VIEWS_LOG) == tampered_entry(
            VIEWS_LOG, 1, 2, ALTERED_AFTER_THE_FIRST
        )

    def test_deleting_a_view_is_reported_on_the_views_log_entry(self, history: History) -> None:
        history.views.delete_event(2)

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == intact_entry(history.main)
        assert verification.log(VIEWS_LOG) == tampered_entry(
            VIEWS_LOG, 1, 2, "was removed (its hash remains)"
        )

    def test_tampering_with_both_logs_reports_each_on_its_own_entry(self, history: History) -> None:
        position = history.main.position_of(FUNNEL_CREATED)
        history.main.delete_event(position)
        history.views.set_hash(1, bytes(32))

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, position - 1, position, "was removed (its hash remains)"
        )
        assert verification.log(VIEWS_LOG) == tampered_entry(VIEWS_LOG, 0, 1, "was altered")


# ---------------------------------------------------------------------------- found by an audit


class TestEventsOutsideTheChain:
    def test_an_event_inserted_below_the_first_position_is_reported(self, history: History) -> None:
        # Loading its aggregate would read it (a forged next version), though no walk of
        # the chain from position 1 would.
        main, head = history.main, history.main.head()
        query_write(
            main.url,
            f"INSERT INTO {main.events} ({main.position}, originator_id, originator_version, "
            f"topic, state) SELECT 0, originator_id, originator_version + 1000, topic, state "
            f"FROM {main.events} WHERE {main.position} = %s",
            (head,),
        )

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, 0, 0, "is before the first position: it was inserted"
        )

    def test_the_lowest_of_two_events_below_the_first_position_is_reported(
        self, history: History
    ) -> None:
        # One the library cannot read, the other below it that it can.
        main = history.main
        funnel, renamed = main.position_of(FUNNEL_CREATED), main.position_of(SIGNUPS_RENAMED)
        main.move_event(renamed, -3)
        main.move_event(funnel, -10)
        query_write(
            main.url,
            f"UPDATE {main.events} SET state = NULL WHERE {main.position} = %s",
            (-3,),
        )

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, 0, -10, "is before the first position: it was inserted"
        )

    def test_a_value_changed_to_another_type_is_reported_not_a_crash(
        self, history: History
    ) -> None:
        if history.url.backend != "sqlite":
            pytest.skip("PostgreSQL's columns keep their types")
        position = history.main.position_of(FUNNEL_CREATED)
        text = history.main.state(position).decode()
        query_write(
            history.main.url,
            f"UPDATE {history.main.events} SET state = %s WHERE {history.main.position} = %s",
            (text, position),
        )
        query_write(
            history.views.url,
            f"UPDATE {history.views.hashes} SET hash = %s WHERE notification_id = 1",
            ("not bytes",),
        )

        verification = audit_verify(history.url)

        assert_tampered(verification)
        assert verification.log(MAIN_LOG) == tampered_entry(
            MAIN_LOG, position - 1, position, ALTERED_AFTER_THE_FIRST
        )
        assert verification.log(VIEWS_LOG) == tampered_entry(VIEWS_LOG, 0, 1, "was altered")


class TestVerifyBesideWriters:
    def test_an_event_written_during_the_check_is_left_for_the_next_one(
        self, history: History, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        backend = open_backend(history.url)
        try:
            recorder: Any = backend.events.recorder
            select_hashes = recorder.select_hashes
            written: list[int] = []

            def hashes_after_a_write(after: int, limit: int) -> list[tuple[int, bytes]]:
                if not written:  # A writer commits between the check's reads.
                    ada = Tenancy(backend).bootstrap(
                        email=_email("Late"),
                        first_name="L",
                        last_name="",
                        organization="O",
                        project="P",
                    )
                    written.append(ada.project_id)
                return select_hashes(after, limit)

            monkeypatch.setattr(recorder, "select_hashes", hashes_after_a_write)
            head = backend.projector.head()

            check = verify_log(backend.events, backend.database)
        finally:
            backend.close()

        assert written
        assert (check.tampering, check.events) == (None, head)
        assert audit_verify(history.url).returncode == 0
