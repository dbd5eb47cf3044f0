"""Time travel and revert: what they refuse, and that a refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insight_time_travel.support import (
    BELOW_ONE,
    INT64_MAX,
    NOT_AN_INTEGER,
    UNKNOWN_INSIGHT_ID,
    Story,
    editable,
)
from tests.bodies import NOT_A_MEMBER, NOT_FOUND
from tests.tenants import Tenant

MISSING_INSIGHT_WRITE = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "API key missing required scope 'insight:write'",
    "attr": None,
}


def no_such_version(version: int) -> dict[str, Any]:
    return {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": f"This insight has no version {version}.",
        "attr": "version",
    }


class TestRevertRefusals:
    """Every refused revert leaves the insight, its versions and its activity as they were."""

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({}, {"type": "validation_error", "code": "required",
                  "detail": "This field is required.", "attr": "version"}),
            ({"version": None}, {"type": "validation_error", "code": "null",
                                 "detail": "This field may not be null.", "attr": "version"}),
            ({"version": 0}, BELOW_ONE),
            ({"version": -2}, BELOW_ONE),
            ({"version": "two"}, NOT_AN_INTEGER),
            ({"version": "1.5"}, NOT_AN_INTEGER),
            ({"version": 1.5}, NOT_AN_INTEGER),
            ({"version": True}, NOT_AN_INTEGER),
            ({"version": False}, NOT_AN_INTEGER),
            ({"version": [1]}, NOT_AN_INTEGER),
            ({"version": {"n": 1}}, NOT_AN_INTEGER),
            ({"version": 5}, no_such_version(5)),
            ({"version": INT64_MAX}, no_such_version(INT64_MAX)),
            ({"version": INT64_MAX + 1}, no_such_version(INT64_MAX + 1)),
            # Integers past 64 bits are read exactly (as PostHog's json does): no such version.
            ({"version": 10**30}, no_such_version(10**30)),
            ([{"version": 1}], {"type": "validation_error", "code": "invalid_input",
                                "detail": "Invalid data. Expected a dictionary, but got list.",
                                "attr": None}),
            ("version 1", {"type": "validation_error", "code": "invalid_input",
                           "detail": "Invalid data. Expected a dictionary, but got str.",
                           "attr": None}),
            (1, {"type": "validation_error", "code": "invalid_input",
                 "detail": "Invalid data. Expected a dictionary, but got int.", "attr": None}),
        ],
        ids=[
            "missing", "null", "zero", "negative", "word", "decimal-text", "decimal", "true",
            "false", "list", "object", "never-reached", "int64-max", "past-int64", "past-json-int",
            "body-is-a-list", "body-is-a-string", "body-is-a-number",
        ],
    )  # fmt: skip
    def test_a_bad_body_is_400_and_changes_nothing(
        self, story: Story, body: Any, error: dict[str, Any]
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(story.id, body)

        assert result.status_code == 400
        assert result.json == error
        assert story.project.snapshot(story.id, story.latest) == before

    def test_a_body_that_is_not_json_is_a_parse_error_and_changes_nothing(
        self, story: Story
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(story.id, raw='{"version": 1')

        assert result.status_code == 400
        assert result.json["type"] == "invalid_request"
        assert result.json["code"] == "parse_error"
        assert result.json["attr"] is None
        assert result.json["detail"].startswith("JSON parse error - ")
        assert story.project.snapshot(story.id, story.latest) == before

    def test_a_read_only_key_is_403_and_changes_nothing(self, story: Story) -> None:
        key = story.project.tenant.key_with(["insight:read", "activity_log:read"])
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(
            story.id, {"version": 1}, headers={"Authorization": f"Bearer {key}"}
        )

        assert result.status_code == 403
        assert result.json == MISSING_INSIGHT_WRITE
        assert story.project.snapshot(story.id, story.latest) == before

    def test_an_insight_write_key_may_revert(self, story: Story) -> None:
        key = story.project.tenant.key_with(["insight:write"])

        result = story.project.post_revert(
            story.id, {"version": 1}, headers={"Authorization": f"Bearer {key}"}
        )

        assert result.status_code == 200
        assert editable(result.json) == editable(story.states[0])

    def test_another_organizations_key_is_403_and_changes_nothing(
        self, story: Story, zed: Tenant
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.post_revert(story.id, {"version": 1}, headers=zed.headers)

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER
        assert story.project.snapshot(story.id, story.latest) == before

    def test_another_organization_cannot_revert_through_its_own_project(
        self, story: Story, zed: Tenant
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = zed.client.simulate_post(
            zed.path(f"insights/{story.id}/revert"), headers=zed.headers, json={"version": 1}
        )

        assert result.status_code == 404
        assert result.json == NOT_FOUND
        assert story.project.snapshot(story.id, story.latest) == before

    def test_an_unknown_insight_is_404(self, story: Story) -> None:
        result = story.project.post_revert(UNKNOWN_INSIGHT_ID, {"version": 1})

        assert result.status_code == 404
        assert result.json == NOT_FOUND

    def test_get_on_revert_is_405(self, story: Story) -> None:
        result = story.project.client.simulate_get(
            story.project.path(f"insights/{story.id}/revert"), headers=story.project.ann.headers
        )

        assert result.status_code == 405
        assert result.json == {
            "type": "invalid_request",
            "code": "method_not_allowed",
            "detail": 'Method "GET" not allowed.',
            "attr": None,
        }


class TestTimeTravelRefusalsChangeNothing:
    @pytest.mark.parametrize(
        ("params", "status"),
        [
            ({"version": "0"}, 400),
            ({"version": "abc"}, 400),
            ({"version": "99"}, 404),
            ({"as_of": "yesterday"}, 400),
            ({"as_of": "2026-03-01T00:00:00Z"}, 404),
            ({"version": "1", "as_of": "2026-03-02T10:00:00Z"}, 400),
        ],
    )
    def test_a_refused_time_travel_read_changes_nothing(
        self, story: Story, params: dict[str, Any], status: int
    ) -> None:
        before = story.project.snapshot(story.id, story.latest)

        result = story.project.get_insight(story.id, **params)

        assert result.status_code == status
        assert story.project.snapshot(story.id, story.latest) == before
