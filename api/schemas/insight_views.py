"""Request and response models of views, my_last_viewed and trending."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import UserBasicOut
from api.schemas.insights import InsightBasicOut
from domain.insight_views import MAX_INSIGHT_IDS

BigInt = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
MAX_TRENDING_LIMIT = 100


class ViewedIn(BaseModel):
    """The insights the caller just viewed."""

    model_config = ConfigDict(extra="ignore")

    insight_ids: list[BigInt] = Field(min_length=1, max_length=MAX_INSIGHT_IDS)


class TrendingParams(BaseModel):
    """Window and page of trending insights."""

    model_config = ConfigDict(extra="ignore")

    days: int = Field(7, description="Count viewers of the last N days (negative: none).")
    limit: int = Field(10, ge=0, description=f"At most {MAX_TRENDING_LIMIT}.")
    offset: int = Field(0, ge=0)


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
