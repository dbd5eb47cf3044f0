"""`GET …/insights/trending`: which insights trend, in which order, within the `days` window."""

from __future__ import annotations

import pytest

from tests.api.insight_views.support import (
    EMPTY_TRENDING,
    Project,
)
from tests.tenants import TenantFactory


class TestTrendingRanking:
    def test_insights_are_ranked_by_distinct_viewers(self, project: Project) -> None:
        bea, cid, dee = project.member("Bea"), project.member("Cid"), project.member("Dee")
        one = project.create("One viewer")
        three = project.create("Three viewers")
        two = project.create("Two viewers")
        four = project.create("Four viewers")
        project.clock.advance(minutes=1)
        project.view(two, three, four, by=bea)
        project.view(three, four, by=cid)
        project.view(four, by=dee)

        rows = project.trending()["results"]

        assert [(row["name"], row["view_count"]) for row in rows] == [
            ("Four viewers", 4),
            ("Three viewers", 3),
            ("Two viewers", 2),
            ("One viewer", 1),
        ]
        assert one["id"] == rows[-1]["id"]

    def test_many_views_by_one_member_count_once(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        popular = project.create("Popular with two")
        obsessed = project.create("Viewed often by one")
        project.view(popular, by=bea)
        for _ in range(5):
            project.clock.advance(minutes=1)
            project.view(obsessed, by=cid)
        project.view(popular, by=cid)

        assert [(row["name"], row["view_count"]) for row in project.trending()["results"]] == [
            ("Popular with two", 3),
            ("Viewed often by one", 2),
        ]

    def test_one_member_in_two_environments_counts_twice(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.never_viewed("Report")
        project.view(report, by=bea)

        project.view(report, by=bea, environment=staging)

        assert project.trending_row(report)["view_count"] == 2
        assert project.trending_row(report, environment=staging)["view_count"] == 2

    def test_equal_counts_are_ordered_by_last_modification_newest_first(
        self, project: Project
    ) -> None:
        alpha = project.create("Alpha")
        project.clock.advance(minutes=1)
        project.create("Bravo")
        project.clock.advance(minutes=1)
        project.create("Charlie")
        project.clock.advance(minutes=1)

        project.patch(alpha, name="Alpha renamed")

        assert project.trending_names() == ["Alpha renamed", "Charlie", "Bravo"]

    def test_a_change_that_is_not_material_does_not_move_an_insight(self, project: Project) -> None:
        # Reference §6.4: tags, favorited, query and deleted leave last_modified_at alone.
        alpha = project.create("Alpha")
        project.clock.advance(minutes=1)
        project.create("Bravo")
        project.clock.advance(minutes=1)

        project.patch(alpha, tags=["moved?"], favorited=True)

        assert project.trending_names() == ["Bravo", "Alpha"]

    def test_views_do_not_change_the_order_of_equal_counts(self, project: Project) -> None:
        bea = project.member("Bea")
        alpha = project.create("Alpha")
        project.clock.advance(minutes=1)
        bravo = project.create("Bravo")
        project.clock.advance(minutes=1)
        project.view(alpha, bravo, by=bea)
        project.clock.advance(minutes=1)

        project.view(alpha)  # Ann again: still two distinct viewers each

        assert project.trending_names() == ["Bravo", "Alpha"]

    def test_deleted_insights_never_trend(self, project: Project) -> None:
        bea = project.member("Bea")
        doomed = project.create("Doomed")
        project.create("Kept")
        project.view(doomed, by=bea)

        project.delete(doomed)

        assert project.trending_names() == ["Kept"]

    def test_a_restored_insight_trends_again_with_its_views(self, project: Project) -> None:
        bea = project.member("Bea")
        phoenix = project.create("Phoenix")
        project.view(phoenix, by=bea)
        project.delete(phoenix)

        project.restore(phoenix)

        assert project.trending_row(phoenix)["view_count"] == 2

    def test_another_projects_insights_never_trend_here(
        self, project: Project, timed_tenants: TenantFactory
    ) -> None:
        zed = timed_tenants.create("Zed")
        zed.create_insight(name="Zed's secret")
        project.create("Ours")

        assert project.trending_names() == ["Ours"]


class TestTrendingWindow:
    def test_the_default_window_is_seven_days(self, project: Project) -> None:
        project.create("Old")
        project.clock.advance(days=7, seconds=1)
        project.create("New")

        assert project.trending_names() == ["New"]

    def test_a_view_exactly_days_ago_is_inside_the_window(self, project: Project) -> None:
        project.create("Edge")
        project.clock.advance(days=7)

        assert project.trending_names(days="7") == ["Edge"]

    def test_a_view_a_microsecond_older_than_the_window_is_outside(self, project: Project) -> None:
        project.create("Edge")
        project.clock.advance(days=7, microseconds=1)

        assert project.trending(days="7") == EMPTY_TRENDING

    def test_days_widens_and_narrows_the_window(self, project: Project) -> None:
        project.create("Thirty days ago")
        project.clock.advance(days=29)
        project.create("A day ago")
        project.clock.advance(days=1)

        assert project.trending_names(days="30") == ["A day ago", "Thirty days ago"]
        assert project.trending_names(days="1") == ["A day ago"]
        assert project.trending(days="0") == EMPTY_TRENDING

    def test_days_zero_keeps_views_made_this_very_instant(self, project: Project) -> None:
        project.create("Right now")

        assert project.trending_names(days="0") == ["Right now"]

    @pytest.mark.parametrize("days", ["-1", "-7", "-100000"])
    def test_negative_days_is_an_empty_list(self, project: Project, days: str) -> None:
        project.create("Fresh")

        result = project.get_trending(days=days)

        assert result.status_code == 200
        assert result.json == EMPTY_TRENDING

    def test_a_hugely_negative_days_is_an_empty_list_too(self, project: Project) -> None:
        # CONTRACT §7: negative days -> empty list (and §4: never a 500 for a client mistake).
        project.create("Fresh")

        result = project.get_trending(days=str(-(10**30)))

        assert result.status_code == 200
        assert result.json == EMPTY_TRENDING

    def test_a_huge_days_covers_all_time(self, project: Project) -> None:
        project.create("Ancient")
        project.clock.advance(days=3650)

        assert project.trending_names(days=str(10**30)) == ["Ancient"]

    def test_only_viewers_whose_last_view_is_in_the_window_count(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.create("Report")  # Ann at day 0
        project.clock.advance(days=3)
        project.view(report, by=bea)  # day 3
        project.clock.advance(days=6)
        project.view(report, by=cid)  # day 9

        assert project.trending_row(report)["view_count"] == 2  # window from day 2
        assert project.trending(days="5")["results"][0]["view_count"] == 1
        assert project.trending(days="9")["results"][0]["view_count"] == 3

    def test_an_old_view_followed_by_a_recent_one_counts(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.view(report, by=bea)
        project.clock.advance(days=10)

        project.view(report, by=bea)

        row = project.trending_row(report)
        assert (row["view_count"], [viewer["id"] for viewer in row["viewers"]]) == (
            1,
            [bea.user_id],
        )
