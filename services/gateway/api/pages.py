"""Server-rendered pages for the public, leaders and program managers (Jinja2, autoescaped,
no scripts). They call the same services as the JSON API; forms post back here with the
session's CSRF token. Every path a service puts in mail is served here or by the API
(tests/integration/gateway/test_pages.py checks them all)."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, StringConstraints
from werkzeug.utils import redirect

from services.gateway import app, auth
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply, session_cookie_options
from services.gateway.openapi import render_page
from services.gateway.routing import LEADER, MANAGER, PUBLIC, SIGNED_IN

from . import coverage as coverage_api
from . import mentorship as mentorship_api
from .common import actor, scrub
from .screenings import organisers
from .table import ROUTES

route = ROUTES.route
TAG = "Pages"
HTML = "text/html"
Line = Annotated[str, StringConstraints(max_length=1000)]
Text = Annotated[str, StringConstraints(max_length=5000)]


def page(call: Call, template: str, status: int = 200, **context: Any) -> Reply:
    return Reply(render_page(template, caller=call.caller, **context), status=status, content_type=HTML)


def message(call: Call, title: str, text: str, status: int = 200) -> Reply:
    return page(call, "message.html", status=status, title=title, message=text)


def action_page(call: Call, title: str, forms: list[dict], text: str = "", details=None) -> Reply:
    return page(call, "action.html", title=title, message=text, forms=forms, details=details or [])


def see_other(location: str):
    return redirect(location, code=303)


def upcoming(call: Call, **filters) -> list[dict]:
    found = call.rpc("screenings", "search_screenings",
                     {"starts_from": call.now.isoformat(), "page_size": 50, **filters})
    return scrub(found.get("items", []))


def refused_as_page(call: Call, exc: ApiError, title: str) -> Reply:
    if exc.errors:
        text = "; ".join(f"{e['field']}: {e['message']}" if e.get("field") else e["message"] for e in exc.errors)
    else:
        text = exc.message
    return message(call, title, text, status=exc.status)


# --- signing in and out -------------------------------------------------------------------

class SignInForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, StringConstraints(max_length=320)]
    password: Annotated[str, StringConstraints(max_length=256)]
    next: Annotated[str, StringConstraints(max_length=500)] | None = None


@route("GET", "/signin", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: sign in")
def signin_page(call: Call):
    return page(call, "signin.html", title="Sign in", error=None, next=call.request.args.get("next", "")[:500])


@route("POST", "/signin", access=PUBLIC, tag=TAG, content_type=HTML, body=SignInForm, form=True,
       rate_limit="login", extra_statuses=(401,), summary="Page: submit the sign-in form")
def signin_submit(call: Call):
    hours = timedelta(hours=float(call.settings["session_hours"]))
    with call.db.transaction() as session:
        account = app.check_credentials(session, call.body.email, call.body.password)
        if account is None:
            return page(call, "signin.html", status=401, title="Sign in", next=call.body.next,
                        error="The email or password is wrong, or the account is not active.")
        cookie, _ = auth.start_session(session, account, call.now, hours)
        home = "/manage/coverage" if account.role == "manager" else "/leader"
    target = call.body.next or ""
    # Only a path on this site: never an address elsewhere ("//host" included).
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = home
    response = see_other(target)
    response.set_cookie(auth.SESSION_COOKIE, cookie, **session_cookie_options(int(hours.total_seconds())))
    return response


@route("POST", "/signout", access=SIGNED_IN, tag=TAG, content_type=HTML, summary="Page: sign out")
def signout(call: Call):
    cookie = call.request.cookies.get(auth.SESSION_COOKIE)
    if cookie and call.caller.via == "session":
        with call.db.transaction() as session:
            auth.end_session(session, cookie, call.now)
    response = see_other("/")
    response.set_cookie(auth.SESSION_COOKIE, "", **session_cookie_options(0))
    return response


# --- public pages ---------------------------------------------------------------------------

@route("GET", "/", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: the network's home page")
def home_page(call: Call):
    return page(call, "home.html", title="Home", upcoming=upcoming(call)[:5])


class DirectoryPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Annotated[str, StringConstraints(max_length=2)] | None = None


@route("GET", "/directory", access=PUBLIC, tag=TAG, content_type=HTML, query=DirectoryPageQuery,
       summary="Page: the public directory")
def directory_page(call: Call):
    state = (call.query.state or "").strip().upper() or None
    found = scrub(call.rpc("leaders", "directory", **({"state": state} if state else {}), limit=200))
    return page(call, "directory.html", title="Directory", state=state, total=found.get("total", 0),
                leaders=found.get("leaders", []))


@route("GET", "/screenings", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: upcoming screenings")
def screenings_page(call: Call):
    return page(call, "screenings.html", title="Upcoming screenings", upcoming=upcoming(call))


@route("GET", "/screenings/{screening_id:token}", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: one screening, with the RSVP form")
def screening_page(call: Call):
    screening = scrub(call.rpc("screenings", "get_screening", call.path["screening_id"]))
    return page(call, "screening.html", title=screening.get("title") or "Screening", s=screening)


class RsvpForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]


@route("POST", "/screenings/{screening_id:token}/rsvp", access=PUBLIC, tag=TAG, content_type=HTML, body=RsvpForm,
       form=True, rate_limit="public_form", summary="Page: RSVP to a screening")
def rsvp_submit(call: Call):
    try:
        result = call.rpc("screenings", "rsvp", call.path["screening_id"], call.body.name, call.body.email)
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "RSVP not taken")
        raise
    if result.get("status") == "waitlisted":
        return message(call, "You are on the waitlist", "The event is full. We email you if a seat frees up.")
    return message(call, "You are registered", "Check your email for the confirmation and a link to cancel.")


class RsvpLinkQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


@route("GET", "/rsvps/{rsvp_id:token}/cancel", access=PUBLIC, tag=TAG, content_type=HTML, query=RsvpLinkQuery,
       summary="Page: cancel an RSVP (the emailed link)")
def rsvp_cancel_page(call: Call):
    return action_page(call, "Cancel your RSVP", [{"action": f"/rsvps/{call.path['rsvp_id']}/cancel",
                                                  "hidden": {"token": call.query.token}, "button": "Cancel my RSVP"}])


class TokenForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


@route("POST", "/rsvps/{rsvp_id:token}/cancel", access=PUBLIC, tag=TAG, content_type=HTML, body=TokenForm, form=True,
       rate_limit="public_form", summary="Page: confirm the cancellation of an RSVP")
def rsvp_cancel_submit(call: Call):
    try:
        call.rpc("screenings", "cancel_rsvp", call.path["rsvp_id"], call.body.token)
    except ApiError as exc:
        if exc.status in (403, 404, 409, 422):
            return refused_as_page(call, exc, "Not cancelled")
        raise
    return message(call, "RSVP cancelled", "Your seat is released. Thank you for letting us know.")


@route("GET", "/rsvps/{rsvp_id:token}/feedback", access=PUBLIC, tag=TAG, content_type=HTML, query=RsvpLinkQuery,
       summary="Page: rate an event you attended (the emailed link)")
def rsvp_feedback_page(call: Call):
    return action_page(call, "How was the event?", [{
        "action": f"/rsvps/{call.path['rsvp_id']}/feedback", "hidden": {"token": call.query.token},
        "fields": [{"name": "rating", "label": "Rating, 1 (poor) to 5 (excellent)", "type": "number", "required": True},
                   {"name": "comment", "label": "Comment", "long": True}],
        "button": "Send"}])


class FeedbackForm(TokenForm):
    rating: int
    comment: Text | None = None


@route("POST", "/rsvps/{rsvp_id:token}/feedback", access=PUBLIC, tag=TAG, content_type=HTML, body=FeedbackForm,
       form=True, rate_limit="public_form", summary="Page: send feedback on an event")
def rsvp_feedback_submit(call: Call):
    try:
        call.rpc("screenings", "give_feedback", call.path["rsvp_id"], call.body.token, call.body.rating,
                 call.body.comment or None)
    except ApiError as exc:
        if exc.status in (403, 404, 409, 422):
            return refused_as_page(call, exc, "Feedback not taken")
        raise
    return message(call, "Thank you", "Your feedback helps the hosts.")


@route("GET", "/join", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: the join-the-network form")
def join_page(call: Call):
    return page(call, "join.html", title="Join the network")


class JoinForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line
    email: Line
    agency: Line
    title: Line
    state: Line
    why: Text
    experience: Text
    reference_name: Line
    reference_contact: Line


@route("POST", "/join", access=PUBLIC, tag=TAG, content_type=HTML, body=JoinForm, form=True,
       rate_limit="public_form", summary="Page: submit an application")
def join_submit(call: Call):
    data = call.body.model_dump()
    data["reference"] = {"name": data.pop("reference_name"), "contact": data.pop("reference_contact")}
    try:
        call.rpc("leaders", "submit_application", data)
    except ApiError as exc:
        if exc.status in (409, 422):
            return refused_as_page(call, exc, "Please check your application")
        raise
    return message(call, "Application received", "Thank you. A program manager will be in touch by email.")


@route("GET", "/mentorship/request", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: the mentorship request form")
def mentorship_request_page(call: Call):
    return page(call, "mentorship_request.html", title="Ask for mentoring", errors=[],
                topics=call.rpc("leaders", "expertise_tags"))


@route("POST", "/mentorship/request", access=PUBLIC, tag=TAG, content_type=HTML,
       body=mentorship_api.MentorshipRequestIn, form=True, rate_limit="public_form",
       summary="Page: send a mentorship request")
def mentorship_request_submit(call: Call):
    try:
        mentorship_api.submit(call, call.body)
    except ApiError as exc:
        if exc.status == 422:
            return page(call, "mentorship_request.html", status=422, title="Ask for mentoring",
                        errors=exc.errors or [{"field": exc.field, "message": exc.message}],
                        topics=call.rpc("leaders", "expertise_tags"))
        raise
    return message(call, "Check your email", "We sent you a link to confirm your address. Your request goes "
                                             "to a leader once you confirm; the email also has your status link.")


@route("GET", "/mentorship/confirm/{token:token}", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: confirm a mentorship request (the emailed link)")
def mentorship_confirm_page(call: Call):
    # Confirming takes a click: mail scanners that open links must not confirm for the requester.
    return action_page(call, "Confirm your request", [{"action": f"/mentorship/confirm/{call.path['token']}",
                                                      "button": "Confirm my request"}])


@route("POST", "/mentorship/confirm/{token:token}", access=PUBLIC, tag=TAG, content_type=HTML,
       rate_limit="public_form", summary="Page: confirm a mentorship request")
def mentorship_confirm_submit(call: Call):
    try:
        mentorship_api.by_link(call, "confirm_request")
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "Not confirmed")
        raise
    return message(call, "Request confirmed", "Thank you. We are offering your request to a leader now; "
                                              "your status link shows its progress.")


@route("GET", "/mentorship/status/{token:token}", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: where a mentorship request stands (the private link), with cancel")
def mentorship_status_page(call: Call):
    status = mentorship_api.by_link(call, "request_status")
    details = [(label, status.get(key)) for label, key in (
        ("Request", "id"), ("Topic", "topic_label"), ("Status", "state"), ("Leader", "leader_name"))
        if status.get(key) is not None]
    final = status.get("state") in ("completed", "cancelled", "closed_unanswered")
    forms = [] if final else [{"action": f"/mentorship/status/{call.path['token']}/cancel", "button": "Cancel my request"}]
    return action_page(call, "Your mentorship request", forms, details=details)


@route("POST", "/mentorship/status/{token:token}/cancel", access=PUBLIC, tag=TAG, content_type=HTML,
       rate_limit="public_form", summary="Page: cancel a mentorship request")
def mentorship_cancel_submit(call: Call):
    try:
        mentorship_api.by_link(call, "cancel_request")
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "Not cancelled")
        raise
    return message(call, "Request cancelled", "Your request is cancelled.")


# --- a leader's pages ------------------------------------------------------------------------

def signed_in_leader(call: Call) -> int:
    if call.caller.leader_id is None:
        raise ApiError(403, "forbidden", "this page is for leaders; program managers use the management pages")
    return call.caller.leader_id


@route("GET", "/leader", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: a leader's home (offers, mentorships, screenings)")
def leader_home(call: Call):
    leader_id = signed_in_leader(call)
    requests = call.rpc("leaders", "leader_requests", leader_id)
    mine = call.rpc("screenings", "search_screenings", {"leader_id": leader_id, "page_size": 50}, actor=actor(call))
    return page(call, "leader_home.html", title="Your home", requests=requests, screenings=mine.get("items", []))


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


class ModuleForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    module: Annotated[str, StringConstraints(min_length=1, max_length=80)]


@route("GET", "/leader/training", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: a leader's distance-learning modules (the training reminder's link)")
def training_page(call: Call):
    training = call.rpc("leaders", "leader_training", signed_in_leader(call))
    details = [(m["title"] + (" (needed to mentor)" if m["required_for_mentoring"] else ""),
                f"completed {m['completed_at'][:10]}" if m["completed_at"] else "not yet")
               for m in training["modules"]]
    forms = [{"action": "/leader/training", "hidden": {"module": m["slug"]}, "button": f"Mark “{m['title']}” done"}
             for m in training["modules"] if not m["completed_at"]]
    text = ("You can take mentorship requests." if training["mentoring_ready"]
            else "Finish the modules marked as needed to mentor to start receiving mentorship requests.")
    return action_page(call, "Distance learning", forms, text, details)


@route("POST", "/leader/training", access=SIGNED_IN, tag=TAG, content_type=HTML, body=ModuleForm, form=True,
       summary="Page: record a completed training module")
def training_submit(call: Call):
    try:
        call.rpc("leaders", "complete_training", signed_in_leader(call), call.body.module)
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "Not recorded")
        raise
    return see_other("/leader/training")


def _screening_details(view: dict) -> list:
    return [("Event", view.get("title")), ("When", view.get("local_label")), ("Status", view.get("status")),
            ("Seats left", view.get("seats_left")), ("Waitlist", view.get("waitlist"))]


CHANGEABLE = ("submitted", "sent_back", "resubmitted", "scheduled")


@route("GET", "/manage/screenings/{screening_id:token}", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: a screening for its organisers and managers, to reschedule or cancel it")
def manage_screening_page(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    sid = view.get("id")
    if view.get("status") not in CHANGEABLE:
        return action_page(call, view.get("title") or "Screening", [], details=_screening_details(view),
                           text=f"This screening is {view.get('status')}; it can no longer be changed.")
    note = {"name": "message", "label": "A note for the attendees (optional)", "long": True}
    forms = [
        {"action": f"/manage/screenings/{sid}/reschedule", "button": "Reschedule", "fields": [
            {"name": "start", "label": "Starts", "type": "datetime-local", "required": True,
             "value": str(view.get("local_start") or "")[:16]},
            {"name": "end", "label": "Ends", "type": "datetime-local", "required": True,
             "value": str(view.get("local_end") or "")[:16]},
            note]},
        {"action": f"/manage/screenings/{sid}/cancel", "button": "Cancel the screening", "fields": [
            {"name": "message", "label": "Your message to the attendees", "long": True, "required": True}]},
    ]
    return action_page(call, view.get("title") or "Screening", forms, details=_screening_details(view),
                       text=f"Times are local to the venue ({view.get('time_zone')}). Attendees, the host and "
                            "co-hosts are told of any change with an updated calendar invitation.")


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


@route("GET", "/manage/screenings/{screening_id:token}/report", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: the post-event report of a screening")
def screening_report_page(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    return action_page(call, f"Report: {view.get('title')}", [], details=_screening_details(view),
                       text=f"File the report with POST /api/screenings/{view.get('id')}/report.")


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
         "button": "Send back"}], details=_screening_details(view))


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
    call.rpc("leaders", "assign", call.path["request_id"], call.body.leader_id, mentorship_api.manager_id(call))
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
    call.rpc("leaders", method, call.path["application_id"], manager_id=mentorship_api.manager_id(call), **options)
    return see_other("/manage/applications")
