"""Answers from the calendar: the rules, plain Python without I/O.

An invitee's invitation names, as its ORGANIZER, the network's reply address with a token
of their own (`replies+<token>@domain`). Their calendar's iTIP REPLY (RFC 5546, sent by
iMIP, RFC 6047) comes back to that address, and is applied only when everything agrees:
the token is one this service issued, the REPLY's UID is the invitation's event, and its
ATTENDEE is the invitee the token names. Anything else is kept with the reason and
changes nothing, so nobody can answer for someone else.

The token is the RSVP's id (a random UUID: it names no one) and an HMAC of it under the
service's kept secret, in lower-case base32 so that it survives any mail system's
handling of the address's case.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.contracts.email import InvalidEmail, normalise_email

from ..domain.rsvps import AttendeeList, Rsvp, RsvpStatus
from ..domain.screening import Screening, Status

_MAC_BYTES = 10
_TOKEN = re.compile(r"^[a-z2-7]{42}$")


class PartStat(StrEnum):
    """An attendee's answer as iCalendar spells it (RFC 5545 PARTSTAT)."""

    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"


ANSWERS = frozenset({PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE})


class Outcome(StrEnum):
    APPLIED = "applied"  # the answer changed the invitee's place or their recorded answer
    UNCHANGED = "unchanged"  # a genuine answer that was already applied (or is older than one)
    REFUSED = "refused"  # unmatched, forged or unreadable: kept with the reason, nothing changed


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _mac(secret: str, rsvp_id: str) -> bytes:
    return hmac.new(secret.encode(), f"calendar-reply:{rsvp_id}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def reply_token(secret: str, rsvp_id: str) -> str:
    """The token in an invitee's reply address (42 characters of [a-z2-7])."""
    return _b32(uuid.UUID(rsvp_id).bytes + _mac(secret, rsvp_id))


def reply_address(local: str, domain: str, token: str) -> str:
    return f"{local}+{token}@{domain}"


def rsvp_of_token(secret: str, token: Any) -> str | None:
    """The RSVP id a token names, or None when it is not one this service issued."""
    if not isinstance(token, str) or not _TOKEN.match(token.lower()):
        return None
    raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    rsvp_id = str(uuid.UUID(bytes=raw[:16]))
    return rsvp_id if hmac.compare_digest(raw[16:], _mac(secret, rsvp_id)) else None


@dataclass(frozen=True)
class ReplyAttendee:
    email: str
    partstat: str


@dataclass(frozen=True)
class CalendarReply:
    """What the inbound listener read from one mail sent to a reply address."""

    method: str | None = None
    uid: str | None = None
    sequence: int | None = None
    dtstamp: datetime | None = None  # aware UTC
    attendees: tuple[ReplyAttendee, ...] = ()
    problem: str | None = None  # what the listener could not read, if anything


@dataclass(frozen=True)
class Verdict:
    """How a reply stands against the invitation its token names."""

    outcome: Outcome
    reason: str | None = None
    answer: PartStat | None = None
    attendee: str | None = None


def refused(reason: str) -> Verdict:
    return Verdict(Outcome.REFUSED, reason)


def _address(value: str) -> str | None:
    value = value.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:"):]
    try:
        return normalise_email(value)
    except InvalidEmail:
        return None


def match(reply: CalendarReply, *, seat: Rsvp | None, screening: Screening | None) -> Verdict:
    """Whether `reply` is the answer of the invitee the token names (`seat`, in
    `screening`), and which; the first failing check is the reason it is refused."""
    if seat is None or screening is None:
        return refused("the reply address's token names no invitation")
    if not seat.invited or seat.email is None:
        return refused("the token's place was not taken by an invitation")
    if reply.problem:
        return refused(reply.problem)
    if (reply.method or "").upper() != "REPLY":
        return refused(f"not an iTIP REPLY (METHOD:{reply.method or 'none'})")
    if not reply.uid:
        return refused("the REPLY has no UID")
    if reply.uid != screening.uid:
        return refused("the REPLY's UID is not the event of the invitation")
    if not reply.attendees:
        return refused("the REPLY names no attendee")
    theirs = [a for a in reply.attendees if _address(a.email) == seat.email]
    if not theirs:
        return refused("the REPLY's attendee is not the invitee the reply address was issued to")
    if len(reply.attendees) > 1:
        return refused("a REPLY answers for one attendee only, and this one names several")
    partstat = theirs[0].partstat.upper()
    if partstat not in {p.value for p in ANSWERS}:
        return refused(f"PARTSTAT {partstat or 'none'} is not an answer (ACCEPTED, DECLINED or TENTATIVE)")
    return Verdict(Outcome.APPLIED, answer=PartStat(partstat), attendee=seat.email)


@dataclass
class Applied:
    """What answering did to the attendee list."""

    outcome: Outcome
    reason: str | None = None
    seat: Rsvp | None = None
    was_confirmed: bool = False
    taken: bool = False  # the invitee is in again (a seat or a waitlist place) after a decline
    cancelled: bool = False
    promoted: list[Rsvp] = field(default_factory=list)


def answer(attendees: AttendeeList, screening: Screening, seat: Rsvp, partstat: PartStat, *,
           stamp: datetime | None, now: datetime) -> Applied:
    """Apply an invitee's answer to their place. ACCEPTED keeps (or, after a decline, takes
    again) a seat or a waitlist place, DECLINED gives it up and promotes the waitlist,
    TENTATIVE is recorded. An answer already applied, or older (by its DTSTAMP) than the
    last one applied, changes nothing; nor does any answer once the event is over."""
    seat = attendees.find(seat.id)
    if seat is None:
        raise ValueError("the seat is not on this attendee list")
    if screening.status is Status.CANCELLED:
        return Applied(Outcome.REFUSED, "the event has been cancelled", seat)
    if screening.status is Status.COMPLETED or now >= screening.details.start:
        return Applied(Outcome.REFUSED, "the event has already started", seat)
    if stamp is not None and seat.answered_at is not None and stamp < seat.answered_at:
        return Applied(Outcome.UNCHANGED, "older than the answer already applied", seat)
    was_confirmed = seat.status is RsvpStatus.CONFIRMED
    current = PartStat(seat.partstat or PartStat.NEEDS_ACTION)
    result = Applied(Outcome.UNCHANGED, "this answer is already applied", seat, was_confirmed=was_confirmed)
    if partstat is PartStat.DECLINED:
        if seat.active:
            cancelled = attendees.cancel(screening, seat.id, now=now)
            result = Applied(Outcome.APPLIED, None, seat, was_confirmed=was_confirmed, cancelled=True,
                             promoted=[cancelled.promoted] if cancelled.promoted else [])
    elif not seat.active:
        if screening.status is not Status.SCHEDULED:
            return Applied(Outcome.REFUSED, "the event is not taking places now", seat)
        attendees.take_again(screening, seat.id, now=now)
        result = Applied(Outcome.APPLIED, None, seat, taken=True)
    elif current is not partstat:
        result = Applied(Outcome.APPLIED, None, seat, was_confirmed=was_confirmed)
    if result.outcome is Outcome.APPLIED:
        seat.partstat = partstat.value
        if stamp is not None:
            seat.answered_at = stamp
    return result
