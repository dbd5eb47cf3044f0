"""The insights' activity log, served from their event streams, and reverting to a version."""

from __future__ import annotations

from typing import Any
from uuid import uuid5

import falcon

from api.auth import Caller, authorize
from api.errors import not_found
from api.formats import send
from api.openapi import documented
from api.pagination import page_url
from api.request_body import json_object
from api.schemas.insight_activity import ActivityPageOut, ActivityParams, RevertIn
from api.schemas.insights import InsightOut
from api.shapes import InsightPresenter, iso
from api.validation import query_params
from domain.ids import NAMESPACE
from domain.insight import Insight
from domain.insight_activity import SCOPE, activity_changes, activity_verb, linked_dashboards
from domain.instants import to_micros
from projections.insight_history import HistoryEntry, InsightHistory
from projections.insight_queries import InsightReader
from store.insight_history import InsightHistoryService

TAGS = ["insights"]
SYSTEM_USER = {"first_name": "System", "email": None, "is_system": True}
# Pages further than this cannot exist: it keeps OFFSET inside a 64-bit integer.
_MAX_ROWS = 10**12


def _name(event: Any) -> str | None:
    if isinstance(event, Insight.Created):
        return event.values.get("name") or event.values.get("derived_name")
    return event.name


class InsightActivity:
    """/insights/{id}/activity, /insights/activity and /insights/{id}/revert"""

    def __init__(
        self,
        history: InsightHistory,
        service: InsightHistoryService,
        reader: InsightReader,
        presenter: InsightPresenter,
    ) -> None:
        self._history = history
        self._service = service
        self._reader = reader
        self._presenter = presenter

    @documented(tags=TAGS, query=ActivityParams, ok={"HTTP_200": ActivityPageOut}, errors=(400,))
    @authorize("activity_log:read")
    def on_get_activity(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, insight_id: str
    ) -> None:
        """The insight's changes made through this environment, newest first."""
        caller: Caller = req.context.caller
        params = query_params(ActivityParams, req)
        row = self._reader.find(caller.project_id, insight_id)
        if row is None:
            raise not_found()
        send(resp, self._page(req, caller, row.id, params))

    @documented(tags=TAGS, query=ActivityParams, ok={"HTTP_200": ActivityPageOut}, errors=(400,))
    @authorize("activity_log:read")
    def on_get_all(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        """Every insight's changes made through this environment, deleted ones included."""
        params = query_params(ActivityParams, req)
        send(resp, self._page(req, req.context.caller, None, params))

    @documented(tags=TAGS, json=RevertIn, ok={"HTTP_200": InsightOut}, errors=(400, 409))
    @authorize("insight:write")
    def on_post_revert(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, insight_id: str
    ) -> None:
        """Make the insight's editable fields what they were at a version (a new event)."""
        caller: Caller = req.context.caller
        row = self._reader.find(caller.project_id, insight_id)
        if row is None:
            raise not_found()
        body = RevertIn.model_validate(json_object(req))
        self._service.revert(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            insight_id=row.id,
            version=body.version,
        )
        current = self._reader.find(caller.project_id, str(row.id))
        if current is None:
            raise not_found()  # Deleted since the revert, by another request.
        send(resp, self._presenter.one(current))

    def _page(
        self, req: falcon.Request, caller: Caller, insight_id: int | None, params: ActivityParams
    ) -> dict[str, Any]:
        limit = min(params.limit, _MAX_ROWS)
        offset = min((params.page - 1) * limit, _MAX_ROWS)
        total, entries = self._history.activity_page(
            caller.environment_id, insight_id, limit, offset
        )
        events = self._service.events(entries)
        pairs = [(entry, events[(entry.insight_id, entry.version)]) for entry in entries]
        users = self._presenter.users(event.actor_id for _, event in pairs)
        linked = [linked_dashboards(event) for _, event in pairs]
        deletions = self._presenter.dashboard_deletions(set().union(*linked))
        results = [
            self._entry(entry, event, users, deletions.deleted_at(links, entry.at))
            for (entry, event), links in zip(pairs, linked, strict=True)
        ]
        has_next = offset + limit < total
        return {
            "results": results,
            "next": page_url(req, {"page": params.page + 1, "limit": limit}) if has_next else None,
            "previous": page_url(req, {"page": params.page - 1, "limit": limit})
            if params.page > 1
            else None,
            "total_count": total,
        }

    @staticmethod
    def _entry(
        entry: HistoryEntry, event: Any, users: dict[int, dict[str, Any]], hidden: set[int]
    ) -> dict[str, Any]:
        """One activity entry; links to dashboards that were deleted then are `hidden`."""
        actor = users.get(event.actor_id) if event.actor_id is not None else None
        return {
            "id": str(uuid5(NAMESPACE, f"{event.originator_id}/{event.originator_version}")),
            "user": {"first_name": actor["first_name"], "email": actor["email"]}
            if actor
            else SYSTEM_USER,
            "activity": activity_verb(event),
            "scope": SCOPE,
            "item_id": str(entry.insight_id),
            "detail": {
                "changes": activity_changes(event, hidden),
                "trigger": getattr(event, "trigger", None),
                "name": _name(event),
                "short_id": event.short_id,
                "type": None,
            },
            "created_at": iso(to_micros(event.timestamp)),
        }
