"""The eventsourcing Application that records every aggregate of insightlog."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoder

from domain.dashboard import Dashboard
from domain.element import Element
from domain.environment import Environment
from domain.insight import Insight
from domain.insight_views import ViewBatch
from domain.organization import Organization
from domain.personal_api_key import PersonalApiKey
from domain.project import Project
from domain.user import User
from store.transcoder import EventTranscoder

# Every aggregate type whose events may be found in the logs. Importing them registers
# their explicit topics, so any stored event can be decoded, whatever else was imported.
AGGREGATE_TYPES: tuple[type[Aggregate], ...] = (
    Organization,
    Project,
    Environment,
    User,
    PersonalApiKey,
    Dashboard,
    Insight,
    Element,
    # Since version 2 of the views read model, views have a log of their own; batches of
    # earlier versions stay in the main log.
    ViewBatch,
)


class EventStore(Application[UUID]):
    """One notification log for every aggregate, so projections and the audit trail
    read a single ordered stream."""

    name = "insightlog"
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "5000"}
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Insight: 100}

    def construct_transcoder(self) -> Transcoder:
        transcoder = EventTranscoder()
        self.register_transcodings(transcoder)
        return transcoder


class ViewStore(Application[UUID]):
    """The log of insight views. Its own events table (its own file on SQLite), so appending
    views never queues behind the table lock that orders every other write (their read-model
    rows are then written to the main database, as every read model's are)."""

    name = "insightlog_views"
