from dataclasses import replace
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
import vobject

from services.screenings.calendar import (
    METHOD_CANCEL,
    METHOD_REQUEST,
    CalendarEvent,
    Party,
    assemble_feed,
    event_ics,
    feed_etag,
    invitation_content_type,
    invitation_ics,
    naive_feed,
    render_vevent,
    render_vtimezone,
)

from .factories import NOW, scheduled

UTC = timezone.utc
ORGANIZER = Party("dana.ruiz@police.example.gov", "Sgt. Dana Ruiz")
ATTENDEE = Party("ana@example.org", "Ana Pérez")
JOIN_URL = "https://meet.example.org/niot-7731"
FEED_NAME = "NIOT Law Enforcement Network: all screenings"
FEED_DESC = "Film screenings and guided discussions hosted by network leaders"


def chicago_event(start="2026-07-15T19:00", end="2026-07-15T21:00", **overrides) -> CalendarEvent:
    screening = scheduled(start=start, end=end, **overrides)
    return CalendarEvent.from_screening(screening, url=f"https://niot.example.org/screenings/{screening.id}")


def online_event() -> CalendarEvent:
    screening = scheduled(venue=None, join_url=JOIN_URL, time_zone="America/Denver")
    return CalendarEvent.from_screening(screening)


def assert_wire_format(data: bytes) -> None:
    """CRLF line ends only, and physical lines of at most 75 octets that are each whole UTF-8."""
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.count(b"\r") == data.count(b"\r\n")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a multibyte character split across lines would fail here


def parse_both(data: bytes):
    assert_wire_format(data)
    parsed = vobject.readOne(data.decode("utf-8"), validate=True)
    return parsed, icalendar.Calendar.from_ical(data)


def events_summary(data: bytes) -> list[tuple]:
    calendar = vobject.readOne(data.decode("utf-8"), validate=True)
    return sorted(
        (
            e.uid.value, int(e.sequence.value), e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC),
            e.status.value, e.summary.value, e.location.value,
        )
        for e in calendar.vevent_list
    )


# --- single events -------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,end,start_utc,end_utc",
    [
        ("2026-07-15T19:00", "2026-07-15T21:00",
         datetime(2026, 7, 16, 0, 0, tzinfo=UTC), datetime(2026, 7, 16, 2, 0, tzinfo=UTC)),
        ("2026-01-15T19:00", "2026-01-15T21:00",
         datetime(2026, 1, 16, 1, 0, tzinfo=UTC), datetime(2026, 1, 16, 3, 0, tzinfo=UTC)),
    ],
    ids=["summer", "winter"],
)
def test_event_is_read_at_the_right_utc_instant_by_independent_parsers(start, end, start_utc, end_utc):
    event = replace(chicago_event(), start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))
    data = event_ics(event)
    by_vobject, by_icalendar = parse_both(data)
    assert by_vobject.vevent.dtstart.value.astimezone(UTC) == start_utc
    assert by_vobject.vevent.dtend.value.astimezone(UTC) == end_utc
    ical_event = by_icalendar.events[0]
    assert ical_event.start.astimezone(UTC) == start_utc
    assert ical_event.end.astimezone(UTC) == end_utc
    assert b"DTSTART;TZID=America/Chicago:" in data


def test_event_ics_carries_the_calendar_identity():
    event = chicago_event()
    data = event_ics(event)
    by_vobject, by_icalendar = parse_both(data)
    vevent = by_vobject.vevent
    assert vevent.uid.value == event.uid
    assert int(vevent.sequence.value) == event.sequence
    assert vevent.dtstamp.value.tzinfo is not None and vevent.dtstamp.value.utcoffset() == timedelta(0)
    assert b"\r\nDTSTAMP:" in data and b"Z\r\n" in data
    assert [tz.tz_name for tz in by_icalendar.timezones] == ["America/Chicago"]
    assert by_icalendar.get_missing_tzids() == set()
    assert vevent.status.value == "CONFIRMED"
    assert b"METHOD" not in data
    assert b"ATTENDEE" not in data and b"ORGANIZER" not in data


def test_public_event_ics_hides_the_join_link_private_one_shows_it():
    event = online_event()
    public = event_ics(event)
    private = event_ics(event, private=True)
    parse_both(public)
    parse_both(private)
    assert JOIN_URL.encode() not in public
    assert JOIN_URL.encode() in private.replace(b"\r\n ", b"")


@pytest.mark.parametrize(
    "zone,start,expected_utc",
    [
        ("America/New_York", datetime(2026, 3, 8, 3, 0), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 3, 8, 1, 59), datetime(2026, 3, 8, 6, 59, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 1, 2, 0), datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 1, 0, 59), datetime(2026, 11, 1, 4, 59, tzinfo=UTC)),
        ("America/Phoenix", datetime(2026, 7, 1, 19, 0), datetime(2026, 7, 2, 2, 0, tzinfo=UTC)),
        ("Pacific/Honolulu", datetime(2026, 7, 1, 19, 0), datetime(2026, 7, 2, 5, 0, tzinfo=UTC)),
        ("America/Anchorage", datetime(2026, 12, 1, 19, 0), datetime(2026, 12, 2, 4, 0, tzinfo=UTC)),
        ("America/Puerto_Rico", datetime(2026, 7, 1, 19, 0), datetime(2026, 7, 1, 23, 0, tzinfo=UTC)),
    ],
)
def test_times_next_to_transitions_and_in_other_zones(zone, start, expected_utc):
    event = replace(chicago_event(), tzid=zone, start=start, end=start + timedelta(hours=1))
    by_vobject, by_icalendar = parse_both(event_ics(event))
    assert by_vobject.vevent.dtstart.value.astimezone(UTC) == expected_utc
    assert by_icalendar.events[0].start.astimezone(UTC) == expected_utc


def test_long_non_ascii_text_is_folded_on_character_boundaries():
    event = replace(
        chicago_event(),
        summary="Película y diálogo — 映画と対話 — Светлина в тъмнината " * 4,
        description="Organisé avec l'école « Lucero » ; questions, réponses.\nDeuxième ligne. " * 5,
    )
    by_vobject, _ = parse_both(event_ics(event))
    assert by_vobject.vevent.summary.value == event.summary
    assert by_vobject.vevent.description.value == event.description


# --- invitations ---------------------------------------------------------------------


def test_request_invitation():
    event = online_event()
    stamp = datetime(2026, 2, 2, 9, 30, 15, tzinfo=UTC)
    data = invitation_ics(event, method=METHOD_REQUEST, organizer=ORGANIZER, attendees=[ATTENDEE], dtstamp=stamp)
    by_vobject, by_icalendar = parse_both(data)
    assert by_vobject.method.value == "REQUEST"
    vevent = by_vobject.vevent
    assert vevent.organizer.value == "mailto:dana.ruiz@police.example.gov"
    assert vevent.attendee.value == "mailto:ana@example.org"
    assert vevent.dtstamp.value == stamp
    assert by_icalendar.events[0]["ORGANIZER"].params["CN"] == "Sgt. Dana Ruiz"
    assert JOIN_URL in vevent.description.value
    assert invitation_content_type("REQUEST") == "text/calendar; method=REQUEST; charset=UTF-8"


def test_reschedule_then_cancel_keep_the_uid_and_raise_the_sequence():
    screening = scheduled()
    url = "https://niot.example.org/s"
    stamp = NOW + timedelta(days=1)
    first = CalendarEvent.from_screening(screening, url=url)
    screening.reschedule(start="2026-07-16T18:00", end="2026-07-16T20:00", now=stamp)
    moved = CalendarEvent.from_screening(screening, url=url)
    screening.cancel(message="The hall flooded; we will announce a new date.", now=stamp)
    cancelled = CalendarEvent.from_screening(screening, url=url)

    messages = [
        invitation_ics(e, method=m, organizer=ORGANIZER, attendees=[ATTENDEE], dtstamp=stamp)
        for e, m in ((first, METHOD_REQUEST), (moved, METHOD_REQUEST), (cancelled, METHOD_CANCEL))
    ]
    parsed = [parse_both(data)[0] for data in messages]
    assert {p.vevent.uid.value for p in parsed} == {screening.uid}
    sequences = [int(p.vevent.sequence.value) for p in parsed]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert [p.method.value for p in parsed] == ["REQUEST", "REQUEST", "CANCEL"]
    assert parsed[2].vevent.status.value == "CANCELLED"
    assert "The hall flooded" in parsed[2].vevent.description.value


def test_invitation_arguments_are_checked():
    event = chicago_event()
    stamp = NOW
    with pytest.raises(ValueError):
        invitation_ics(event, method="PUBLISH", organizer=ORGANIZER, attendees=[ATTENDEE], dtstamp=stamp)
    with pytest.raises(ValueError):
        invitation_ics(event, method=METHOD_REQUEST, organizer=ORGANIZER, attendees=[], dtstamp=stamp)
    with pytest.raises(ValueError):
        invitation_ics(replace(event, status="CANCELLED"), method=METHOD_REQUEST, organizer=ORGANIZER,
                       attendees=[ATTENDEE], dtstamp=stamp)
    with pytest.raises(ValueError):
        invitation_ics(event, method=METHOD_REQUEST, organizer=ORGANIZER, attendees=[ATTENDEE],
                       dtstamp=datetime(2026, 1, 1))


# --- feeds ---------------------------------------------------------------------------


def feed_events() -> list[CalendarEvent]:
    venues = [
        {"name": "Lincoln Library", "address": "326 S 7th St", "city": "Springfield", "state": "IL"},
        {"name": "Village Hall", "address": "14 Baker St", "city": "Patchogue", "state": "NY"},
        {"name": "Civic Center", "address": "1 Civic Center Plaza", "city": "El Paso", "state": "TX"},
        {"name": "Burton Barr Library", "address": "1221 N Central Ave", "city": "Phoenix", "state": "AZ"},
    ]
    zones = [None, None, "America/Denver", "America/Phoenix"]
    events = []
    for index, (venue, zone) in enumerate(zip(venues, zones)):
        day = f"2026-0{index + 5}-1{index}"
        overrides = {"venue": venue, "start": f"{day}T18:30", "end": f"{day}T20:30"}
        if zone:
            overrides["time_zone"] = zone
        screening = scheduled(**overrides)
        events.append(CalendarEvent.from_screening(screening, url=f"https://niot.example.org/s/{screening.id}"))
    online = scheduled(venue=None, join_url=JOIN_URL, time_zone="America/Chicago")
    online.cancel(message="Call Sgt. Ruiz at 555-0100 for details.", now=NOW)
    events.append(CalendarEvent.from_screening(online))
    return events


def fast_feed(events: list[CalendarEvent]) -> bytes:
    return assemble_feed(FEED_NAME, FEED_DESC, [render_vevent(e) for e in events],
                         [(e.tzid, e.start.year) for e in events])


def test_feed_is_valid_and_names_itself():
    data = fast_feed(feed_events())
    by_vobject, by_icalendar = parse_both(data)
    assert by_vobject.x_wr_calname.value == FEED_NAME
    assert by_vobject.x_wr_caldesc.value == FEED_DESC
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in data
    assert len(by_icalendar.events) == 5


def test_feed_has_one_vtimezone_per_zone_used():
    events = feed_events()
    _, by_icalendar = parse_both(fast_feed(events))
    names = [tz.tz_name for tz in by_icalendar.timezones]
    assert sorted(names) == sorted({e.tzid for e in events})
    assert by_icalendar.get_missing_tzids() == set()


def test_feed_keeps_cancelled_events_marked_cancelled():
    by_vobject, _ = parse_both(fast_feed(feed_events()))
    statuses = [e.status.value for e in by_vobject.vevent_list]
    assert sorted(statuses) == ["CANCELLED"] + ["CONFIRMED"] * 4


def test_feed_has_no_attendees_or_personal_data():
    events = feed_events()
    data = fast_feed(events)
    unfolded = data.replace(b"\r\n ", b"")
    for forbidden in (b"ATTENDEE", b"ORGANIZER", b"mailto:", JOIN_URL.encode(), b"555-0100", b"Call Sgt."):
        assert forbidden not in unfolded
    emails = [line for line in unfolded.split(b"\r\n") if b"@" in line and not line.startswith(b"UID:")]
    assert emails == []


def test_fast_feed_equals_the_naive_rebuild():
    events = feed_events()
    fast = fast_feed(events)
    slow = naive_feed(events, name=FEED_NAME, description=FEED_DESC)
    assert_wire_format(slow)
    assert events_summary(fast) == events_summary(slow)
    assert fast == slow


def test_empty_feed_is_valid():
    data = assemble_feed(FEED_NAME, FEED_DESC, [], [])
    parse_both(data)
    assert data == naive_feed([], name=FEED_NAME, description=FEED_DESC)


def test_vevent_text_depends_only_on_the_event():
    event = chicago_event()
    assert render_vevent(event) == render_vevent(event)
    assert render_vevent(replace(event, sequence=event.sequence + 1)) != render_vevent(event)
    assert render_vevent(event).startswith("BEGIN:VEVENT\r\n") and render_vevent(event).endswith("END:VEVENT\r\n")


def test_vtimezone_is_rendered_once_per_zone():
    assert render_vtimezone("America/Chicago") is render_vtimezone("America/Chicago")
    assert render_vtimezone("America/Phoenix").count("BEGIN:DAYLIGHT") == 0


def test_feed_etag_is_strong_and_content_based():
    events = feed_events()
    body = fast_feed(events)
    etag = feed_etag(body)
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith('W/')
    assert feed_etag(fast_feed(events)) == etag
    assert feed_etag(fast_feed(events[:-1])) != etag
