"""Insights: list, create, retrieve, update (and soft delete), and the refused DELETE."""

from __future__ import annotations

import falcon

from api.auth import Caller, authorize
from api.errors import bad_request, not_found
from api.formats import send
from api.openapi import documented
from api.pagination import limit_offset, paginated
from api.request_body import json_object
from api.schemas.common import FormatParam
from api.schemas.insights import (
    CancelIn,
    GenerateMetadataIn,
    GenerateMetadataOut,
    InsightListParams,
    InsightOrBasicOut,
    InsightOut,
    InsightPageOut,
    InsightRetrieveParams,
    InsightWrite,
)
from api.shapes import InsightPresenter
from api.validation import query_params
from domain.insight_metadata import describe
from domain.instants import to_micros
from projections.insight_filter import InsightFilter
from projections.insight_history import InsightHistory
from projections.insight_queries import InsightReader, InsightRow
from projections.insight_views import InsightViews
from store.backend import Clock
from store.insight_history import InsightHistoryService
from store.insights import InsightCommands

TAGS = ["insights"]


def _micros(moment: object) -> int | None:
    return None if moment is None else to_micros(moment)  # type: ignore[arg-type]


def _filter(caller: Caller, params: InsightListParams, limit: int, offset: int) -> InsightFilter:
    return InsightFilter(
        project_id=caller.project_id,
        short_id=params.short_id,
        search=params.search,
        created_by=params.created_by or [],
        created_by_caller=caller.user_id if params.user else None,
        favorited=params.favorited,
        saved=params.saved,
        insight_type=params.insight,
        modified_after=_micros(params.date_from),
        modified_before=_micros(params.date_to),
        created_after=_micros(params.created_date_from),
        created_before=_micros(params.created_date_to),
        viewed_after=_micros(params.last_viewed_date_from),
        viewed_before=_micros(params.last_viewed_date_to),
        dashboards=params.dashboards or [],
        tags=sorted({tag.strip().lower() for tag in params.tags or []}),
        events=params.events or [],
        feature_flag=params.feature_flag,
        hide_feature_flag_insights=params.hide_feature_flag_insights,
        order=params.order,
        limit=limit,
        offset=offset,
    )


class _InsightResource:
    def __init__(
        self,
        commands: InsightCommands,
        reader: InsightReader,
        presenter: InsightPresenter,
        views: InsightViews,
        clock: Clock,
    ) -> None:
        self._commands = commands
        self._reader = reader
        self._presenter = presenter
        self._views = views
        self._clock = clock

    def _get(self, caller: Caller, key: str, *, include_deleted: bool = False) -> InsightRow:
        row = self._reader.find(caller.project_id, key, include_deleted=include_deleted)
        if row is None:
            raise not_found()
        return row


class Insights(_InsightResource):
    """/api/projects/{project_id}/insights"""

    @documented(tags=TAGS, query=InsightListParams, ok={"HTTP_200": InsightPageOut}, errors=(400,))
    @authorize("insight:read")
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        params = query_params(InsightListParams, req, {"now": self._clock()})
        limit, offset = limit_offset(req)
        count, rows = self._reader.page(_filter(req.context.caller, params, limit, offset))
        results = self._presenter.present(
            rows, basic=params.basic, last_viewed=self._views.last_viewed(row.id for row in rows)
        )
        send(resp, paginated(req, count, limit, offset, results))

    @documented(
        tags=TAGS, query=FormatParam, json=InsightWrite, ok={"HTTP_201": InsightOut}, errors=(400,)
    )
    @authorize("insight:write")
    def on_post(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        body = InsightWrite.model_validate(json_object(req))
        caller: Caller = req.context.caller
        insight_id = self._commands.create(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            values=body.sent_values(),
        )
        row = self._get(caller, str(insight_id), include_deleted=True)
        send(resp, self._presenter.one(row), falcon.HTTP_201)

    @documented(tags=TAGS, json=CancelIn, ok={"HTTP_200": None}, errors=(400,))
    @authorize("insight:read")
    def on_post_cancel(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        """Cancel a running query; queries here finish within the request, so none ever is."""
        body = CancelIn.model_validate(json_object(req))
        if "client_query_id" not in body.model_fields_set:
            raise bad_request("Field is required.", "client_query_id")
        resp.status = falcon.HTTP_200

    @documented(
        tags=TAGS, json=GenerateMetadataIn, ok={"HTTP_200": GenerateMetadataOut}, errors=(400,)
    )
    @authorize("insight:write")
    def on_post_generate_metadata(
        self, req: falcon.Request, resp: falcon.Response, project_id: str
    ) -> None:
        """A deterministic name and description for a query (offline, nothing stored)."""
        body = GenerateMetadataIn.model_validate(json_object(req))
        name, description = describe(body.query)
        send(resp, {"name": name, "description": description})


class Insight(_InsightResource):
    """/api/projects/{project_id}/insights/{insight_id} (an id or a short_id)"""

    refused_methods = frozenset({"DELETE"})

    def __init__(
        self,
        commands: InsightCommands,
        reader: InsightReader,
        presenter: InsightPresenter,
        views: InsightViews,
        clock: Clock,
        history: InsightHistory,
        service: InsightHistoryService,
    ) -> None:
        super().__init__(commands, reader, presenter, views, clock)
        self._history = history
        self._service = service

    @documented(tags=TAGS, query=InsightRetrieveParams, ok={"HTTP_200": InsightOrBasicOut})
    @authorize("insight:read")
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, insight_id: str
    ) -> None:
        params = query_params(InsightRetrieveParams, req)
        caller: Caller = req.context.caller
        row = self._get(caller, insight_id)
        if params.version is not None and params.as_of is not None:
            raise bad_request("Give either version or as_of, not both.", "as_of")
        version = params.version
        at = None if params.as_of is None else to_micros(params.as_of)
        if at is not None:
            version = self._history.version_at(row.id, at)
            if version is None:
                raise not_found()  # It did not exist yet.
        if version is None:
            document = self._presenter.one(row, basic=params.basic)
            if params.from_dashboard in {t["dashboard_id"] for t in document["dashboard_tiles"]}:
                # Shown on that dashboard: its tile's looks (ours keep none of their own).
                document |= {"color": None, "layouts": {}}
            send(resp, document)
            return
        past = self._service.at_version(caller.project_id, row.id, version)
        send(resp, self._presenter.historical(past, at=at, basic=params.basic))

    @documented(
        tags=TAGS,
        query=FormatParam,
        json=InsightWrite,
        ok={"HTTP_200": InsightOut},
        errors=(400, 409),
    )
    @authorize("insight:write")
    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, insight_id: str
    ) -> None:
        raw = json_object(req)
        caller: Caller = req.context.caller
        # A deleted insight is addressable only to restore it, and is looked up first.
        row = self._get(caller, insight_id, include_deleted=raw.get("deleted") is False)
        body = InsightWrite.model_validate(raw)
        self._commands.update(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            insight_id=row.id,
            values=body.sent_values(),
        )
        send(resp, self._presenter.one(self._get(caller, str(row.id), include_deleted=True)))

    on_put = on_patch

    @documented(tags=TAGS, ok={"HTTP_405": None})
    @authorize("insight:write")
    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, insight_id: str
    ) -> None:
        """Hard delete is not allowed: PATCH `{"deleted": true}` instead."""
        resp.status = falcon.HTTP_405
