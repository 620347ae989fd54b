"""RPC contracts of the mentorship methods (the leaders service's mentorship room).

Times in responses are ISO 8601 strings, as the service writes them. The parameters
stay lenient where the service judges the value itself and names the field at fault
(the request's details, ids as the caller got them, a token)."""
from __future__ import annotations

from typing import Any, Literal

from . import Params, Response, rpc_method
from .common import Actor, AnyId, RequestKey

SERVICE = "leaders"

RequestState = Literal["unconfirmed", "open", "offered", "accepted", "completed", "cancelled", "closed_unanswered"]
OfferState = Literal["pending", "accepted", "declined", "expired", "withdrawn"]
Urgency = Literal["normal", "urgent"]


# ---------------------------------------------------------------------------------------
# What each party sees of a request


class HistoryLine(Response):
    at: str
    text: str


class OfferedLeader(Response):
    """The leader an open offer waits on: their first name only, until they accept."""

    first_name: str


class Mentor(Response):
    name: str
    agency: str
    title: str


class RequestStatus(Response):
    """The requester's view through the status link: no leader ids, no decline reasons."""

    id: int
    state: RequestState
    state_label: str
    topic: str
    topic_label: str
    urgency: Urgency
    submitted_at: str
    leader: OfferedLeader | Mentor | None
    can_cancel: bool
    history: list[HistoryLine]


class RequesterForLeader(Response):
    name: str
    agency: str
    role: str
    state: str
    email: str | None = None  # only for the leader who accepted


class LeaderOffer(Response):
    state: OfferState
    offered_at: str
    deadline: str


class LeaderRequest(Response):
    """A request as the leader it concerns sees it."""

    id: int
    state: RequestState
    topic: str
    topic_label: str
    urgency: Urgency
    requester: RequesterForLeader
    description: str
    offer: LeaderOffer | None
    accepted_at: str | None
    agreed_days: int | None
    due_at: str | None
    completed_at: str | None


class Requester(Response):
    name: str
    agency: str
    role: str
    email: str
    state: str
    state_name: str


class LeaderRef(Response):
    id: int
    name: str | None


class OfferRecord(Response):
    attempt: int
    leader_id: int
    leader_name: str | None
    state: OfferState
    offered_at: str
    deadline: str
    reminder_at: str
    reminder_sent_at: str | None
    decided_at: str | None
    note: str | None


class AuditRecord(Response):
    action: str
    from_state: RequestState
    to_state: RequestState
    actor: str
    at: str
    note: str | None


class RequestRecord(Response):
    """The manager's view: contact details, every offer and the full audit trail."""

    id: int
    state: RequestState
    topic: str
    topic_label: str
    urgency: Urgency
    requester: Requester
    region: str
    region_name: str
    description: str
    created_at: str
    confirmed_at: str | None
    accepted_at: str | None
    agreed_days: int | None
    due_at: str | None
    overdue: bool
    completed_at: str | None
    outcome_note: str | None
    closed_at: str | None
    leader: LeaderRef | None
    offers: list[OfferRecord]
    audit: list[AuditRecord]


# ---------------------------------------------------------------------------------------
# The requester


class SubmittedRequest(Response):
    id: int
    state: RequestState
    confirm_expires_at: str


@rpc_method(SERVICE, "submit_request", response=SubmittedRequest)
class SubmitRequest(Params):
    request: dict[str, Any]
    request_key: RequestKey = None


@rpc_method(SERVICE, "confirm_request", response=RequestStatus)
class ConfirmRequest(Params):
    token: str


@rpc_method(SERVICE, "request_status", response=RequestStatus)
class GetRequestStatus(Params):
    token: str


@rpc_method(SERVICE, "cancel_request", response=RequestStatus)
class CancelRequest(Params):
    token: str


# ---------------------------------------------------------------------------------------
# The leader a request is offered to


@rpc_method(SERVICE, "accept_offer", response=LeaderRequest)
class AcceptOffer(Params):
    request_id: AnyId
    leader_id: AnyId
    agreed_days: int | None = None


@rpc_method(SERVICE, "decline_offer", response=LeaderRequest)
class DeclineOffer(Params):
    request_id: AnyId
    leader_id: AnyId
    reason: str | None = None


@rpc_method(SERVICE, "complete_mentorship", response=LeaderRequest)
class CompleteMentorship(Params):
    request_id: AnyId
    leader_id: AnyId
    outcome_note: str


@rpc_method(SERVICE, "leader_requests", response=list[LeaderRequest])
class LeaderRequests(Params):
    leader_id: AnyId


# ---------------------------------------------------------------------------------------
# Program managers


@rpc_method(SERVICE, "assign", response=RequestRecord)
class Assign(Params):
    request_id: AnyId
    leader_id: AnyId
    actor: Actor


@rpc_method(SERVICE, "close_unanswered", response=RequestRecord)
class CloseUnanswered(Params):
    request_id: AnyId
    actor: Actor
    note: str | None = None


class ListedLeader(Response):
    id: int
    name: str


class ListedRequest(Response):
    id: int
    state: RequestState
    topic: str
    topic_label: str
    urgency: Urgency
    requester_name: str
    agency: str
    requester_state: str
    region: str
    leader: ListedLeader | None
    created_at: str
    confirmed_at: str | None
    accepted_at: str | None
    due_at: str | None
    overdue: bool


class RequestList(Response):
    total: int
    page: int
    limit: int
    grouping: str
    requests: list[ListedRequest]


@rpc_method(SERVICE, "list_requests", response=RequestList)
class ListRequests(Params):
    state: str | None = None
    region: str | None = None
    state_code: str | None = None
    overdue: bool | None = None
    grouping: str | None = None
    page: int = 1
    limit: int = 50


@rpc_method(SERVICE, "get_request", response=RequestRecord)
class GetRequest(Params):
    request_id: AnyId


class RankedLeader(Response):
    rank: int
    leader_id: int
    name: str
    state: str
    region: str
    place: Literal["same state", "same region", "national"]
    current_load: int
    max_mentees: int
    reasons: list[str]


class CandidateRanking(Response):
    request_id: int
    excluded_leader_ids: list[int]
    candidates: list[RankedLeader]


@rpc_method(SERVICE, "candidates", response=CandidateRanking)
class Candidates(Params):
    request_id: AnyId
    limit: int = 10


# ---------------------------------------------------------------------------------------
# Coverage of mentoring, per region and state


class MentoringFigures(Response):
    open_requests: int
    unassigned_requests: int
    active_mentorships: int
    overdue_mentorships: int
    requests: int  # confirmed in the window, whatever became of them since
    offers: int
    offers_decided: int
    accepted_within_deadline: int
    share_answered_within_deadline: float | None
    median_seconds_to_acceptance: int | None


class StateMentoring(MentoringFigures):
    code: str
    name: str


class RegionMentoring(MentoringFigures):
    id: str
    name: str
    states: list[StateMentoring]


class MentorshipCoverage(Response):
    grouping: str
    as_of: str
    window_start: str | None
    window_end: str | None
    national: MentoringFigures
    regions: list[RegionMentoring]


@rpc_method(SERVICE, "coverage_mentorship", response=MentorshipCoverage)
class CoverageMentorship(Params):
    grouping: str | None = None
    window_start: str | None = None
    window_end: str | None = None
