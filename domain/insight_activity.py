"""How an insight event reads in PostHog's activity log: its verb and its detected changes.

The events already carry every changed field's value before and after; this applies
PostHog's rules on top: which fields are tracked, empty values equal one another, and the
dashboards change is listed by id and name. The audit log (`recorded_changes`) lists every
field, and a change between two empty values too.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from domain.insight import Insight
from domain.json_values import same_json

# PostHog's tracked insight fields, in its model's order; `order` and `saved` are excluded.
TRACKED_FIELDS = (
    "name",
    "derived_name",
    "description",
    "filters",
    "query",
    "deleted",
    "favorited",
    "tags",
    "dashboards",
)
SCOPE = "Insight"


def _empty(value: Any) -> bool:
    # NOTE: False and 0 are real values; only absent, "" and empty collections are empty.
    return value is None or (isinstance(value, str | list | dict | tuple) and not value)


def _change(field: str, before: Any, after: Any) -> dict[str, Any] | None:
    if field == "dashboards":
        # PostHog's synthetic change: always "changed", both sides as [{id, name}].
        return {
            "type": SCOPE,
            "action": "changed",
            "field": field,
            "before": before or [],
            "after": after or [],
        }
    if _empty(before) and _empty(after):
        return None
    if _empty(before):
        return {"type": SCOPE, "action": "created", "field": field, "before": None, "after": after}
    if _empty(after):
        return {"type": SCOPE, "action": "deleted", "field": field, "before": before, "after": None}
    if same_json(before, after):
        return None
    return _changed(field, before, after)


def _changed(field: str, before: Any, after: Any) -> dict[str, Any]:
    return {"type": SCOPE, "action": "changed", "field": field, "before": before, "after": after}


def linked_dashboards(event: Any) -> set[int]:
    """The dashboards on either side of an event's change of dashboards: those whose deletion
    at the time would hide them from its activity entry."""
    return {
        ref["id"]
        for change in getattr(event, "changes", [])
        if change["field"] == "dashboards"
        for side in ("before", "after")
        for ref in change[side] or []
    }


def activity_changes(event: Any, hidden: Collection[int] = ()) -> list[dict[str, Any]] | None:
    """The changes an event shows in the activity log (None for a creation); links to the
    `hidden` dashboards (deleted then) are not shown."""
    if isinstance(event, Insight.Created):
        return None
    recorded = {change["field"]: change for change in event.changes}
    if hidden and "dashboards" in recorded:
        before, after = (
            [ref for ref in recorded["dashboards"][side] or [] if ref["id"] not in hidden]
            for side in ("before", "after")
        )
        recorded = {**recorded, "dashboards": {"before": before, "after": after}}
        if before == after:
            del recorded["dashboards"]
    changes = []
    for field in TRACKED_FIELDS:
        if field in recorded:
            change = _change(field, recorded[field]["before"], recorded[field]["after"])
            if change is not None:
                changes.append(change)
    return changes


def recorded_changes(event: Any) -> list[dict[str, Any]] | None:
    """Every change an event records (None for a creation), in the activity log's order and
    shape, then the fields PostHog's log leaves out (`order`, `saved`). Unlike the activity
    log, a change between two empty values (null and "") is listed too. An update of nothing
    but the modification time has none."""
    if isinstance(event, Insight.Created):
        return None
    recorded = {change["field"]: change for change in event.changes}
    fields = [
        *(field for field in TRACKED_FIELDS if field in recorded),
        *(field for field in recorded if field not in TRACKED_FIELDS),
    ]
    changes = []
    for field in fields:
        before, after = recorded[field]["before"], recorded[field]["after"]
        change = _change(field, before, after)
        if change is None and _empty(before) and _empty(after):
            change = _changed(field, before, after)
        if change is not None:
            changes.append(change)
    return changes


def activity_verb(event: Any) -> str | None:
    """created, updated, deleted or restored; None when the event shows no activity (an
    update that changed only untracked fields, or nothing but the modification time)."""
    if isinstance(event, Insight.Created):
        return "created"
    if isinstance(event, Insight.Deleted):
        return "deleted"
    if isinstance(event, Insight.Restored):
        return "restored"
    if isinstance(event, Insight.Updated) and activity_changes(event):
        return "updated"
    return None
