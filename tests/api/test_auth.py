"""Personal API keys, scopes and project access (CONTRACT §2-§3; reference auth §2.3, §4, §6.6)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

import falcon.testing
import psycopg
import pytest

from api.app import create_app
from store.backend import Backend
from store.config import DatabaseUrl
from store.keys import Keys
from store.tenancy import Tenancy
from tests.bodies import (
    NOT_A_MEMBER,
    NOT_AUTHENTICATED,
    PROJECT_NOT_FOUND,
    invalid_key,
    missing_scope,
    no_project_access,
)
from tests.tenants import Tenant, TenantFactory


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def unknown_key(tenant: Tenant) -> str:
    """A well-formed key that was never issued: the tenant's key with its last character changed."""
    last = tenant.key[-1]
    return tenant.key[:-1] + ("a" if last != "a" else "b")


def call(
    tenant: Tenant,
    method: str,
    suffix: str,
    *,
    key: str | None = None,
    prefix: str = "projects",
    project_id: int | None = None,
    **kwargs: Any,
) -> falcon.testing.Result:
    """A request to `suffix` of the tenant's project (or `project_id`), as the holder of `key`."""
    target = tenant.project_id if project_id is None else project_id
    headers = kwargs.pop("headers", {})
    if key is not None:
        headers = {**headers, **bearer(key)}
    return tenant.client.simulate_request(
        method, f"/api/{prefix}/{target}/{suffix}", headers=headers, **kwargs
    )


def insight_names(tenant: Tenant) -> list[str]:
    result = tenant.get("insights")
    assert result.status_code == 200, result.text
    return [item["name"] for item in result.json["results"]]


class TestHead:
    @pytest.mark.parametrize("suffix", ["insights", "insights/{id}", "elements/stats"])
    def test_head_answers_the_get_headers_without_the_body(
        self, tenant: Tenant, suffix: str
    ) -> None:
        suffix = suffix.format(id=tenant.create_insight(name="Heads up")["id"])
        got = call(tenant, "GET", suffix, key=tenant.key)

        head = call(tenant, "HEAD", suffix, key=tenant.key)

        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == str(len(got.content))
        assert head.headers["content-type"] == got.headers["content-type"]

    def test_head_checks_the_key_and_scope_of_the_get(self, tenant: Tenant) -> None:
        no_key = call(tenant, "HEAD", "insights")
        elements_only = call(tenant, "HEAD", "insights", key=tenant.key_with(["element:read"]))

        assert (no_key.status_code, no_key.content) == (401, b"")
        assert (elements_only.status_code, elements_only.content) == (403, b"")

    def test_head_on_a_route_without_get_is_405(self, tenant: Tenant) -> None:
        result = call(tenant, "HEAD", "insights/viewed", key=tenant.key)

        assert result.status_code == 405


class TestWhereTheKeyIsSent:
    def test_a_bearer_header_authenticates(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Header hello")

        result = call(tenant, "GET", "insights", key=tenant.key)

        assert result.status_code == 200
        assert [item["name"] for item in result.json["results"]] == ["Header hello"]

    def test_whitespace_around_the_bearer_token_is_ignored(self, tenant: Tenant) -> None:
        result = call(
            tenant, "GET", "insights", headers={"Authorization": f"Bearer   {tenant.key}  "}
        )

        assert result.status_code == 200

    def test_a_key_in_the_json_body_authenticates_as_its_owner(self, tenant: Tenant) -> None:
        result = call(
            tenant, "POST", "insights", json={"name": "Body bound", "personal_api_key": tenant.key}
        )

        assert result.status_code == 201, result.text
        assert result.json["created_by"]["id"] == tenant.user_id
        assert insight_names(tenant) == ["Body bound"]

    def test_a_key_in_the_json_body_of_a_get_authenticates(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Body of a read")

        result = call(tenant, "GET", "insights", json={"personal_api_key": tenant.key})

        assert result.status_code == 200, result.text
        assert [item["name"] for item in result.json["results"]] == ["Body of a read"]

    def test_a_key_in_the_query_string_authenticates(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Query quail")

        result = call(tenant, "GET", "insights", params={"personal_api_key": tenant.key})

        assert result.status_code == 200
        assert [item["name"] for item in result.json["results"]] == ["Query quail"]

    def test_a_valid_header_wins_over_a_bad_query_key(self, tenant: Tenant) -> None:
        result = call(
            tenant, "GET", "insights", key=tenant.key, params={"personal_api_key": "phx_bogus"}
        )

        assert result.status_code == 200

    def test_a_valid_header_wins_over_a_bad_body_key(self, tenant: Tenant) -> None:
        result = call(
            tenant,
            "POST",
            "insights",
            key=tenant.key,
            json={"name": "Header first", "personal_api_key": "phx_bogus"},
        )

        assert result.status_code == 201, result.text

    def test_a_valid_body_key_wins_over_a_bad_query_key(self, tenant: Tenant) -> None:
        result = call(
            tenant,
            "POST",
            "insights",
            json={"name": "Body first", "personal_api_key": tenant.key},
            params={"personal_api_key": "phx_bogus"},
        )

        assert result.status_code == 201, result.text

    def test_a_bad_header_is_not_rescued_by_a_valid_query_key(self, tenant: Tenant) -> None:
        result = call(
            tenant,
            "GET",
            "insights",
            key=unknown_key(tenant),
            params={"personal_api_key": tenant.key},
        )

        assert result.status_code == 401
        assert result.json == invalid_key("Authorization header")

    def test_a_bad_body_key_is_not_rescued_by_a_valid_query_key(self, tenant: Tenant) -> None:
        result = call(
            tenant,
            "POST",
            "insights",
            json={"name": "Never saved", "personal_api_key": unknown_key(tenant)},
            params={"personal_api_key": tenant.key},
        )

        assert result.status_code == 401
        assert result.json == invalid_key("body")
        assert insight_names(tenant) == []

    def test_a_non_bearer_authorization_header_is_not_a_credential(self, tenant: Tenant) -> None:
        result = call(
            tenant,
            "GET",
            "insights",
            headers={"Authorization": "Basic YW5uOnNlY3JldA=="},
            params={"personal_api_key": tenant.key},
        )

        assert result.status_code == 200

    def test_the_bearer_scheme_word_is_case_sensitive(self, tenant: Tenant) -> None:
        result = call(tenant, "GET", "insights", headers={"Authorization": f"bearer {tenant.key}"})

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED

    def test_an_empty_query_key_is_no_credential(self, tenant: Tenant) -> None:
        result = call(tenant, "GET", "insights", params={"personal_api_key": ""})

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED

    def test_a_body_that_is_not_json_leaves_the_query_key_in_charge(self, tenant: Tenant) -> None:
        result = call(
            tenant,
            "POST",
            "insights",
            body="name=Not+json",
            headers={"Content-Type": "application/json"},
            params={"personal_api_key": tenant.key},
        )

        assert result.status_code == 400
        assert result.json["type"] == "invalid_request"
        assert result.json["code"] == "parse_error"


class TestMissingOrBadCredentials:
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("GET", "insights"), ("POST", "insights"), ("GET", "dashboards"), ("POST", "dashboards")],
    )
    def test_no_credentials_is_401_not_authenticated(
        self, tenant: Tenant, method: str, suffix: str
    ) -> None:
        result = call(tenant, method, suffix, json={"name": "Anonymous"})

        assert result.status_code == 401
        assert result.json == NOT_AUTHENTICATED

    def test_an_unknown_key_in_the_header_is_401_authentication_failed(
        self, tenant: Tenant
    ) -> None:
        result = call(tenant, "GET", "insights", key=unknown_key(tenant))

        assert result.status_code == 401
        assert result.json == invalid_key("Authorization header")

    def test_an_unknown_key_in_the_body_is_401_authentication_failed(self, tenant: Tenant) -> None:
        result = call(
            tenant,
            "POST",
            "insights",
            json={"name": "Nope", "personal_api_key": unknown_key(tenant)},
        )

        assert result.status_code == 401
        assert result.json == invalid_key("body")

    def test_an_unknown_key_in_the_query_string_is_401_authentication_failed(
        self, tenant: Tenant
    ) -> None:
        result = call(tenant, "GET", "insights", params={"personal_api_key": unknown_key(tenant)})

        assert result.status_code == 401
        assert result.json == invalid_key("query string")

    def test_a_bearer_token_without_the_phx_prefix_is_still_checked(self, tenant: Tenant) -> None:
        result = call(tenant, "GET", "insights", key=tenant.key.removeprefix("phx_"))

        assert result.status_code == 401
        assert result.json == invalid_key("Authorization header")

    def test_credentials_are_checked_before_the_project_is_looked_up(self, tenant: Tenant) -> None:
        anonymous = call(tenant, "GET", "insights", project_id=987_654_321)
        bad_key = call(tenant, "GET", "insights", key=unknown_key(tenant), project_id=987_654_321)

        assert (anonymous.status_code, anonymous.json) == (401, NOT_AUTHENTICATED)
        assert (bad_key.status_code, bad_key.json) == (401, invalid_key("Authorization header"))

    def test_a_refused_write_stores_nothing(self, tenant: Tenant) -> None:
        result = call(tenant, "POST", "insights", key=unknown_key(tenant), json={"name": "Ghost"})

        assert result.status_code == 401
        assert insight_names(tenant) == []


class TestRevokedKeys:
    def test_a_revoked_key_stops_working_immediately(self, tenant: Tenant) -> None:
        created = Keys(tenant.backend).create(email=tenant.email, scopes=["*"], label="doomed")
        assert call(tenant, "GET", "insights", key=created.raw_key).status_code == 200

        assert Keys(tenant.backend).revoke(created.id) is True
        result = call(tenant, "GET", "insights", key=created.raw_key)

        assert result.status_code == 401
        assert result.json == invalid_key("Authorization header")

    def test_a_revoked_key_is_refused_in_the_body_and_query_string_too(
        self, tenant: Tenant
    ) -> None:
        created = Keys(tenant.backend).create(email=tenant.email, scopes=["*"], label="doomed")
        Keys(tenant.backend).revoke(created.id)

        in_body = call(
            tenant, "POST", "insights", json={"name": "Zombie", "personal_api_key": created.raw_key}
        )
        in_query = call(tenant, "GET", "insights", params={"personal_api_key": created.raw_key})

        assert (in_body.status_code, in_body.json) == (401, invalid_key("body"))
        assert (in_query.status_code, in_query.json) == (401, invalid_key("query string"))
        assert insight_names(tenant) == []

    def test_revoking_one_key_leaves_the_owners_other_keys_working(self, tenant: Tenant) -> None:
        doomed = Keys(tenant.backend).create(email=tenant.email, scopes=["*"], label="doomed")

        Keys(tenant.backend).revoke(doomed.id)

        assert call(tenant, "GET", "insights", key=tenant.key).status_code == 200


class TestScopes:
    # (method, route, required scope); `{insight}` and `{dashboard}` are filled per test.
    ROUTES: ClassVar[list[tuple[str, str, str]]] = [
        ("GET", "insights", "insight:read"),
        ("GET", "insights/{insight}", "insight:read"),
        ("POST", "insights", "insight:write"),
        ("PATCH", "insights/{insight}", "insight:write"),
        ("PUT", "insights/{insight}", "insight:write"),
        ("DELETE", "insights/{insight}", "insight:write"),
        ("GET", "dashboards", "dashboard:read"),
        ("GET", "dashboards/{dashboard}", "dashboard:read"),
        ("POST", "dashboards", "dashboard:write"),
        ("PATCH", "dashboards/{dashboard}", "dashboard:write"),
    ]
    OBJECTS = ("insight", "dashboard", "element", "activity_log")

    @staticmethod
    def _fill(tenant: Tenant, route: str) -> str:
        if "{insight}" in route:
            route = route.replace(
                "{insight}", str(tenant.create_insight(name="Scoped sparrow")["id"])
            )
        if "{dashboard}" in route:
            route = route.replace(
                "{dashboard}", str(tenant.create_dashboard(name="Scoped board")["id"])
            )
        return route

    @pytest.mark.parametrize(("method", "route", "scope"), ROUTES)
    def test_a_key_without_the_routes_scope_is_refused(
        self, tenant: Tenant, method: str, route: str, scope: str
    ) -> None:
        obj, _, action = scope.partition(":")
        others = [f"{other}:write" for other in self.OBJECTS if other != obj]
        # A read key of the same object when writing: read never implies write.
        held = [*others, f"{obj}:read"] if action == "write" else others
        key = tenant.key_with(held)

        result = call(tenant, method, self._fill(tenant, route), key=key, json={"name": "Refused"})

        assert result.status_code == 403
        assert result.json == missing_scope(scope)

    @pytest.mark.parametrize(("method", "route", "scope"), ROUTES)
    def test_a_key_with_exactly_the_routes_scope_is_let_through(
        self, tenant: Tenant, method: str, route: str, scope: str
    ) -> None:
        key = tenant.key_with([scope])

        result = call(tenant, method, self._fill(tenant, route), key=key, json={"name": "Allowed"})

        expected = {"GET": 200, "POST": 201, "PATCH": 200, "PUT": 200, "DELETE": 405}[method]
        assert result.status_code == expected, result.text

    @pytest.mark.parametrize(("method", "route", "scope"), ROUTES)
    def test_a_star_key_is_let_through_everywhere(
        self, tenant: Tenant, method: str, route: str, scope: str
    ) -> None:
        result = call(
            tenant, method, self._fill(tenant, route), key=tenant.key, json={"name": "Star"}
        )

        expected = {"GET": 200, "POST": 201, "PATCH": 200, "PUT": 200, "DELETE": 405}[method]
        assert result.status_code == expected, result.text

    def test_insight_write_implies_insight_read(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Writer reads")
        key = tenant.key_with(["insight:write"])

        listed = call(tenant, "GET", "insights", key=key)
        retrieved = call(tenant, "GET", f"insights/{created['short_id']}", key=key)

        assert listed.status_code == 200
        assert [item["name"] for item in listed.json["results"]] == ["Writer reads"]
        assert retrieved.status_code == 200
        assert retrieved.json["id"] == created["id"]

    def test_dashboard_write_implies_dashboard_read(self, tenant: Tenant) -> None:
        board = tenant.create_dashboard(name="Writer's board")
        key = tenant.key_with(["dashboard:write"])

        result = call(tenant, "GET", f"dashboards/{board['id']}", key=key)

        assert result.status_code == 200
        assert result.json["name"] == "Writer's board"

    def test_insight_write_does_not_grant_dashboards(self, tenant: Tenant) -> None:
        key = tenant.key_with(["insight:write"])

        result = call(tenant, "GET", "dashboards", key=key)

        assert result.status_code == 403
        assert result.json == missing_scope("dashboard:read")

    def test_a_key_with_several_scopes_gets_each_of_them_and_no_more(self, tenant: Tenant) -> None:
        key = tenant.key_with(["insight:read", "dashboard:write"])

        assert call(tenant, "GET", "insights", key=key).status_code == 200
        assert (
            call(tenant, "POST", "dashboards", key=key, json={"name": "Mixed"}).status_code == 201
        )
        refused = call(tenant, "POST", "insights", key=key, json={"name": "Mixed"})
        assert (refused.status_code, refused.json) == (403, missing_scope("insight:write"))

    def test_delete_checks_insight_write_before_answering_405(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Undeletable")

        reader = call(
            tenant, "DELETE", f"insights/{created['id']}", key=tenant.key_with(["insight:read"])
        )
        writer = call(
            tenant, "DELETE", f"insights/{created['id']}", key=tenant.key_with(["insight:write"])
        )

        assert (reader.status_code, reader.json) == (403, missing_scope("insight:write"))
        assert writer.status_code == 405
        assert writer.content == b""

    def test_the_scope_is_checked_before_the_insight_is_looked_up(self, tenant: Tenant) -> None:
        result = call(
            tenant, "PATCH", "insights/999999999", key=tenant.key_with(["insight:read"]), json={}
        )

        assert result.status_code == 403
        assert result.json == missing_scope("insight:write")

    def test_the_scope_is_checked_before_membership(self, tenants: TenantFactory) -> None:
        owner = tenants.create("Olga")
        outsider = tenants.create("Oscar")

        result = call(owner, "GET", "insights", key=outsider.key_with(["dashboard:read"]))

        assert result.status_code == 403
        assert result.json == missing_scope("insight:read")

    def test_a_refused_write_changes_nothing(self, tenant: Tenant) -> None:
        created = tenant.create_insight(name="Steadfast")

        result = call(
            tenant,
            "PATCH",
            f"insights/{created['id']}",
            key=tenant.key_with(["insight:read"]),
            json={"name": "Vandalised"},
        )

        assert result.status_code == 403
        assert insight_names(tenant) == ["Steadfast"]


class TestProjectLimitedKeys:
    def test_a_key_limited_to_another_project_is_refused_naming_the_project(
        self, tenant: Tenant, second_project: int
    ) -> None:
        key = tenant.key_with(["*"], projects=[second_project])

        result = call(tenant, "GET", "insights", key=key)

        assert result.status_code == 403
        assert result.json == no_project_access(tenant.project_id)

    def test_a_key_limited_to_another_project_cannot_write(
        self, tenant: Tenant, second_project: int
    ) -> None:
        key = tenant.key_with(["*"], projects=[second_project])

        result = call(tenant, "POST", "insights", key=key, json={"name": "Smuggled"})

        assert result.status_code == 403
        assert result.json == no_project_access(tenant.project_id)
        assert insight_names(tenant) == []

    def test_a_key_limited_to_a_project_works_in_that_project(
        self, tenant: Tenant, second_project: int
    ) -> None:
        key = tenant.key_with(["*"], projects=[second_project])

        created = call(
            tenant,
            "POST",
            "insights",
            key=key,
            project_id=second_project,
            json={"name": "Side hustle"},
        )
        listed = call(tenant, "GET", "insights", key=key, project_id=second_project)

        assert created.status_code == 201, created.text
        assert [item["name"] for item in listed.json["results"]] == ["Side hustle"]

    def test_a_key_limited_to_a_project_reaches_its_other_environments(
        self, tenant: Tenant, second_project: int
    ) -> None:
        staging = Tenancy(tenant.backend).add_environment(project_id=second_project, name="Staging")
        key = tenant.key_with(["insight:read"], projects=[second_project])

        result = call(tenant, "GET", "insights", key=key, prefix="environments", project_id=staging)

        assert result.status_code == 200

    def test_a_key_limited_to_a_project_is_refused_on_environments_of_other_projects(
        self, tenant: Tenant, second_project: int
    ) -> None:
        staging = Tenancy(tenant.backend).add_environment(
            project_id=tenant.project_id, name="Staging"
        )
        key = tenant.key_with(["*"], projects=[second_project])

        result = call(tenant, "GET", "insights", key=key, prefix="environments", project_id=staging)

        assert result.status_code == 403
        assert result.json == no_project_access(staging)

    def test_a_key_limited_to_both_projects_works_in_both(
        self, tenant: Tenant, second_project: int
    ) -> None:
        key = tenant.key_with(["*"], projects=[tenant.project_id, second_project])

        assert call(tenant, "GET", "insights", key=key).status_code == 200
        assert (
            call(tenant, "GET", "insights", key=key, project_id=second_project).status_code == 200
        )

    def test_the_project_limit_is_checked_before_the_scope_as_posthog_does(
        self, tenant: Tenant, second_project: int
    ) -> None:
        # Reference auth §4.3-§4.5: team scoping is checked before the scopes are matched.
        key = tenant.key_with(["insight:read"], projects=[second_project])

        result = call(tenant, "POST", "insights", key=key, json={"name": "Two wrongs"})

        assert result.status_code == 403
        assert result.json == no_project_access(tenant.project_id)


class TestProjectAccess:
    def test_a_user_who_is_not_a_member_is_refused(self, tenants: TenantFactory) -> None:
        owner = tenants.create("Petra")
        stranger = tenants.create("Quentin")
        owner.create_insight(name="Petra's plans")

        result = call(owner, "GET", "insights", key=stranger.key)

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER

    def test_a_user_who_is_not_a_member_is_refused_on_the_environments_prefix(
        self, tenants: TenantFactory
    ) -> None:
        owner = tenants.create("Petra")
        stranger = tenants.create("Quentin")

        result = call(owner, "GET", "insights", key=stranger.key, prefix="environments")

        assert result.status_code == 403
        assert result.json == NOT_A_MEMBER

    def test_an_added_member_sees_the_projects_insights(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Shared secret")
        _, bea_key = tenant.add_member("Bea")

        result = call(tenant, "GET", "insights", key=bea_key)

        assert result.status_code == 200
        assert [item["name"] for item in result.json["results"]] == ["Shared secret"]

    @pytest.mark.parametrize(
        "project_id",
        ["987654321", "9" * 30, "0", "-1", "+1", "abc", "1e3", "0x10", "%20", "null", "@current"],
    )
    def test_an_unknown_or_non_numeric_project_is_404(
        self, tenant: Tenant, project_id: str
    ) -> None:
        result = tenant.client.simulate_get(
            f"/api/projects/{project_id}/insights", headers=tenant.headers
        )

        assert result.status_code == 404
        assert result.json == PROJECT_NOT_FOUND

    def test_a_project_id_of_non_ascii_digits_is_404(self, tenant: Tenant) -> None:
        # "²" is a Unicode digit that int() cannot parse.
        result = tenant.client.simulate_get("/api/projects/²/insights", headers=tenant.headers)

        assert result.status_code == 404
        assert result.json == PROJECT_NOT_FOUND

    def test_both_url_prefixes_resolve_the_primary_environment(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Twin paths")

        by_project = call(tenant, "GET", "insights", key=tenant.key)
        by_environment = call(tenant, "GET", "insights", key=tenant.key, prefix="environments")

        assert by_project.status_code == by_environment.status_code == 200
        assert by_project.json["results"] == by_environment.json["results"]

    def test_another_environment_of_the_project_sees_its_insights(self, tenant: Tenant) -> None:
        tenant.create_insight(name="Everywhere")
        staging = Tenancy(tenant.backend).add_environment(
            project_id=tenant.project_id, name="Staging"
        )

        for prefix in ("environments", "projects"):
            result = call(
                tenant, "GET", "insights", key=tenant.key, prefix=prefix, project_id=staging
            )
            assert result.status_code == 200, prefix
            assert [item["name"] for item in result.json["results"]] == ["Everywhere"]


# ---------------------------------------------------------------------------------------------
# Keys are stored hashed: scan every table of a brand-new database.


def _tables(url: DatabaseUrl, backend: Backend) -> list[str]:
    if url.backend == "sqlite":
        rows = backend.database.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = backend.database.query(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
    return [str(row[0]) for row in rows]


def _cells(url: DatabaseUrl, backend: Backend, table: str) -> Iterator[bytes]:
    if url.backend == "sqlite":
        rows = backend.database.query(f'SELECT * FROM "{table}"')
    else:
        schema, _, name = table.partition(".")
        with psycopg.connect(url.conninfo) as connection:
            rows = connection.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()
    for row in rows:
        for cell in row:
            if isinstance(cell, bytes | bytearray | memoryview):
                yield bytes(cell)
            elif cell is not None:
                yield str(cell).encode()


def _secret_fragments(raw_key: str, width: int = 8) -> list[bytes]:
    secret = raw_key.removeprefix("phx_")
    return [raw_key.encode(), secret.encode()] + [
        secret[start : start + width].encode() for start in range(len(secret) - width + 1)
    ]


@pytest.fixture
def fresh_tenant(fresh_backend: Backend) -> Tenant:
    return TenantFactory(
        fresh_backend, falcon.testing.TestClient(create_app(fresh_backend))
    ).create("Hana")


class TestKeysAreStoredHashed:
    def test_no_table_holds_the_raw_key_or_any_long_part_of_its_secret(
        self, fresh_url: DatabaseUrl, fresh_backend: Backend, fresh_tenant: Tenant
    ) -> None:
        limited = fresh_tenant.key_with(["insight:write"], projects=[fresh_tenant.project_id])
        # Use the keys in every place a key may be sent, so requests get their chance to leak it.
        for key in (fresh_tenant.key, limited):
            assert (
                call(fresh_tenant, "GET", "insights", params={"personal_api_key": key}).status_code
                == 200
            )
            assert (
                call(
                    fresh_tenant,
                    "POST",
                    "insights",
                    json={"name": "Salted", "personal_api_key": key},
                ).status_code
                == 201
            )
            assert call(fresh_tenant, "GET", "dashboards", key=key).status_code in (200, 403)
        fragments = [*_secret_fragments(fresh_tenant.key), *_secret_fragments(limited)]

        cells = {
            table: list(_cells(fresh_url, fresh_backend, table))
            for table in _tables(fresh_url, fresh_backend)
        }
        leaks = [
            (table, fragment.decode())
            for table, values in cells.items()
            for cell in values
            for fragment in fragments
            if fragment in cell
        ]

        # Check the scan reads what is stored: the key's hash is in the key table and the events.
        digest = hashlib.sha256(fresh_tenant.key.encode()).hexdigest().encode()
        holding_the_hash = {
            table for table, values in cells.items() if any(digest in v for v in values)
        }
        assert any(table.endswith("personal_api_keys") for table in holding_the_hash)
        assert any(table.endswith("_events") for table in holding_the_hash)
        assert leaks == []

    def test_the_key_table_holds_the_sha256_of_each_key(
        self, fresh_backend: Backend, fresh_tenant: Tenant
    ) -> None:
        rows = fresh_backend.database.query("SELECT secure_value FROM personal_api_keys")

        digest = hashlib.sha256(fresh_tenant.key.encode()).hexdigest()
        assert rows == [(f"sha256${digest}",)]

    def test_a_raw_key_is_about_48_base57_characters_after_phx(self, fresh_tenant: Tenant) -> None:
        secret = fresh_tenant.key.removeprefix("phx_")

        assert fresh_tenant.key.startswith("phx_")
        assert 45 <= len(secret) <= 50
        assert not set(secret) & set("01OIl")
        assert secret.isalnum() and secret.isascii()
