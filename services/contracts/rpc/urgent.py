"""RPC contracts of rapid response (urgent requests), in the leaders service's mentorship
room. Times are ISO 8601 strings, as the service writes them."""
from __future__ import annotations

from typing import Any, Literal

from . import Params, Response, rpc_method
from .common import AnyId, RequestKey

SERVICE = "leaders"

UrgentState = Literal["offered", "waiting", "taken", "closed"]
UrgentOfferState = Literal["pending", "accepted", "declined", "withdrawn", "expired"]


class FiledUrgentRequest(Response):
    """What the public requester is told: no leader names until one takes it."""

    id: int
    state: UrgentState
    place: str
    offered_to: int
    deadline: str | None
    response_hours: int


@rpc_method(SERVICE, "file_urgent_request", response=FiledUrgentRequest)
class FileUrgentRequest(Params):
    request: dict[str, Any]
    request_key: RequestKey = None


class UrgentOfferLine(Response):
    leader_id: int
    leader_name: str
    round: int
    miles: float
    state: UrgentOfferState
    offered_at: str
    deadline: str
    decided_at: str | None


class UrgentForLeader(Response):
    """An urgent request as a leader it was offered to sees it; the requester's contact
    only once this leader has taken it."""

    id: int
    state: UrgentState
    place: str
    postal_code: str
    what_happened: str
    help_needed: str
    organisation: str
    role: str
    filed_at: str
    miles: float
    offer_state: UrgentOfferState
    deadline: str
    taken_by_me: bool
    requester_name: str | None = None
    requester_email: str | None = None
    requester_phone: str | None = None


@rpc_method(SERVICE, "accept_urgent", response=UrgentForLeader)
class AcceptUrgent(Params):
    request_id: AnyId
    leader_id: AnyId


@rpc_method(SERVICE, "decline_urgent", response=UrgentForLeader)
class DeclineUrgent(Params):
    request_id: AnyId
    leader_id: AnyId


@rpc_method(SERVICE, "leader_urgent_requests", response=list[UrgentForLeader])
class LeaderUrgentRequests(Params):
    leader_id: AnyId


class UrgentRecord(Response):
    """An urgent request as the managers see it, with every offer."""

    id: int
    state: UrgentState
    place: str
    postal_code: str
    incident_state: str
    what_happened: str
    help_needed: str
    requester_name: str
    organisation: str
    role: str
    email: str
    phone: str | None
    filed_at: str
    round: int
    deadline: str | None
    taken_by: int | None
    taken_by_name: str | None
    taken_at: str | None
    offers: list[UrgentOfferLine]


@rpc_method(SERVICE, "list_urgent_requests", response=list[UrgentRecord])
class ListUrgentRequests(Params):
    open_only: bool = False
    limit: int = 50
