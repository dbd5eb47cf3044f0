"""Read models: a new process on the same database, an interrupted install, and an
upgrade under a running process."""

from __future__ import annotations

import falcon.testing
import pytest

from api.app import create_app
from domain.insight import Insight
from projections.rebuild import rebuild
from store.backend import Backend
from store.config import ConfigError, DatabaseUrl
from store.insights import InsightCommands
from store.keys import Keys
from store.tenancy import Bootstrapped, Tenancy
from tests.integration.projections.support import (
    World,
    assert_caught_up,
    counts,
    dump,
    open_on,
    write_lagging,
)

# ---------------------------------------------------------------------------------------------
# A new process on the same database


class TestRestart:
    def test_a_new_backend_sees_the_same_positions_rows_and_aggregates(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        first = open_on(fresh_url, opened)
        world = World(first)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("add_member", 0, 1),
                ("create_dashboard", 0, "Growth", True),
                ("create_insight", 0, 0, {"name": "Signups", "tags": ["KPI"], "dashboards": [0]}),
                ("update_insight", 0, 0, {"description": "Weekly", "favorited": True}),
                ("create_key", 1, ["insight:read"], True),
            ]
        )
        positions, tables = first.projector.positions(), dump(first)

        second = open_on(fresh_url, opened)

        assert second.projector.positions() == positions
        assert dump(second) == tables
        assert second.projector.catch_up() == 0
        (_, insight_id) = world.insights[0]
        insight_uuid = Insight.create_id(insight_id)
        assert second.events.repository.get(insight_uuid) == first.events.repository.get(
            insight_uuid
        )

    def test_a_new_backend_finishes_what_a_crashed_one_saved_but_did_not_project(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        crashed = open_on(fresh_url, opened)
        World(crashed).run([("bootstrap", 0, "Acme")])
        written, tags = write_lagging(crashed, 1, 40)
        crashed.close()
        opened.remove(crashed)

        restarted = open_on(fresh_url, opened)
        assert restarted.projector.catch_up() == written
        assert counts(restarted) == (40, 40, tags)
        assert_caught_up(restarted)
        incremental = dump(restarted)
        rebuild(restarted.projectors)
        assert dump(restarted) == incremental


class TestInterruptedInstall:
    def test_a_new_read_model_whose_first_build_never_finished_stays_outdated(
        self, fresh_backend: Backend
    ) -> None:
        # As after an upgrade that adds a read model, with `migrate` killed between creating
        # what was missing and the rebuild that builds it.
        projector = fresh_backend.projector
        dashboards = next(p for p in projector.projections if "dashboards" in p.tables)
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.execute("DELETE FROM projection_tracking WHERE name = %s", (dashboards.name,))
            for table in dashboards.tables:
                cursor.execute(f"DROP TABLE {table}")

        assert projector.create_missing() == [dashboards.name]

        assert projector.outdated() == [dashboards.name]
        with pytest.raises(ConfigError, match="dashboards"):
            fresh_backend.check_installed()

    def test_a_database_from_before_a_read_model_existed_is_refused_in_one_line(
        self, fresh_backend: Backend
    ) -> None:
        # Every command but `migrate` ended in a traceback on such a database.
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.execute("DELETE FROM projection_tracking WHERE name = 'insight_views_on_create'")

        with pytest.raises(ConfigError, match="insight_views_on_create has no tracking row"):
            fresh_backend.check_installed()


class TestUpgradedUnderARunningProcess:
    """`migrate` rebuilt a read model for another version while this process still runs: its
    writes must not put rows of its own layout into those tables (found by an upgrade audit:
    old servers broke search and past versions' links that way, unnoticed)."""

    @pytest.fixture
    def upgraded(self, fresh_backend: Backend) -> tuple[Bootstrapped, str]:
        """Ada's project and key, written before the upgrade."""
        ada = Tenancy(fresh_backend).bootstrap(
            email="ada@example.com",
            first_name="Ada",
            last_name="",
            organization="Engines",
            project="Analytical",
        )
        key = Keys(fresh_backend).create(email="ada@example.com", scopes=["*"]).raw_key
        with fresh_backend.database.transaction(write=True) as cursor:
            cursor.execute(
                "UPDATE projection_tracking SET version = version + 1 WHERE name = 'insight_list'"
            )
        return ada, key

    def test_a_write_is_refused_and_nothing_is_recorded(
        self, fresh_backend: Backend, upgraded: tuple[Bootstrapped, str]
    ) -> None:
        ada, _ = upgraded
        head, tables = fresh_backend.projector.head(), dump(fresh_backend)

        with pytest.raises(ConfigError, match="insight_list were built by another version"):
            InsightCommands(fresh_backend).create(
                project_id=ada.project_id,
                environment_id=ada.environment_id,
                actor_id=ada.user_id,
                values={"name": "Signups"},
            )

        assert fresh_backend.projector.head() == head
        assert dump(fresh_backend) == tables

    def test_the_api_answers_503_in_the_envelope(
        self, fresh_backend: Backend, upgraded: tuple[Bootstrapped, str]
    ) -> None:
        ada, key = upgraded
        client = falcon.testing.TestClient(create_app(fresh_backend))

        result = client.simulate_post(
            f"/api/projects/{ada.project_id}/insights/",
            headers={"Authorization": f"Bearer {key}"},
            json={"name": "Signups"},
        )

        assert result.status_code == 503
        assert result.json == {
            "type": "server_error",
            "code": "unavailable",
            "detail": "The service is being upgraded; try again shortly.",
            "attr": None,
        }
