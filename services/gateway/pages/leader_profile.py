"""A leader's profile and availability: what the directory shows of them (bio, agency,
title, expertise), how many mentees they take, and whether they are away."""
from __future__ import annotations

from services.gateway import email_change
from services.gateway.api.accounts import ask_email_change
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.api.table import ROUTES
from services.gateway.routing import SIGNED_IN
from services.runtime.errors import ValidationFailed

from . import forms
from .leader import signed_in_leader
from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
LABELS = {"agency": "Agency", "title": "Title", "postal_code": "ZIP code", "bio": "About you", "expertise": "Expertise",
          "max_mentees": "Mentees at a time", "away_until": "Away until", "email": "New email address"}
PROFILE_SAVED = notice("profile-saved", "success", "Your profile is saved. The directory shows the change.")
AVAILABILITY_SAVED = notice("availability-saved", "success", "Your availability is saved.")
EMAIL_CHANGE_SENT = notice("email-change-sent", "success", "We sent a link to your new address. The change takes "
                           "effect when you open it there; until then nothing changes.")


def profile_page(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    leader = call.rpc("leaders", "get_leader", signed_in_leader(call))
    with call.db.transaction() as session:
        pending_email = email_change.waiting_change(session, call.caller.account_id)
    return page(call, "leader_profile.html", status=status, title="Your profile", leader=leader, form=form,
                pending_email=pending_email,
                topics=[(t["slug"], t["label"]) for t in call.rpc("leaders", "expertise_tags")])


@route("GET", "/leader/profile", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: a leader's profile and availability")
def profile_view(call: Call):
    return profile_page(call, stored(call))


def stored(call: Call) -> forms.FormState:
    """The profile form filled with what the roster holds."""
    leader = call.rpc("leaders", "get_leader", signed_in_leader(call))
    values = [("agency", leader["agency"]), ("title", leader["title"]),
              ("postal_code", leader.get("postal_code") or ""), ("bio", leader["bio"]),
              ("max_mentees", leader["max_mentees"]), ("away_until", leader.get("away_until") or "")]
    values += [("expertise", tag["slug"]) for tag in leader["expertise"]]
    state = forms.empty(LABELS)
    for key, value in values:
        state.values.add(key, value)
    return state


@route("POST", "/leader/profile", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: save a leader's profile (PATCH /api/leaders/{id} does the same as JSON)")
def profile_submit(call: Call):
    form = call.request.form
    mentees = (form.get("max_mentees") or "").strip()
    changes = {"agency": (form.get("agency") or "").strip(), "title": (form.get("title") or "").strip(),
               "postal_code": (form.get("postal_code") or "").strip() or None,
               "bio": (form.get("bio") or "").strip(), "expertise": form.getlist("expertise"),
               "max_mentees": int(mentees) if mentees.isdigit() else mentees}
    try:
        call.rpc("leaders", "update_leader", signed_in_leader(call), changes)
    except ApiError as exc:
        if exc.status == 422:
            return profile_page(call, forms.refused(call, exc, LABELS), status=422)
        raise
    return see_other("/leader/profile", PROFILE_SAVED)


@route("POST", "/leader/availability", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: set a leader away until a date, or available "
               "(PUT /api/leaders/{id}/availability does the same as JSON)")
def availability_submit(call: Call):
    away = (call.request.form.get("away_until") or "").strip() if call.request.form.get("away") == "yes" else ""
    if call.request.form.get("away") == "yes" and not away:
        state = forms.submitted(call, LABELS)
        state.errors["away_until"] = "give the day you are back"
        return profile_page(call, state, status=422)
    try:
        call.rpc("leaders", "set_availability", signed_in_leader(call), away or None)
    except ApiError as exc:
        if exc.status == 422:
            state = forms.refused(call, exc, LABELS, {"away_until": "away_until", "date": "away_until"})
            if not state.errors:
                state.errors["away_until"], state.message = state.message or exc.message, None
            return profile_page(call, state, status=422)
        raise
    return see_other("/leader/profile", AVAILABILITY_SAVED)


@route("POST", "/leader/email", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: change the email address (PATCH /api/leaders/{id} with email does the same as JSON); "
               "it takes effect when the link mailed to the new address is opened")
def email_submit(call: Call):
    address = (call.request.form.get("email") or "").strip()
    state = stored(call)  # the profile as it is, and the new address as typed
    state.values.add("email", address)
    if not address:
        state.errors["email"] = "give the new address"
        return profile_page(call, state, status=422)
    try:
        asked = ask_email_change(call, address)
    except ValidationFailed as exc:
        state.errors["email"] = exc.message
        return profile_page(call, state, status=422)
    if asked is None:
        state.errors["email"] = "this is your address already"
        return profile_page(call, state, status=422)
    return see_other("/leader/profile", EMAIL_CHANGE_SENT)
