"""Methods falcon does not know answered 405, as PostHog (Django) answers them."""

from __future__ import annotations

from typing import Any

import falcon

from api.errors import ApiError


class UnknownMethods:
    """Middleware: falcon answers a method it does not know (`FOO`) 400 "Invalid HTTP
    method"; Django answers it 405, as any method a view does not have. Unknown routes stay 404."""

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        if req.method not in falcon.COMBINED_METHODS:
            raise ApiError(
                405, "invalid_request", "method_not_allowed", f'Method "{req.method}" not allowed.'
            )
