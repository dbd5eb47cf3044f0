"""What the capture endpoints take and answer, for the OpenAPI document. The bodies are
read by api/capture_body.py and checked event by event by domain/analytics_event.py, which
also accept what these models cannot say: gzip, and base64 JSON in a form's `data` field."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel


class CapturedEventIn(BaseModel):
    """One event as PostHog's SDKs send it."""

    model_config = ConfigDict(extra="allow")

    event: str = Field(max_length=200, examples=["$autocapture"])
    distinct_id: str | int | None = Field(
        None,
        description=(
            "Required, unless given as `properties.distinct_id` or `properties.$distinct_id`."
        ),
    )
    properties: dict[str, Any] = Field(
        default_factory=dict, description="`$elements_chain` or `$elements` make a click."
    )
    timestamp: str | None = Field(None, description="ISO 8601; the time of capture otherwise.")
    offset: int | None = Field(None, description="Milliseconds before `sent_at`.")
    uuid: str | None = Field(None, description="An event sent again with it is stored once.")
    api_key: str | None = Field(
        None, description="The project's phc_ token (or `token`, or `properties.token`)."
    )


class CaptureBatchIn(BaseModel):
    """A batch of events, as posthog-python and posthog-js send them."""

    model_config = ConfigDict(extra="allow")

    api_key: str | None = Field(None, description="The project's phc_ token, for every event.")
    batch: list[CapturedEventIn]
    sent_at: str | None = Field(None, description="ISO 8601: what each event's offset counts from.")


class CaptureIn(RootModel[CaptureBatchIn | CapturedEventIn | list[CapturedEventIn]]):
    """One event, a batch, or a list of events."""


class CaptureQuery(BaseModel):
    """The query string of posthog-js' image fallback."""

    data: str = Field(description="The body, base64-encoded JSON (or gzip with compression).")
    compression: Literal["gzip-js", "gzip", "base64"] | None = None
    token: str | None = Field(None, description="The project's phc_ token.")
    api_key: str | None = Field(None, description="The project's phc_ token (as `token`).")
    format: Literal["json", "csv"] | None = None


class CaptureOut(BaseModel):
    """Every event of the request is stored."""

    status: Literal[1]
