"""Read models: random command sequences through the application services leave the same
tables, processed incrementally, as a rebuild."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.rebuild import rebuild
from store.backend import open_backend
from tests.bodies import TRENDS
from tests.databases import BACKENDS, DatabaseFactory
from tests.integration.projections.support import (
    World,
    assert_caught_up,
    assert_read_model_matches_aggregates,
    dump,
)

TAG_WORDS = ("growth", " Growth", "KPI", "kpi ", "q3", "")
SQL = {"kind": "DataTableNode", "source": {"kind": "HogQLQuery", "query": "select 1"}}

index = st.integers(0, 7)
names = st.sampled_from(["Weekly signups", "Churn", "Revenue", "", "Café ☕"])
insight_values = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.none(), names),
        "description": st.one_of(st.none(), names),
        "tags": st.lists(st.sampled_from(TAG_WORDS), max_size=4),
        "favorited": st.booleans(),
        "saved": st.booleans(),
        "order": st.one_of(st.none(), st.integers(-5, 5)),
        "query": st.sampled_from([None, TRENDS, SQL]),
        "filters": st.sampled_from(
            [
                {},
                {"insight": "FUNNELS"},
                {"breakdown": "$feature/Beta", "properties": [{"key": "beta"}]},
            ]
        ),
        "deleted": st.booleans(),
        "dashboards": st.lists(index, max_size=3),
    },
)
dashboard_values = st.fixed_dictionaries(
    {},
    optional={
        "name": names,
        "description": st.one_of(st.none(), names),
        "pinned": st.booleans(),
        "deleted": st.booleans(),
    },
)
COMMAND = st.one_of(
    st.tuples(st.just("bootstrap"), index, names),
    st.tuples(st.just("add_member"), index, index),
    st.tuples(st.just("add_environment"), index, names),
    st.tuples(
        st.just("create_key"), index, st.sampled_from([["*"], ["insight:read"]]), st.booleans()
    ),
    st.tuples(st.just("revoke_key"), index),
    st.tuples(st.just("create_dashboard"), index, names, st.booleans()),
    st.tuples(st.just("update_dashboard"), index, dashboard_values),
    st.tuples(st.just("create_insight"), index, index, insight_values),
    st.tuples(st.just("update_insight"), index, index, insight_values),
    st.tuples(st.just("delete_insight"), index),
    st.tuples(st.just("restore_insight"), index),
    st.tuples(st.just("view_insights"), index, index, st.lists(index, min_size=1, max_size=3)),
)


class TestIncrementalEqualsRebuild:
    @pytest.mark.parametrize("kind", BACKENDS)
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(commands=st.lists(COMMAND, min_size=1, max_size=25))
    def test_random_commands_leave_the_same_tables_as_a_rebuild(
        self, kind: str, databases: DatabaseFactory, commands: list[tuple[Any, ...]]
    ) -> None:
        backend = open_backend(databases.create(kind))
        try:
            world = World(backend)
            world.run([("bootstrap", 0, "Acme"), *commands])

            # Check the incremental read model is complete and agrees with the aggregates.
            assert_caught_up(backend)
            assert_read_model_matches_aggregates(
                backend, [i for _, i in world.insights], [d for _, d in world.dashboards]
            )
            incremental = dump(backend)

            # Check a rebuild from the log gives the very same rows.
            rebuild(backend.projectors)
            assert_caught_up(backend)
            assert dump(backend) == incremental
        finally:
            backend.close()
