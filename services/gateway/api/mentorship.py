"""Mentorship requests (the leaders service): the public requester with their private link
token, the leader a request is offered to, and program managers.

The leaders service checks that an offer belongs to the leader named in the call; the
gateway names the leader in the path and lets a leader act only as themself."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, MANAGER, PUBLIC

from .common import Page, RecordId, Slug, actor, leader_id_from_path, query_args, scrub
from .table import ROUTES

route = ROUTES.route
TAG = "Mentorship"
OBJECT = {"type": "object"}
Text = Annotated[str, StringConstraints(max_length=4000)]
Short = Annotated[str, StringConstraints(max_length=200)]


class MentorshipRequestIn(BaseModel):
    """The service validates each field (known topic and state, a work email, lengths)."""
    model_config = ConfigDict(extra="forbid")
    requester_name: Short
    agency: Short
    role: Short
    email: Annotated[str, StringConstraints(max_length=320)]
    state: Annotated[str, StringConstraints(max_length=64)]
    topic: Slug
    description: Text
    urgency: Literal["normal", "urgent"] = "normal"


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(max_length=1000)] | None = None


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreed_days: int | None = Field(None, ge=1, le=365, description="agreed length of the mentorship")


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome_note: Text


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leader_id: RecordId


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None


class RequestsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["unconfirmed", "open", "offered", "accepted", "completed", "cancelled",
                   "closed_unanswered"] | None = None
    region: Slug | None = None
    state_code: Annotated[str, StringConstraints(min_length=2, max_length=2)] | None = None
    overdue: bool | None = None
    grouping: Slug | None = None
    page: Page = 1
    limit: int = Field(50, ge=1, le=200)


class CandidatesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(10, ge=1, le=50)


# --- the public requester ----------------------------------------------------------------

def by_link(call: Call, method: str) -> dict:
    """A call with the requester's link token. The service refuses a token it does not
    know as forbidden; to the holder of a link that is simply a link that does not work."""
    try:
        return scrub(call.rpc("leaders", method, call.path["token"]))
    except ApiError as refused:
        if refused.status == 403:
            raise ApiError(404, "not_found", "this link is unknown or no longer valid", field="token") from None
        raise


def submit(call: Call, body: MentorshipRequestIn) -> dict:
    result = call.rpc("leaders", "submit_request", body.model_dump(), request_key=call.request_key())
    return {"id": result.get("id"), "state": result.get("state"), "confirm_expires_at": result.get("confirm_expires_at")}


@route("POST", "/api/mentorship/requests", access=PUBLIC, tag=TAG, body=MentorshipRequestIn, status=201,
       response=OBJECT, rate_limit="public_form", summary="Ask the network for mentoring",
       description="No account needed. The requester gets an email with a link to confirm the address; "
                   "the request reaches a leader only once confirmed.", idempotent=True)
def submit_request(call: Call):
    return Reply(submit(call, call.body), status=201)


@route("POST", "/api/mentorship/confirm/{token:token}", access=PUBLIC, tag=TAG, response=OBJECT,
       rate_limit="public_form", summary="Confirm the requester's email address (the emailed link's token)")
def confirm_request(call: Call):
    return by_link(call, "confirm_request")


@route("GET", "/api/mentorship/status/{token:token}", access=PUBLIC, tag=TAG, response=OBJECT,
       summary="Where a request stands (the private status link's token)")
def request_status(call: Call):
    return by_link(call, "request_status")


@route("POST", "/api/mentorship/status/{token:token}/cancel", access=PUBLIC, tag=TAG, response=OBJECT,
       rate_limit="public_form", summary="Cancel a request (the private status link's token)")
def cancel_request(call: Call):
    return by_link(call, "cancel_request")


# --- the leader it is offered to ------------------------------------------------------------

@route("GET", "/api/leaders/{leader_id:int}/mentorship", access=LEADER, owner=leader_id_from_path, tag=TAG,
       response={"type": "array", "items": OBJECT}, summary="A leader's offers and mentorships")
def leader_requests(call: Call):
    return call.rpc("leaders", "leader_requests", call.path["leader_id"])


@route("POST", "/api/leaders/{leader_id:int}/mentorship/{request_id:int}/accept", access=LEADER,
       owner=leader_id_from_path, tag=TAG, body=AcceptIn, response=OBJECT,
       summary="Accept a request offered to this leader")
def accept_offer(call: Call):
    return call.rpc("leaders", "accept_offer", call.path["request_id"], call.path["leader_id"],
                    agreed_days=call.body.agreed_days)


@route("POST", "/api/leaders/{leader_id:int}/mentorship/{request_id:int}/decline", access=LEADER,
       owner=leader_id_from_path, tag=TAG, body=DeclineIn, response=OBJECT,
       summary="Decline a request offered to this leader (it goes to the next candidate)")
def decline_offer(call: Call):
    return call.rpc("leaders", "decline_offer", call.path["request_id"], call.path["leader_id"],
                    reason=call.body.reason)


@route("POST", "/api/leaders/{leader_id:int}/mentorship/{request_id:int}/complete", access=LEADER,
       owner=leader_id_from_path, tag=TAG, body=CompleteIn, response=OBJECT,
       summary="Complete a mentorship with an outcome note")
def complete_mentorship(call: Call):
    return call.rpc("leaders", "complete_mentorship", call.path["request_id"], call.path["leader_id"],
                    call.body.outcome_note)


# --- program managers ----------------------------------------------------------------------

@route("GET", "/api/mentorship/requests", access=MANAGER, tag=TAG, query=RequestsQuery, response=OBJECT,
       summary="Mentorship requests, filtered")
def list_requests(call: Call):
    return call.rpc("leaders", "list_requests", **query_args(call))


@route("GET", "/api/mentorship/requests/{request_id:int}", access=MANAGER, tag=TAG, response=OBJECT,
       summary="One request with its offers and audit trail")
def get_request(call: Call):
    return call.rpc("leaders", "get_request", call.path["request_id"])


@route("GET", "/api/mentorship/requests/{request_id:int}/candidates", access=MANAGER, tag=TAG,
       query=CandidatesQuery, response=OBJECT, summary="Ranked candidate leaders, with the reasons")
def request_candidates(call: Call):
    return call.rpc("leaders", "candidates", call.path["request_id"], call.query.limit)


@route("POST", "/api/mentorship/requests/{request_id:int}/assign", access=MANAGER, tag=TAG, body=AssignIn,
       response=OBJECT, summary="Offer the request to a chosen leader")
def assign_request(call: Call):
    return call.rpc("leaders", "assign", call.path["request_id"], call.body.leader_id, actor(call))


@route("POST", "/api/mentorship/requests/{request_id:int}/close", access=MANAGER, tag=TAG, body=CloseIn,
       response=OBJECT, summary="Close a request no leader can take")
def close_request(call: Call):
    return call.rpc("leaders", "close_unanswered", call.path["request_id"], actor(call), call.body.note)
