"""The views of insights: authentication, scopes and other organizations."""

from __future__ import annotations

import falcon.testing
import pytest

from store.tenancy import Tenancy
from tests.api.insight_views.support import (
    EMPTY_TRENDING,
    Project,
)
from tests.bodies import NOT_A_MEMBER, NOT_AUTHENTICATED
from tests.tenants import TenantFactory

MISSING_INSIGHT_READ = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "API key missing required scope 'insight:read'",
    "attr": None,
}


# ---------------------------------------------------------------------------------------------
# Authentication, scopes and other organizations


ROUTES = ("viewed", "my_last_viewed", "trending")


def call(
    project: Project, route: str, headers: dict[str, str], ids: list[int]
) -> falcon.testing.Result:
    path = project.path(f"insights/{route}")
    if route == "viewed":
        return project.client.simulate_post(path, headers=headers, json={"insight_ids": ids})
    return project.client.simulate_get(path, headers=headers)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class TestAccess:
    @pytest.mark.parametrize("route", ROUTES)
    def test_no_credentials_is_401(self, project: Project, route: str) -> None:
        result = call(project, route, {}, [1])

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED

    def test_a_key_in_the_viewed_body_authenticates_its_owner(self, project: Project) -> None:
        bea = project.member("Bea")
        report = project.never_viewed("Report")

        result = project.client.simulate_post(
            project.path("insights/viewed"),
            json={"insight_ids": [report["id"]], "personal_api_key": bea.key},
        )

        assert (result.status_code, result.text) == (200, "")
        assert project.my_last_viewed_names(bea) == ["Report"]
        assert project.my_last_viewed() == []

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("scopes", [["insight:read"], ["insight:write"]])
    def test_insight_read_is_enough(self, project: Project, route: str, scopes: list[str]) -> None:
        report = project.create("Report")

        result = call(project, route, bearer(project.tenant.key_with(scopes)), [report["id"]])

        assert result.status_code == 200, result.text

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("scopes", [["dashboard:read", "element:write"], ["activity_log:read"]])
    def test_a_key_without_insight_read_is_403(
        self, project: Project, route: str, scopes: list[str]
    ) -> None:
        result = call(project, route, bearer(project.tenant.key_with(scopes)), [1])

        assert result.status_code == 403
        assert result.json == MISSING_INSIGHT_READ

    def test_a_key_without_insight_read_records_no_view(self, project: Project) -> None:
        report = project.never_viewed("Report")

        call(project, "viewed", bearer(project.tenant.key_with(["dashboard:read"])), [report["id"]])

        assert project.my_last_viewed() == []

    @pytest.mark.parametrize("route", ROUTES)
    def test_a_key_limited_to_another_project_is_403(self, project: Project, route: str) -> None:
        elsewhere = Tenancy(project.backend).bootstrap(
            email=project.tenant.email,
            first_name="Ann",
            last_name="Tester",
            organization="Ann's other organization",
            project="Ann's other project",
        )
        key = project.tenant.key_with(["insight:read"], projects=[elsewhere.project_id])

        result = call(project, route, bearer(key), [1])

        assert result.status_code == 403
        assert result.json == {
            "type": "authentication_error",
            "code": "permission_denied",
            "detail": f"API key does not have access to the requested project: ID {project.tenant.project_id}.",
            "attr": None,
        }

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    @pytest.mark.parametrize("environment", ["999999999", "staging"])
    def test_an_unknown_or_non_numeric_environment_is_404(
        self, project: Project, route: str, prefix: str, environment: str
    ) -> None:
        path = f"/api/{prefix}/{environment}/insights/{route}"
        if route == "viewed":
            result = project.client.simulate_post(
                path, headers=project.ann.headers, json={"insight_ids": [1]}
            )
        else:
            result = project.client.simulate_get(path, headers=project.ann.headers)

        assert result.status_code == 404
        assert result.json == {
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Project not found.",
            "attr": None,
        }

    @pytest.mark.parametrize("route", ROUTES)
    def test_another_organizations_key_is_403(
        self, project: Project, timed_tenants: TenantFactory, route: str
    ) -> None:
        mallory = timed_tenants.create("Mallory")
        report = project.create("Report")

        result = call(project, route, bearer(mallory.key), [report["id"]])

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER

    @pytest.mark.parametrize("prefix", ["projects", "environments"])
    def test_another_organization_cannot_see_our_views_through_a_second_environment(
        self, project: Project, timed_tenants: TenantFactory, prefix: str
    ) -> None:
        staging = project.environment()
        mallory = timed_tenants.create("Mallory")
        project.create("Report", environment=staging)

        for route in ("my_last_viewed", "trending"):
            result = project.client.simulate_get(
                project.path(f"insights/{route}", staging, prefix), headers=bearer(mallory.key)
            )
            assert result.status_code == 403
            assert result.json == NOT_A_MEMBER

    def test_another_organizations_view_is_not_recorded(
        self, project: Project, timed_tenants: TenantFactory
    ) -> None:
        mallory = timed_tenants.create("Mallory")
        report = project.create("Report")
        project.clock.advance(hours=1)

        call(project, "viewed", bearer(mallory.key), [report["id"]])

        row = project.trending_row(report)
        assert (row["view_count"], row["last_viewed_at"]) == (1, "2024-03-15T12:00:00Z")

    def test_viewing_our_insights_from_their_own_project_records_nothing(
        self, project: Project, timed_tenants: TenantFactory
    ) -> None:
        mallory = timed_tenants.create("Mallory")
        report = project.create("Report")
        project.clock.advance(hours=1)

        result = mallory.post("insights/viewed", json={"insight_ids": [report["id"]]})

        assert (result.status_code, result.text) == (200, "")
        assert mallory.get("insights/my_last_viewed").json == []
        assert mallory.get("insights/trending").json == EMPTY_TRENDING
        assert project.trending_row(report)["view_count"] == 1
