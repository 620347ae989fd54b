"""Seats: public RSVPs, organisers' invitations, cancelling from the private link, the
capacity (which promotes from the waitlist) and walk-ins at the door."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts import screenings as events
from services.contracts.rpc.common import Actor
from services.runtime.errors import NotFound

from .. import calendar
from ..access import require_organiser_or_manager
from ..domain.rsvps import AttendeeList, Rsvp, RsvpStatus, hash_token, verify_cancel_token
from ..domain.screening import Screening
from ..settings import ScreeningsSettings
from .announcements import announce_promotions, publish_seat
from .common import host_of, load, save, view
from .payloads import cancel_path, invitation, link_token, new_link_nonce, screening_info


def rsvp(uow, screening_id: Any, name: Any, email: Any, *, now: datetime, settings: ScreeningsSettings) -> dict:
    """A member of the public takes a seat (or a waitlist place); never for invitation-only events."""
    return _take_place(uow, load(uow, screening_id), name, email, now, settings, invited=False)


def invite(uow, actor: Actor, screening_id: Any, name: Any, email: Any, *, now: datetime,
           settings: ScreeningsSettings) -> dict:
    """An organiser or manager invites someone: a seat (or a waitlist place when full) and
    an invitation mail; the same email again is a no-op. Uninviting is `cancel_rsvp`."""
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    return _take_place(uow, screening, name, email, now, settings, invited=True)


def _take_place(uow, screening: Screening, name: Any, email: Any, now: datetime, settings: ScreeningsSettings, *,
                invited: bool) -> dict:
    attendees = uow.rsvps.attendee_list(screening.id)
    result = attendees.rsvp(screening, name=name, email=email, now=now, invited=invited)
    seat = result.rsvp
    if result.created:
        seat.link_nonce = new_link_nonce()
        seat.cancel_token_hash = hash_token(link_token(uow.link_secret, seat.id, seat.link_nonce))
        uow.rsvps.save(attendees)
        host = host_of(uow, screening)
        if seat.status is RsvpStatus.CONFIRMED:
            publish_seat(uow, settings, screening, host, seat, events.RsvpConfirmed, now, confirmed_at=now,
                         invited=invited)
        else:
            uow.publish(events.RsvpWaitlisted(
                screening=screening_info(uow, screening, host),
                recipient=events.Person(name=seat.name, email=seat.email), recipient_role="waitlisted",
                rsvp_id=seat.id, cancel_path=cancel_path(uow, seat),
                position=_waitlist_position(attendees, seat), waitlisted_at=now, invited=invited,
            ))
    elif not invited:
        return _repeated(uow, screening, attendees, seat, now)
    return {
        "rsvp_id": seat.id, "screening_id": seat.screening_id, "status": seat.status.value,
        "created": result.created, "waitlist_position": _waitlist_position(attendees, seat),
        # The private link goes back only with the seat just taken; an existing seat's link
        # is in its holder's mail, never handed to whoever types their address again.
        "cancel_path": cancel_path(uow, seat) if result.created else None,
    }


def _repeated(uow, screening: Screening, attendees: AttendeeList, seat: Rsvp, now: datetime) -> dict:
    """A public RSVP from an address that already holds a place: the answer is the one a
    first RSVP would get now (so the form tells nobody whether that person is coming),
    and the address's owner is told by mail what they already have."""
    position = _waitlist_position(attendees, seat)
    confirmed = seat.status is RsvpStatus.CONFIRMED
    uow.publish(events.RsvpRepeated(
        screening=screening_info(uow, screening, host_of(uow, screening)),
        recipient=events.Person(name=seat.name, email=seat.email),
        recipient_role="attendee" if confirmed else "waitlisted", rsvp_id=seat.id, cancel_path=cancel_path(uow, seat),
        status="confirmed" if confirmed else "waitlisted", position=position, repeated_at=now,
    ))
    full = len(attendees.confirmed) >= screening.details.capacity
    return {
        "rsvp_id": seat.id, "screening_id": seat.screening_id, "status": "waitlisted" if full else "confirmed",
        "created": True, "waitlist_position": len(attendees.waitlist) + 1 if full else None, "cancel_path": None,
    }


def _waitlist_position(attendees: AttendeeList, seat: Rsvp) -> int | None:
    waitlist = [r.id for r in attendees.waitlist]
    return waitlist.index(seat.id) + 1 if seat.id in waitlist else None


def seat_by_token(uow, rsvp_id: Any, token: Any) -> Rsvp:
    """The RSVP the private link names; a wrong token looks exactly like a missing RSVP."""
    seat = uow.rsvps.get(rsvp_id)
    if seat is None or not verify_cancel_token(token, seat.cancel_token_hash):
        raise NotFound("no such RSVP")
    return seat


def cancel_rsvp(uow, rsvp_id: Any, token: Any, *, now: datetime, settings: ScreeningsSettings) -> dict:
    """Give up a seat from the private link; the first on the waitlist gets it."""
    seat = seat_by_token(uow, rsvp_id, token)
    screening = load(uow, seat.screening_id)
    attendees = uow.rsvps.attendee_list(screening.id)
    was_confirmed = attendees.find(seat.id).status is RsvpStatus.CONFIRMED
    result = attendees.cancel_with_token(screening, seat.id, token, now=now)
    uow.rsvps.save(attendees)
    seat = result.cancelled
    publish_cancellation(uow, settings, screening, seat, was_confirmed=was_confirmed,
                         promoted=[result.promoted] if result.promoted else [], now=now)
    return {"rsvp_id": seat.id, "status": seat.status.value,
            "promoted_rsvp_id": result.promoted.id if result.promoted else None}


def publish_cancellation(uow, settings: ScreeningsSettings, screening: Screening, seat: Rsvp, *,
                         was_confirmed: bool, promoted: list[Rsvp], now: datetime) -> None:
    """Tell the person who gave up a place (with the calendar's CANCEL when it was a
    seat) and whoever the freed seat went to."""
    attendee = events.Person(name=seat.name, email=seat.email)
    host = host_of(uow, screening)
    fields: dict[str, Any] = {}
    if was_confirmed:
        fields = invitation(screening, host, [attendee], calendar.METHOD_CANCEL, settings, now,
                            answering=(uow.link_secret, seat))
    uow.publish(events.RsvpCancelled(
        screening=screening_info(uow, screening, host), recipient=attendee,
        recipient_role="attendee" if was_confirmed else "waitlisted", rsvp_id=seat.id,
        cancel_path=cancel_path(uow, seat), was_confirmed=was_confirmed, cancelled_at=now, **fields,
    ))
    announce_promotions(uow, settings, screening, host, promoted, now)


def publish_place(uow, settings: ScreeningsSettings, screening: Screening, seat: Rsvp, *, now: datetime) -> None:
    """The usual mail of someone holding a place: the confirmation with its invitation
    for a seat, the waitlist position otherwise."""
    attendees = uow.rsvps.attendee_list(screening.id)
    host = host_of(uow, screening)
    if seat.status is RsvpStatus.CONFIRMED:
        publish_seat(uow, settings, screening, host, seat, events.RsvpConfirmed, now, confirmed_at=now)
    else:
        uow.publish(events.RsvpWaitlisted(
            screening=screening_info(uow, screening, host),
            recipient=events.Person(name=seat.name, email=seat.email), recipient_role="waitlisted",
            rsvp_id=seat.id, cancel_path=cancel_path(uow, seat),
            position=_waitlist_position(attendees, seat), waitlisted_at=now,
        ))


def change_capacity(uow, actor: Actor, screening_id: Any, capacity: Any, *, now: datetime,
                    settings: ScreeningsSettings) -> dict:
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    attendees = uow.rsvps.attendee_list(screening.id)
    promoted = attendees.change_capacity(screening, capacity, now=now)
    host = host_of(uow, screening)
    save(uow, screening, host)
    uow.rsvps.save(attendees)
    announce_promotions(uow, settings, screening, host, promoted, now)
    return view(uow, screening, actor)


def add_walk_in(uow, actor: Actor, screening_id: Any, name: Any, email: Any, *, now: datetime) -> dict:
    """Someone the organisers admitted at the door: counted even beyond capacity."""
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    attendees = uow.rsvps.attendee_list(screening.id)
    seat = attendees.add_walk_in(screening, name=name, email=email, now=now)
    uow.rsvps.save(attendees)
    return {"rsvp_id": seat.id, "status": seat.status.value, "walk_in": seat.walk_in}
