"""Inviting people to a screening: each invitee gets a seat (or a waitlist place) and a
mail with their private link, the only way into an invitation-only event."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from services.gateway.errors import ApiError
from services.gateway.http import Call
from services.gateway.routing import LEADER
from services.gateway.schemas import Name

from .common import actor
from .screenings import HOSTING, OBJECT, Strict, organisers
from .table import ROUTES

route = ROUTES.route


class Invitee(Strict):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    name: Name | None = Field(None, description="defaults to the address's part before the @")


class InvitationsIn(Strict):
    invitees: list[Invitee] = Field(min_length=1, max_length=200)


def invite_all(call: Call, screening_id: str, invitees: list[Invitee]) -> dict:
    """Invite each address (the screenings service mails each one their private link);
    an address it refuses is reported with the reason, the others are still invited."""
    invited, refused = [], []
    for person in invitees:
        name = person.name or person.email.split("@", 1)[0]
        try:
            place = call.rpc("screenings", "invite", actor(call), screening_id, name, person.email,
                             request_key=call.request_key(person.email))
        except ApiError as exc:
            if exc.status != 422:
                raise
            refused.append({"email": person.email, "message": exc.message})
            continue
        invited.append({"email": person.email, "name": name, "status": place["status"],
                        "already_invited": not place["created"]})
    return {"invited": invited, "refused": refused}


@route("POST", "/api/screenings/{screening_id:token}/invitations", access=LEADER, owner=organisers, tag=HOSTING,
       body=InvitationsIn, response=OBJECT, summary="Invite people by email: each gets a seat (or a waitlist "
       "place) and a mail with their private link, the only way into an invitation-only event", idempotent=True)
def invite(call: Call):
    return invite_all(call, call.path["screening_id"], call.body.invitees)
