"""Request and response models of views, my_last_viewed and trending."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import BigInt, Integer, NonNegativeInt, UserBasicOut
from api.schemas.insights import InsightBasicOut
from domain.insight_views import MAX_INSIGHT_IDS

MAX_TRENDING_LIMIT = 100


class ViewedIn(BaseModel):
    """The insights the caller just viewed."""

    model_config = ConfigDict(extra="ignore")

    insight_ids: list[BigInt] = Field(min_length=1, max_length=MAX_INSIGHT_IDS)


class TrendingParams(BaseModel):
    """Window and page of trending insights."""

    model_config = ConfigDict(extra="ignore")

    days: Integer = Field(7, description="Count viewers of the last N days (negative: none).")
    limit: NonNegativeInt = Field(10, description=f"At most {MAX_TRENDING_LIMIT}.")
    offset: NonNegativeInt = 0
    format: Literal["json", "csv"] | None = None


class TrendingInsightOut(InsightBasicOut):
    """InsightBasic plus who viewed it lately."""

    view_count: int
    viewers: list[UserBasicOut]
    last_modified_by: UserBasicOut | None


class TrendingPageOut(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[TrendingInsightOut]
