"""Validation of mentorship RPC arguments that the domain does not already check: ids,
paging, filters."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

# The roster's argument checks, shared by the whole service.
from ..schemas import MAX_PAGE_SIZE, Paging, RecordId, ShortText, mapping, validated
from .domain.lifecycle import RequestState

MENTORSHIP_STATES = tuple(state.value for state in RequestState)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequestRef(_Strict):
    request_id: RecordId


class LeaderAction(RequestRef):
    leader_id: RecordId


class LeaderRef(_Strict):
    leader_id: RecordId


class ManagerAction(RequestRef):
    manager_id: RecordId


class Assignment(ManagerAction):
    leader_id: RecordId


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


__all__ = ["AgreedLength", "Assignment", "CandidateQuery", "LeaderAction", "LeaderRef", "ManagerAction",
           "MentorshipCoverageQuery", "MentorshipQuery", "RequestRef", "mapping", "validated"]
