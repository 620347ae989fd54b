"""Inviting people to a screening: its organisers paste addresses (one a line or comma
separated, `Name <address>` too), each invitee gets a seat and a mail with their private
link, and the page shows who was invited and who answered."""
from __future__ import annotations

from email.utils import getaddresses

from services.gateway.api.common import actor
from services.gateway.api.invitations import Invitee, invite_all
from services.gateway.api.screenings import organisers
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER

from . import forms
from .render import HTML, TAG, notice, page, refused_as_page, see_other

route = ROUTES.route
LABELS = {"addresses": "Email addresses"}
INVITED = notice("invitations-sent", "success", "Invitations sent: each person gets a mail with their private link.")
ANSWERS = {"confirmed": "Has a seat", "waitlisted": "On the waitlist", "cancelled": "Gave up the seat"}
# What the invitee answered from their calendar (iCalendar PARTSTAT), after their place.
CALENDAR_ANSWERS = {"NEEDS-ACTION": "not answered yet", "ACCEPTED": "accepted", "TENTATIVE": "said maybe"}


def answer_label(person: dict) -> str:
    if person["status"] == "cancelled" and person.get("calendar_answer") == "DECLINED":
        return "Declined the invitation"
    place = ANSWERS.get(person["status"], person["status"])
    said = CALENDAR_ANSWERS.get(person.get("calendar_answer") or "")
    return f"{place}, {said}" if said else place


def pasted_invitees(text: str) -> list[tuple[str, str]]:
    """(name, address) of each entry in pasted text: one a line, or separated by commas or
    semicolons, as `address` or `Name <address>`; blank entries are left out."""
    entries = [part for line in (text or "").splitlines() for part in line.replace(";", ",").split(",")]
    found = []
    for entry in entries:
        if not entry.strip():
            continue
        name, address = getaddresses([entry.strip()])[0]
        found.append((name.strip(), address.strip() or entry.strip()))
    return found


def invitations_page(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    people = [dict(p, answer=answer_label(p))
              for p in call.rpc("screenings", "attendees", actor(call), view["id"]) if p["invited"]]
    return page(call, "leader_invitations.html", status=status, title=f"Invitations: {view.get('title')}", s=view,
                invited=people, form=form)


@route("GET", "/manage/screenings/{screening_id:token}/invitations", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: invite people to a screening and see who answered")
def invitations_list(call: Call):
    return invitations_page(call, forms.empty(LABELS))


@route("POST", "/manage/screenings/{screening_id:token}/invitations", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: invite the pasted addresses "
                                  "(POST /api/screenings/{id}/invitations does the same as JSON)", idempotent=True)
def invitations_submit(call: Call):
    entries = pasted_invitees(call.request.form.get("addresses") or "")
    state = forms.submitted(call, LABELS)
    if not entries:
        state.errors["addresses"] = "paste at least one email address"
        return invitations_page(call, state, status=422)
    invitees, refused = [], []
    for name, address in entries:
        try:
            invitees.append(Invitee(email=address, name=name or None))
        except ValueError:
            refused.append(address)
    try:
        result = invite_all(call, call.path["screening_id"], invitees) if invitees else {"invited": [], "refused": []}
    except ApiError as exc:
        if exc.status in (403, 404, 409):
            return refused_as_page(call, exc, "Not invited")
        raise
    refused += [r["email"] for r in result["refused"]]
    if not refused:
        return see_other(f"/manage/screenings/{call.path['screening_id']}/invitations", INVITED)
    state.values["addresses"] = "\n".join(refused)
    state.errors["addresses"] = ("not a valid email address: " + ", ".join(refused)
                                 + (". The other addresses are invited." if result["invited"] else ""))
    return invitations_page(call, state, status=422)
