"""Validation of mentorship RPC arguments that the domain does not already check: ids,
paging, filters, and the acting manager."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from services.contracts.rpc.common import Actor as Caller
from services.runtime.errors import Forbidden, ValidationFailed

# The roster's argument checks, shared by the whole service.
from ..schemas import MAX_PAGE_SIZE, Paging, RecordId, ShortText, mapping, validated
from .domain.lifecycle import Actor, RequestState

MENTORSHIP_STATES = tuple(state.value for state in RequestState)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequestRef(_Strict):
    request_id: RecordId


class LeaderAction(RequestRef):
    leader_id: RecordId


class LeaderRef(_Strict):
    leader_id: RecordId


class UrgentListQuery(_Strict):
    open_only: StrictBool = False
    limit: Annotated[StrictInt, Field(ge=1, le=MAX_PAGE_SIZE)] = 50


class AgreedLength(_Strict):
    agreed_days: Annotated[StrictInt, Field(ge=1, le=365)] | None = None


class CandidateQuery(RequestRef):
    limit: Annotated[StrictInt, Field(ge=1, le=MAX_PAGE_SIZE)] = 10


class MentorshipQuery(Paging):
    """`state` is the request's lifecycle state, `state_code` the requester's US state."""

    state: Literal[MENTORSHIP_STATES] | None = None  # type: ignore[valid-type]
    region: ShortText | None = None
    state_code: ShortText | None = None
    overdue: StrictBool | None = None
    grouping: ShortText | None = None


class MentorshipCoverageQuery(_Strict):
    grouping: ShortText | None = None
    window_start: date | datetime | None = None
    window_end: date | datetime | None = None


def acting_manager(raw: Any) -> Actor:
    """The program manager acting, as the audit trail records them ("manager:<account
    id>", the caller's `audit_name`). Anyone else is refused."""
    if raw is None:
        raise ValidationFailed("is required", field="actor")
    if not isinstance(raw, (Caller, Mapping)):
        raise ValidationFailed("must be an object", field="actor")
    try:
        caller = Caller.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed([
            {"field": ".".join(["actor", *map(str, error["loc"])]), "message": error["msg"]}
            for error in exc.errors()
        ]) from None
    if not caller.manager:
        raise Forbidden("only a program manager can do this", field="actor")
    if caller.account_id is None:
        raise ValidationFailed("is required: the audit trail names the manager", field="actor.account_id")
    return Actor.parse(caller.audit_name)


__all__ = ["AgreedLength", "CandidateQuery", "LeaderAction", "LeaderRef", "MentorshipCoverageQuery", "MentorshipQuery",
           "RequestRef", "acting_manager", "mapping", "validated"]
