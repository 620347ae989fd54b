"""Rapid response pages: the public urgent request form (after a hate incident), and a
leader's accept or decline of an urgent request offered to them (their home lists them)."""
from __future__ import annotations

from services.gateway.api import urgent as urgent_api
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import PUBLIC, SIGNED_IN

from . import forms
from .leader import signed_in_leader
from .render import HTML, TAG, message, page, refused_as_page

route = ROUTES.route

URGENT_LABELS = {"requester_name": "Your name", "organisation": "Agency or organisation", "role": "You are",
                 "email": "Email", "phone": "Phone (optional)", "postal_code": "ZIP code where it happened",
                 "what_happened": "What happened", "help_needed": "What help you need"}
ROLES = [("officer", "A law enforcement officer"), ("partner", "A community partner (school, faith or community group)")]


def urgent_form(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    return page(call, "urgent_request.html", status=status, title="Ask for urgent help", form=form, roles=ROLES)


def urgent_invalid(call: Call, exc: ApiError) -> Reply:
    return urgent_form(call, forms.refused(call, exc, URGENT_LABELS), status=422)


@route("GET", "/urgent", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: ask for urgent help after a hate incident (rapid response)")
def urgent_page(call: Call):
    return urgent_form(call, forms.empty(URGENT_LABELS))


@route("POST", "/urgent", access=PUBLIC, tag=TAG, content_type=HTML, body=urgent_api.UrgentRequestIn, form=True,
       rate_limit="public_form", invalid=urgent_invalid, idempotent=True,
       summary="Page: send an urgent request (offered at once to the nearest leaders)")
def urgent_submit(call: Call):
    try:
        filed = urgent_api.file(call, call.body)
    except ApiError as exc:
        if exc.status == 422:
            return urgent_invalid(call, exc)
        raise
    hours = filed["response_hours"]
    if filed["state"] == "offered":
        text = (f"Your request near {filed['place']} went at once to the {filed['offered_to']} nearest leaders of "
                f"the network. The first to accept will be mailed your contact details and you will get an "
                f"email with theirs. If none accepts within {hours} hours, the next nearest are asked and the "
                f"program managers are told.")
    else:
        text = (f"No leader is free near {filed['place']} right now, so the program managers have your request "
                f"at the top of their queue and will find someone. You will get an email when a leader takes it.")
    return message(call, "Urgent request sent", text, next_steps=[("/", "Go to the home page")])


def _urgent_action(call: Call, method: str, done: str, text: str) -> Reply:
    leader_id = signed_in_leader(call)
    try:
        call.rpc("leaders", method, call.path["request_id"], leader_id)
    except ApiError as exc:
        if exc.status in (403, 404, 409, 422):
            return refused_as_page(call, exc, "Not done")
        raise
    return message(call, done, text, next_steps=[("/leader", "Back to your home")])


@route("POST", "/leader/urgent/{request_id:int}/accept", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: take an urgent request offered to you (the first leader to accept takes it)")
def urgent_accept(call: Call):
    return _urgent_action(call, "accept_urgent", "Urgent request taken",
                          "It is yours: the requester's contact details are on your home page and in your email. "
                          "The other leaders offered it have been told.")


@route("POST", "/leader/urgent/{request_id:int}/decline", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: decline an urgent request offered to you")
def urgent_decline(call: Call):
    return _urgent_action(call, "decline_urgent", "Urgent request declined",
                          "Thank you for answering quickly; the request goes to the next nearest leaders.")
