"""Views of insights: record them, the caller's recently viewed, and what is trending."""

from __future__ import annotations

import falcon

from api.auth import Caller, authorize
from api.formats import send
from api.openapi import documented
from api.request_body import json_object
from api.schemas.common import FormatParam
from api.schemas.insight_views import (
    MAX_TRENDING_LIMIT,
    TrendingPageOut,
    TrendingParams,
    ViewedIn,
)
from api.schemas.insights import InsightBasicOut
from api.shapes import InsightPresenter
from api.validation import query_params
from domain.instants import DAY_MICROS, to_micros
from projections.insight_queries import InsightReader
from projections.insight_views import InsightViews
from store.backend import Clock
from store.views import ViewCommands

TAGS = ["insights"]
# Database integers are 64-bit: a window reaching further is the same as all (or no) time,
# and an offset further than this is past any end.
_EARLIEST, _LATEST = -(2**62), 2**62
_MAX_OFFSET = 10**12


class InsightViewsResource:
    """/insights/viewed, /insights/my_last_viewed and /insights/trending"""

    def __init__(
        self,
        commands: ViewCommands,
        views: InsightViews,
        reader: InsightReader,
        presenter: InsightPresenter,
        clock: Clock,
    ) -> None:
        self._commands = commands
        self._views = views
        self._reader = reader
        self._presenter = presenter
        self._clock = clock

    @documented(tags=TAGS, json=ViewedIn, ok={"HTTP_200": None}, errors=(400,))
    @authorize("insight:read")
    def on_post_viewed(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        """Record that the caller viewed these insights; unknown or deleted ones are skipped."""
        body = ViewedIn.model_validate(json_object(req))
        caller: Caller = req.context.caller
        self._commands.record(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            user_id=caller.user_id,
            insight_ids=body.insight_ids,
        )
        resp.status = falcon.HTTP_200

    @documented(tags=TAGS, query=FormatParam, ok={"HTTP_200": list[InsightBasicOut]})
    @authorize("insight:read")
    def on_get_my_last_viewed(
        self, req: falcon.Request, resp: falcon.Response, project_id: str
    ) -> None:
        """The caller's five most recently viewed insights in this environment."""
        caller: Caller = req.context.caller
        viewed = dict(self._views.my_last_viewed(caller.environment_id, caller.user_id))
        rows = self._reader.get_many(caller.project_id, list(viewed))
        send(resp, self._presenter.present(rows, basic=True, last_viewed=viewed))

    @documented(tags=TAGS, query=TrendingParams, ok={"HTTP_200": TrendingPageOut}, errors=(400,))
    @authorize("insight:read")
    def on_get_trending(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        """The project's insights with the most viewers lately (one per environment and user)."""
        params = query_params(TrendingParams, req)
        caller: Caller = req.context.caller
        since = min(_LATEST, max(_EARLIEST, to_micros(self._clock()) - params.days * DAY_MICROS))
        trending = self._views.trending(
            caller.project_id,
            caller.environment_id,
            since,
            min(params.limit, MAX_TRENDING_LIMIT),
            min(params.offset, _MAX_OFFSET),
        )
        entries = {entry.insight_id: entry for entry in trending}
        rows = self._reader.get_many(caller.project_id, list(entries))
        shapes = self._presenter.present(
            rows, basic=True, last_viewed=self._views.last_viewed(entries)
        )
        users = self._presenter.users(
            {row.last_modified_by_id for row in rows}
            | {viewer for entry in trending for viewer in entry.viewer_ids}
        )
        for shape, row in zip(shapes, rows, strict=True):
            entry = entries[row.id]
            shape["view_count"] = entry.view_count
            shape["viewers"] = [users[viewer] for viewer in entry.viewer_ids if viewer in users]
            shape["last_modified_by"] = users.get(row.last_modified_by_id or -1)
        # NOTE: PostHog's envelope for trending: the count of this page, no links.
        send(resp, {"count": len(shapes), "next": None, "previous": None, "results": shapes})
