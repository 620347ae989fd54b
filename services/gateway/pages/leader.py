"""Pages for a signed-in leader: their home, mentorship offers, and the screenings they
organise (training: leader_training)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api import mentorship as mentorship_api
from services.gateway.api.common import actor
from services.gateway.api.screenings import organisers
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, SIGNED_IN

from . import forms
from .materials import materials_context
from .render import HTML, TAG, action_page, message, page, refused_as_page

route = ROUTES.route
Line = Annotated[str, StringConstraints(max_length=1000)]
Text = Annotated[str, StringConstraints(max_length=5000)]


# --- a leader's pages ------------------------------------------------------------------------

def signed_in_leader(call: Call) -> int:
    if call.caller.leader_id is None:
        raise ApiError(403, "forbidden", "this page is for leaders; program managers use the management pages")
    return call.caller.leader_id


def leaders_by_name(call: Call) -> dict[str, list[dict]]:
    """Every leader in the directory, by their name in lower case (names may repeat)."""
    found: dict[str, list[dict]] = {}
    page_number = 1
    while True:
        batch = call.rpc("leaders", "directory", page=page_number, limit=200)
        for leader in batch.get("leaders", []):
            found.setdefault(leader["name"].strip().lower(), []).append(leader)
        if page_number * 200 >= batch.get("total", 0) or not batch.get("leaders"):
            return found
        page_number += 1


STATUS_WORDS = {"submitted": "Awaiting approval", "resubmitted": "Awaiting approval (resubmitted)",
                "sent_back": "Sent back for changes", "scheduled": "Approved", "cancelled": "Cancelled",
                "completed": "Completed"}


def status_words(status: str | None) -> str:
    return STATUS_WORDS.get(status or "", (status or "").replace("_", " ").capitalize())


@route("GET", "/leader", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: a leader's home (urgent requests, screenings, reports due, offers, training, "
               "calendar feed)")
def leader_home(call: Call):
    leader_id = signed_in_leader(call)
    requests = call.rpc("leaders", "leader_requests", leader_id)
    # Urgent offers count in hours: say how long is left, not only the day.
    urgent = [dict(u, seconds_left=(datetime.fromisoformat(u["deadline"]) - call.now).total_seconds())
              for u in call.rpc("leaders", "leader_urgent_requests", leader_id)]
    mine = call.rpc("screenings", "search_screenings", {"leader_id": leader_id, "page_size": 100},
                    actor=actor(call)).get("items", [])
    now = call.now.isoformat()
    upcoming = [dict(s, status_words=status_words(s.get("status"))) for s in mine
                if s.get("end_utc", "") > now and s.get("status") != "cancelled"]
    reports_due = [s for s in mine if s.get("end_utc", "") <= now and s.get("status") in ("scheduled", "completed")
                   and s.get("report_filed") is False]
    training = call.rpc("leaders", "leader_training", leader_id)
    done = sum(1 for m in training["modules"] if m["completed_at"])
    feed = f"/feeds/leaders/{leader_id}/screenings.ics"
    return page(call, "leader_home.html", title="Your home", requests=requests, urgent=urgent, upcoming=upcoming,
                reports_due=reports_due, training=training, modules_done=done,
                feed_path=feed, webcal=f"webcal://{call.request.host}{feed}")


def _leader_action(call: Call, method: str, done: str, *args) -> Reply:
    leader_id = signed_in_leader(call)
    try:
        call.rpc("leaders", method, call.path["request_id"], leader_id, *args)
    except ApiError as exc:
        if exc.status in (403, 404, 409, 422):
            return refused_as_page(call, exc, "Not done")
        raise
    return message(call, done, "Thank you. Your home page shows your mentorships.")


@route("GET", "/leader/mentorship/{request_id:int}/accept", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: accept an offered request (the emailed link)")
def accept_page(call: Call):
    signed_in_leader(call)
    return action_page(call, f"Accept request #{call.path['request_id']}",
                       [{"action": f"/leader/mentorship/{call.path['request_id']}/accept", "button": "Accept"}])


@route("POST", "/leader/mentorship/{request_id:int}/accept", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: accept an offered request")
def accept_submit(call: Call):
    return _leader_action(call, "accept_offer", "Request accepted")


@route("GET", "/leader/mentorship/{request_id:int}/decline", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: decline an offered request (the emailed link)")
def decline_page(call: Call):
    signed_in_leader(call)
    return action_page(call, f"Decline request #{call.path['request_id']}", [{
        "action": f"/leader/mentorship/{call.path['request_id']}/decline",
        "fields": [{"name": "reason", "label": "Reason (optional)", "long": True}], "button": "Decline"}])


@route("POST", "/leader/mentorship/{request_id:int}/decline", access=SIGNED_IN, tag=TAG, content_type=HTML,
       body=mentorship_api.DeclineIn, form=True, summary="Page: decline an offered request")
def decline_submit(call: Call):
    return _leader_action(call, "decline_offer", "Request declined", call.body.reason or None)


@route("GET", "/leader/mentorship/{request_id:int}/complete", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: complete a mentorship (the emailed link)")
def complete_page(call: Call):
    signed_in_leader(call)
    return action_page(call, f"Complete mentorship #{call.path['request_id']}", [{
        "action": f"/leader/mentorship/{call.path['request_id']}/complete",
        "fields": [{"name": "outcome_note", "label": "Outcome", "long": True, "required": True}],
        "button": "Complete"}])


@route("POST", "/leader/mentorship/{request_id:int}/complete", access=SIGNED_IN, tag=TAG, content_type=HTML,
       body=mentorship_api.CompleteIn, form=True, summary="Page: complete a mentorship")
def complete_submit(call: Call):
    return _leader_action(call, "complete_mentorship", "Mentorship completed", call.body.outcome_note)


CHANGEABLE = ("submitted", "sent_back", "resubmitted", "scheduled")


@route("GET", "/manage/screenings/{screening_id:token}", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: a screening's workspace for its organisers and managers (details, "
                                  "status, edit, attendees, report, reschedule, cancel)")
def manage_screening_page(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    return workspace(call, view)


def workspace(call: Call, view: dict, order_form: forms.FormState | None = None, status: int = 200) -> Reply:
    """A screening's workspace; `order_form` is the materials order form as it was sent back."""
    ended = view.get("end_utc", "") <= call.now.isoformat()
    names = {leader["id"]: leader["name"] for same in leaders_by_name(call).values() for leader in same}
    cohosts = [names[i] for i in view.get("cohost_ids", []) if i in names]
    feedback = call.rpc("screenings", "screening_feedback", actor(call), view["id"]) \
        if ended and view.get("status") in ("scheduled", "completed") else None
    return page(call, "leader_screening.html", status=status, title=view.get("title") or "Screening", s=view,
                ended=ended, cohosts=cohosts, feedback=feedback,
                changeable=view.get("status") in CHANGEABLE and not ended,
                status_text=status_words(view.get("status")), **materials_context(call, view, ended, order_form))


class RescheduleForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    end: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    message: Text | None = None


@route("POST", "/manage/screenings/{screening_id:token}/reschedule", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, body=RescheduleForm, form=True, summary="Page: move a screening to a new time")
def reschedule_submit(call: Call):
    form = call.body
    try:
        call.rpc("screenings", "reschedule_screening", actor(call), call.path["screening_id"], form.start, form.end,
                 time_zone=None, message=form.message or None)
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "Not rescheduled")
        raise
    return message(call, "Rescheduled", "Attendees, the host and co-hosts are told the new time.")


class CancelForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: Text = ""


@route("POST", "/manage/screenings/{screening_id:token}/cancel", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, body=CancelForm, form=True, summary="Page: cancel a screening")
def cancel_submit(call: Call):
    try:
        call.rpc("screenings", "cancel_screening", actor(call), call.path["screening_id"], call.body.message)
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "Not cancelled")
        raise
    return message(call, "Cancelled", "Attendees, the host and co-hosts are told, with your note.")
