"""`POST …/insights/{id}/revert`: what a revert restores and records, and that it leaves
deletion alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.insight import InsightNotFoundError
from store.insight_history import InsightHistoryService
from tests.api.insight_time_travel.support import FUNNELS, TRENDS, Project, Story, editable, iso
from tests.bodies import NOT_FOUND

# ---------------------------------------------------------------------------------------------
# POST …/insights/{id}/revert


class TestRevert:
    def test_revert_answers_200_with_the_current_insight_saying_what_version_n_said(
        self, story: Story
    ) -> None:
        story.project.at(story.times[3] + timedelta(hours=2))

        reverted = story.project.revert(story.id, 1)

        assert editable(reverted) == editable(story.states[0])
        assert reverted["deleted"] is False
        assert reverted == story.project.current(story.id)

    @pytest.mark.parametrize(("then", "now"), [(1, True), (1.0, 1), (0, False)])
    def test_revert_restores_a_value_python_deems_equal_to_the_current_one(
        self, project: Project, then: Any, now: Any
    ) -> None:
        created = project.create(name="Typed", filters={"interval": then})
        project.patch(created["id"], filters={"interval": now})

        reverted = project.revert(created["id"], 1)

        assert reverted["filters"] == {"interval": then}
        assert type(reverted["filters"]["interval"]) is type(then)
        assert type(project.current(created["id"])["filters"]["interval"]) is type(then)

    def test_revert_is_a_modification_by_the_reverter_now(self, story: Story) -> None:
        now = story.times[3] + timedelta(hours=2)
        story.project.at(now)

        reverted = story.project.revert(story.id, 2, headers=story.bea.headers)

        assert reverted["last_modified_at"] == iso(now)
        assert reverted["last_modified_by"]["id"] == story.bea.user_id
        assert reverted["created_at"] == iso(story.times[0])
        assert reverted["created_by"]["id"] == story.project.ann.user_id

    def test_revert_records_a_new_version_equal_to_the_current_insight(self, story: Story) -> None:
        reverted = story.project.revert(story.id, 1)

        new = story.project.version(story.id, story.latest + 1)
        after = story.project.get_insight(story.id, version=str(story.latest + 2))

        assert new == reverted
        assert after.status_code == 404
        assert after.json == NOT_FOUND

    def test_revert_leaves_earlier_versions_as_they_were(self, story: Story) -> None:
        story.project.revert(story.id, 1)

        for version, state in enumerate(story.states, start=1):
            assert story.project.version(story.id, version) == state

    def test_revert_shows_in_activity_as_an_update_triggered_by_the_revert(
        self, story: Story
    ) -> None:
        now = story.times[3] + timedelta(hours=2)
        story.project.at(now)
        story.project.revert(story.id, 1)

        newest = story.project.activity(story.id)[0]

        assert newest["activity"] == "updated"
        assert newest["user"] == {"first_name": "Ann", "email": story.project.tenant.email}
        assert newest["scope"] == "Insight"
        assert newest["item_id"] == str(story.id)
        assert newest["created_at"] == iso(now)
        assert newest["detail"]["trigger"] == {
            "job_type": "revert",
            "job_id": "1",
            "payload": {"version": 1},
        }
        assert newest["detail"]["name"] == "Weekly signups"
        assert newest["detail"]["short_id"] == story.short_id
        assert newest["detail"]["type"] is None

    def test_the_revert_entry_lists_each_field_it_changed_before_and_after(
        self, story: Story
    ) -> None:
        story.project.revert(story.id, 1)

        changes = story.project.activity(story.id)[0]["detail"]["changes"]

        assert changes == [
            {
                "type": "Insight",
                "action": "changed",
                "field": "name",
                "before": "Sign-up funnel",
                "after": "Weekly signups",
            },
            {
                "type": "Insight",
                "action": "created",
                "field": "description",
                "before": None,
                "after": "Signups per ISO week",
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "query",
                "before": FUNNELS,
                "after": TRENDS,
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "favorited",
                "before": True,
                "after": False,
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "tags",
                "before": ["growth", "kpi"],
                "after": ["growth"],
            },
            {
                "type": "Insight",
                "action": "changed",
                "field": "dashboards",
                "before": [{"id": story.board, "name": "Board"}],
                "after": [{"id": story.launch, "name": "Launch"}],
            },
        ]

    def test_reverting_to_a_version_that_differs_only_in_text_lists_only_the_text(
        self, story: Story
    ) -> None:
        story.project.revert(story.id, 3)

        newest = story.project.activity(story.id)[0]

        assert newest["detail"]["trigger"] == {
            "job_type": "revert",
            "job_id": "3",
            "payload": {"version": 3},
        }
        assert newest["detail"]["changes"] == [
            {
                "type": "Insight",
                "action": "changed",
                "field": "name",
                "before": "Sign-up funnel",
                "after": "Weekly sign-ups",
            },
            {
                "type": "Insight",
                "action": "created",
                "field": "description",
                "before": None,
                "after": "Sign-ups, Monday to Sunday",
            },
        ]

    def test_the_revert_entry_is_the_only_new_activity(self, story: Story) -> None:
        before = story.project.activity(story.id, limit="50")

        story.project.revert(story.id, 1)

        after = story.project.activity(story.id, limit="50")
        assert after[1:] == before
        assert len(after) == len(before) + 1

    def test_revert_puts_the_insight_back_on_its_dashboards_with_their_old_tiles(
        self, story: Story
    ) -> None:
        reverted = story.project.revert(story.id, 1)

        assert reverted["dashboards"] == [story.launch]
        assert reverted["dashboard_tiles"] == story.states[0]["dashboard_tiles"]

    def test_revert_skips_dashboards_deleted_since_that_version(self, story: Story) -> None:
        project = story.project
        project.patch(story.id, dashboards=[story.launch, story.board])  # v5
        project.patch(story.id, dashboards=[])  # v6
        project.delete_dashboard(story.launch)

        reverted = project.revert(story.id, 5)

        assert reverted["dashboards"] == [story.board]
        assert project.current(story.id)["dashboards"] == [story.board]

    def test_a_version_still_shows_a_dashboard_deleted_since(self, story: Story) -> None:
        # Decision (contract silent): a version shows the links it had then.
        story.project.delete_dashboard(story.launch)

        assert story.project.version(story.id, 1)["dashboards"] == [story.launch]

    def test_a_version_written_while_a_dashboard_was_deleted_does_not_show_its_link(
        self, story: Story
    ) -> None:
        # The link was hidden then, as the live insight showed it (CONTRACT.md §7).
        project = story.project
        project.delete_dashboard(story.board)
        written = project.patch(story.id, name="Renamed while hidden")  # v5

        shown = project.version(story.id, 5)

        assert (written["dashboards"], shown["dashboards"], shown["dashboard_tiles"]) == (
            [],
            [],
            [],
        )
        assert project.version(story.id, 4)["dashboards"] == [story.board]

    def test_as_of_after_a_dashboard_was_deleted_does_not_show_its_link(self, story: Story) -> None:
        project = story.project
        deleted_at = story.times[3] + timedelta(hours=3)
        project.at(deleted_at)
        project.delete_dashboard(story.board)

        before = project.get_insight(story.id, as_of=iso(deleted_at - timedelta(minutes=1)))
        after = project.get_insight(story.id, as_of=iso(deleted_at + timedelta(minutes=1)))

        assert before.json["dashboards"] == [story.board]
        assert (after.json["dashboards"], after.json["dashboard_tiles"]) == ([], [])
        assert after.json["name"] == before.json["name"]  # The same version: v4.

    def test_revert_shows_in_the_list(self, story: Story) -> None:
        story.project.revert(story.id, 1)

        listed = story.project.tenant.get(
            "insights", params={"dashboards": f"[{story.launch}]", "tags": '["growth"]'}
        )

        assert listed.status_code == 200
        assert [row["name"] for row in listed.json["results"]] == ["Weekly signups"]
        assert listed.json["results"][0]["favorited"] is False

    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    def test_revert_by_short_id_reverts_the_same_insight(self, story: Story, prefix: str) -> None:
        reverted = story.project.revert(story.short_id, 2, prefix=prefix)

        assert reverted["id"] == story.id
        assert editable(reverted) == editable(story.states[1])

    def test_reverting_twice_to_the_same_version_changes_nothing_the_second_time(
        self, story: Story
    ) -> None:
        first = story.project.revert(story.id, 1)

        second = story.project.revert(story.id, 1)

        assert editable(second) == editable(first)
        assert story.project.activity(story.id)[0]["detail"]["trigger"]["job_id"] == "1"
        assert len(story.project.activity(story.id, limit="50")) == story.latest + 1

    def test_a_revert_can_itself_be_reverted(self, story: Story) -> None:
        story.project.revert(story.id, 1)  # v5

        back = story.project.revert(story.id, 4)  # v6

        assert editable(back) == editable(story.states[3])
        assert editable(story.project.version(story.id, 5)) == editable(story.states[0])

    def test_a_numeric_string_version_is_read_as_that_integer(self, story: Story) -> None:
        # Decision: like DRF's IntegerField (and our query strings), "1" is the integer 1.
        result = story.project.post_revert(story.id, {"version": "1"})

        assert result.status_code == 200
        assert editable(result.json) == editable(story.states[0])


class TestRevertLeavesDeletedAlone:
    def test_reverting_to_a_deleted_version_does_not_delete_the_insight(self, story: Story) -> None:
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        project.patch(story.id, deleted=False)  # v6

        reverted = project.revert(story.id, 5)

        assert reverted["deleted"] is False
        assert project.current(story.id)["deleted"] is False
        assert reverted["dashboards"] == []

    def test_reverting_a_restored_insight_to_before_its_deletion_keeps_it_live(
        self, story: Story
    ) -> None:
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        project.patch(story.id, deleted=False)  # v6, off every dashboard

        reverted = project.revert(story.id, 4)

        assert editable(reverted) == editable(story.states[3])
        assert reverted["deleted"] is False
        changes = project.activity(story.id)[0]["detail"]["changes"]
        assert [change["field"] for change in changes] == ["dashboards"]

    def test_a_deleted_insight_cannot_be_reverted(self, story: Story) -> None:
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        before = project.tenant.get("insights/activity", params={"limit": "50"}).json

        result = project.post_revert(story.id, {"version": 1})

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert project.get_insight(story.id).status_code == 404
        assert project.tenant.get("insights/activity", params={"limit": "50"}).json == before
        restored = project.patch(story.id, deleted=False)
        # Restoring brings it back off every dashboard (reference §7.4), nothing else changed.
        off_dashboards: dict[str, Any] = {"dashboards": [], "dashboard_tiles": []}
        assert editable(restored) == {**editable(story.states[3]), **off_dashboards}

    def test_a_revert_that_finds_the_insight_deleted_meanwhile_is_not_found(
        self, story: Story
    ) -> None:
        # The resource looked it up live; a delete came before the command loaded it. With
        # nothing to undo, the command used to return as if it had reverted.
        project = story.project
        project.patch(story.id, deleted=True)  # v5
        tenant = project.tenant

        with pytest.raises(InsightNotFoundError):
            InsightHistoryService(tenant.backend).revert(
                project_id=tenant.project_id,
                environment_id=tenant.project_id,
                actor_id=tenant.user_id,
                insight_id=story.id,
                version=5,
            )
