"""Personal API key authentication, scope checks and project access, as PostHog does them.

The middleware finds the credential; each responder declares its scope with `requires`,
which checks, in PostHog's order: 401 credential; for a key limited to projects, 404 project
and 403 key project limit; 403 scope; then 404 project and 403 membership. The resolved
project is handed to the responder on `req.context`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import falcon

from api.errors import ApiError, not_found, permission_denied
from api.paths import numeric_id
from api.request_body import parse_json
from domain.personal_api_key import hash_key
from domain.scopes import grants
from projections.accounts import Accounts, EnvironmentAccess, Principal

KEY_PARAMETER = "personal_api_key"
Hook = Callable[[falcon.Request, falcon.Response, Any, dict[str, Any]], None]


@dataclass(frozen=True)
class Caller:
    """The authenticated user and the project and environment the URL addresses."""

    user_id: int
    project_id: int
    environment_id: int
    principal: Principal


class Authentication:
    """Middleware: finds a personal API key (header, body, query string) and looks it up."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        req.context.accounts = self._accounts
        req.context.principal = None
        req.context.credential_source = None
        if not getattr(resource, "takes_personal_keys", True):
            # Public: no key is looked for, and a capture body (up to 20 MiB) is not parsed
            # here only to be parsed again by the capture.
            return
        found = _find_key(req)
        if found is not None:
            key, source = found
            req.context.credential_source = source
            req.context.principal = self._accounts.principal(hash_key(key))


def _find_key(req: falcon.Request) -> tuple[str, str] | None:
    header = req.get_header("Authorization")
    if header is not None and header.startswith("Bearer"):
        token = header[len("Bearer") :].strip()
        if len(token) >= 2 and header[len("Bearer") : len("Bearer") + 1].isspace():
            return token, "Authorization header"
    if req.context.raw_body:
        try:
            body = parse_json(req)
        except ApiError:
            body = None
        if isinstance(body, dict) and isinstance(body.get(KEY_PARAMETER), str):
            return body[KEY_PARAMETER], "body"
    query_key = req.get_param(KEY_PARAMETER)
    if query_key:
        return query_key, "query string"
    return None


def _unauthenticated(code: str, detail: str) -> ApiError:
    return ApiError(
        401,
        "authentication_error",
        code,
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="insightlog"'},
    )


def _environment(req: falcon.Request, params: dict[str, Any], user_id: int) -> EnvironmentAccess:
    environment_id = numeric_id(str(params.get("project_id", "")))
    access = None
    if environment_id is not None:
        accounts: Accounts = req.context.accounts
        access = accounts.environment_access(environment_id, user_id)
    if access is None:
        raise not_found("Project not found.")
    return access


def requires(scope: str) -> Hook:
    """A falcon `before` hook: the caller must hold `scope` and belong to the URL's project."""

    def check(
        req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        principal: Principal | None = req.context.principal
        if req.context.credential_source is None:
            raise _unauthenticated(
                "not_authenticated", "Authentication credentials were not provided."
            )
        if principal is None:
            raise _unauthenticated(
                "authentication_failed",
                f"Personal API key found in request {req.context.credential_source} is invalid.",
            )
        # NOTE: PostHog's order: a key limited to projects is checked against the URL's
        # project first, then scopes, then (for any key) the project and membership.
        access = None
        if principal.scoped_projects is not None:
            access = _environment(req, params, principal.user_id)
            if access.project_id not in principal.scoped_projects:
                raise permission_denied(
                    "API key does not have access to the requested project: "
                    f"ID {access.environment_id}."
                )
        if not grants(principal.scopes, scope):
            raise permission_denied(f"API key missing required scope '{scope}'")
        access = access or _environment(req, params, principal.user_id)
        if not access.is_member:
            raise permission_denied("You don't have access to the project.")
        req.context.caller = Caller(
            user_id=principal.user_id,
            project_id=access.project_id,
            environment_id=access.environment_id,
            principal=principal,
        )

    check.required_scope = scope  # type: ignore[attr-defined]
    return check


def authorize(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a responder with `requires(scope)`, and record the scope on it."""

    def decorate(responder: Callable[..., Any]) -> Callable[..., Any]:
        wrapped = falcon.before(requires(scope))(responder)
        wrapped.required_scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorate
