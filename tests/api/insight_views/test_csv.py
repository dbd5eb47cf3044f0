"""The views of insights as CSV (CONTRACT §4: an array or a paginated response is one row
per item)."""

from __future__ import annotations

import csv
import io

import falcon.testing

from tests.api.insight_views.support import (
    Project,
)

# ---------------------------------------------------------------------------------------------
# ?format=csv (CONTRACT §4: an array or a paginated response is one row per item)


def csv_rows(result: falcon.testing.Result) -> tuple[list[str], list[dict[str, str]]]:
    assert result.status_code == 200, result.text
    assert result.headers["content-type"].startswith("text/csv")
    header, *rows = [line for line in csv.reader(io.StringIO(result.text)) if line]
    return header, [dict(zip(header, row, strict=True)) for row in rows]


class TestCsv:
    def test_my_last_viewed_as_csv_is_one_row_per_insight_newest_first(
        self, project: Project
    ) -> None:
        project.create("Older")
        project.clock.advance(minutes=1)
        project.create("Newer")

        header, rows = csv_rows(
            project.client.simulate_get(
                project.path("insights/my_last_viewed"),
                headers=project.ann.headers,
                params={"format": "csv"},
            )
        )

        assert header == sorted(header)
        assert [(row["name"], row["last_viewed_at"]) for row in rows] == [
            ("Newer", "2024-03-15T12:01:00Z"),
            ("Older", "2024-03-15T12:00:00Z"),
        ]

    def test_trending_as_csv_is_one_row_per_insight_with_flattened_viewers(
        self, project: Project
    ) -> None:
        bea = project.member("Bea")
        report = project.create("Report")
        project.clock.advance(minutes=1)
        project.view(report, by=bea)

        header, rows = csv_rows(project.get_trending(format="csv"))

        assert header == sorted(header)
        (row,) = rows
        assert (row["name"], row["view_count"]) == ("Report", "2")
        assert (row["viewers.0.id"], row["viewers.1.id"]) == (
            str(bea.user_id),
            str(project.ann.user_id),
        )
        assert row["last_modified_by.id"] == str(project.ann.user_id)

    def test_viewed_with_format_csv_still_answers_200_without_a_body(
        self, project: Project
    ) -> None:
        report = project.never_viewed("Report")

        result = project.client.simulate_post(
            project.path("insights/viewed"),
            headers=project.ann.headers,
            params={"format": "csv"},
            json={"insight_ids": [report["id"]]},
        )

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed_names() == ["Report"]
