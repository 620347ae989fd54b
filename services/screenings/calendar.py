"""iCalendar output: per-event files, iMIP invitations and public subscription feeds.

Feeds are assembled from text: each VEVENT is rendered once (the caller caches it by UID,
sequence and last-modified time) and each VTIMEZONE once per zone, and a feed is those
blocks joined between a header and a footer. icalendar already folds every content line
at 75 octets with CRLF endings, so joining whole blocks keeps the output valid without
re-parsing. `naive_feed` builds the same feed the slow way, as the benchmark's baseline.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress

from .domain.screening import Screening, Status

CRLF = "\r\n"
PRODID = "-//Not In Our Town Law Enforcement Network//Screenings//EN"
FEED_REFRESH = timedelta(hours=1)

# A VTIMEZONE lists a zone's transitions over a span of years. Readers take an event's
# offset from the last transition before it, so the span must reach past every event the
# calendar holds: it is at least these years, widened to a year either side of its events.
TIMEZONE_FIRST_DATE = date(2010, 1, 1)
TIMEZONE_LAST_DATE = date(2045, 1, 1)

METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"

STATUS_FOR = {
    Status.SUBMITTED: "TENTATIVE",
    Status.RESUBMITTED: "TENTATIVE",
    Status.SENT_BACK: "TENTATIVE",
    Status.SCHEDULED: "CONFIRMED",
    Status.COMPLETED: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class CalendarEvent:
    """What a calendar shows about one event. `join_url` and `note` are private: they
    appear only in invitations and in the .ics sent to confirmed attendees."""

    uid: str
    sequence: int
    summary: str
    start: datetime  # venue-local wall time, naive
    end: datetime
    tzid: str
    location: str
    status: str
    created: datetime  # aware UTC
    last_modified: datetime  # aware UTC
    description: str = ""
    url: str | None = None
    categories: tuple[str, ...] = ()
    join_url: str | None = None
    note: str | None = None

    @property
    def cache_key(self) -> tuple[str, int, datetime]:
        return (self.uid, self.sequence, self.last_modified)

    @classmethod
    def from_screening(cls, screening: Screening, *, url: str | None = None) -> CalendarEvent:
        details = screening.details
        if details.venue is not None:
            venue = details.venue
            location = f"{venue.name}, {venue.address}, {venue.city}, {venue.state}"
        else:
            location = "Online"
        return cls(
            uid=screening.uid,
            sequence=screening.sequence,
            summary=details.title,
            start=details.local_start,
            end=details.local_end,
            tzid=details.time_zone,
            location=location,
            status=STATUS_FOR[screening.status],
            created=screening.created_at,
            last_modified=screening.updated_at,
            description=details.description,
            url=url,
            categories=(details.kind.value, details.format.value),
            join_url=details.join_url,
            note=screening.cancel_message if screening.status is Status.CANCELLED else None,
        )


@dataclass(frozen=True)
class Party:
    """Someone named in an invitation. An attendee's `partstat` is their answer so far:
    NEEDS-ACTION with `rsvp` asks their calendar for an Accept or Decline (an invitee who
    has not answered), ACCEPTED without it is someone who took the seat themselves."""

    email: str
    name: str = ""
    partstat: str = "ACCEPTED"
    rsvp: bool = False

    def address(self) -> vCalAddress:
        address = vCalAddress(f"mailto:{self.email}")
        if self.name:
            address.params["CN"] = self.name
        return address


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must be aware datetimes")
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _build_vevent(
    event: CalendarEvent,
    *,
    dtstamp: datetime,
    private: bool = False,
    status: str | None = None,
    organizer: Party | None = None,
    attendees: Sequence[Party] = (),
) -> Event:
    zone = ZoneInfo(event.tzid)
    vevent = Event()
    vevent.add("UID", event.uid)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTAMP", _utc(dtstamp))
    vevent.add("CREATED", _utc(event.created))
    vevent.add("LAST-MODIFIED", _utc(event.last_modified))
    vevent.add("DTSTART", event.start.replace(tzinfo=zone))
    vevent.add("DTEND", event.end.replace(tzinfo=zone))
    vevent.add("SUMMARY", event.summary)
    description = event.description
    location = event.location
    if private:
        if event.note:
            description = f"{event.note}\n\n{description}".strip()
        if event.join_url:
            location = f"Online: {event.join_url}"
            description = f"{description}\n\nJoin online: {event.join_url}".strip()
    if description:
        vevent.add("DESCRIPTION", description)
    vevent.add("LOCATION", location)
    if event.url:
        vevent.add("URL", event.url)
    if event.categories:
        vevent.add("CATEGORIES", list(event.categories))
    vevent.add("STATUS", status or event.status)
    vevent.add("TRANSP", "OPAQUE")
    if organizer is not None:
        vevent.add("ORGANIZER", organizer.address())
    for attendee in attendees:
        address = attendee.address()
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = attendee.partstat
        address.params["RSVP"] = "TRUE" if attendee.rsvp else "FALSE"
        vevent.add("ATTENDEE", address)
    return vevent


def _calendar(*, method: str | None = None, name: str | None = None, description: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method:
        calendar.add("METHOD", method)
    if name is not None:
        calendar.add("X-WR-CALNAME", name)
        calendar.add("NAME", name)
    if description is not None:
        calendar.add("X-WR-CALDESC", description)
        calendar.add("DESCRIPTION", description)
    if name is not None:
        calendar.add("REFRESH-INTERVAL", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", "PT1H")
    return calendar


def zone_span(years: Iterable[int]) -> tuple[date, date]:
    """The span of a VTIMEZONE for events in these years: the default span, widened so
    that it starts a year before the first and ends after the year following the last
    (an event late on 31 December ends in the next year)."""
    years = list(years)
    first = min([TIMEZONE_FIRST_DATE.year, *(year - 1 for year in years)])
    last = max([TIMEZONE_LAST_DATE.year, *(year + 2 for year in years)])
    return date(max(first, 1), 1, 1), date(min(last, 9999), 12, 31) if last > 9999 else date(last, 1, 1)


def _timezone_component(tzid: str, span: tuple[date, date] = (TIMEZONE_FIRST_DATE, TIMEZONE_LAST_DATE)) -> Timezone:
    """A VTIMEZONE listing each transition on its own RDATE line.

    icalendar writes all of a rule's transitions as one comma-separated RDATE; some
    readers (vobject among them) keep only the first value of such a list and then read
    summer times with winter offsets. One date per line means the same to RFC 5545 and is
    read correctly everywhere.
    """
    vtimezone = Timezone.from_tzid(tzid, first_date=span[0], last_date=span[1])
    for rule in vtimezone.subcomponents:
        rdates = rule.pop("RDATE", None)
        if rdates is None:
            continue
        for value in rdates if isinstance(rdates, list) else [rdates]:
            for transition in value.dts:
                rule.add("RDATE", transition.dt)
    return vtimezone


@lru_cache(maxsize=256)
def _shared_timezone_component(tzid: str, span: tuple[date, date] = (TIMEZONE_FIRST_DATE, TIMEZONE_LAST_DATE)
                               ) -> Timezone:
    # Shared between calls: it is only ever serialised, never modified.
    return _timezone_component(tzid, span)


def _event_zone(event: CalendarEvent) -> Timezone:
    return _shared_timezone_component(event.tzid, zone_span([event.start.year, event.end.year]))


def render_vevent(event: CalendarEvent) -> str:
    """The public VEVENT block of one event, folded, CRLF-terminated, for feeds.

    DTSTAMP is the last-modified time (RFC 5545 for objects without METHOD), so the text
    depends only on the event and can be cached by `event.cache_key`.
    """
    return _build_vevent(event, dtstamp=event.last_modified).to_ical().decode("utf-8")


@lru_cache(maxsize=256)
def render_vtimezone(tzid: str, span: tuple[date, date] = (TIMEZONE_FIRST_DATE, TIMEZONE_LAST_DATE)) -> str:
    """The VTIMEZONE block for an IANA zone over a span (computed once, then cached)."""
    return _shared_timezone_component(tzid, span).to_ical().decode("utf-8")


@lru_cache(maxsize=256)
def _feed_frame(name: str, description: str) -> tuple[str, str]:
    text = _calendar(name=name, description=description).to_ical().decode("utf-8")
    footer = "END:VCALENDAR" + CRLF
    return text[: -len(footer)], footer


def zone_years(zones: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    """The years each zone's events fall in, from (tzid, year) pairs."""
    found: dict[str, set[int]] = {}
    for tzid, year in zones:
        found.setdefault(tzid, set()).add(year)
    return {tzid: sorted(years) for tzid, years in found.items()}


def assemble_feed(name: str, description: str, vevent_texts: Iterable[str],
                  zones: Iterable[tuple[str, int]]) -> bytes:
    """A feed from pre-rendered VEVENT blocks plus the VTIMEZONE of every zone they use,
    spanning the years of that zone's events; `zones` has a (tzid, year) pair per event."""
    header, footer = _feed_frame(name, description)
    parts = [header]
    parts.extend(render_vtimezone(tzid, zone_span(years)) for tzid, years in sorted(zone_years(zones).items()))
    parts.extend(vevent_texts)
    parts.append(footer)
    return "".join(parts).encode("utf-8")


def feed_etag(body: bytes) -> str:
    """A strong ETag for a rendered feed."""
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def naive_feed(events: Iterable[CalendarEvent], *, name: str, description: str) -> bytes:
    """The same feed as `assemble_feed`, rebuilt from scratch with icalendar objects."""
    events = list(events)
    calendar = _calendar(name=name, description=description)
    for tzid, years in sorted(zone_years((e.tzid, e.start.year) for e in events).items()):
        calendar.add_component(_timezone_component(tzid, zone_span(years)))
    for event in events:
        calendar.add_component(_build_vevent(event, dtstamp=event.last_modified))
    return calendar.to_ical()


def event_ics(event: CalendarEvent, *, private: bool = False) -> bytes:
    """A single event as a .ics file; `private` adds the join link for confirmed attendees."""
    calendar = _calendar()
    calendar.add_component(_event_zone(event))
    calendar.add_component(_build_vevent(event, dtstamp=event.last_modified, private=private))
    return calendar.to_ical()


def invitation_ics(
    event: CalendarEvent,
    *,
    method: str,
    organizer: Party,
    attendees: Sequence[Party],
    dtstamp: datetime,
) -> bytes:
    """An iMIP body: REQUEST for an invitation or a change, CANCEL for a cancellation.

    Send each attendee their own message so no one sees the others' addresses.
    """
    if method not in (METHOD_REQUEST, METHOD_CANCEL):
        raise ValueError(f"unsupported iTIP method {method!r}")
    if method == METHOD_REQUEST and event.status == "CANCELLED":
        raise ValueError("a cancelled event is announced with METHOD:CANCEL")
    if not attendees:
        raise ValueError("an invitation needs at least one attendee")
    calendar = _calendar(method=method)
    calendar.add_component(_event_zone(event))
    calendar.add_component(
        _build_vevent(
            event,
            dtstamp=dtstamp,
            private=True,
            status="CANCELLED" if method == METHOD_CANCEL else None,
            organizer=organizer,
            attendees=attendees,
        )
    )
    return calendar.to_ical()


def invitation_content_type(method: str) -> str:
    """The MIME type of an iMIP part; its method must equal the body's METHOD."""
    return f"text/calendar; method={method}; charset=UTF-8"
