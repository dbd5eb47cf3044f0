"""Activity log, time travel and revert models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import PositiveInt


class ActivityParams(BaseModel):
    """Page-number pagination of the activity log."""

    model_config = ConfigDict(extra="ignore")

    page: PositiveInt = Field(1, description="From 1.")
    limit: PositiveInt = Field(10, description="Entries per page.")
    format: Literal["json", "csv"] | None = None


class ActivityUserOut(BaseModel):
    first_name: str
    email: str | None
    is_system: bool | None = Field(None, description="Present, and true, for system actors.")


class ChangeOut(BaseModel):
    type: str
    action: Literal["created", "changed", "deleted"]
    field: str
    before: Any
    after: Any


class ActivityDetailOut(BaseModel):
    changes: list[ChangeOut] | None
    trigger: dict[str, Any] | None
    name: str | None
    short_id: str
    type: str | None


class ActivityEntryOut(BaseModel):
    """One entry, as PostHog's activity serializer gives it."""

    id: str
    user: ActivityUserOut
    activity: Literal["created", "updated", "deleted", "restored"]
    scope: Literal["Insight"]
    item_id: str
    detail: ActivityDetailOut
    created_at: str


class ActivityPageOut(BaseModel):
    results: list[ActivityEntryOut]
    next: str | None
    previous: str | None
    total_count: int


class RevertIn(BaseModel):
    """The version whose editable fields the insight takes again."""

    model_config = ConfigDict(extra="ignore")

    version: PositiveInt
