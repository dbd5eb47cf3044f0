"""HEAD answered as GET without its body, as PostHog (Django) answers it."""

from __future__ import annotations

from typing import Any

import falcon


class HeadAsGet:
    """Middleware: routes a HEAD request to the GET responder (with its scope checks); falcon
    then sends the headers, Content-Length included, and drops the body."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.head = req.method == "HEAD"
        if req.context.head:
            req.method = "GET"

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if req.context.head:
            req.method = "HEAD"
