"""Request models for the screenings RPC: who is asking, and the search filters."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.contracts.rpc.common import Actor
from services.runtime.errors import ValidationFailed


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str | None = Field(None, max_length=60)
    state: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    leader_id: int | None = Field(None, gt=0)
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    kind: Literal["film_screening", "guided_discussion"] | None = None
    format: Literal["community_screening", "roll_call", "academy", "school_program"] | None = None
    status: Literal["submitted", "sent_back", "resubmitted", "scheduled", "cancelled", "completed"] | None = None
    film: str | None = Field(None, max_length=80)
    audience: str | None = Field(None, max_length=40)
    near_latitude: float | None = Field(None, ge=-90, le=90)
    near_longitude: float | None = Field(None, ge=-180, le=180)
    radius_miles: float = Field(50, gt=0, le=1000)
    ends_before: datetime | None = None
    # Held events (scheduled or completed) whose host has not filed the report yet.
    report_missing: bool = False
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)

    @field_validator("starts_from", "starts_before", "ends_before")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a UTC offset, e.g. 2026-05-01T00:00:00Z")
        return value


class CoverageWindow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_start: datetime
    window_end: datetime
    grouping: str | None = Field(None, max_length=60)

    @field_validator("window_start", "window_end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a UTC offset, e.g. 2026-05-01T00:00:00Z")
        return value


def parse(model: type[BaseModel], raw: Any, *, prefix: str = ""):
    """Validate `raw` or raise ValidationFailed naming each field."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed("must be an object", field=prefix or None)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed([
            {"field": ".".join([prefix, *map(str, err["loc"])] if prefix else map(str, err["loc"])) or prefix,
             "message": err["msg"]}
            for err in exc.errors()
        ]) from None


def actor(raw: Any) -> Actor:
    if raw is None:
        raise ValidationFailed("is required", field="actor")
    return parse(Actor, raw, prefix="actor")
