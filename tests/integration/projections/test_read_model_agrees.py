"""Read models agree with the aggregates through every edit, and keep opaque JSON as it
was."""

from __future__ import annotations

import uuid

from domain.insight import Insight
from domain.personal_api_key import PersonalApiKey
from domain.project import Project
from projections.rebuild import rebuild
from store.backend import Backend
from store.config import DatabaseUrl
from tests.integration.projections.support import (
    World,
    assert_caught_up,
    assert_read_model_matches_aggregates,
    dump,
    new_dashboard,
    new_insight,
    open_on,
    rows,
)


class TestReadModelAgreesWithAggregates:
    def test_rebuilding_one_read_model_rebuilds_those_sharing_its_tables(
        self, fresh_backend: Backend
    ) -> None:
        # The third insight's only view is its creator's, which is in the main log.
        World(fresh_backend).run(
            [
                ("bootstrap", 0, "Acme"),
                *[("create_insight", 0, 0, {"name": name}) for name in ("A", "B", "C")],
                ("view_insights", 0, 0, [0, 1]),
            ]
        )
        before = dump(fresh_backend)

        rebuilt = rebuild(fresh_backend.projectors, ["insight_views"])

        assert rebuilt.names == ["insight_views", "insight_views_on_create"]
        assert len(before["insight_views"]) == 3
        assert dump(fresh_backend) == before
        assert_caught_up(fresh_backend)

    def test_an_insight_created_deleted_on_a_dashboard_shows_the_tile_once_placed_on_it(
        self, fresh_backend: Backend
    ) -> None:
        world = World(fresh_backend)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("create_dashboard", 0, "Growth", False),
                ("create_insight", 0, 0, {"name": "Ghost", "deleted": True, "dashboards": [0]}),
                ("restore_insight", 0),
                ("update_insight", 0, 0, {"dashboards": [0]}),
            ]
        )
        (_, insight_id), (_, dashboard_id) = world.insights[0], world.dashboards[0]
        insight: Insight = fresh_backend.events.repository.get(Insight.create_id(insight_id))
        assert insight.dashboard_ids == [dashboard_id]

        active = rows(
            fresh_backend,
            "SELECT dashboard_id FROM insight_tiles WHERE insight_id = %s AND active = 1",
            insight_id,
        )

        assert [int(d) for (d,) in active] == [dashboard_id]

    def test_tags_tiles_and_flags_follow_every_edit(self, fresh_backend: Backend) -> None:
        world = World(fresh_backend)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("create_dashboard", 0, "Growth", True),
                ("create_dashboard", 0, "Exec", False),
                (
                    "create_insight",
                    0,
                    0,
                    {"name": "Signups", "tags": ["KPI", " kpi"], "dashboards": [0]},
                ),
                (
                    "update_insight",
                    0,
                    0,
                    {"tags": ["growth", "Q3"], "dashboards": [1], "favorited": True},
                ),
                ("delete_insight", 0),
                ("restore_insight", 0),
                ("update_insight", 0, 0, {"dashboards": [0, 1], "order": 3}),
                ("update_dashboard", 1, {"deleted": True, "name": "Exec (old)"}),
            ]
        )

        assert_caught_up(fresh_backend)
        assert_read_model_matches_aggregates(
            fresh_backend, [i for _, i in world.insights], [d for _, d in world.dashboards]
        )
        (_, insight_id) = world.insights[0]
        tiles = rows(
            fresh_backend,
            "SELECT dashboard_id, active FROM insight_tiles WHERE insight_id = %s "
            "ORDER BY dashboard_id",
            insight_id,
        )
        assert [(int(d), int(a)) for d, a in tiles] == [
            (world.dashboards[0][1], 1),
            (world.dashboards[1][1], 1),
        ]

    def test_revoked_keys_and_members_are_in_the_accounts_tables(
        self, fresh_backend: Backend
    ) -> None:
        world = World(fresh_backend)
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("add_member", 0, 1),
                ("add_member", 0, 1),
                ("create_key", 0, ["*"], False),
                ("create_key", 1, ["insight:read"], True),
                ("revoke_key", 0),
            ]
        )
        project_id = world.projects[0]
        project: Project = fresh_backend.events.repository.get(Project.create_id(project_id))

        members = rows(
            fresh_backend,
            "SELECT user_id FROM project_members WHERE project_id = %s ORDER BY user_id",
            project_id,
        )
        keys = rows(fresh_backend, "SELECT id, revoked FROM personal_api_keys ORDER BY id")

        assert [int(u) for (u,) in members] == sorted(project.members)
        assert len(project.members) == 2
        expected_keys = []
        for key_id in world.keys:
            key: object = fresh_backend.events.repository.get(uuid.UUID(key_id))
            assert isinstance(key, PersonalApiKey)
            expected_keys.append((key_id, int(key.revoked)))
        assert [(k, int(r)) for k, r in keys] == sorted(expected_keys)
        assert sorted(int(r) for _, r in keys) == [0, 1]


class TestOpaqueJson:
    """Insight JSON is the client's: nothing in it may change meaning in the event store."""

    def test_a_rebuild_reproduces_filters_that_look_like_a_transcoded_uuid(
        self, fresh_backend: Backend
    ) -> None:
        world = World(fresh_backend)
        filters = {"_type_": "uuid_hex", "_data_": "5d0b3c526f1a4c9e9a432f8e4b7d1c60"}
        world.run(
            [
                ("bootstrap", 0, "Acme"),
                ("create_insight", 0, 0, {"name": "Lookalike", "filters": filters}),
            ]
        )
        incremental = dump(fresh_backend)

        rebuild(fresh_backend.projectors)

        assert dump(fresh_backend) == incremental

    def test_catching_up_over_an_unknown_type_marker_applies_it_and_what_follows(
        self, fresh_url: DatabaseUrl, opened: list[Backend]
    ) -> None:
        writer, reader = open_on(fresh_url, opened), open_on(fresh_url, opened)
        query = {"kind": "HogQuery", "code": {"_type_": "nope", "_data_": 1}}
        writer.events.save(new_insight(1, {"name": "Opaque", "query": query}))
        writer.events.save(new_dashboard(1, "After the opaque one"))

        reader.projector.catch_up()

        assert rows(reader, "SELECT id FROM insights") == [(1,)]
        assert rows(reader, "SELECT name FROM dashboards") == [("After the opaque one",)]
