"""Insight request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Json,
    RootModel,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from api.pagination import lenient_int
from api.schemas.common import (
    BigInt,
    Int32,
    NotNull,
    PositiveInt,
    UserBasicOut,
    documented_not_null,
    in_utc,
    parse_date_param,
    trimmed,
    truthy,
)
from domain.insight import MAX_TAG_LENGTH, MAX_TEXT_LENGTH
from domain.instants import parse_instant
from projections.insight_filter import ORDER_COLUMNS
from store import json_codec

Text = Annotated[str | None, Field(max_length=MAX_TEXT_LENGTH), BeforeValidator(trimmed)]
MAX_SEARCH_LENGTH = 200
ORDER_VALUES = tuple(sorted({*ORDER_COLUMNS, *(f"-{name}" for name in ORDER_COLUMNS)}))


class InsightWrite(BaseModel):
    """The writable fields of an insight (create and PATCH); unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    name: Text = None
    derived_name: Text = None
    description: Text = None
    query: Any = Field(
        None, description="A query node: a JSON object whose `kind` is a known node kind."
    )
    filters: dict[str, Any] | None = Field(None, description="Legacy filter definition.")
    order: Int32 | None = None
    deleted: NotNull[bool] = Field(None, description="Soft delete (true) or restore (false).")
    dashboards: NotNull[list[BigInt]] = Field(None, description="Ids of the project's dashboards.")
    tags: NotNull[list[Annotated[str, Field(max_length=MAX_TAG_LENGTH)]]] = None
    favorited: NotNull[bool] = None
    saved: NotNull[bool] = None

    def sent_values(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return {field: getattr(self, field) for field in self.model_fields_set}


def _lenient_bool(value: Any) -> bool:
    return truthy(value)


def _presence(value: Any) -> bool:
    # NOTE: PostHog applies `user` and `favorited` whatever their value, even "false".
    return value is not None


def _saved(value: Any) -> bool | None:
    return None if value is None else truthy(value)


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        moment = parse_instant(str(value))
    except ValueError:
        raise PydanticCustomError(
            "invalid_input", "'{value}' is not an ISO-8601 date and time.", {"value": str(value)}
        ) from None
    return in_utc(moment)


def _search(value: Any) -> str | None:
    if value is None:
        return None
    if len(str(value)) > MAX_SEARCH_LENGTH:
        raise PydanticCustomError(
            "invalid_input", f"Search query must be {MAX_SEARCH_LENGTH} characters or fewer."
        )
    return str(value)


def _empty_is_absent(value: Any) -> Any:
    # NOTE: PostHog skips these filters when they are sent empty (`if tags_filter:`).
    return None if value == "" else value


DATE_FORMS = (
    "A date: absolute (2030-01-01, 2030-1-1 or an ISO-8601 date and time; UTC without an "
    "offset) or relative, [-]<n><unit>[Start|End] looking back from now, unit h, d, w, "
    "m (months), M (minutes), s, q (13 weeks) or y: -7d, -1m, dStart, -1wEnd."
)


def _date_param(description: str = "") -> Any:
    """A date query parameter: what it filters on (`description`) and the forms it takes."""
    return Field(None, description=f"{description} {DATE_FORMS}".strip())


# NOTE: the document shows what a client sends (text), not what it is parsed into.
DateParam = Annotated[
    datetime | None, BeforeValidator(parse_date_param), WithJsonSchema({"type": "string"})
]
IdsParam = Annotated[Json[list[BigInt]] | None, BeforeValidator(_empty_is_absent)]
TextsParam = Annotated[Json[list[str]] | None, BeforeValidator(_empty_is_absent)]


class InsightListParams(BaseModel):
    """Query parameters of the insights list (PostHog's filters, plus a strict `order`)."""

    model_config = ConfigDict(extra="ignore")

    basic: Annotated[bool, BeforeValidator(_lenient_bool)] = Field(
        False, description="Return the basic shape."
    )
    short_id: Annotated[str | None, BeforeValidator(_empty_is_absent)] = None
    search: Annotated[str | None, BeforeValidator(_search)] = Field(
        None, description="Exact then similar matches on names, descriptions and tags."
    )
    created_by: IdsParam = Field(None, description="JSON array of user ids.")
    user: Annotated[bool, BeforeValidator(_presence)] = Field(
        False, description="Any value: only the caller's insights."
    )
    favorited: Annotated[bool, BeforeValidator(_presence)] = Field(
        False, description="Any value: only favorited insights."
    )
    saved: Annotated[bool | None, BeforeValidator(_saved)] = None
    insight: str | None = Field(
        None, description="TRENDS, FUNNELS, RETENTION, PATHS, STICKINESS, LIFECYCLE, SQL or JSON."
    )
    date_from: DateParam = _date_param("last_modified_at after this date.")
    date_to: DateParam = _date_param("last_modified_at before this date.")
    created_date_from: DateParam = _date_param("created_at after this date.")
    created_date_to: DateParam = _date_param("created_at before this date.")
    last_viewed_date_from: DateParam = _date_param(
        "last_viewed_at after this date (never viewed: left out)."
    )
    last_viewed_date_to: DateParam = _date_param(
        "last_viewed_at before this date (never viewed: left out)."
    )
    dashboards: IdsParam = Field(None, description="JSON array of dashboard ids (all must match).")
    tags: TextsParam = Field(None, description="JSON array of tags (any may match).")
    events: TextsParam = Field(
        None, description="JSON array of event names the insight's query must all use."
    )
    feature_flag: str | None = Field(
        None,
        description="A flag key: insights broken down by `$feature/<key>` or filtering on it.",
    )
    hide_feature_flag_insights: Annotated[bool, BeforeValidator(_lenient_bool)] = Field(
        False, description="Truthy: leave out the insights generated for feature flags."
    )
    order: Annotated[
        Literal[ORDER_VALUES] | None,  # type: ignore[valid-type]
        BeforeValidator(_empty_is_absent),
    ] = Field(None, description="Sort field, optionally prefixed by '-'.")
    limit: int | None = Field(None, description="Page size (default 100).")
    offset: int | None = None
    format: Literal["json", "csv"] | None = None

    @field_validator("tags", "events", "feature_flag")
    @classmethod
    def _no_nul(cls, value: list[str] | str | None) -> list[str] | str | None:
        texts = [value] if isinstance(value, str) else value or []
        if any("\x00" in text for text in texts):
            raise PydanticCustomError(
                "null_characters_not_allowed", "Null characters are not allowed."
            )
        return value

    @field_validator("limit", "offset", mode="before")
    @classmethod
    def _lenient_int(cls, value: Any, info: ValidationInfo) -> int | None:
        # NOTE: DRF falls back to the default for anything that is not a valid number.
        return lenient_int(None if value is None else str(value))


def _json_object(value: Any, info: ValidationInfo) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        parsed = json_codec.loads(str(value))
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise PydanticCustomError(
            "invalid_input", f"Invalid JSON passed in {info.field_name} parameter"
        )
    return parsed


# Sent as JSON text, as pydantic's Json[...] parameters are documented.
JsonObjectParam = Annotated[
    dict[str, Any] | None,
    BeforeValidator(_json_object),
    WithJsonSchema(
        {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"type": "object"},
        }
    ),
]


class InsightRetrieveParams(BaseModel):
    """Query parameters of a single insight, including time travel."""

    model_config = ConfigDict(extra="ignore")

    basic: Annotated[bool, BeforeValidator(_lenient_bool)] = False
    from_dashboard: BigInt | None = Field(
        None, description="A dashboard the insight is shown on: adds its tile's color and layouts."
    )
    # Dashboard filters change query results, which are not computed here: checked, not applied.
    filters_override: JsonObjectParam = None
    variables_override: JsonObjectParam = None
    tile_filters_override: JsonObjectParam = None
    version: PositiveInt | None = Field(
        None, description="The insight as it was after its N-th event."
    )
    as_of: Annotated[
        datetime | None, BeforeValidator(_instant), WithJsonSchema({"type": "string"})
    ] = Field(
        None,
        description=(
            "The insight as it was at this instant: an ISO-8601 date or date and time "
            "(a fraction of a second is read to the microsecond); UTC without an offset."
        ),
    )
    format: Literal["json", "csv"] | None = None


class DashboardTileOut(BaseModel):
    id: int
    dashboard_id: int
    deleted: bool | None


class InsightBasicOut(BaseModel):
    """PostHog's InsightBasic shape."""

    id: int
    short_id: str
    name: str | None
    derived_name: str | None
    filters: dict[str, Any]
    query: dict[str, Any] | None
    dashboards: list[int]
    dashboard_tiles: list[DashboardTileOut]
    description: str | None
    last_refresh: str | None
    refreshing: bool
    saved: bool
    tags: list[str]
    updated_at: str
    created_by: UserBasicOut | None
    created_at: str
    last_modified_at: str
    favorited: bool
    user_access_level: str | None
    last_viewed_at: str | None
    search_match_type: Literal["exact", "similar"] | None = Field(
        None, description="Present only when the list was searched."
    )


class InsightOut(InsightBasicOut):
    """PostHog's full Insight shape; results and cache fields are null until queries run."""

    order: int | None
    deleted: bool
    cache_target_age: str | None
    next_allowed_client_refresh: str | None
    result: Any
    hasMore: bool | None
    columns: list[str] | None
    last_modified_by: UserBasicOut | None
    is_sample: bool
    effective_restriction_level: int
    effective_privilege_level: int
    timezone: str | None
    is_cached: bool
    query_status: dict[str, Any] | None
    hogql: str | None
    types: list[Any] | None
    resolved_date_range: dict[str, Any] | None
    alerts: list[Any]
    filters_hash: str | None


class InsightOrBasicOut(RootModel[InsightOut | InsightBasicOut]):
    """An insight: the basic shape with `basic=true`, else the full one."""


class InsightPageOut(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[InsightOut | InsightBasicOut]


class GenerateMetadataIn(BaseModel):
    """A query to name and describe."""

    # NOTE: `query` is checked by domain/insight_metadata.py `describe` (PostHog's message),
    # not by this model; the document still says it is required.
    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["query"]})

    query: Any = Field(
        None,
        description="An InsightVizNode, DataVisualizationNode or DataTableNode.",
        json_schema_extra=documented_not_null,
    )


class GenerateMetadataOut(BaseModel):
    name: str = Field(max_length=100)
    description: str = Field(max_length=200)


class CancelIn(BaseModel):
    """The client query id of a running query."""

    # NOTE: its presence is checked by `Insights.on_post_cancel` (PostHog's message), not by
    # this model; the document still says it is required.
    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["client_query_id"]})

    client_query_id: Any = Field(None, description="The id the client gave its query.")
