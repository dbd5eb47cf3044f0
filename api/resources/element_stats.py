"""Element stats (which elements people click, rage-click and dead-click) and the values
an element key takes, from the element stats kept at capture time."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import falcon
import orjson
from cachetools import LRUCache

from api.auth import authorize
from api.formats import response_format, send
from api.openapi import documented
from api.pagination import page_url
from api.schemas.element_stats import (
    StatsParams,
    StatsQueryParams,
    ValuesQueryParams,
    stats_params,
    values_key,
)
from api.schemas.elements import ElementStatsOut, ElementValueOut
from domain.elements_chain import attributes_filter, chain_has_value, elements_from_chain
from domain.instants import to_micros
from store.analytics_events import AnalyticsEvents, ChainCount, StatsQuery

TAGS = ["elements"]
MAX_VALUES = 100
# NOTE: PostHog says `public`, which lets a shared cache (a CDN in front of the API) answer
# the same URL to anyone, whatever their key: `private` keeps it to the client that asked.
CACHE_CONTROL = "private, max-age=30"
MAX_CACHED_BYTES = 128 << 20
MAX_RENDERED_ROWS = 200_000
PageKey = tuple[str, datetime, datetime, int]
"""A stats page's URL, the days its dates resolve to, and the project's stats version."""


class ElementStats:
    """/elements/stats and /elements/values"""

    def __init__(self, analytics: AnalyticsEvents, clock: Callable[[], datetime]) -> None:
        self._analytics = analytics
        self._clock = clock
        # Whole answers by URL and stats version: a page of 50,000 chains is costly to
        # build and, until the next click is captured, the same for everyone who asks.
        self._pages: LRUCache[PageKey, bytes] = LRUCache(maxsize=MAX_CACHED_BYTES, getsizeof=len)
        self._pages_lock = threading.Lock()
        self._rows: dict[ChainCount, bytes] = {}
        self._rows_lock = threading.Lock()

    @documented(tags=TAGS, query=StatsQueryParams, ok={"HTTP_200": ElementStatsOut}, errors=(400,))
    @authorize("element:read")
    def on_get_stats(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        """Chains by how often they were hit, most first."""
        project = req.context.caller.project_id
        params = stats_params(req, self._clock())
        # Relative dates resolve to whole days: what they resolve to now completes the key.
        key = (req.url, params.date_from, params.date_to, self._analytics.stats_version(project))
        as_csv = response_format(req) == "csv"
        with self._pages_lock:
            cached = None if as_csv else self._pages.get(key)
        if cached is None:
            self._answer_stats(req, resp, params, as_csv)
            if not as_csv and resp.data is not None:
                self._remember(key, resp.data)
        else:
            resp.data, resp.content_type = cached, falcon.MEDIA_JSON
        resp.set_header("Cache-Control", CACHE_CONTROL)
        resp.set_header("Vary", "Accept, Accept-Encoding, Query-String")

    def _remember(self, key: PageKey, page: bytes) -> None:
        if len(page) > MAX_CACHED_BYTES // 4:
            return
        with self._pages_lock:
            self._pages[key] = page

    def _answer_stats(
        self, req: falcon.Request, resp: falcon.Response, params: StatsParams, as_csv: bool
    ) -> None:
        rows = self._analytics.element_stats(
            StatsQuery(
                project_id=req.context.caller.project_id,
                events=params.events,
                start=to_micros(params.date_from),
                end=to_micros(params.date_to),
                properties=params.properties,
                limit=params.limit,
                offset=params.offset,
            )
        )
        keep = attributes_filter(params.data_attributes)
        reshaped = keep is not None or params.max_depth is not None

        def elements(row: ChainCount) -> Any:
            if reshaped:
                return elements_from_chain(
                    row.chain, attributes_filter=keep, max_depth=params.max_depth
                )
            return orjson.loads(row.elements_json)

        limit, offset = params.limit, params.offset
        results: Any
        if reshaped or as_csv:
            results = [
                {"count": row.count, "hash": row.hash, "type": row.event, "elements": elements(row)}
                for row in rows[:limit]
            ]
        else:
            # The common page, written straight from the stored JSON: it may hold 50,000 rows.
            results = orjson.Fragment(b"[" + b",".join(self._rendered(rows[:limit])) + b"]")
        previous = None
        if offset > 0:
            previous = page_url(req, {"offset": max(0, offset - limit)})
        send(
            resp,
            {
                "results": results,
                "next": page_url(req, {"offset": offset + limit}) if len(rows) > limit else None,
                "previous": previous,
            },
        )

    def _rendered(self, rows: list[ChainCount]) -> list[bytes]:
        """Each row as JSON, kept: between two clicks, only a row or two of a page change."""
        with self._rows_lock:
            if len(self._rows) + len(rows) > MAX_RENDERED_ROWS:
                self._rows.clear()
            return [self._rows.get(row) or self._render(row) for row in rows]

    def _render(self, row: ChainCount) -> bytes:
        rendered = self._rows[row] = b'{"count":%d,"hash":"%s","type":"%s","elements":%s}' % (
            row.count,
            row.hash.encode(),
            row.event.encode(),
            row.elements_json,
        )
        return rendered

    @documented(
        tags=TAGS, query=ValuesQueryParams, ok={"HTTP_200": list[ElementValueOut]}, errors=(400,)
    )
    @authorize("element:read")
    def on_get_values(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        """The most frequent values of an element key among autocaptured clicks."""
        key = values_key(req)
        if key is None:
            send(resp, [])
            return
        value = req.get_param("value")
        counts: Counter[str] = Counter()
        for chain, extracted, count in self._analytics.element_values(
            req.context.caller.project_id, key
        ):
            if value is None or chain_has_value(chain, key, value):
                counts[extracted] += count
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_VALUES]
        send(resp, [{"name": name} for name, _ in top])
