"""Changing a screening after it was registered: a new time, a new venue, cancelling.
Everyone who holds a seat or a waitlist place is told, with an updated invitation; and
an organiser's message to all of them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts import screenings as events
from services.contracts.rpc.common import Actor

from .. import calendar
from ..access import require_organiser_or_manager
from ..domain.messages import attendee_message
from ..materials.app import cancel_open_orders
from ..domain.rules import check_schedule
from ..domain.screening import Status
from ..settings import ScreeningsSettings
from .announcements import publish_to_each
from .common import host_busy, host_of, load, optional_message, save, view
from .payloads import venue_text, when
from .timers import cancel_timers, schedule_timers


def reschedule_screening(uow, actor: Actor, screening_id: Any, *, start: Any, end: Any, time_zone: Any = None,
                         message: Any = None, now: datetime, settings: ScreeningsSettings) -> dict:
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    message = optional_message(message)
    previous = when(screening.details)
    changed = screening.reschedule(start=start, end=end, time_zone=time_zone, now=now,
                                   host_busy=host_busy(uow, screening, now))
    if not changed:
        return view(uow, screening, actor)
    host = host_of(uow, screening)
    save(uow, screening, host)
    if screening.status is Status.SCHEDULED:
        schedule_timers(uow, screening, now)
        publish_to_each(uow, screening, host, events.ScreeningRescheduled, settings, now,
                        method=calendar.METHOD_REQUEST, waitlisted=True, previous_when=previous,
                        message=message, rescheduled_at=now)
    return view(uow, screening, actor)


def change_venue(uow, actor: Actor, screening_id: Any, *, venue: Any = None, join_url: Any = None, state: Any = None,
                 time_zone: Any = None, message: Any = None, now: datetime, settings: ScreeningsSettings) -> dict:
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    message = optional_message(message)
    previous_venue, previous_online = venue_text(screening.details), screening.details.online
    previous_start = screening.details.start
    changed = screening.change_venue(now=now, venue=venue, join_url=join_url, state=state, time_zone=time_zone)
    if not changed:
        return view(uow, screening, actor)
    check_schedule(screening.details, now=now, host_busy=host_busy(uow, screening, now))
    host = host_of(uow, screening)
    save(uow, screening, host)
    if screening.status is Status.SCHEDULED:
        if screening.details.start != previous_start:
            schedule_timers(uow, screening, now)
        publish_to_each(uow, screening, host, events.ScreeningVenueChanged, settings, now,
                        method=calendar.METHOD_REQUEST, waitlisted=True, previous_venue=previous_venue,
                        previous_online=previous_online, message=message, changed_at=now)
    return view(uow, screening, actor)


def cancel_screening(uow, actor: Actor, screening_id: Any, message: Any, *, now: datetime,
                     settings: ScreeningsSettings) -> dict:
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    was_published = screening.status is Status.SCHEDULED
    screening.cancel(message=message, now=now)
    host = host_of(uow, screening)
    save(uow, screening, host)
    cancel_timers(uow, screening.id)
    cancel_open_orders(uow, screening, now=now, settings=settings)
    publish_to_each(uow, screening, host, events.ScreeningCancelled, settings, now,
                    method=calendar.METHOD_CANCEL if was_published else None, waitlisted=True,
                    message=screening.cancel_message, cancelled_at=now)
    return view(uow, screening, actor)


def message_attendees(uow, actor: Actor, screening_id: Any, subject: Any, message: Any, *, now: datetime,
                      settings: ScreeningsSettings) -> dict:
    """One mail to each person with a seat or a waitlist place, and a copy to the organisers."""
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    note = attendee_message(screening, subject, message)
    host = host_of(uow, screening)
    sent = publish_to_each(uow, screening, host, events.AttendeesMessaged, settings, now, method=None,
                           waitlisted=True, subject=note.subject, message=note.text, sent_at=now)
    return {"screening_id": screening.id, "recipients": sent}
