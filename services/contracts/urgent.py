"""Events of rapid response (urgent requests after a hate incident), published by the
leaders service's mentorship room; the mailer turns each into mail.

A round of offers goes to the nearest eligible leaders at once; the first to accept
takes the request, the others are told it is taken; a round nobody accepts gives way to
the next, and the program managers are told of every round and of a request nobody is
left to take. The requester's address and phone reach only the leader who took it."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .envelope import Email, Payload
from .mentorship import LeaderId, ManagerEmails, Name, Note, RequestId, SitePath, StateCode, UtcDateTime, ZoneName
from .registry import event

_MAILER = ("mailer",)
Zip = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254,
                                         pattern=r"^[^\r\n]*$")]
Round = Annotated[int, Field(ge=1)]
Miles = Annotated[float, Field(ge=0)]


class OfferedLeader(Payload):
    leader_id: LeaderId
    leader_name: Name
    leader_email: Email
    miles: Miles


class _Incident(Payload):
    request_id: RequestId
    postal_code: Zip
    place: Name
    incident_state: StateCode
    what_happened: Text
    help_needed: Note
    requester_organisation: Name
    requester_role: Literal["officer", "partner"]
    filed_at: UtcDateTime
    time_zone: ZoneName
    manager_emails: ManagerEmails
    manage_path: SitePath


@event("leaders", "urgent_request_offered", consumers=_MAILER)
class UrgentRequestOffered(_Incident):
    """To each leader of the round: accept or decline within the hours; to the managers:
    a new urgent request (round 1) or nobody accepted the last round (round 2 and on)."""

    round: Round
    offered_at: UtcDateTime
    deadline: UtcDateTime
    leaders: Annotated[tuple[OfferedLeader, ...], Field(min_length=1, max_length=10)]
    offers_path: SitePath


@event("leaders", "urgent_request_taken", consumers=_MAILER)
class UrgentRequestTaken(_Incident):
    """To the requester: who took it and how to reach them; to the leader who took it: the
    requester's contact; to the other leaders offered: it is taken; to the managers."""

    requester_name: Name
    requester_email: Email
    requester_phone: Phone | None = None
    leader_id: LeaderId
    leader_name: Name
    leader_email: Email
    leader_agency: Name
    leader_phone: Phone | None = None
    miles: Miles
    taken_at: UtcDateTime
    withdrawn: tuple[OfferedLeader, ...] = ()


@event("leaders", "urgent_request_waiting", consumers=_MAILER)
class UrgentRequestWaiting(_Incident):
    """To the managers: no eligible leader is left to offer it to; someone must step in."""

    rounds: Annotated[int, Field(ge=0)]
    detected_at: UtcDateTime
