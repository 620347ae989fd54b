"""Every date the system accepts is read at the right instant by an independent parser
(vobject, which builds its time zones from the VTIMEZONE the file carries): events in
2027, 2046 and 2070, in summer, winter and either side of each DST change, in each US
zone including Arizona, Hawaii, Alaska and Puerto Rico."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import vobject

from services.screenings.calendar import (
    METHOD_REQUEST,
    CalendarEvent,
    Party,
    assemble_feed,
    event_ics,
    invitation_ics,
    render_vevent,
    zone_span,
)

from .factories import scheduled

UTC = timezone.utc
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
         "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico"]
YEARS = [2027, 2046, 2070]


def sundays(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    first_sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    return [first_sunday + timedelta(weeks=n) for n in range(4)]


def days_of(year: int) -> list[date]:
    """Winter, summer, and the days either side of the US changes (second Sunday of
    March, first Sunday of November)."""
    spring, autumn = sundays(year, 3)[1], sundays(year, 11)[0]
    return [date(year, 1, 15), date(year, 7, 15), spring - timedelta(days=1), spring + timedelta(days=1),
            autumn - timedelta(days=1), autumn + timedelta(days=1)]


BASE = CalendarEvent.from_screening(scheduled())


def event_on(day: date, zone: str) -> CalendarEvent:
    start = datetime.combine(day, datetime.min.time()).replace(hour=19)
    return replace(BASE, uid=f"{zone}-{day}@test", start=start, end=start + timedelta(hours=2), tzid=zone)


def read_by_vobject(data: bytes) -> dict[str, datetime]:
    """UID → start instant in UTC, as vobject reads it from the file alone."""
    # vobject keeps every VTIMEZONE it has read in a registry by TZID; start empty so each
    # file is read with its own definitions, never with an earlier file's.
    getattr(vobject.icalendar, "__tzidMap").clear()
    calendar = vobject.readOne(data.decode("utf-8"))
    return {event.uid.value: event.dtstart.value.astimezone(UTC) for event in calendar.vevent_list}


def expected(event: CalendarEvent) -> datetime:
    return event.start.replace(tzinfo=ZoneInfo(event.tzid)).astimezone(UTC)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("year", YEARS)
def test_event_files_and_invitations_are_read_at_the_right_instant(zone, year):
    for day in days_of(year):
        event = event_on(day, zone)
        assert read_by_vobject(event_ics(event)) == {event.uid: expected(event)}, (zone, day)
        invitation = invitation_ics(event, method=METHOD_REQUEST, organizer=Party("network@example.org"),
                                    attendees=[Party("ana@example.org")], dtstamp=datetime(2026, 11, 1, tzinfo=UTC))
        assert read_by_vobject(invitation) == {event.uid: expected(event)}, (zone, day)


@pytest.mark.parametrize("zone", ZONES)
def test_a_feed_with_events_decades_apart_is_read_at_the_right_instants(zone):
    events = [event_on(day, zone) for year in YEARS for day in days_of(year)]
    feed = assemble_feed("All", "Every screening", [render_vevent(e) for e in events],
                         [(e.tzid, e.start.year) for e in events])
    assert read_by_vobject(feed) == {e.uid: expected(e) for e in events}


def test_the_span_reaches_past_the_events_either_side():
    assert zone_span([]) == (date(2010, 1, 1), date(2045, 1, 1))
    assert zone_span([2027, 2046]) == (date(2010, 1, 1), date(2048, 1, 1))
    assert zone_span([2070]) == (date(2010, 1, 1), date(2072, 1, 1))
    assert zone_span([2008]) == (date(2007, 1, 1), date(2045, 1, 1))
    assert zone_span([9999]) == (date(2010, 1, 1), date(9999, 12, 31))  # the last year a date can have
