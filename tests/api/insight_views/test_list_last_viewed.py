"""The insights list's `last_viewed_at`, its filters and its order."""

from __future__ import annotations

from tests.api.insight_views.support import (
    Project,
)

# ---------------------------------------------------------------------------------------------
# The insights list's last_viewed_at, its filters and its order


class TestListLastViewed:
    def test_last_viewed_at_is_the_latest_view_by_anyone(self, project: Project) -> None:
        staging = project.environment()
        bea = project.member("Bea")
        project.create("Report")
        project.clock.advance(hours=2)

        project.view(project.listing()[0]["id"], by=bea, environment=staging)

        assert project.listing()[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"
        assert project.listing(basic="true")[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"

    def test_the_latest_of_several_members_views_wins(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(hours=1)
        project.view(report, by=bea)
        project.clock.advance(hours=1)
        project.view(report)

        assert project.listing()[0]["last_viewed_at"] == "2024-03-15T14:00:00Z"

    def test_retrieve_never_shows_last_viewed_at(self, project: Project) -> None:
        report = project.create("Report")

        retrieved = project.tenant.get(f"insights/{report['id']}").json

        assert retrieved["last_viewed_at"] is None

    def test_last_viewed_date_from_keeps_insights_viewed_after_it(self, project: Project) -> None:
        project.create("Morning")
        project.clock.advance(hours=2)
        project.create("Afternoon")
        project.never_viewed("Unseen")

        assert project.listed_names(last_viewed_date_from="2024-03-15T13:00:00Z") == ["Afternoon"]

    def test_last_viewed_date_to_keeps_insights_viewed_before_it(self, project: Project) -> None:
        project.create("Morning")
        project.clock.advance(hours=2)
        project.create("Afternoon")
        project.never_viewed("Unseen")

        assert project.listed_names(last_viewed_date_to="2024-03-15T13:00:00Z") == ["Morning"]

    def test_both_bounds_keep_insights_viewed_between_them(self, project: Project) -> None:
        for name in ("Eleven", "Twelve", "Thirteen"):
            project.create(name)
            project.clock.advance(hours=1)

        names = project.listed_names(
            last_viewed_date_from="2024-03-15T12:30:00Z", last_viewed_date_to="2024-03-15T13:30:00Z"
        )

        assert names == ["Twelve"]

    def test_the_bounds_are_strict(self, project: Project) -> None:
        project.create("Noon")

        assert project.listed_names(last_viewed_date_from="2024-03-15T12:00:00Z") == []
        assert project.listed_names(last_viewed_date_to="2024-03-15T12:00:00Z") == []

    def test_the_filter_uses_the_latest_view_by_anyone(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(days=3)

        project.view(report, by=bea)

        assert project.listed_names(last_viewed_date_from="2024-03-17T00:00:00Z") == ["Report"]
        assert project.listed_names(last_viewed_date_to="2024-03-17T00:00:00Z") == []

    def test_order_by_last_viewed_at_puts_never_viewed_first(self, project: Project) -> None:
        early = project.create("Early")
        project.clock.advance(minutes=1)
        project.create("Late")
        project.never_viewed("Unseen")
        project.clock.advance(minutes=1)
        project.view(early)  # Early is now the latest viewed

        assert project.listed_names(order="last_viewed_at") == ["Unseen", "Late", "Early"]

    def test_order_by_descending_last_viewed_at_puts_never_viewed_last(
        self, project: Project
    ) -> None:
        early = project.create("Early")
        project.clock.advance(minutes=1)
        project.create("Late")
        project.never_viewed("Unseen")
        project.clock.advance(minutes=1)
        project.view(early)

        assert project.listed_names(order="-last_viewed_at") == ["Early", "Late", "Unseen"]
