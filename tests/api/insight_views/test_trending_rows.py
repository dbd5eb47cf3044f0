"""`GET …/insights/trending`: the envelope and each row's shape, viewers, last view and last
modification."""

from __future__ import annotations

from tests.api.insight_views.support import (
    BASIC_KEYS,
    EMPTY_TRENDING,
    Project,
)

# Reference §5.5 (TrendingInsight = InsightBasic plus these three).
TRENDING_KEYS = BASIC_KEYS | {"view_count", "viewers", "last_modified_by"}
USER_BASIC_KEYS = frozenset(
    {
        "id", "uuid", "distinct_id", "first_name", "last_name", "email", "is_email_verified",
        "hedgehog_config", "role_at_organization",
    }
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# GET …/insights/trending


class TestTrendingShape:
    def test_envelope_counts_the_results_and_has_no_links(self, project: Project) -> None:
        project.create("One")
        project.create("Two")

        body = project.trending()

        assert set(body) == {"count", "next", "previous", "results"}
        assert (body["count"], body["next"], body["previous"]) == (2, None, None)
        assert len(body["results"]) == 2

    def test_count_is_the_length_of_the_page_not_the_total(self, project: Project) -> None:
        for name in ("One", "Two", "Three"):
            project.create(name)

        body = project.trending(limit="2")

        assert (body["count"], len(body["results"])) == (2, 2)

    def test_rows_have_the_trending_insight_shape(self, project: Project) -> None:
        project.create("Weekly signups")

        (row,) = project.trending()["results"]

        assert set(row) == TRENDING_KEYS
        assert all(set(viewer) == USER_BASIC_KEYS for viewer in row["viewers"])
        assert set(row["last_modified_by"]) == USER_BASIC_KEYS

    def test_rows_equal_the_basic_list_rows_plus_the_view_fields(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Weekly signups", tags=["growth"], description="Signups by week")
        project.clock.advance(hours=1)
        project.view(report, by=bea)

        (row,) = project.trending()["results"]
        (listed,) = project.listing(basic="true")

        for key in ("view_count", "viewers", "last_modified_by"):
            row.pop(key)
        assert row == listed

    def test_a_fresh_insight_trends_with_its_creator_as_the_only_viewer(
        self, project: Project
    ) -> None:
        created = project.create("Fresh")

        (row,) = project.trending()["results"]

        assert row["id"] == created["id"]
        assert row["view_count"] == 1
        assert row["viewers"] == [created["created_by"]]
        assert row["last_viewed_at"] == "2024-03-15T12:00:00Z"
        assert row["last_modified_by"] == created["last_modified_by"]

    def test_a_project_with_no_views_has_an_empty_trending(self, project: Project) -> None:
        project.never_viewed("Unseen")

        assert project.trending() == EMPTY_TRENDING

    def test_trending_works_under_the_environments_prefix(self, project: Project) -> None:
        project.create("Fresh")

        by_project = project.get_trending()
        by_environment = project.get_trending(prefix="environments")

        assert by_project.status_code == by_environment.status_code == 200
        assert by_environment.json == by_project.json
        assert [row["name"] for row in by_project.json["results"]] == ["Fresh"]


class TestTrendingViewers:
    def test_viewers_are_the_three_latest_newest_first(self, project: Project) -> None:
        members = [project.member(name) for name in ("Bea", "Cid", "Dee", "Eve")]
        report = project.create("Report")
        for member in members:
            project.clock.advance(minutes=1)
            project.view(report, by=member)

        row = project.trending_row(report)

        assert row["view_count"] == 5
        assert [viewer["id"] for viewer in row["viewers"]] == [
            members[3].user_id,
            members[2].user_id,
            members[1].user_id,
        ]

    def test_a_viewer_is_the_members_user_basic(self, project: Project) -> None:
        bea = project.member("Bea")
        expected = project.user_basic(bea)
        report = project.never_viewed("Report")

        project.view(report, by=bea)

        assert project.trending_row(report)["viewers"] == [expected]

    def test_viewers_come_only_from_this_environment(self, project: Project) -> None:
        staging = project.environment()
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.never_viewed("Report")
        project.view(report, by=bea)
        project.clock.advance(minutes=1)
        project.view(report, by=cid, environment=staging)

        in_production = project.trending_row(report)
        in_staging = project.trending_row(report, environment=staging)

        assert in_production["view_count"] == in_staging["view_count"] == 2
        assert [viewer["id"] for viewer in in_production["viewers"]] == [bea.user_id]
        assert [viewer["id"] for viewer in in_staging["viewers"]] == [cid.user_id]

    def test_an_insight_viewed_only_elsewhere_trends_with_no_viewers(
        self, project: Project
    ) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.never_viewed("Report")

        project.view(report, by=bea, environment=staging)

        row = project.trending_row(report)
        assert (row["view_count"], row["viewers"]) == (1, [])

    def test_viewers_come_only_from_within_the_window(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.create("Report")  # Ann
        project.clock.advance(hours=1)
        project.view(report, by=bea)
        project.clock.advance(days=8)
        project.view(report, by=cid)

        recent = project.trending_row(report)
        wide = project.trending(days="30")["results"][0]

        assert [viewer["id"] for viewer in recent["viewers"]] == [cid.user_id]
        assert [viewer["id"] for viewer in wide["viewers"]] == [
            cid.user_id,
            bea.user_id,
            project.ann.user_id,
        ]

    def test_a_member_is_listed_once_at_their_latest_view(self, project: Project) -> None:
        bea, cid = project.member("Bea"), project.member("Cid")
        report = project.never_viewed("Report")
        project.view(report, by=bea)
        project.clock.advance(minutes=1)
        project.view(report, by=cid)
        project.clock.advance(minutes=1)

        project.view(report, by=bea)

        assert [viewer["id"] for viewer in project.trending_row(report)["viewers"]] == [
            bea.user_id,
            cid.user_id,
        ]


class TestTrendingLastViewedAndModified:
    def test_last_viewed_at_is_the_latest_view_by_anyone_in_any_environment(
        self, project: Project
    ) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(hours=5)

        project.view(report, by=bea, environment=staging)

        assert project.trending_row(report)["last_viewed_at"] == "2024-03-15T17:00:00Z"

    def test_last_viewed_at_is_not_the_callers_own_view(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(hours=1)

        project.view(report, by=bea)

        assert project.trending_row(report)["last_viewed_at"] == "2024-03-15T13:00:00Z"

    def test_last_modified_by_is_the_last_member_to_edit_it(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(minutes=1)

        edited = project.patch(report, by=bea, name="Report, edited by Bea")

        row = project.trending_row(report)
        assert row["last_modified_by"] == edited["last_modified_by"]
        assert row["last_modified_by"]["id"] == bea.user_id
        assert row["last_modified_at"] == "2024-03-15T12:01:00Z"
