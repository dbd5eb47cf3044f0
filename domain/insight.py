"""The Insight aggregate: a saved analytics question, its edits, soft delete and restore."""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInputError, NotFoundError
from domain.ids import NAMESPACE
from domain.insight_query import check_query
from domain.json_values import same_json
from domain.text import check_text

MAX_TEXT_LENGTH = 400
MAX_TAG_LENGTH = 255
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
TEXT_FIELDS = ("name", "derived_name", "description")
# NOTE: PostHog's MATERIAL_INSIGHT_FIELDS: only these touch last_modified_at/by.
MATERIAL_FIELDS = frozenset({"name", "description", "filters"})
EDITABLE_FIELDS = (
    "name",
    "derived_name",
    "description",
    "query",
    "filters",
    "order",
    "favorited",
    "saved",
    "tags",
    "dashboards",
    "deleted",
)
# Reverting restores what an insight says (its dashboards compared by id), not whether it is
# deleted.
REVERTED_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("deleted", "dashboards"))
DEFAULTS: dict[str, Any] = {
    "name": None,
    "derived_name": None,
    "description": None,
    "query": None,
    "filters": {},
    "order": None,
    "favorited": False,
    "saved": True,
    "tags": [],
    "dashboards": [],
    "deleted": False,
}

DashboardRef = dict[str, Any]
"""A dashboard as an insight's events name it: {"id": int, "name": str | None}."""


class InsightNotFoundError(NotFoundError):
    """No such insight in this project, or it is soft-deleted."""


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Trim, lower-case and de-duplicate tags; sorted so equal sets compare equal."""
    normalized = set()
    for tag in tags:
        check_text(tag, "tags", MAX_TAG_LENGTH)
        normalized.add(tag.strip().lower())
    normalized.discard("")
    return sorted(normalized)


def normalize_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check every editable field in `values` and return them in canonical form."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown insight field {min(unknown)}.")
    result: dict[str, Any] = {}
    for field, value in values.items():
        if field in TEXT_FIELDS:
            result[field] = check_text(value, field, MAX_TEXT_LENGTH)
        elif field == "query":
            check_query(value)
            result[field] = copy.deepcopy(value)
        elif field == "filters":
            result[field] = copy.deepcopy(value) if value else {}
        elif field == "order":
            if value is not None and not INT32_MIN <= value <= INT32_MAX:
                raise InvalidInputError(
                    "Ensure this value is a 32-bit integer.", attr="order", code="invalid_input"
                )
            result[field] = value
        elif field == "tags":
            result[field] = normalize_tags(value or [])
        elif field == "dashboards":
            result[field] = _normalize_dashboards(value or [])
        else:
            result[field] = bool(value)
    return result


def _normalize_dashboards(refs: Iterable[DashboardRef]) -> list[DashboardRef]:
    by_id = {int(ref["id"]): {"id": int(ref["id"]), "name": ref.get("name")} for ref in refs}
    return [by_id[key] for key in sorted(by_id)]


def _ids(refs: Iterable[DashboardRef]) -> list[int]:
    return [ref["id"] for ref in refs]


class Insight(Aggregate):
    """An insight: editable fields plus who created and last modified it, and when."""

    TOPIC = "insightlog.Insight"

    @staticmethod
    def create_id(insight_id: int) -> UUID:
        return uuid5(NAMESPACE, f"/insights/{insight_id}")

    class Created(Aggregate.Created):
        TOPIC = "insightlog.Insight.Created"
        insight_id: int
        project_id: int
        environment_id: int
        short_id: str
        actor_id: int | None
        values: dict[str, Any]
        new_tiles: dict[str, int]

    class Changed(Aggregate.Event):
        """Base of every change: each changed field's value before and after."""

        TOPIC = "insightlog.Insight.Changed"
        insight_id: int
        project_id: int
        environment_id: int
        short_id: str
        name: str | None
        """The insight's name (or derived name) after the change, as the audit trail shows it."""
        actor_id: int | None
        changes: list[dict[str, Any]]
        modified: bool
        new_tiles: dict[str, int]
        trigger: dict[str, Any] | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Insight)
            aggregate.apply_changes(self)

    class Updated(Changed):
        TOPIC = "insightlog.Insight.Updated"

    class Deleted(Changed):
        TOPIC = "insightlog.Insight.Deleted"

    class Restored(Changed):
        TOPIC = "insightlog.Insight.Restored"

    def __init__(
        self,
        insight_id: int,
        project_id: int,
        environment_id: int,
        short_id: str,
        actor_id: int | None,
        values: dict[str, Any],
        new_tiles: dict[str, int],
    ) -> None:
        self.insight_id = insight_id
        self.project_id = project_id
        self.environment_id = environment_id
        self.short_id = short_id
        self.created_by = actor_id
        self.last_modified_by = actor_id
        self.last_modified_at: datetime = self.created_on
        # NOTE: values are never changed in place, only replaced, so sharing them with the
        # (immutable) events that carry them is safe and spares a copy on every replay.
        self.values: dict[str, Any] = {**DEFAULTS, **values}
        # Every tile this insight ever had, by dashboard id; re-adding a dashboard
        # reactivates its old tile as PostHog does.
        self.tiles: dict[str, int] = dict(new_tiles)

    @classmethod
    def create(
        cls,
        *,
        insight_id: int,
        project_id: int,
        environment_id: int,
        short_id: str,
        actor_id: int | None,
        at: datetime,
        values: Mapping[str, Any],
        new_tiles: Mapping[int, int],
    ) -> Insight:
        """Create an insight from already-allocated ids and the caller's field values."""
        normalized = normalize_values(values)
        if normalized.get("deleted"):
            # Created deleted: on no dashboard, as a soft delete would leave it.
            normalized["dashboards"] = []
        linking = set(_ids(normalized.get("dashboards", [])))
        new_tiles = {d: t for d, t in new_tiles.items() if d in linking}
        _check_tiles(normalized.get("dashboards", []), {}, new_tiles)
        return cls._create(
            cls.Created,
            id=cls.create_id(insight_id),
            timestamp=at,
            insight_id=insight_id,
            project_id=project_id,
            environment_id=environment_id,
            short_id=short_id,
            actor_id=actor_id,
            values=normalized,
            new_tiles={str(k): v for k, v in new_tiles.items()},
        )

    @property
    def deleted(self) -> bool:
        return bool(self.values["deleted"])

    @property
    def dashboard_ids(self) -> list[int]:
        return _ids(self.values["dashboards"])

    def differences_from(self, past: Insight) -> dict[str, Any]:
        """What an update must send to make this insight what `past` (itself at an earlier
        version) was: only the fields that differ (dashboards as ids), plus `saved`; {} when
        nothing does. Whether it is deleted is not reverted."""
        values = {
            field: past.values[field]
            for field in REVERTED_FIELDS
            if not same_json(past.values[field], self.values[field])
        }
        if past.dashboard_ids != self.dashboard_ids:
            values["dashboards"] = past.dashboard_ids
        if values:
            # An update saves the insight unless told otherwise: restore `saved` as it was.
            values["saved"] = past.values["saved"]
        return values

    def dashboards_needing_tiles(self, dashboard_ids: Iterable[int]) -> list[int]:
        """Dashboards that would get a brand-new tile (never linked before)."""
        return sorted({d for d in dashboard_ids if str(d) not in self.tiles})

    def update(
        self,
        *,
        environment_id: int,
        actor_id: int | None,
        at: datetime,
        values: Mapping[str, Any],
        new_tiles: Mapping[int, int] | None = None,
        trigger: dict[str, Any] | None = None,
        dashboard_names: Mapping[int, str | None] | None = None,
        hidden_dashboards: Collection[int] = (),
    ) -> bool:
        """Apply a partial update; returns False when it changes nothing at all.
        `dashboard_names` are the linked dashboards' names now (they may have been renamed);
        `hidden_dashboards` those of them deleted now, whose links a new set keeps."""
        restoring = self.deleted and values.get("deleted") is False
        if self.deleted and not restoring:
            raise InsightNotFoundError()
        normalized = normalize_values(values)
        # NOTE: PostHog repairs legacy rows: every update saves the insight unless told not to.
        normalized.setdefault("saved", True)
        deleting = not self.deleted and normalized.get("deleted") is True
        if deleting:
            # Soft delete takes the insight off every dashboard.
            normalized["dashboards"] = []
        elif "dashboards" in normalized and hidden_dashboards:
            # PostHog replaces only the links it shows: one to a deleted dashboard stays, and
            # shows again when the dashboard is restored.
            sent = set(_ids(normalized["dashboards"]))
            kept = [
                ref
                for ref in self.values["dashboards"]
                if ref["id"] in hidden_dashboards and ref["id"] not in sent
            ]
            normalized["dashboards"] = sorted(
                [*normalized["dashboards"], *kept], key=lambda ref: ref["id"]
            )
        linking = set(_ids(normalized.get("dashboards", [])))
        tiles = {
            d: t for d, t in (new_tiles or {}).items() if d in linking and str(d) not in self.tiles
        }
        _check_tiles(normalized.get("dashboards", []), self.tiles, tiles)
        names = dashboard_names or {}
        before = {
            **self.values,
            "dashboards": [
                {"id": ref["id"], "name": names.get(ref["id"], ref["name"])}
                for ref in self.values["dashboards"]
            ],
        }
        if "dashboards" in normalized and sorted(_ids(normalized["dashboards"])) == sorted(
            _ids(self.values["dashboards"])
        ):
            # The same dashboards: a rename since they were linked is no change of the insight.
            del normalized["dashboards"]
        changes = [
            {"field": field, "before": before[field], "after": value}
            for field, value in normalized.items()
            if not same_json(value, self.values[field])
        ]
        modified = bool(MATERIAL_FIELDS & set(normalized))
        if not changes and not modified:
            return False
        event_class = self.Deleted if deleting else self.Restored if restoring else self.Updated
        after = {**self.values, **normalized}
        self.trigger_event(
            event_class,
            timestamp=at,
            insight_id=self.insight_id,
            project_id=self.project_id,
            environment_id=environment_id,
            short_id=self.short_id,
            name=after["name"] or after["derived_name"],
            actor_id=actor_id,
            changes=changes,
            modified=modified,
            new_tiles={str(k): v for k, v in tiles.items()},
            trigger=trigger,
        )
        return True

    def apply_changes(self, event: Insight.Changed) -> None:
        for change in event.changes:
            self.values[change["field"]] = change["after"]
        self.tiles.update(event.new_tiles)
        if event.modified:
            self.last_modified_at = event.timestamp
            self.last_modified_by = event.actor_id


def _check_tiles(
    dashboards: list[DashboardRef], known: Mapping[str, int], new_tiles: Mapping[int, int]
) -> None:
    missing = [
        ref["id"]
        for ref in dashboards
        if str(ref["id"]) not in known and ref["id"] not in new_tiles
    ]
    if missing:
        raise InvalidInputError(f"No tile id was allocated for dashboard {missing[0]}.")
