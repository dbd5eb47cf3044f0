"""The personal API key scope vocabulary: parsing and what a set of scopes grants."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInputError
from domain.scopes import grants, parse_scopes


class TestParseScopes:
    def test_every_object_and_action_is_accepted(self) -> None:
        scopes = [
            f"{obj}:{action}"
            for obj in ("insight", "element", "dashboard", "activity_log")
            for action in ("read", "write")
        ]

        assert parse_scopes(scopes) == scopes

    def test_the_wildcard_is_accepted(self) -> None:
        assert parse_scopes(["*"]) == ["*"]

    def test_whitespace_is_trimmed_and_duplicates_dropped_keeping_the_first_order(self) -> None:
        assert parse_scopes([" insight:write", "dashboard:read ", "insight:write"]) == [
            "insight:write",
            "dashboard:read",
        ]

    @pytest.mark.parametrize(
        "scope",
        [
            "insight:delete",
            "feature_flag:read",
            "insight",
            "insight:",
            ":read",
            "Insight:read",
            "**",
        ],
    )
    def test_an_unknown_scope_is_invalid_input_naming_it(self, scope: str) -> None:
        with pytest.raises(InvalidInputError) as raised:
            parse_scopes(["insight:read", scope])

        assert raised.value.detail == f"Invalid scope: {scope}"
        assert raised.value.attr == "scopes"
        assert raised.value.code == "invalid_input"

    def test_no_scope_at_all_is_required_input(self) -> None:
        with pytest.raises(InvalidInputError) as raised:
            parse_scopes([])

        assert raised.value.detail == "At least one scope is required."
        assert (raised.value.attr, raised.value.code) == ("scopes", "required")

    def test_a_blank_scope_is_invalid(self) -> None:
        with pytest.raises(InvalidInputError) as raised:
            parse_scopes(["   "])

        assert raised.value.detail == "Invalid scope: "


class TestGrants:
    @pytest.mark.parametrize("required", ["insight:read", "insight:write", "activity_log:read"])
    def test_the_wildcard_grants_everything(self, required: str) -> None:
        assert grants(["*"], required) is True

    def test_write_implies_read_of_the_same_object(self) -> None:
        assert grants(["insight:write"], "insight:read") is True

    def test_read_does_not_imply_write(self) -> None:
        assert grants(["insight:read"], "insight:write") is False

    def test_a_scope_of_another_object_grants_nothing(self) -> None:
        assert grants(["dashboard:write"], "insight:read") is False

    def test_no_scopes_grant_nothing(self) -> None:
        assert grants([], "element:read") is False
