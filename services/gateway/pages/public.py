"""Pages for the public: the home page, directory, screenings and RSVPs, joining the
network, asking for mentoring, and the private links in their mail."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api import mentorship as mentorship_api
from services.gateway.api.common import scrub
from services.gateway.api.leaders import APPLICATION_RECEIVED
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.templating import render_page
from services.gateway.routing import PUBLIC

from . import forms
from .library import suggested
from .render import HTML, TAG, action_page, message, page, refused_as_page, see_other, upcoming

route = ROUTES.route
Line = Annotated[str, StringConstraints(max_length=1000)]
Text = Annotated[str, StringConstraints(max_length=5000)]


# --- public pages ---------------------------------------------------------------------------

@route("GET", "/", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: the network's home page")
def home_page(call: Call):
    return page(call, "home.html", title="Home", upcoming=upcoming(call)[:5])


class ScreeningPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rsvp: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


@route("GET", "/screenings/{screening_id:token}", access=PUBLIC, tag=TAG, content_type=HTML,
       query=ScreeningPageQuery, summary="Page: one screening, with the RSVP form; with an attendee's private "
                                          "link (rsvp and token, as in their mail) also an invitation-only one")
def screening_page(call: Call):
    if call.query.rsvp and call.query.token:
        seat = scrub(call.rpc("screenings", "attendee_view", call.query.rsvp, call.query.token))
        if seat.get("id") != call.path["screening_id"]:
            raise ApiError(404, "not_found", "no such screening")
        cancel = f"/rsvps/{call.query.rsvp}/cancel?token={quote(call.query.token)}"
        return page(call, "screening.html", title=seat.get("title") or "Screening", s=seat, seat=seat["rsvp"],
                    cancel_link=cancel, resources=suggested(call, film=seat.get("film")),
                    partners=call.rpc("screenings", "screening_partners", seat["id"]))
    return public_screening(call, forms.empty(RSVP_LABELS))


RSVP_LABELS = {"name": "Your name", "email": "Email"}


def public_screening(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    """A public screening's page with its RSVP form (as typed, after a refusal). One that
    is not public (awaiting approval, sent back) is still where its mails link: managers
    go on to its review, its organisers to its page in their workspace."""
    try:
        screening = scrub(call.rpc("screenings", "get_screening", call.path["screening_id"]))
    except ApiError as exc:
        viewer = call.viewer
        if exc.status != 404 or viewer is None:
            raise
        if viewer.is_manager:
            return see_other(f"/manage/screenings/{call.path['screening_id']}/review")
        if viewer.leader_id is None:
            raise
        # The service shows an unpublished screening to its organisers only (else its 404).
        call.rpc("screenings", "get_screening", call.path["screening_id"],
                 actor={"role": "leader", "leader_id": viewer.leader_id, "account_id": viewer.account_id})
        return see_other(f"/manage/screenings/{call.path['screening_id']}")
    film = None
    if screening.get("film"):
        try:
            film = scrub(call.rpc("screenings", "get_film", screening["film"]))
        except ApiError as exc:
            if exc.status != 404:
                raise
    return page(call, "screening.html", status=status, title=screening.get("title") or "Screening", s=screening,
                film=film, form=form, resources=suggested(call, film=screening.get("film")),
                partners=call.rpc("screenings", "screening_partners", screening["id"]))


def rsvp_invalid(call: Call, exc: ApiError) -> Reply:
    return public_screening(call, forms.refused(call, exc, RSVP_LABELS), status=422)


class RsvpForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]


@route("POST", "/screenings/{screening_id:token}/rsvp", access=PUBLIC, tag=TAG, content_type=HTML, body=RsvpForm,
       form=True, rate_limit="public_form", invalid=rsvp_invalid, summary="Page: RSVP to a screening", idempotent=True)
def rsvp_submit(call: Call):
    try:
        result = call.rpc("screenings", "rsvp", call.path["screening_id"], call.body.name, call.body.email,
                          request_key=call.request_key())
    except ApiError as exc:
        if exc.status == 422:
            return rsvp_invalid(call, exc)
        if exc.status in (404, 409):
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


JOIN_LABELS = {"name": "Name", "email": "Work email", "agency": "Agency", "title": "Title", "state": "State",
               "postal_code": "ZIP code where you work",
               "why": "Why you want to join", "experience": "Experience", "reference_name": "Reference: name",
               "reference_contact": "Reference: email or phone"}
JOIN_ALIASES = {"reference.name": "reference_name", "reference.contact": "reference_contact", "reference": "reference_name"}


def join_form(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    return page(call, "join.html", status=status, title="Join the network", form=form)


def join_invalid(call: Call, exc: ApiError) -> Reply:
    return join_form(call, forms.refused(call, exc, JOIN_LABELS, JOIN_ALIASES), status=422)


@route("GET", "/join", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: the join-the-network form")
def join_page(call: Call):
    return join_form(call, forms.empty(JOIN_LABELS))


class JoinForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line
    email: Line
    agency: Line
    title: Line
    state: Line
    postal_code: Line | None = None
    why: Text
    experience: Text
    reference_name: Line
    reference_contact: Line


@route("POST", "/join", access=PUBLIC, tag=TAG, content_type=HTML, body=JoinForm, form=True,
       rate_limit="public_form", invalid=join_invalid, summary="Page: submit an application", idempotent=True)
def join_submit(call: Call):
    data = call.body.model_dump()
    data["reference"] = {"name": data.pop("reference_name"), "contact": data.pop("reference_contact")}
    try:
        call.rpc("leaders", "submit_application", data, request_key=call.request_key())
    except ApiError as exc:
        if exc.status == 422:
            return join_invalid(call, exc)
        raise
    return message(call, "Application received", APPLICATION_RECEIVED["message"],
                   next_steps=[("/screenings", "See upcoming screenings"), ("/", "Go to the home page")])


class MentorshipRequestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: Annotated[str, StringConstraints(max_length=60)] | None = None
    state: Annotated[str, StringConstraints(max_length=2)] | None = None


MENTORSHIP_LABELS = {"requester_name": "Name", "agency": "Agency", "role": "Role", "email": "Work email",
                     "state": "State", "topic": "Topic", "description": "What you need help with",
                     "urgency": "Urgency"}


def mentorship_form(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    topics = [(t["slug"], t["label"]) for t in call.rpc("leaders", "expertise_tags")]
    return page(call, "mentorship_request.html", status=status, title="Ask for mentoring", form=form, topics=topics)


def mentorship_invalid(call: Call, exc: ApiError) -> Reply:
    return mentorship_form(call, forms.refused(call, exc, MENTORSHIP_LABELS), status=422)


@route("GET", "/mentorship/request", access=PUBLIC, tag=TAG, content_type=HTML, query=MentorshipRequestQuery,
       summary="Page: the mentorship request form (a leader's profile links here with their topic and state)")
def mentorship_request_page(call: Call):
    return mentorship_form(call, forms.empty(MENTORSHIP_LABELS, call.query.model_dump(exclude_none=True)))


@route("POST", "/mentorship/request", access=PUBLIC, tag=TAG, content_type=HTML,
       body=mentorship_api.MentorshipRequestIn, form=True, rate_limit="public_form", invalid=mentorship_invalid,
       summary="Page: send a mentorship request", idempotent=True)
def mentorship_request_submit(call: Call):
    try:
        mentorship_api.submit(call, call.body)
    except ApiError as exc:
        if exc.status == 422:
            return mentorship_invalid(call, exc)
        raise
    # While they wait for a leader: what the library holds on the topic they asked about.
    return page(call, "message.html", title="Check your email",
                message="We sent you a link to confirm your address. Your request goes to a leader once you "
                        "confirm; the email also has your status link.",
                next_steps=[("/", "Go to the home page")],
                resources=suggested(call, topics=[call.body.topic]),
                resources_heading="Resources on your topic while you wait")


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
        confirmed = mentorship_api.by_link(call, "confirm_request")
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "Not confirmed")
        raise
    return page(call, "message.html", title="Request confirmed",
                message="Thank you. We are offering your request to a leader now; your status link shows its "
                        "progress.",
                next_steps=[("/", "Go to the home page")], resources=suggested(call, topics=[confirmed.get("topic")]),
                resources_heading="Resources on your topic while you wait")


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


@route("GET", "/unsubscribe/{token:token}", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: confirm unsubscribing from reminders and digests")
def unsubscribe_page(call: Call):
    return Reply(render_page("unsubscribe.html", token=call.path["token"]), content_type=HTML)


@route("POST", "/unsubscribe/{token:token}", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="One-click unsubscribe (RFC 8058: mail clients POST List-Unsubscribe=One-Click)")
def unsubscribe(call: Call):
    call.rpc("mailer", "unsubscribe", call.path["token"])
    return Reply(render_page("message.html", title="Unsubscribed",
                             message="You will get no more reminders or digests from the network. "
                                     "Messages about your own requests and registrations still arrive."),
                 content_type=HTML)
