"""Rescheduling, moving and cancelling a screening, through the use cases on an in-memory
unit of work: who may, what is saved, who is told and which timers move."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.contracts import screenings as events
from services.runtime.errors import Conflict, Forbidden, ValidationFailed
from services.screenings.app import changes
from services.screenings.app.timers import COMPLETE, REMINDER, REPORT_CHASE
from services.screenings.domain.screening import Status

from .factories import NOW
from .fakes import stored
from .scenarios import END, MANAGER, SETTINGS, START, answered, as_leader, network, registered, seat

ONLINE = "https://meet.example.org/niot"


def full_house(capacity: int = 1, **overrides):
    """A scheduled screening hosted by leader 1 with leader 2 as co-host, Ana seated and Ben waitlisted."""
    uow = network()
    view = registered(uow, 1, capacity=capacity, cohost_ids=[2], **overrides)
    ana, ben = seat(uow, view["id"], "Ana"), seat(uow, view["id"], "Ben")
    return uow.next(), view, ana, ben


def roles(published) -> list[tuple[str, str]]:
    return [(p.recipient_role, p.recipient.email) for p in published]


EVERYONE = [("host", "leader1@pd.example.gov"), ("cohost", "leader2@pd.example.gov"),
            ("attendee", "ana@example.org"), ("waitlisted", "ben@example.org")]


# --- rescheduling ---------------------------------------------------------------------


def test_rescheduling_tells_everyone_and_moves_the_reminders():
    uow, view, ana, ben = full_house()
    moved = answered("reschedule_screening", changes.reschedule_screening(
        uow, as_leader(2), view["id"], start="2026-07-16T18:00", end="2026-07-16T20:00", message="New room.",
        now=NOW, settings=SETTINGS))

    assert moved["local_start"] == "2026-07-16T18:00:00" and moved["sequence"] == view["sequence"] + 1
    assert stored(uow, view["id"]).details.start == START + timedelta(hours=23)
    assert all(isinstance(p, events.ScreeningRescheduled) for p in uow.published)
    assert roles(uow.published) == EVERYONE
    host, cohost, attendee, waitlisted = uow.published
    assert attendee.previous_when.start_utc == START and attendee.message == "New room."
    assert attendee.invitation_method == "REQUEST" and attendee.rsvp_id == ana["rsvp_id"]
    assert attendee.cancel_path == ana["cancel_path"]
    assert waitlisted.invitation_method is None and waitlisted.rsvp_id == ben["rsvp_id"]
    assert f"SEQUENCE:{moved['sequence']}\r\n" in host.invitation_ics
    assert uow.jobs[(COMPLETE, view["id"])][0] == END + timedelta(hours=23)
    assert uow.jobs[(REMINDER, f"{view['id']}:day_of")][0] == START + timedelta(hours=23) - timedelta(hours=10)


def test_rescheduling_to_the_same_times_changes_nothing():
    uow, view, _, _ = full_house()
    version = uow.store.feed_version
    same = changes.reschedule_screening(uow, as_leader(1), view["id"], start="2026-07-15T19:00",
                                        end="2026-07-15T21:00", now=NOW, settings=SETTINGS)
    assert same["sequence"] == view["sequence"] and uow.published == [] and uow.store.feed_version == version


def test_an_event_awaiting_review_is_rescheduled_without_telling_anyone():
    uow = network()
    view = registered(uow, 2, approve=False)
    uow = uow.next()
    moved = changes.reschedule_screening(uow, as_leader(2), view["id"], start="2026-07-16T18:00",
                                         end="2026-07-16T20:00", now=NOW, settings=SETTINGS)
    assert moved["status"] == "submitted" and moved["local_start"] == "2026-07-16T18:00:00"
    assert uow.published == [] and uow.jobs == {}


def test_rescheduling_is_refused_to_strangers_and_for_bad_input():
    uow, view, _, _ = full_house()
    with pytest.raises(Forbidden):
        changes.reschedule_screening(uow, as_leader(3), view["id"], start="2026-07-16T18:00",
                                     end="2026-07-16T20:00", now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as refused:
        changes.reschedule_screening(uow.next(), MANAGER, view["id"], start="2026-07-16T18:00",
                                     end="2026-07-16T20:00", message="x" * 5001, now=NOW, settings=SETTINGS)
    assert refused.value.field == "message"
    with pytest.raises(ValidationFailed):
        changes.reschedule_screening(uow.next(), MANAGER, view["id"], start="2026-07-16T18:00",
                                     end="2026-07-16T17:00", now=NOW, settings=SETTINGS)
    with pytest.raises(Conflict, match="already started"):
        changes.reschedule_screening(uow.next(), MANAGER, view["id"], start="2026-07-16T18:00",
                                     end="2026-07-16T20:00", now=START, settings=SETTINGS)
    assert stored(uow, view["id"]).details.start == START and uow.published == []


def test_rescheduling_onto_the_hosts_other_event_is_a_conflict():
    uow, view, _, _ = full_house()
    registered(uow, 1, start="2026-07-20T19:00", end="2026-07-20T21:00")
    with pytest.raises(Conflict, match="already has an event"):
        changes.reschedule_screening(uow.next(), as_leader(1), view["id"], start="2026-07-20T20:00",
                                     end="2026-07-20T22:00", now=NOW, settings=SETTINGS)


# --- the venue ------------------------------------------------------------------------


def test_moving_online_gives_the_join_link_to_seat_holders_only():
    uow, view, _, _ = full_house()
    moved = answered("change_venue", changes.change_venue(
        uow, as_leader(1), view["id"], join_url=ONLINE, state="IL", now=NOW, settings=SETTINGS))
    assert moved["online"] is True and moved["venue"] is None and moved["join_url"] == ONLINE
    assert stored(uow, view["id"]).details.join_url == ONLINE
    assert all(isinstance(p, events.ScreeningVenueChanged) for p in uow.published)
    assert roles(uow.published) == EVERYONE
    assert [p.join_url for p in uow.published] == [ONLINE, ONLINE, ONLINE, None]
    assert uow.published[2].previous_venue == "Lincoln Library, 326 S 7th St, Springfield, IL"
    assert uow.published[2].previous_online is False
    # Same time, same reminders: nothing to move.
    assert uow.jobs[(COMPLETE, view["id"])][0] == END


def test_a_new_venue_in_another_zone_keeps_the_wall_time_and_moves_the_timers():
    uow, view, _, _ = full_house()
    venue = {"name": "City Hall", "address": "1 Main St", "city": "Denver", "state": "CO"}
    moved = changes.change_venue(uow, MANAGER, view["id"], venue=venue, now=NOW, settings=SETTINGS)
    assert moved["time_zone"] == "America/Denver" and moved["local_start"] == "2026-07-15T19:00:00"
    assert moved["state"] == "CO" and stored(uow, view["id"]).state == "CO"
    assert uow.jobs[(COMPLETE, view["id"])][0] == END + timedelta(hours=1)


def test_changing_the_venue_is_refused_to_strangers_and_without_exactly_one_place():
    uow, view, _, _ = full_house()
    with pytest.raises(Forbidden):
        changes.change_venue(uow, as_leader(3), view["id"], join_url=ONLINE, now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as refused:
        changes.change_venue(uow.next(), as_leader(1), view["id"], now=NOW, settings=SETTINGS)
    assert refused.value.field == "venue"
    with pytest.raises(ValidationFailed):
        changes.change_venue(uow.next(), as_leader(1), view["id"], join_url="http://insecure.example.org",
                             now=NOW, settings=SETTINGS)
    assert stored(uow, view["id"]).details.join_url is None and uow.published == []


# --- cancelling -----------------------------------------------------------------------


def test_cancelling_sends_everyone_the_cancellation_and_stops_the_timers():
    uow, view, _, _ = full_house(join_url=ONLINE, venue=None, state="IL")
    cancelled = answered("cancel_screening", changes.cancel_screening(
        uow, as_leader(1), view["id"], "The venue flooded.", now=NOW, settings=SETTINGS))
    assert cancelled["status"] == "cancelled" and cancelled["cancel_message"] == "The venue flooded."
    assert stored(uow, view["id"]).status is Status.CANCELLED
    assert all(isinstance(p, events.ScreeningCancelled) for p in uow.published)
    assert roles(uow.published) == EVERYONE
    assert [p.invitation_method for p in uow.published] == ["CANCEL", "CANCEL", "CANCEL", None]
    assert all(p.join_url is None for p in uow.published)
    assert not any(kind in (REMINDER, COMPLETE, REPORT_CHASE) for kind, _ in uow.jobs)


def test_cancelling_an_event_awaiting_review_needs_no_message_and_no_invitation():
    uow = network()
    view = registered(uow, 2, approve=False)
    uow = uow.next()
    changes.cancel_screening(uow, as_leader(2), view["id"], None, now=NOW, settings=SETTINGS)
    [host] = uow.published
    assert host.recipient_role == "host" and host.invitation_method is None and host.message is None


def test_cancelling_is_refused_to_strangers_without_a_message_and_once_over():
    uow, view, _, _ = full_house()
    with pytest.raises(Forbidden):
        changes.cancel_screening(uow, as_leader(3), view["id"], "No.", now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as refused:
        changes.cancel_screening(uow.next(), as_leader(1), view["id"], "", now=NOW, settings=SETTINGS)
    assert refused.value.errors[0]["field"] == "message"
    with pytest.raises(Conflict, match="over"):
        changes.cancel_screening(uow.next(), as_leader(1), view["id"], "Too late.", now=END, settings=SETTINGS)
    assert stored(uow, view["id"]).status is Status.SCHEDULED and uow.published == []


# --- a message to the attendees -------------------------------------------------------


def test_a_message_reaches_every_seat_and_waitlist_place_and_the_organisers():
    uow, view, _, _ = full_house()
    sent = answered("message_attendees", changes.message_attendees(
        uow, as_leader(2), view["id"], "Parking", "Use the lot behind the library.", now=NOW, settings=SETTINGS))
    assert sent == {"screening_id": view["id"], "recipients": 4}
    assert all(isinstance(p, events.AttendeesMessaged) for p in uow.published)
    assert roles(uow.published) == EVERYONE
    assert {(p.subject, p.message) for p in uow.published} == {("Parking", "Use the lot behind the library.")}
    assert all(p.invitation_method is None for p in uow.published)
    assert [p.cancel_path is not None for p in uow.published] == [False, False, True, True]


def test_only_organisers_message_a_scheduled_events_attendees_with_a_subject_and_a_text():
    uow, view, _, _ = full_house()
    with pytest.raises(Forbidden):
        changes.message_attendees(uow, as_leader(3), view["id"], "Hi", "Hello", now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as refused:
        changes.message_attendees(uow.next(), as_leader(1), view["id"], "Two\nlines", " ", now=NOW, settings=SETTINGS)
    assert {e["field"] for e in refused.value.errors} == {"subject", "message"}
    changes.cancel_screening(uow.next(), as_leader(1), view["id"], "Flooded.", now=NOW, settings=SETTINGS)
    with pytest.raises(Conflict, match="scheduled"):
        changes.message_attendees(uow.next(), as_leader(1), view["id"], "Hi", "Hello", now=NOW, settings=SETTINGS)
