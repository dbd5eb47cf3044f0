"""The HTTP baseline: a bare Falcon endpoint answering with a fixed JSON document, serialized
on every request, served by gunicorn exactly like insightlog."""

from __future__ import annotations

import os
from pathlib import Path

import falcon
import orjson


class Document:
    """GET /document: the document from BENCH_DOCUMENT (a JSON file)."""

    def __init__(self, path: str) -> None:
        self._document = orjson.loads(Path(path).read_bytes())

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.data = orjson.dumps(self._document)
        resp.content_type = falcon.MEDIA_JSON


application = falcon.App()
application.add_route("/document", Document(os.environ["BENCH_DOCUMENT"]))
