"""Element request and response models: PostHog's nine fields, plus our integer id."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Int32, NotNull
from domain.element import MAX_CLASS_LENGTH, MAX_LENGTHS


class ElementWrite(BaseModel):
    """Writable element fields; none is required and unknown keys are ignored. PUT is
    partial too, as in PostHog."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    text: Annotated[str | None, Field(max_length=MAX_LENGTHS["text"])] = None
    tag_name: Annotated[str | None, Field(max_length=MAX_LENGTHS["tag_name"])] = None
    attr_class: list[Annotated[str, Field(max_length=MAX_CLASS_LENGTH)]] | None = None
    href: Annotated[str | None, Field(max_length=MAX_LENGTHS["href"])] = None
    attr_id: Annotated[str | None, Field(max_length=MAX_LENGTHS["attr_id"])] = None
    nth_child: Int32 | None = None
    nth_of_type: Int32 | None = None
    attributes: NotNull[Any] = Field(
        None, description="Any JSON value but null; {} when never set."
    )
    order: Int32 | None = None

    def sent_values(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return {field: getattr(self, field) for field in self.model_fields_set}


class _ElementFieldsOut(BaseModel):
    text: str | None
    tag_name: str | None
    attr_class: list[str] | None
    href: str | None
    attr_id: str | None
    nth_child: int | None
    nth_of_type: int | None


class ElementOut(_ElementFieldsOut):
    id: int
    attributes: Any
    order: int | None


class ElementPageOut(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[ElementOut]


class ChainElementOut(_ElementFieldsOut):
    """An element of a chain: PostHog's nine fields, no id."""

    attributes: dict[str, str]
    order: int


class ElementStatOut(BaseModel):
    count: int
    hash: str = Field(description="64-bit hash of the raw chain, lower-case hex, unpadded.")
    type: str
    elements: list[ChainElementOut]


class ElementStatsOut(BaseModel):
    results: list[ElementStatOut]
    next: str | None
    previous: str | None


class ElementValueOut(BaseModel):
    name: str
