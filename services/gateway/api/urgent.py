"""Rapid response (the leaders service's urgent requests): anyone files one after a hate
incident; the leaders it is offered to accept or decline; managers see every one.

The gateway names the leader in the path and lets a leader act only as themself; the
service checks the offer is theirs and that nobody took the request first."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, MANAGER, PUBLIC

from .common import leader_id_from_path, query_args
from .table import ROUTES

route = ROUTES.route
TAG = "Rapid response"
OBJECT = {"type": "object"}
LIST = {"type": "array", "items": OBJECT}
Short = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=4000)]


class UrgentRequestIn(BaseModel):
    """The service checks each field (a known US ZIP code, a work email, lengths)."""
    model_config = ConfigDict(extra="forbid")
    requester_name: Short = Field(description="who is asking")
    organisation: Short = Field(description="the agency, school, faith or community group")
    role: Literal["officer", "partner"] = Field(description="a law enforcement officer or a community partner")
    email: Annotated[str, StringConstraints(max_length=320)]
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=10)] = Field(description="the ZIP code where it happened")
    what_happened: Text
    help_needed: Annotated[str, StringConstraints(max_length=2000)]


class UrgentListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    open_only: bool = False
    limit: int = Field(50, ge=1, le=200)


def file(call: Call, body: UrgentRequestIn) -> dict:
    return call.rpc("leaders", "file_urgent_request", body.model_dump(), request_key=call.request_key())


@route("POST", "/api/urgent-requests", access=PUBLIC, tag=TAG, body=UrgentRequestIn, status=201, response=OBJECT,
       rate_limit="public_form", idempotent=True, summary="Ask for urgent help after a hate incident",
       description="No account needed. Offered at once to the three nearest eligible leaders (by distance "
                   "from the ZIP code, across state lines); the first to accept takes it and the requester "
                   "is mailed their contact. If nobody accepts within the hours, the next three are offered it.")
def file_urgent_request(call: Call):
    return Reply(file(call, call.body), status=201)


@route("GET", "/api/leaders/{leader_id:int}/urgent-requests", access=LEADER, owner=leader_id_from_path, tag=TAG,
       response=LIST, summary="The urgent requests offered to a leader")
def leader_urgent_requests(call: Call):
    return call.rpc("leaders", "leader_urgent_requests", call.path["leader_id"])


@route("POST", "/api/leaders/{leader_id:int}/urgent-requests/{request_id:int}/accept", access=LEADER,
       owner=leader_id_from_path, tag=TAG, response=OBJECT,
       summary="Take an urgent request (the first leader to accept wins; 409 when another was first)")
def accept_urgent(call: Call):
    return call.rpc("leaders", "accept_urgent", call.path["request_id"], call.path["leader_id"])


@route("POST", "/api/leaders/{leader_id:int}/urgent-requests/{request_id:int}/decline", access=LEADER,
       owner=leader_id_from_path, tag=TAG, response=OBJECT, summary="Decline an urgent request offered to you")
def decline_urgent(call: Call):
    return call.rpc("leaders", "decline_urgent", call.path["request_id"], call.path["leader_id"])


@route("GET", "/api/urgent-requests", access=MANAGER, tag=TAG, query=UrgentListQuery, response=LIST,
       summary="Urgent requests, the ones waiting for a leader first")
def list_urgent_requests(call: Call):
    return call.rpc("leaders", "list_urgent_requests", **query_args(call))
