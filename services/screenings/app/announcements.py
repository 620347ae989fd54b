"""Telling people about a screening: one event per recipient (see
services.contracts.screenings), with a calendar invitation for whoever holds a seat."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from services.contracts import screenings as events

from .. import calendar
from ..domain.rsvps import Rsvp, RsvpStatus
from ..domain.rules import HostRecord
from ..domain.screening import Screening
from ..settings import ScreeningsSettings
from .payloads import cancel_path, cohosts, invitation, person, screening_info


@dataclass
class Recipient:
    person: events.Person
    role: str
    rsvp_id: str | None = None
    link_nonce: str | None = None
    seat: Rsvp | None = None

    @property
    def id(self) -> str | None:  # as cancel_path reads a seat
        return self.rsvp_id


def recipients(uow, screening: Screening, host: HostRecord, *, waitlisted: bool) -> list[Recipient]:
    """The host, the co-hosts, then the attendees (and the waitlist) in arrival order."""
    people = [Recipient(person(host), "host")]
    people += [Recipient(person(c), "cohost") for c in cohosts(uow, screening)]
    for rsvp in uow.rsvps.attendee_list(screening.id).to_tell(waitlisted=waitlisted):
        role = "attendee" if rsvp.status is RsvpStatus.CONFIRMED else "waitlisted"
        people.append(Recipient(events.Person(name=rsvp.name, email=rsvp.email), role, rsvp.id, rsvp.link_nonce,
                                rsvp))
    return people


def publish_to_each(uow, screening: Screening, host: HostRecord, model, settings: ScreeningsSettings,
                    now: datetime, *, method: str | None, waitlisted: bool, **fields) -> int:
    """One event per recipient; seat holders get the invitation (with `method`) and the
    join link, and attendees their private cancel link. Returns how many were published."""
    info = screening_info(uow, screening, host)
    sent = 0
    for recipient in recipients(uow, screening, host, waitlisted=waitlisted):
        seat_holder = recipient.role != "waitlisted"
        extra: dict[str, Any] = {}
        if method is not None and seat_holder:
            answering = (uow.link_secret, recipient.seat) if recipient.seat is not None else None
            extra.update(invitation(screening, host, [recipient.person], method, settings, now, answering=answering))
        if seat_holder and screening.details.join_url and method != calendar.METHOD_CANCEL:
            extra["join_url"] = screening.details.join_url
        if recipient.rsvp_id is not None:
            extra["rsvp_id"] = recipient.rsvp_id
            extra["cancel_path"] = cancel_path(uow, recipient)
        uow.publish(model(screening=info, recipient=recipient.person, recipient_role=recipient.role,
                          **extra, **fields))
        sent += 1
    return sent


def organiser_invitation(uow, screening: Screening, host: HostRecord, settings: ScreeningsSettings,
                         now: datetime) -> dict:
    """The invitation fields of an event addressed to the organisers: the co-hosts are its
    attendees (the host alone when there are none)."""
    people = [person(c) for c in cohosts(uow, screening)] or [person(host)]
    fields = invitation(screening, host, people, calendar.METHOD_REQUEST, settings, now)
    if screening.details.join_url:
        fields["join_url"] = screening.details.join_url
    return fields


def publish_seat(uow, settings: ScreeningsSettings, screening: Screening, host: HostRecord, rsvp: Rsvp, model,
                 now: datetime, **fields) -> None:
    """Tell one attendee they hold a seat, with its invitation and private link."""
    attendee = events.Person(name=rsvp.name, email=rsvp.email)
    extra = invitation(screening, host, [attendee], calendar.METHOD_REQUEST, settings, now,
                       answering=(uow.link_secret, rsvp))
    if screening.details.join_url:
        extra["join_url"] = screening.details.join_url
    uow.publish(model(
        screening=screening_info(uow, screening, host), recipient=attendee, recipient_role="attendee",
        rsvp_id=rsvp.id, cancel_path=cancel_path(uow, rsvp), **extra, **fields))


def announce_promotions(uow, settings: ScreeningsSettings, screening: Screening, host: HostRecord,
                        promoted: Iterable[Rsvp], now: datetime) -> None:
    for rsvp in promoted:
        if rsvp.email:
            publish_seat(uow, settings, screening, host, rsvp, events.RsvpPromoted, now, promoted_at=now)
