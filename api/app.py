"""The composition root of the HTTP interface: `create_app` builds everything a worker needs."""

from __future__ import annotations

from typing import Any

import falcon
import orjson
from falcon.routing import CompiledRouter
from pydantic import ValidationError

from api.auth import Authentication
from api.errors import domain_error, misconfigured, serialize_error, unexpected_error
from api.formats import ResponseFormat
from api.head import HeadAsGet
from api.methods import MethodsNotAllowed
from api.openapi import Schema, spec
from api.request_body import RequestBody
from api.resources.capture import Capture, CaptureCors
from api.resources.dashboards import Dashboard, Dashboards
from api.resources.element_stats import ElementStats
from api.resources.elements import Element, Elements
from api.resources.insight_activity import InsightActivity
from api.resources.insight_views import InsightViewsResource
from api.resources.insights import Insight, Insights
from api.shapes import InsightPresenter
from api.validation import pydantic_error
from domain.errors import DomainError
from store.backend import Backend
from store.capture import CaptureService
from store.config import ConfigError
from store.dashboards import DashboardCommands
from store.elements import ElementCommands
from store.insight_history import InsightHistoryService
from store.insights import InsightCommands
from store.views import ViewCommands

PREFIXES = ("/api/projects/{project_id}", "/api/environments/{project_id}")
CAPTURE_PATHS = ("/e", "/capture", "/batch", "/i/v0/e")


def _json_handler() -> falcon.media.JSONHandler:
    return falcon.media.JSONHandler(dumps=orjson.dumps, loads=orjson.loads)


def create_app(backend: Backend) -> falcon.App:
    """A WSGI app serving every route on `backend`."""
    router = CompiledRouter()
    middleware: list[Any] = [
        HeadAsGet(),
        MethodsNotAllowed(router),
        RequestBody(),
        ResponseFormat(),
        Authentication(backend.accounts),
        CaptureCors(),
    ]
    app = falcon.App(router=router, middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = _json_handler()
    app.set_error_serializer(serialize_error)
    app.add_error_handler(Exception, unexpected_error)
    app.add_error_handler(DomainError, domain_error)
    app.add_error_handler(ValidationError, pydantic_error)
    app.add_error_handler(ConfigError, misconfigured)

    presenter = InsightPresenter(backend.insights, backend.accounts, backend.dashboards)
    insight_commands = InsightCommands(backend)
    dashboard_commands = DashboardCommands(backend)
    views = backend.insight_views
    history = InsightHistoryService(backend)
    insights = Insights(insight_commands, backend.insights, presenter, views, backend.clock)
    insight = Insight(
        insight_commands,
        backend.insights,
        presenter,
        views,
        backend.clock,
        backend.insight_history,
        history,
    )
    activity = InsightActivity(backend.insight_history, history, backend.insights, presenter)
    insight_views = InsightViewsResource(
        ViewCommands(backend), views, backend.insights, presenter, backend.clock
    )
    dashboards = Dashboards(dashboard_commands, backend.dashboards, backend.accounts)
    dashboard = Dashboard(dashboard_commands, backend.dashboards, backend.accounts)
    element_commands = ElementCommands(backend)
    elements = Elements(element_commands, backend.elements)
    element = Element(element_commands, backend.elements)
    element_stats = ElementStats(backend.analytics, backend.clock)
    for prefix in PREFIXES:
        app.add_route(f"{prefix}/insights", insights)
        app.add_route(f"{prefix}/insights/cancel", insights, suffix="cancel")
        app.add_route(f"{prefix}/insights/generate_metadata", insights, suffix="generate_metadata")
        for action in ("viewed", "my_last_viewed", "trending"):
            app.add_route(f"{prefix}/insights/{action}", insight_views, suffix=action)
        app.add_route(f"{prefix}/insights/activity", activity, suffix="all")
        app.add_route(f"{prefix}/insights/{{insight_id}}/activity", activity, suffix="activity")
        app.add_route(f"{prefix}/insights/{{insight_id}}/revert", activity, suffix="revert")
        app.add_route(f"{prefix}/insights/{{insight_id}}", insight)
        app.add_route(f"{prefix}/dashboards", dashboards)
        app.add_route(f"{prefix}/dashboards/{{dashboard_id}}", dashboard)
        app.add_route(f"{prefix}/elements", elements)
        app.add_route(f"{prefix}/elements/stats", element_stats, suffix="stats")
        app.add_route(f"{prefix}/elements/values", element_stats, suffix="values")
        app.add_route(f"{prefix}/elements/{{element_id}}", element)
    capture = Capture(CaptureService(backend), backend.accounts)
    for path in CAPTURE_PATHS:
        app.add_route(path, capture)
    app.add_route("/api/schema", Schema())
    spec.app = app
    return app
