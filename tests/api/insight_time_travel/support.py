"""A project whose clock the test sets, and the story of one insight in it; the bodies and
errors the time travel and revert tests compare with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing

from tests.clock import Clock
from tests.tenants import Member, Tenant

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
TRENDS = {
    "kind": "InsightVizNode",
    "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "signed_up"}]},
}
FUNNELS = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "FunnelsQuery",
        "series": [
            {"kind": "EventsNode", "event": "signed_up"},
            {"kind": "EventsNode", "event": "paid"},
        ],
    },
}
# What an insight says (reference §5.4 writable fields), without `deleted`, which a revert
# leaves alone; `dashboard_tiles` follows `dashboards`.
EDITABLE_KEYS = (
    "name",
    "derived_name",
    "description",
    "query",
    "filters",
    "order",
    "favorited",
    "saved",
    "tags",
    "dashboards",
    "dashboard_tiles",
)
UNKNOWN_INSIGHT_ID = 9_000_000_000_000
INT64_MAX = 2**63 - 1
NOT_AN_INTEGER = {
    "type": "validation_error",
    "code": "invalid_input",
    "detail": "A valid integer is required.",
    "attr": "version",
}
BELOW_ONE = {
    "type": "validation_error",
    "code": "min_value",
    "detail": "Ensure this value is greater than or equal to 1.",
    "attr": "version",
}


def iso(instant: datetime) -> str:
    """CONTRACT §4: ISO-8601 UTC ending in Z, no fraction when it is zero."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{instant.microsecond:06d}Z" if instant.microsecond else f"{text}Z"


def editable(shape: dict[str, Any]) -> dict[str, Any]:
    return {key: shape[key] for key in EDITABLE_KEYS}


# ---------------------------------------------------------------------------------------------
# A project whose clock the test sets, and the story of one insight in it


@dataclass
class Project:
    """Ann's project on a backend whose clock the test sets."""

    tenant: Tenant
    clock: Clock

    @property
    def client(self) -> falcon.testing.TestClient:
        return self.tenant.client

    @property
    def ann(self) -> Member:
        return Member("Ann", self.tenant.user_id, self.tenant.key)

    def member(self, first_name: str) -> Member:
        user_id, key = self.tenant.add_member(first_name)
        return Member(first_name, user_id, key)

    def path(self, suffix: str, prefix: str = "projects") -> str:
        return f"/api/{prefix}/{self.tenant.project_id}/{suffix}"

    # Raw calls -------------------------------------------------------------------------------

    def get_insight(
        self,
        key: int | str,
        *,
        prefix: str = "projects",
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> falcon.testing.Result:
        return self.client.simulate_get(
            self.path(f"insights/{key}", prefix),
            headers=headers or self.ann.headers,
            params=params,
        )

    def post_revert(
        self,
        key: int | str,
        body: Any = None,
        *,
        raw: str | None = None,
        prefix: str = "projects",
        headers: dict[str, str] | None = None,
    ) -> falcon.testing.Result:
        path = self.path(f"insights/{key}/revert", prefix)
        headers = headers or self.ann.headers
        if raw is not None:
            return self.client.simulate_post(
                path, headers={**headers, "Content-Type": "application/json"}, body=raw
            )
        return self.client.simulate_post(path, headers=headers, json=body)

    # Checked calls ---------------------------------------------------------------------------

    def at(self, instant: datetime) -> None:
        self.clock.set(instant)

    def create_dashboard(self, name: str) -> int:
        return int(self.tenant.create_dashboard(name=name)["id"])

    def delete_dashboard(self, dashboard_id: int) -> None:
        result = self.tenant.patch(f"dashboards/{dashboard_id}", json={"deleted": True})
        assert result.status_code == 200, result.text

    def create(self, by: Member | None = None, **fields: Any) -> dict[str, Any]:
        result = self.client.simulate_post(
            self.path("insights"), headers=(by or self.ann).headers, json=fields
        )
        assert result.status_code == 201, result.text
        return dict(result.json)

    def patch(self, insight_id: int, by: Member | None = None, **fields: Any) -> dict[str, Any]:
        result = self.client.simulate_patch(
            self.path(f"insights/{insight_id}"), headers=(by or self.ann).headers, json=fields
        )
        assert result.status_code == 200, result.text
        return dict(result.json)

    def current(self, insight_id: int) -> dict[str, Any]:
        result = self.get_insight(insight_id)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def version(self, insight_id: int | str, version: int, **params: str) -> dict[str, Any]:
        query: dict[str, Any] = {"version": str(version), **params}
        result = self.get_insight(insight_id, **query)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def revert(self, insight_id: int | str, version: int, **kwargs: Any) -> dict[str, Any]:
        result = self.post_revert(insight_id, {"version": version}, **kwargs)
        assert result.status_code == 200, result.text
        return dict(result.json)

    def activity(self, insight_id: int, **params: str) -> list[dict[str, Any]]:
        result = self.client.simulate_get(
            self.path(f"insights/{insight_id}/activity"), headers=self.ann.headers, params=params
        )
        assert result.status_code == 200, result.text
        return list(result.json["results"])

    def snapshot(self, insight_id: int, versions: int) -> dict[str, Any]:
        """Everything a client can read of the insight: its current shape, every version, and
        proof that there is no version after `versions`."""
        after = self.get_insight(insight_id, version=str(versions + 1))
        return {
            "current": self.current(insight_id),
            "versions": [self.version(insight_id, n) for n in range(1, versions + 1)],
            "next version": (after.status_code, after.json),
            "activity": self.activity(insight_id, limit="50"),
        }


@dataclass
class Story:
    """The history of "Weekly signups" in Ann's project.

    v1 09:00 Ann creates it: trends of signed_up, tagged growth, on the Launch dashboard.
    v2 10:00 Bea renames it and rewrites its description (material: last modified by Bea).
    v3 11:00 Ann turns it into a funnel, tags it kpi, favourites it and moves it to the Board
             dashboard (not material: last modified stays Bea at 10:00).
    v4 12:00 Ann renames it "Sign-up funnel" and clears its description.
    """

    project: Project
    bea: Member
    launch: int
    board: int
    times: list[datetime]
    states: list[dict[str, Any]] = field(default_factory=list)
    """The API's answer to the write that made each version, in order (index 0 = version 1)."""

    @property
    def id(self) -> int:
        return int(self.states[0]["id"])

    @property
    def short_id(self) -> str:
        return str(self.states[0]["short_id"])

    @property
    def latest(self) -> int:
        return len(self.states)


def tell_story(project: Project) -> Story:
    bea = project.member("Bea")
    project.at(START)
    launch = project.create_dashboard("Launch")
    board = project.create_dashboard("Board")
    times = [START + timedelta(hours=hour) for hour in range(4)]
    story = Story(project=project, bea=bea, launch=launch, board=board, times=times)

    project.at(times[0])
    story.states.append(
        project.create(
            name="Weekly signups",
            description="Signups per ISO week",
            tags=["growth"],
            query=TRENDS,
            dashboards=[launch],
        )
    )
    project.at(times[1])
    story.states.append(
        project.patch(
            story.id, by=bea, name="Weekly sign-ups", description="Sign-ups, Monday to Sunday"
        )
    )
    project.at(times[2])
    story.states.append(
        project.patch(
            story.id, tags=["growth", "kpi"], query=FUNNELS, favorited=True, dashboards=[board]
        )
    )
    project.at(times[3])
    story.states.append(project.patch(story.id, name="Sign-up funnel", description=None))
    project.at(times[3] + timedelta(hours=1))
    return story
