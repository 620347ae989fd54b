"""The program manager's mentorship pages: requests by state, one request readable, and
offering it to a leader picked by name from the ranked candidates."""
from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.gateway.api import mentorship as mentorship_api
from services.gateway.api.common import Page, actor
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER

from . import forms
from .manager_refusals import form_again
from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
PAGE_SIZE = 20
STATES = (("open", "Waiting for a leader"), ("offered", "Offered to a leader"), ("accepted", "Under way"),
          ("unconfirmed", "Address not confirmed yet"), ("completed", "Completed"), ("cancelled", "Cancelled"),
          ("closed_unanswered", "Closed with no leader"))
STATE_NAMES = dict(STATES)
ASSIGNED = notice("request-assigned", "success", "The request is offered to the leader you picked; they have it by mail.")
# A manager offers a waiting request to a leader, or takes a pending offer back and offers it to another.
ASSIGNABLE = ("open", "offered")
ASSIGN_LABELS = {"leader_id": "Leader to offer it to"}


class RequestListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["unconfirmed", "open", "offered", "accepted", "completed", "cancelled",
                   "closed_unanswered"] | None = None
    page: Page = 1


@route("GET", "/manage/mentorship", access=MANAGER, tag=TAG, content_type=HTML, query=RequestListQuery,
       summary="Page: mentorship requests, by state, paged")
def requests_page(call: Call):
    state = call.query.state
    found = call.rpc("leaders", "list_requests", **({"state": state} if state else {}), page=call.query.page,
                     limit=PAGE_SIZE)
    return page(call, "manage_mentorship.html", title="Mentorship requests", found=found, state=state,
                states=STATES, state_names=STATE_NAMES, page_number=call.query.page,
                pages=max(1, math.ceil(found["total"] / PAGE_SIZE)))


def request_page(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    request = call.rpc("leaders", "get_request", call.path["request_id"])
    candidates = []
    if request["state"] in ASSIGNABLE:
        candidates = call.rpc("leaders", "candidates", call.path["request_id"], 10)["candidates"]
    return page(call, "manage_request.html", status=status, title=f"Mentorship request from {request['requester']['name']}",
                r=request, candidates=candidates, state_names=STATE_NAMES, form=form,
                assignable=request["state"] in ASSIGNABLE)


@form_again("Not offered")
def assign_invalid(call: Call, exc: ApiError) -> Reply:
    state = forms.refused(call, exc, ASSIGN_LABELS)
    if "leader_id" in state.errors:
        state.errors["leader_id"] = "Pick a leader from the list."
    return request_page(call, state, status=422)


@route("GET", "/manage/mentorship/{request_id:int}", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: one mentorship request, with the leaders it can be offered to")
def manage_request_page(call: Call):
    return request_page(call, forms.empty(ASSIGN_LABELS))


@route("POST", "/manage/mentorship/{request_id:int}/assign", access=MANAGER, tag=TAG, content_type=HTML,
       body=mentorship_api.AssignIn, form=True, invalid=assign_invalid,
       summary="Page: offer a request to a leader picked by name")
def manage_assign_submit(call: Call):
    try:
        call.rpc("leaders", "assign", call.path["request_id"], call.body.leader_id, actor(call))
    except ApiError as exc:
        if exc.status == 409:
            state = forms.submitted(call, ASSIGN_LABELS)
            state.message = exc.message
            return request_page(call, state, status=409)
        raise
    return see_other(f"/manage/mentorship/{call.path['request_id']}", ASSIGNED)
