"""Dashboard request and response models (the minimal dashboards API)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.schemas.common import NotNull, UserBasicOut, trimmed
from domain.dashboard import MAX_NAME_LENGTH


class DashboardWrite(BaseModel):
    """Writable dashboard fields; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    name: Annotated[str | None, Field(max_length=MAX_NAME_LENGTH), BeforeValidator(trimmed)] = None
    description: Annotated[str | None, BeforeValidator(trimmed)] = None
    pinned: NotNull[bool] = None
    deleted: NotNull[bool] = Field(None, description="Soft delete (true) or restore (false).")

    def sent_values(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return {field: getattr(self, field) for field in self.model_fields_set}


class DashboardOut(BaseModel):
    """A dashboard in PostHog's basic shape."""

    id: int
    name: str | None
    description: str
    pinned: bool
    created_at: str
    created_by: UserBasicOut | None
    last_accessed_at: str | None
    is_shared: bool
    deleted: bool
    creation_mode: str
    tags: list[str]
    restriction_level: int
    effective_restriction_level: int
    effective_privilege_level: int
    user_access_level: str


class DashboardPageOut(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[DashboardOut]
