"""`GET …/insights/trending`: `limit` and `offset`, and the parameters it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.insight_views.support import (
    EMPTY_TRENDING,
    Project,
)
from tests.bodies import validation_error


class TestTrendingPaging:
    def test_the_default_limit_is_ten(self, project: Project) -> None:
        for number in range(11):
            project.clock.advance(minutes=1)
            project.create(f"Chart {number:02d}")

        names = project.trending_names()

        assert names == [f"Chart {number:02d}" for number in range(10, 0, -1)]

    def test_limit_takes_the_first_n(self, project: Project) -> None:
        for name in ("Alpha", "Bravo", "Charlie", "Delta"):
            project.clock.advance(minutes=1)
            project.create(name)

        assert project.trending_names(limit="2") == ["Delta", "Charlie"]

    def test_offset_skips_the_first_n(self, project: Project) -> None:
        for name in ("Alpha", "Bravo", "Charlie", "Delta"):
            project.clock.advance(minutes=1)
            project.create(name)

        assert project.trending_names(limit="2", offset="1") == ["Charlie", "Bravo"]
        assert project.trending_names(offset="3") == ["Alpha"]

    def test_an_offset_past_the_end_is_an_empty_page(self, project: Project) -> None:
        project.create("Only")

        assert project.trending(offset="1") == EMPTY_TRENDING

    def test_limit_zero_is_an_empty_page(self, project: Project) -> None:
        project.create("Only")

        assert project.trending(limit="0") == EMPTY_TRENDING

    def test_limit_is_capped_at_one_hundred(self, project: Project) -> None:
        for number in range(101):
            project.clock.advance(seconds=1)
            project.create(f"Chart {number:03d}")

        capped = project.trending(limit="1000")
        rest = project.trending(limit="1000", offset="100")

        assert capped["count"] == 100
        assert [row["name"] for row in capped["results"]] == [
            f"Chart {number:03d}" for number in range(100, 0, -1)
        ]
        assert [row["name"] for row in rest["results"]] == ["Chart 000"]

    def test_a_huge_limit_is_capped_too(self, project: Project) -> None:
        project.create("Only")

        assert project.trending_names(limit=str(10**30)) == ["Only"]

    def test_a_huge_offset_is_an_empty_page_not_a_server_error(self, project: Project) -> None:
        # CONTRACT §4: never a 500 for a client mistake; §5: trending honours offset.
        project.create("Only")

        result = project.get_trending(offset=str(2**63))

        assert result.status_code == 200
        assert result.json == EMPTY_TRENDING


class TestTrendingValidation:
    @pytest.mark.parametrize("parameter", ["days", "limit", "offset"])
    @pytest.mark.parametrize("value", ["soon", "1.5", "", "1e3", "0x10"])
    def test_a_non_integer_parameter_is_400_naming_it(
        self, project: Project, parameter: str, value: str
    ) -> None:
        query: dict[str, Any] = {parameter: value}
        result = project.get_trending(**query)

        assert result.status_code == 400
        assert result.json == validation_error(parameter, "A valid integer is required.")

    @pytest.mark.parametrize("parameter", ["days", "limit", "offset"])
    def test_a_decimal_with_a_zero_fraction_is_not_an_integer(
        self, project: Project, parameter: str
    ) -> None:
        # Reference §7.9: PostHog parses with int(), which refuses "7.0" (CONTRACT §7: a
        # non-integer days/limit/offset is a 400 with attr).
        query: dict[str, Any] = {parameter: "7.0"}
        result = project.get_trending(**query)

        assert result.status_code == 400
        assert result.json == validation_error(parameter, "A valid integer is required.")

    @pytest.mark.parametrize("parameter", ["limit", "offset"])
    def test_a_negative_limit_or_offset_is_400_naming_it(
        self, project: Project, parameter: str
    ) -> None:
        query: dict[str, Any] = {parameter: "-1"}
        result = project.get_trending(**query)

        assert result.status_code == 400
        assert result.json == validation_error(
            parameter, "Ensure this value is greater than or equal to 0.", code="min_value"
        )
