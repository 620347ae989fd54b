"""A screening's attendee list for its organisers: who is coming, the waitlist, checking
in a walk-in at the door, and the CSV export."""
from __future__ import annotations

from services.gateway.api.common import actor
from services.gateway.api.screenings import organisers
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER

from . import forms
from .render import HTML, TAG, notice, page, refused_as_page, see_other

route = ROUTES.route
WALK_IN_LABELS = {"name": "Name", "email": "Email (optional)"}
MESSAGE_LABELS = {"subject": "Subject", "message": "Your message"}
CHECKED_IN = notice("walk-in-checked-in", "success", "Checked in: the walk-in is on the attendee list.")
MESSAGE_SENT = notice("attendees-messaged", "success",
                      "Your message is on its way to everyone with a seat or on the waitlist; you get a copy.")


def attendees_page(call: Call, form: forms.FormState, status: int = 200,
                   message_form: forms.FormState | None = None) -> Reply:
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    people = call.rpc("screenings", "attendees", actor(call), view["id"])
    coming = [p for p in people if p["status"] == "confirmed"]
    waiting = sorted((p for p in people if p["status"] == "waitlisted"), key=lambda p: p["position"])
    return page(call, "leader_attendees.html", status=status, title=f"Attendees: {view.get('title')}", s=view,
                coming=coming, waiting=waiting, form=form,
                message_form=message_form or forms.empty(MESSAGE_LABELS, prefix="message-"))


@route("GET", "/manage/screenings/{screening_id:token}/attendees", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: the attendee list and waitlist, with walk-in check-in and CSV export")
def attendees_list(call: Call):
    return attendees_page(call, forms.empty(WALK_IN_LABELS))


@route("POST", "/manage/screenings/{screening_id:token}/walk-ins", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: check in a walk-in (POST /api/screenings/{id}/walk-ins does the same as JSON)",
       idempotent=True)
def walk_in_submit(call: Call):
    name = (call.request.form.get("name") or "").strip()
    email = (call.request.form.get("email") or "").strip() or None
    if not name:
        state = forms.submitted(call, WALK_IN_LABELS)
        state.errors["name"] = "write the person's name"
        return attendees_page(call, state, status=422)
    try:
        call.rpc("screenings", "add_walk_in", actor(call), call.path["screening_id"], name, email,
                 request_key=call.request_key())
    except ApiError as exc:
        if exc.status == 422:
            return attendees_page(call, forms.refused(call, exc, WALK_IN_LABELS), status=422)
        if exc.status in (403, 404, 409):
            return refused_as_page(call, exc, "Not checked in")
        raise
    return see_other(f"/manage/screenings/{call.path['screening_id']}/attendees", CHECKED_IN)


@route("POST", "/manage/screenings/{screening_id:token}/messages", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: message all attendees "
                                  "(POST /api/screenings/{id}/messages does the same as JSON)", idempotent=True)
def message_submit(call: Call):
    subject = call.request.form.get("subject") or ""
    text = call.request.form.get("message") or ""
    try:
        call.rpc("screenings", "message_attendees", actor(call), call.path["screening_id"], subject, text,
                 request_key=call.request_key())
    except ApiError as exc:
        if exc.status == 422:
            return attendees_page(call, forms.empty(WALK_IN_LABELS), status=422,
                                  message_form=forms.refused(call, exc, MESSAGE_LABELS, prefix="message-"))
        if exc.status in (403, 404, 409):
            return refused_as_page(call, exc, "Not sent")
        raise
    return see_other(f"/manage/screenings/{call.path['screening_id']}/attendees", MESSAGE_SENT)
