"""The envelope every event travels in (DESIGN.md §3)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic.networks import validate_email


@lru_cache(maxsize=65536)
def _checked_email(value: str) -> str:
    return validate_email(value)[1]


# pydantic's EmailStr with a memory: the same address arrives in many events (and again
# in the events a consumer publishes about it), and checking it is costly.
Email = Annotated[str, AfterValidator(_checked_email), WithJsonSchema({"type": "string", "format": "email"})]


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: uuid.UUID
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    occurred_at: datetime
    source: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    data: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a UTC offset")
        return value.astimezone(timezone.utc)


class Payload(BaseModel):
    """Base for every event payload: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Event(BaseModel):
    """An envelope whose `data` has been validated against its payload model."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    event_id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    source: str
    data: Any  # the payload model instance
