"""The parts events are built from: the screening as mail shows it, people, private
links and rendered calendar invitations."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from services.contracts import screenings as events
from services.contracts.screenings import PUBLIC_PATHS

from .. import calendar
from ..domain.details import ScreeningDetails
from ..domain.rsvps import Rsvp
from ..domain.rules import HostRecord
from ..domain.screening import Screening
from ..domain.zones import local_label
from ..replies.domain import reply_address, reply_token
from ..settings import ScreeningsSettings


def when(details: ScreeningDetails) -> events.When:
    return events.When(
        start_utc=details.start, end_utc=details.end, time_zone=details.time_zone,
        local_start=details.local_start, local_end=details.local_end,
        local_label=local_label(details.local_start, details.local_end, details.time_zone),
    )


def venue_text(details: ScreeningDetails) -> str | None:
    venue = details.venue
    return None if venue is None else f"{venue.name}, {venue.address}, {venue.city}, {venue.state}"


def person(leader: HostRecord) -> events.Person:
    return events.Person(name=leader.name, email=leader.email)


def cohosts(uow, screening: Screening) -> list[HostRecord]:
    """The co-hosts the projection knows, in the order the host named them."""
    found = [uow.leaders.get(c) for c in screening.details.cohost_ids]
    return [leader for leader in found if leader is not None]


def screening_info(uow, screening: Screening, host: HostRecord) -> events.ScreeningInfo:
    details = screening.details
    film = uow.films.get(details.film_slug) if details.film_slug else None
    return events.ScreeningInfo(
        screening_id=screening.id, uid=screening.uid, sequence=screening.sequence,
        status=screening.status.value, title=details.title, film_title=film.title if film else None,
        kind=details.kind.value, format=details.format.value, online=details.online,
        venue=venue_text(details), state=details.state, when=when(details), host=person(host),
        cohosts=tuple(person(c) for c in cohosts(uow, screening)),
        page_path=PUBLIC_PATHS["screening"].format(screening_id=screening.id),
        ics_path=PUBLIC_PATHS["screening_ics"].format(screening_id=screening.id),
    )


def new_link_nonce() -> str:
    return secrets.token_urlsafe(16)


def link_token(secret: str, rsvp_id: str, nonce: str) -> str:
    """The private link token of an RSVP, derived so any mail can carry it again: from the
    service's kept secret and the RSVP's own random nonce, neither of which any view or
    event shows. Only its hash is stored."""
    digest = hmac.new(secret.encode(), f"rsvp:{rsvp_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def cancel_path(uow, rsvp) -> str:
    """The private link of `rsvp` (a domain Rsvp, or anything with `id` and `link_nonce`)."""
    token = link_token(uow.link_secret, rsvp.id, rsvp.link_nonce)
    return PUBLIC_PATHS["rsvp_cancel"].format(rsvp_id=rsvp.id, token=token)


def feedback_path(uow, rsvp) -> str:
    """The private feedback page of `rsvp`: the same token as its cancel link."""
    token = link_token(uow.link_secret, rsvp.id, rsvp.link_nonce)
    return PUBLIC_PATHS["rsvp_feedback"].format(rsvp_id=rsvp.id, token=token)


def invitation(screening: Screening, host: HostRecord, recipients: list[events.Person], method: str,
               settings: ScreeningsSettings, now: datetime, *, answering: tuple[str, Rsvp] | None = None) -> dict:
    """The iMIP fields of an event: the calendar sent to `recipients`. Its ORGANIZER is the
    network's mailbox with the host's name: a leader's address never travels in it.

    `answering` is (the link secret, the seat) of an invitee who gets it: then the
    ORGANIZER is their own reply address, where their calendar's answer comes back, and
    their ATTENDEE line carries their answer so far (NEEDS-ACTION asks for one)."""
    event = calendar.CalendarEvent.from_screening(
        screening, url=settings.url(PUBLIC_PATHS["screening"].format(screening_id=screening.id)))
    organizer = calendar.Party(settings.organizer_email, host.name)
    attendees = [calendar.Party(p.email, p.name) for p in recipients]
    if answering is not None and answering[1].invited:
        secret, seat = answering
        local, domain = settings.reply_mailbox
        organizer = calendar.Party(reply_address(local, domain, reply_token(secret, seat.id)), host.name)
        partstat, rsvp = seat.calendar_answer
        attendees = [calendar.Party(p.email, p.name, partstat=partstat, rsvp=rsvp) for p in recipients]
    body = calendar.invitation_ics(event, method=method, organizer=organizer, attendees=attendees, dtstamp=now)
    return {"invitation_method": method, "invitation_ics": body.decode("utf-8")}
