"""`GET …/insights/{id}?version=N`, of live and of deleted insights."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.insight_time_travel.support import (
    BELOW_ONE,
    INT64_MAX,
    NOT_AN_INTEGER,
    TRENDS,
    UNKNOWN_INSIGHT_ID,
    Story,
    iso,
)
from tests.bodies import NOT_A_MEMBER, NOT_FOUND
from tests.tenants import Tenant

MISSING_INSIGHT_READ = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "API key missing required scope 'insight:read'",
    "attr": None,
}


# ---------------------------------------------------------------------------------------------
# GET …/insights/{id}?version=N


class TestVersion:
    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    @pytest.mark.parametrize("by", ["id", "short_id"])
    def test_every_version_is_the_full_shape_the_write_that_made_it_answered(
        self, story: Story, prefix: str, by: str
    ) -> None:
        key = story.id if by == "id" else story.short_id
        for version, state in enumerate(story.states, start=1):
            result = story.project.get_insight(key, prefix=prefix, version=str(version))

            assert result.status_code == 200, (version, result.text)
            assert result.json == state, f"version {version}"

    def test_version_1_is_the_created_state(self, story: Story) -> None:
        first = story.project.version(story.id, 1)

        assert first["name"] == "Weekly signups"
        assert first["description"] == "Signups per ISO week"
        assert first["tags"] == ["growth"]
        assert first["query"] == TRENDS
        assert first["favorited"] is False
        assert first["dashboards"] == [story.launch]
        assert first["deleted"] is False
        assert first["created_at"] == iso(story.times[0])
        assert first["created_by"]["id"] == story.project.ann.user_id
        assert first["last_modified_at"] == iso(story.times[0])
        assert first["last_modified_by"]["id"] == story.project.ann.user_id

    def test_last_modified_is_as_it_was_then_and_created_never_changes(self, story: Story) -> None:
        ann, bea = story.project.ann.user_id, story.bea.user_id
        expected = [
            # (last_modified_at, last_modified_by) after each version
            (story.times[0], ann),
            (story.times[1], bea),
            (story.times[1], bea),  # v3 changed no material field (reference §6.4)
            (story.times[3], ann),
        ]
        for version, (at, by) in enumerate(expected, start=1):
            past = story.project.version(story.id, version)

            assert (past["last_modified_at"], past["last_modified_by"]["id"]) == (iso(at), by)
            assert past["created_at"] == iso(story.times[0])
            assert past["created_by"]["id"] == ann

    def test_each_version_shows_the_dashboards_it_was_on_then(self, story: Story) -> None:
        on = [story.project.version(story.id, n)["dashboards"] for n in range(1, 5)]

        assert on == [[story.launch], [story.launch], [story.board], [story.board]]

    def test_the_latest_version_equals_the_current_insight(self, story: Story) -> None:
        latest = story.project.version(story.id, story.latest)

        assert latest == story.project.current(story.id)

    def test_basic_gives_the_basic_shape_of_a_version(self, story: Story) -> None:
        full = story.project.version(story.id, 2)
        basic = story.project.version(story.id, 2, basic="true")

        assert "deleted" not in basic and "last_modified_by" not in basic
        assert basic["name"] == "Weekly sign-ups"
        assert {key: full[key] for key in basic} == basic

    def test_a_version_after_the_latest_is_404(self, story: Story) -> None:
        result = story.project.get_insight(story.id, version=str(story.latest + 1))

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_version_after_the_latest_is_404_by_short_id_under_environments(
        self, story: Story
    ) -> None:
        result = story.project.get_insight(
            story.short_id, prefix="environments", version=str(story.latest + 1)
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize("version", [INT64_MAX, INT64_MAX + 1, 10**30])
    def test_a_version_far_past_the_latest_is_404_not_a_server_error(
        self, story: Story, version: int
    ) -> None:
        result = story.project.get_insight(story.id, version=str(version))

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    @pytest.mark.parametrize(
        ("value", "error"),
        [
            ("0", BELOW_ONE),
            ("-1", BELOW_ONE),
            ("abc", NOT_AN_INTEGER),
            ("1.5", NOT_AN_INTEGER),
            ("true", NOT_AN_INTEGER),
            ("", NOT_AN_INTEGER),
        ],
    )
    def test_a_version_that_is_not_a_positive_integer_is_400(
        self, story: Story, value: str, error: dict[str, Any]
    ) -> None:
        result = story.project.get_insight(story.id, version=value)

        assert result.status_code == 400
        assert result.json == error

    def test_an_unknown_insight_is_404_at_any_version(self, story: Story) -> None:
        result = story.project.get_insight(UNKNOWN_INSIGHT_ID, version="1")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_another_projects_insight_is_404_at_any_version(
        self, story: Story, zed: Tenant
    ) -> None:
        theirs = zed.create_insight(name="Zed's churn")

        result = story.project.get_insight(theirs["id"], version="1")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_key_without_insight_read_cannot_read_a_version(self, story: Story) -> None:
        key = story.project.tenant.key_with(["activity_log:read"])

        result = story.project.get_insight(
            story.id, headers={"Authorization": f"Bearer {key}"}, version="1"
        )

        assert result.status_code == 403
        assert result.json == MISSING_INSIGHT_READ

    def test_an_insight_read_key_can_read_a_version(self, story: Story) -> None:
        key = story.project.tenant.key_with(["insight:read"])

        result = story.project.get_insight(
            story.id, headers={"Authorization": f"Bearer {key}"}, version="1"
        )

        assert result.status_code == 200
        assert result.json["name"] == "Weekly signups"

    def test_another_organizations_member_cannot_read_a_version(
        self, story: Story, zed: Tenant
    ) -> None:
        result = story.project.get_insight(story.id, headers=zed.headers, version="1")

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER


class TestVersionOfDeletedInsights:
    """Decision (contract silent): a soft-deleted insight is 404 at every version, as its
    retrieve and its activity page are (reference §7.3, §7.11); once restored, the versions
    from its deleted time read as they were, `deleted: true` included."""

    def test_a_deleted_insight_is_404_at_a_version_before_its_deletion(self, story: Story) -> None:
        story.project.patch(story.id, deleted=True)

        result = story.project.get_insight(story.id, version="1")

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_deleted_insight_is_404_as_of_an_instant_before_its_deletion(
        self, story: Story
    ) -> None:
        story.project.patch(story.id, deleted=True)

        result = story.project.get_insight(story.id, as_of=iso(story.times[1]))

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_a_restored_insight_shows_its_deleted_version_as_deleted_and_off_dashboards(
        self, story: Story
    ) -> None:
        story.project.at(story.times[3] + timedelta(hours=1))
        deleted = story.project.patch(story.id, deleted=True)
        story.project.at(story.times[3] + timedelta(hours=2))
        story.project.patch(story.id, deleted=False)

        at_deletion = story.project.version(story.id, 5)

        assert at_deletion["deleted"] is True
        assert at_deletion["dashboards"] == []
        assert at_deletion["name"] == "Sign-up funnel"
        assert at_deletion == deleted
        assert story.project.version(story.id, 6)["deleted"] is False
        assert story.project.version(story.id, 4)["dashboards"] == [story.board]
