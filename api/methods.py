"""405s as PostHog (Django) answers them, each naming what the route does answer."""

from __future__ import annotations

from typing import Any

import falcon
from falcon.routing import CompiledRouter

from api.errors import ApiError


class MethodsNotAllowed:
    """Middleware. falcon answers a method it does not know (`FOO`) 400 "Invalid HTTP
    method"; Django answers it 405, as any method a view does not have. Every 405 (and a
    default OPTIONS) lists in `Allow` the methods the route answers: falcon's own lists
    would name those a resource refuses on purpose (`refused_methods`) and not HEAD.
    Unknown routes stay 404."""

    def __init__(self, router: CompiledRouter) -> None:
        self._router = router

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        if req.method not in falcon.COMBINED_METHODS:
            raise ApiError(
                405, "invalid_request", "method_not_allowed", f'Method "{req.method}" not allowed.'
            )

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if resource is None or (resp.status_code != 405 and req.method != "OPTIONS"):
            return
        found = self._router.find(req.path, req)
        if found is None:
            return
        answered = self._answered(resource, found[1])
        if resp.status_code == 405 or "OPTIONS" not in answered:
            resp.set_header("Allow", ", ".join([*sorted(answered - {"OPTIONS"}), "OPTIONS"]))

    @staticmethod
    def _answered(resource: Any, method_map: dict[str, Any]) -> set[str]:
        refused: frozenset[str] = getattr(resource, "refused_methods", frozenset())
        answered = {
            method
            for method, responder in method_map.items()
            if method in falcon.COMBINED_METHODS
            and method not in refused
            and getattr(responder, "__self__", None) is resource
        }
        # HeadAsGet answers HEAD wherever GET is answered, as Django does.
        return answered | {"HEAD"} if "GET" in answered else answered
