"""`GET …/insights/my_last_viewed`: the caller's five most recently viewed insights."""

from __future__ import annotations

from tests.api.insight_views.support import (
    BASIC_KEYS,
    Project,
)

# ---------------------------------------------------------------------------------------------
# GET …/insights/my_last_viewed


class TestMyLastViewed:
    def test_a_member_who_viewed_nothing_gets_an_empty_array(self, project: Project) -> None:
        bea = project.member("Bea")
        project.create("Ann's chart")

        result = project.get_my_last_viewed(bea)

        assert result.status_code == 200
        assert result.json == []

    def test_rows_have_exactly_the_basic_shape(self, project: Project) -> None:
        project.create("Weekly signups", tags=["growth"])

        (row,) = project.my_last_viewed()

        assert set(row) == BASIC_KEYS

    def test_rows_equal_the_basic_list_rows_but_for_the_callers_last_view(
        self, project: Project
    ) -> None:
        bea = project.member("Bea")
        dashboard = project.tenant.create_dashboard(name="Board")
        report = project.create("Weekly signups", tags=["growth"], dashboards=[dashboard["id"]])
        project.clock.advance(hours=1)
        project.view(report, by=bea)
        project.clock.advance(hours=1)
        project.view(report)  # Ann's later view is the list's last_viewed_at

        (mine,) = project.my_last_viewed(bea)
        (listed,) = project.listing(basic="true")

        assert mine.pop("last_viewed_at") == "2024-03-15T13:00:00Z"
        assert listed.pop("last_viewed_at") == "2024-03-15T14:00:00Z"
        assert mine == listed

    def test_the_five_most_recently_viewed_come_newest_first(self, project: Project) -> None:
        bea = project.member("Bea")
        insights = [
            project.create(name) for name in ("One", "Two", "Three", "Four", "Five", "Six", "Seven")
        ]
        for insight in insights:
            project.clock.advance(minutes=1)
            project.view(insight, by=bea)

        rows = project.my_last_viewed(bea)

        assert [row["name"] for row in rows] == ["Seven", "Six", "Five", "Four", "Three"]
        assert [row["last_viewed_at"] for row in rows] == [
            "2024-03-15T12:07:00Z",
            "2024-03-15T12:06:00Z",
            "2024-03-15T12:05:00Z",
            "2024-03-15T12:04:00Z",
            "2024-03-15T12:03:00Z",
        ]

    def test_viewing_an_older_insight_again_brings_it_to_the_front(self, project: Project) -> None:
        bea = project.member("Bea")
        insights = [project.create(name) for name in ("One", "Two", "Three")]
        for insight in insights:
            project.clock.advance(minutes=1)
            project.view(insight, by=bea)
        project.clock.advance(minutes=1)

        project.view(insights[0], by=bea)

        assert project.my_last_viewed_names(bea) == ["One", "Three", "Two"]

    def test_creating_an_insight_is_a_view_by_its_creator(self, project: Project) -> None:
        project.clock.advance(minutes=5)

        project.create("Fresh")

        (row,) = project.my_last_viewed()
        assert (row["name"], row["last_viewed_at"]) == ("Fresh", "2024-03-15T12:05:00Z")

    def test_an_insight_created_deleted_is_not_viewed(self, project: Project) -> None:
        project.create("Stillborn", deleted=True)

        assert project.my_last_viewed() == []

    def test_last_viewed_at_is_the_callers_own_last_view(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.never_viewed("Report")
        project.view(report, by=bea)
        project.clock.advance(hours=3)

        project.view(report)  # Ann, later

        (row,) = project.my_last_viewed(bea)
        assert row["last_viewed_at"] == "2024-03-15T12:00:00Z"

    def test_other_members_views_are_not_mine(self, project: Project) -> None:
        bea = project.member("Bea")
        project.create("Ann's chart")
        project.create("Bea's chart", by=bea)

        assert project.my_last_viewed_names() == ["Ann's chart"]
        assert project.my_last_viewed_names(bea) == ["Bea's chart"]

    def test_deleted_insights_are_left_out_and_the_next_ones_fill_the_five(
        self, project: Project
    ) -> None:
        bea = project.member("Bea")
        insights = [project.create(name) for name in ("One", "Two", "Three", "Four", "Five", "Six")]
        for insight in insights:
            project.clock.advance(minutes=1)
            project.view(insight, by=bea)

        project.delete(insights[5])
        project.delete(insights[3])

        assert project.my_last_viewed_names(bea) == ["Five", "Three", "Two", "One"]

    def test_a_restored_insight_comes_back_with_its_earlier_view(self, project: Project) -> None:
        bea = project.member("Bea")
        phoenix = project.create("Phoenix")
        project.clock.advance(minutes=1)
        project.view(phoenix, by=bea)
        project.delete(phoenix)
        project.clock.advance(days=1)

        project.restore(phoenix)

        (row,) = project.my_last_viewed(bea)
        assert (row["name"], row["last_viewed_at"]) == ("Phoenix", "2024-03-15T12:01:00Z")

    def test_views_in_another_environment_are_not_listed(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        prod_only = project.never_viewed("Production only")
        staging_only = project.never_viewed("Staging only")
        project.view(prod_only, by=bea)
        project.clock.advance(minutes=1)

        project.view(staging_only, by=bea, environment=staging)

        assert project.my_last_viewed_names(bea) == ["Production only"]
        assert project.my_last_viewed_names(bea, environment=staging) == ["Staging only"]

    def test_each_environment_keeps_its_own_last_view_time(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.never_viewed("Report")
        project.view(report, by=bea, environment=staging)
        project.clock.advance(hours=2)

        project.view(report, by=bea)

        assert project.my_last_viewed(bea)[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"
        assert project.my_last_viewed(bea, staging)[0]["last_viewed_at"] == "2024-03-15T12:00:00Z"

    def test_both_prefixes_read_the_same_environment(self, project: Project) -> None:
        staging = project.environment()
        report = project.never_viewed("Report")
        project.view(report, environment=staging)

        by_project = project.get_my_last_viewed(environment=staging, prefix="projects")
        by_environment = project.get_my_last_viewed(environment=staging, prefix="environments")

        assert by_project.status_code == by_environment.status_code == 200
        assert [row["name"] for row in by_project.json] == ["Report"]
        assert by_environment.json == by_project.json

    def test_an_insight_created_in_another_environment_is_viewed_there(
        self, project: Project
    ) -> None:
        staging = project.environment()

        project.create("Staged", environment=staging)

        assert project.my_last_viewed() == []
        assert project.my_last_viewed_names(environment=staging) == ["Staged"]

    def test_a_sub_second_view_time_keeps_its_microseconds(self, project: Project) -> None:
        report = project.never_viewed("Report")
        project.clock.advance(seconds=0.25)

        project.view(report)

        assert project.my_last_viewed()[0]["last_viewed_at"] == "2024-03-15T12:00:00.250000Z"
