"""Elements: list, create, retrieve, update (PATCH and PUT, both partial) and delete."""

from __future__ import annotations

from typing import Any

import falcon

from api.auth import Caller, authorize
from api.errors import not_found
from api.formats import send
from api.openapi import documented
from api.pagination import limit_offset, paginated
from api.paths import numeric_id
from api.request_body import json_object
from api.schemas.common import FormatParam, PageParams
from api.schemas.elements import ElementOut, ElementPageOut, ElementWrite
from projections.elements import ElementRow
from projections.elements import Elements as ElementReader
from store.elements import ElementCommands

TAGS = ["elements"]


def element_shape(row: ElementRow) -> dict[str, Any]:
    return {"id": row.id, **row.values}


class _ElementResource:
    def __init__(self, commands: ElementCommands, reader: ElementReader) -> None:
        self._commands = commands
        self._reader = reader

    def _get(self, caller: Caller, element_id: str) -> ElementRow:
        number = numeric_id(element_id)
        row = None if number is None else self._reader.get(caller.project_id, number)
        if row is None:
            raise not_found()
        return row


class Elements(_ElementResource):
    """/api/projects/{project_id}/elements"""

    @documented(tags=TAGS, query=PageParams, ok={"HTTP_200": ElementPageOut})
    @authorize("element:read")
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        limit, offset = limit_offset(req)
        count, rows = self._reader.page(req.context.caller.project_id, limit, offset)
        send(resp, paginated(req, count, limit, offset, [element_shape(row) for row in rows]))

    @documented(tags=TAGS, json=ElementWrite, ok={"HTTP_201": ElementOut}, errors=(400,))
    @authorize("element:write")
    def on_post(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        body = ElementWrite.model_validate(json_object(req))
        caller: Caller = req.context.caller
        element_id = self._commands.create(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            values=body.sent_values(),
        )
        send(resp, element_shape(self._get(caller, str(element_id))), falcon.HTTP_201)


class Element(_ElementResource):
    """/api/projects/{project_id}/elements/{element_id}"""

    @documented(tags=TAGS, query=FormatParam, ok={"HTTP_200": ElementOut})
    @authorize("element:read")
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, element_id: str
    ) -> None:
        send(resp, element_shape(self._get(req.context.caller, element_id)))

    @documented(tags=TAGS, json=ElementWrite, ok={"HTTP_200": ElementOut}, errors=(400, 409))
    @authorize("element:write")
    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, element_id: str
    ) -> None:
        self._update(req, resp, element_id)

    @documented(tags=TAGS, json=ElementWrite, ok={"HTTP_200": ElementOut}, errors=(400, 409))
    @authorize("element:write")
    def on_put(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, element_id: str
    ) -> None:
        self._update(req, resp, element_id)

    def _update(self, req: falcon.Request, resp: falcon.Response, element_id: str) -> None:
        caller: Caller = req.context.caller
        row = self._get(caller, element_id)
        body = ElementWrite.model_validate(json_object(req))
        self._commands.update(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            element_id=row.id,
            values=body.sent_values(),
        )
        send(resp, element_shape(self._get(caller, str(row.id))))

    @documented(tags=TAGS, ok={"HTTP_204": None}, errors=(409,))
    @authorize("element:write")
    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, project_id: str, element_id: str
    ) -> None:
        caller: Caller = req.context.caller
        row = self._get(caller, element_id)
        self._commands.delete(
            project_id=caller.project_id,
            environment_id=caller.environment_id,
            actor_id=caller.user_id,
            element_id=row.id,
        )
        resp.status = falcon.HTTP_204
