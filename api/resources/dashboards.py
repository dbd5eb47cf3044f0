"""Dashboards (minimal API): list, create, retrieve, update and soft delete."""

from __future__ import annotations

import falcon

from api.auth import Caller, authorize
from api.errors import not_found
from api.formats import send
from api.openapi import documented
from api.pagination import limit_offset, paginated
from api.paths import numeric_id
from api.request_body import json_object
from api.schemas.common import FormatParam, PageParams
from api.schemas.dashboards import DashboardOut, DashboardPageOut, DashboardWrite
from api.shapes import dashboard_shape
from projections.accounts import Accounts
from projections.dashboards import DashboardRow
from projections.dashboards import Dashboards as DashboardReader
from store.dashboards import DashboardCommands

TAGS = ["dashboards"]


class _DashboardResource:
    def __init__(
        self, commands: DashboardCommands, reader: DashboardReader, accounts: Accounts
    ) -> None:
        self._commands = commands
        self._reader = reader
        self._accounts = accounts

    def _present(self, rows: list[DashboardRow]) -> list[dict[str, object]]:
        users = self._accounts.users(row.created_by_id for row in rows if row.created_by_id)
        return [dashboard_shape(row, users) for row in rows]

    def _get(
        self, caller: Caller, dashboard_id: str, *, include_deleted: bool = False
    ) -> DashboardRow:
        number = numeric_id(dashboard_id)
        row = None if number is None else self._reader.get(caller.project_id, number)
        if row is None or (row.deleted and not include_deleted):
            raise not_found()
        return row


class Dashboards(_DashboardResource):
    """/api/projects/{project_id}/dashboards"""

    @documented(tags=TAGS, query=PageParams, ok={"HTTP_200": DashboardPageOut})
    @authorize("dashboard:read")
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        limit, offset = limit_offset(req)
        count, rows = self._reader.page(req.context.caller.project_id, limit, offset)
        send(resp, paginated(req, count, limit, offset, self._present(rows)))

    @documented(tags=TAGS, json=DashboardWrite, ok={"HTTP_201": DashboardOut}, errors=(400,))
    @authorize("dashboard:write")
    def on_post(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        body = DashboardWrite.model_validate(json_object(req))
        caller: Caller = req.context.caller
        dashboard_id = self._commands.create(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            values=body.sent_values(),
        )
        row = self._get(caller, str(dashboard_id), include_deleted=True)
        send(resp, self._present([row])[0], falcon.HTTP_201)


class Dashboard(_DashboardResource):
    """/api/projects/{project_id}/dashboards/{dashboard_id}"""

    @documented(tags=TAGS, query=FormatParam, ok={"HTTP_200": DashboardOut})
    @authorize("dashboard:read")
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, dashboard_id: str
    ) -> None:
        send(resp, self._present([self._get(req.context.caller, dashboard_id)])[0])

    @documented(tags=TAGS, json=DashboardWrite, ok={"HTTP_200": DashboardOut}, errors=(400, 409))
    @authorize("dashboard:write")
    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, dashboard_id: str
    ) -> None:
        body = DashboardWrite.model_validate(json_object(req))
        caller: Caller = req.context.caller
        row = self._get(caller, dashboard_id, include_deleted=body.deleted is False)
        self._commands.update(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            dashboard_id=row.id,
            values=body.sent_values(),
        )
        send(resp, self._present([self._get(caller, str(row.id), include_deleted=True)])[0])
