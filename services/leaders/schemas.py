"""Validation of RPC arguments that the domain does not already check (ids, paging, filters).

Profile, application and CSV contents are validated by the domain itself; these models
cover the rest, and `validated` turns pydantic's errors into ValidationFailed naming
each field.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, ValidationError

from services.contracts.rpc.common import Actor
from services.runtime.errors import ValidationFailed

from .domain.applications import APPLICATION_STATUSES
from .domain.leader import LEADER_STATUSES

Model = TypeVar("Model", bound=BaseModel)

RecordId = Annotated[StrictInt, Field(gt=0)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
MAX_PAGE_SIZE = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paging(_Strict):
    page: Annotated[StrictInt, Field(ge=1)] = 1
    limit: Annotated[StrictInt, Field(ge=1, le=MAX_PAGE_SIZE)] = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class ApplicationQuery(Paging):
    status: Literal[APPLICATION_STATUSES] | None = None  # type: ignore[valid-type]


class DirectoryQuery(Paging):
    region: ShortText | None = None
    state: ShortText | None = None
    expertise: str | list[str] | None = None
    grouping: ShortText | None = None


class NearQuery(DirectoryQuery):
    """The directory around a point: leaders within `radius_miles`, nearest first."""
    near_latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    near_longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    radius_miles: Annotated[float, Field(gt=0, le=1000)] = 50


class RosterQuery(DirectoryQuery):
    status: Literal[LEADER_STATUSES] | None = None  # type: ignore[valid-type]
    name: ShortText | None = None  # part of the leader's name, any case


class LeaderRef(_Strict):
    leader_id: RecordId


class ApplicationDecision(_Strict):
    """A program manager's decision on an application; `actor` is who decides (recorded as
    `decided_by`, e.g. "manager:7")."""

    application_id: RecordId
    actor: Actor | None = None
    confirm_over_target: StrictBool = False

    @property
    def decided_by(self) -> str | None:
        return None if self.actor is None else self.actor.audit_name


class CoverageQuery(_Strict):
    grouping: ShortText | None = None
    as_of: date | None = None


class TargetChange(_Strict):
    target: Annotated[StrictInt, Field(ge=0, le=10_000)]


def validated(model: type[Model], **values: Any) -> Model:
    """`model` built from `values`; a ValidationFailed naming each bad field otherwise."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        # The argument's own name: pydantic's deeper locations name union members ("str").
        raise ValidationFailed([
            {"field": str(error["loc"][0]) if error["loc"] else "input", "message": error["msg"]}
            for error in exc.errors()
        ]) from None


def mapping(value: Any, field: str) -> Mapping[str, Any]:
    """Refuse anything but an object where the domain expects named fields."""
    if not isinstance(value, Mapping):
        raise ValidationFailed("must be an object of named fields", field=field)
    return value


def text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationFailed("must be text", field=field)
    return value
