"""Pages for program managers: review of screenings, coverage, mentorship requests and
applications."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api import coverage as coverage_api
from services.gateway.api import mentorship as mentorship_api
from services.gateway.api.common import actor
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call
from services.gateway.routing import MANAGER

from .render import HTML, TAG, action_page, message, page, screening_details, see_other

route = ROUTES.route
Line = Annotated[str, StringConstraints(max_length=1000)]
Text = Annotated[str, StringConstraints(max_length=5000)]


# --- program managers' pages ------------------------------------------------------------------

@route("GET", "/manage/screenings/{screening_id:token}/review", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: review a submitted screening")
def review_screening_page(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    sid = view.get("id")
    return action_page(call, f"Review: {view.get('title')}", [
        {"action": f"/manage/screenings/{sid}/approve", "button": "Approve"},
        {"action": f"/manage/screenings/{sid}/send-back",
         "fields": [{"name": "note", "label": "What to change", "long": True, "required": True}],
         "button": "Send back"}], details=screening_details(view))


@route("POST", "/manage/screenings/{screening_id:token}/approve", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: approve a screening")
def approve_screening_submit(call: Call):
    call.rpc("screenings", "approve_screening", actor(call), call.path["screening_id"])
    return message(call, "Approved", "The screening is published.")


class NoteForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


@route("POST", "/manage/screenings/{screening_id:token}/send-back", access=MANAGER, tag=TAG, content_type=HTML,
       body=NoteForm, form=True, summary="Page: send a screening back to its host")
def send_back_submit(call: Call):
    call.rpc("screenings", "send_back_screening", actor(call), call.path["screening_id"], call.body.note)
    return message(call, "Sent back", "The host is told what to change.")


@route("GET", "/manage/coverage", access=MANAGER, tag=TAG, content_type=HTML, query=coverage_api.CoverageQuery,
       summary="Page: the regional coverage dashboard")
def coverage_page(call: Call):
    return page(call, "coverage.html", title="Coverage", report=coverage_api.report(call, call.query))


@route("GET", "/manage/mentorship/{request_id:int}", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: one mentorship request for managers")
def manage_request_page(call: Call):
    request = call.rpc("leaders", "get_request", call.path["request_id"])
    details = [(k.replace("_", " ").capitalize(), v) for k, v in request.items()
               if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    return action_page(call, f"Mentorship request #{call.path['request_id']}", [
        {"action": f"/manage/mentorship/{call.path['request_id']}/assign",
         "fields": [{"name": "leader_id", "label": "Offer to leader (roster id)", "type": "number", "required": True}],
         "button": "Assign"}], details=details)


@route("POST", "/manage/mentorship/{request_id:int}/assign", access=MANAGER, tag=TAG, content_type=HTML,
       body=mentorship_api.AssignIn, form=True, summary="Page: assign a request to a leader")
def manage_assign_submit(call: Call):
    call.rpc("leaders", "assign", call.path["request_id"], call.body.leader_id, actor(call))
    return message(call, "Assigned", "The leader has the offer.")


@route("GET", "/manage/applications", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: the queue of pending applications")
def applications_page(call: Call):
    found = call.rpc("leaders", "list_applications", status="pending", limit=200)
    return page(call, "applications.html", title="Applications", total=found.get("total", 0),
                applications=found.get("applications", []))


@route("POST", "/manage/applications/{application_id:int}/{decision:str}", access=MANAGER, tag=TAG,
       content_type=HTML, summary="Page: approve, waitlist or decline an application")
def application_decision(call: Call):
    decision = call.path["decision"]
    methods: dict[str, tuple[str, dict]] = {
        "approve": ("approve_application", {"confirm_over_target": True}),
        "waitlist": ("waitlist_application", {}), "decline": ("decline_application", {"reason": None})}
    if decision not in methods:
        raise ApiError(404, "not_found", "the decision is approve, waitlist or decline")
    method, options = methods[decision]
    call.rpc("leaders", method, call.path["application_id"], actor=actor(call), **options)
    return see_other("/manage/applications")
