"""Screenings and guided discussions: validation, scheduling rules, approval, RSVPs, reports.

Plain Python with no I/O. Anything that depends on the clock takes `now` (an aware UTC
datetime) so the rules are deterministic and testable; anything that depends on other
records (the host's projection, the host's other bookings) is passed in by the caller.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .films import FILMS_BY_SLUG, Audience, Film

UTC = timezone.utc
DEFAULT_UID_DOMAIN = "niot-len.org"

MAX_CAPACITY = 100_000
MAX_TITLE = 200
MAX_TEXT = 5_000
MAX_LIST = 50
MAX_ITEM = 300

# The first chaser goes out a day after the event ends, the second a week after that;
# after the second the program manager follows up in person, so the system stops.
REPORT_CHASER_DELAYS: tuple[timedelta, ...] = (timedelta(days=1), timedelta(days=7))


class Kind(StrEnum):
    FILM_SCREENING = "film_screening"
    GUIDED_DISCUSSION = "guided_discussion"


class Format(StrEnum):
    COMMUNITY_SCREENING = "community_screening"
    ROLL_CALL = "roll_call"
    ACADEMY = "academy"
    SCHOOL_PROGRAM = "school_program"


LAW_ENFORCEMENT_TRAINING = frozenset({Format.ROLL_CALL, Format.ACADEMY})


class Visibility(StrEnum):
    PUBLIC = "public"
    INVITATION_ONLY = "invitation_only"


class Status(StrEnum):
    SUBMITTED = "submitted"
    SENT_BACK = "sent_back"
    RESUBMITTED = "resubmitted"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


PENDING_APPROVAL = frozenset({Status.SUBMITTED, Status.RESUBMITTED})
OPEN = frozenset({Status.SUBMITTED, Status.RESUBMITTED, Status.SENT_BACK, Status.SCHEDULED})


# --- time zones -----------------------------------------------------------------------

# IANA zones in use in each state, DC and the inhabited territories (tzdb zone.tab, plus
# America/Denver where a state has an area on Mountain time that tzdb folds into Denver).
# A state with one zone defaults to it; a state with several needs an explicit choice.
STATE_TIME_ZONES: dict[str, tuple[str, ...]] = {
    "AL": ("America/Chicago",),
    "AK": (
        "America/Anchorage", "America/Juneau", "America/Sitka", "America/Metlakatla",
        "America/Yakutat", "America/Nome", "America/Adak",
    ),
    "AZ": ("America/Phoenix", "America/Denver"),  # the Navajo Nation observes DST
    "AR": ("America/Chicago",),
    "CA": ("America/Los_Angeles",),
    "CO": ("America/Denver",),
    "CT": ("America/New_York",),
    "DE": ("America/New_York",),
    "DC": ("America/New_York",),
    "FL": ("America/New_York", "America/Chicago"),
    "GA": ("America/New_York",),
    "HI": ("Pacific/Honolulu",),
    "ID": ("America/Boise", "America/Los_Angeles"),
    "IL": ("America/Chicago",),
    "IN": (
        "America/Indiana/Indianapolis", "America/Indiana/Vincennes", "America/Indiana/Winamac",
        "America/Indiana/Marengo", "America/Indiana/Petersburg", "America/Indiana/Vevay",
        "America/Indiana/Tell_City", "America/Indiana/Knox", "America/Chicago",
    ),
    "IA": ("America/Chicago",),
    "KS": ("America/Chicago", "America/Denver"),
    "KY": (
        "America/New_York", "America/Kentucky/Louisville", "America/Kentucky/Monticello",
        "America/Chicago",
    ),
    "LA": ("America/Chicago",),
    "ME": ("America/New_York",),
    "MD": ("America/New_York",),
    "MA": ("America/New_York",),
    "MI": ("America/Detroit", "America/Menominee"),
    "MN": ("America/Chicago",),
    "MS": ("America/Chicago",),
    "MO": ("America/Chicago",),
    "MT": ("America/Denver",),
    "NE": ("America/Chicago", "America/Denver"),
    "NV": ("America/Los_Angeles", "America/Denver"),  # West Wendover keeps Mountain time
    "NH": ("America/New_York",),
    "NJ": ("America/New_York",),
    "NM": ("America/Denver",),
    "NY": ("America/New_York",),
    "NC": ("America/New_York",),
    "ND": (
        "America/Chicago", "America/North_Dakota/Center", "America/North_Dakota/New_Salem",
        "America/North_Dakota/Beulah", "America/Denver",
    ),
    "OH": ("America/New_York",),
    "OK": ("America/Chicago",),
    "OR": ("America/Los_Angeles", "America/Boise"),
    "PA": ("America/New_York",),
    "RI": ("America/New_York",),
    "SC": ("America/New_York",),
    "SD": ("America/Chicago", "America/Denver"),
    "TN": ("America/Chicago", "America/New_York"),
    "TX": ("America/Chicago", "America/Denver"),
    "UT": ("America/Denver",),
    "VT": ("America/New_York",),
    "VA": ("America/New_York",),
    "WA": ("America/Los_Angeles",),
    "WV": ("America/New_York",),
    "WI": ("America/Chicago",),
    "WY": ("America/Denver",),
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
}


def load_zone(name: Any) -> ZoneInfo | None:
    """The zone for an IANA name, or None when the name is not a known zone."""
    if not isinstance(name, str) or not name or name != name.strip():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def resolve_time_zone(state: str | None, requested: str | None) -> tuple[str | None, str | None]:
    """Pick the zone for an event: (zone name, problem message).

    An explicit zone must be a real IANA zone and, when the state is known, one in use in
    that state; without one, a single-zone state supplies its zone.
    """
    zones = STATE_TIME_ZONES.get(state) if state else None
    if requested is not None and requested != "":
        if load_zone(requested) is None:
            return None, f"{requested!r} is not an IANA time zone"
        if zones is not None and requested not in zones:
            return None, f"{requested} is not used in {state}; choose one of: {', '.join(zones)}"
        return requested, None
    if zones is None:
        return None, "is required (an IANA zone such as America/Chicago)"
    if len(zones) > 1:
        return None, f"{state} spans several time zones; choose one of: {', '.join(zones)}"
    return zones[0], None


def _transition_around(local: datetime, zone: ZoneInfo) -> tuple[datetime, timedelta, timedelta]:
    """The offset change nearest a gap or repeated local time: (UTC instant, before, after).

    `fold=0` and `fold=1` bracket the transition (PEP 495), so a bisection between the two
    UTC readings finds the instant the offset changes.
    """
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    lo, hi = sorted((first.astimezone(UTC), second.astimezone(UTC)))
    before = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi, before, hi.astimezone(zone).utcoffset()


def local_time_problem(local: datetime, zone_name: str) -> str | None:
    """Why a wall-clock time cannot be used in a zone (DST gap or overlap), else None."""
    zone = ZoneInfo(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    instant, before, after = _transition_around(local, zone)
    old_name = (instant - timedelta(seconds=1)).astimezone(zone).tzname()
    names = f"{old_name} to {instant.astimezone(zone).tzname()}"
    old_wall = (instant + before).replace(tzinfo=None)
    new_wall = (instant + after).replace(tzinfo=None)
    when = f"{local:%Y-%m-%d %H:%M}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        return (
            f"{when} does not exist in {zone_name}: clocks go forward from "
            f"{old_wall:%H:%M} to {new_wall:%H:%M} ({names}); choose a time outside "
            f"{old_wall:%H:%M}-{new_wall:%H:%M}"
        )
    return (
        f"{when} is ambiguous in {zone_name}: it happens twice when clocks go back from "
        f"{old_wall:%H:%M} to {new_wall:%H:%M} ({names}); choose a time outside "
        f"{new_wall:%H:%M}-{old_wall:%H:%M}"
    )


def to_utc(local: datetime, zone_name: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


# --- details --------------------------------------------------------------------------


@dataclass(frozen=True)
class Venue:
    name: str
    address: str
    city: str
    state: str


@dataclass(frozen=True)
class ScreeningDetails:
    """A validated description of an event; times are venue-local wall times plus a zone."""

    kind: Kind
    format: Format
    title: str
    description: str
    film_slug: str | None
    venue: Venue | None
    join_url: str | None
    state: str | None
    time_zone: str
    local_start: datetime
    local_end: datetime
    capacity: int
    audiences: tuple[Audience, ...]
    cohost_ids: tuple[str, ...]
    partners: tuple[str, ...]
    visibility: Visibility

    @property
    def online(self) -> bool:
        return self.venue is None

    @property
    def start(self) -> datetime:
        return to_utc(self.local_start, self.time_zone)

    @property
    def end(self) -> datetime:
        return to_utc(self.local_end, self.time_zone)

    def as_input(self) -> dict[str, Any]:
        """The raw form of these details, so a change can be merged in and revalidated."""
        return {
            "kind": self.kind.value,
            "format": self.format.value,
            "title": self.title,
            "description": self.description,
            "film": self.film_slug,
            "venue": None if self.venue is None else {
                "name": self.venue.name, "address": self.venue.address,
                "city": self.venue.city, "state": self.venue.state,
            },
            "join_url": self.join_url,
            "state": self.state,
            "time_zone": self.time_zone,
            "start": self.local_start,
            "end": self.local_end,
            "capacity": self.capacity,
            "audiences": [a.value for a in self.audiences],
            "cohost_ids": list(self.cohost_ids),
            "partners": list(self.partners),
            "visibility": self.visibility.value,
        }

    def calendar_fields(self) -> tuple:
        """What attendees' calendars show: a change here is a change they must hear about."""
        return (self.title, self.time_zone, self.local_start, self.local_end, self.venue, self.join_url)


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field_name: str, message: str) -> None:
        self.items.append({"field": field_name, "message": message})

    def has(self, field_name: str) -> bool:
        return any(e["field"] == field_name for e in self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def _enum(cls, value: Any, field_name: str, errors: _Errors, default=None):
    if value is None and default is not None:
        return default
    try:
        return cls(value)
    except ValueError:
        errors.add(field_name, "must be one of: " + ", ".join(m.value for m in cls))
        return None


def _text(value: Any, field_name: str, errors: _Errors, *, limit: int, required: bool) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field_name, "is required")
        return ""
    if not isinstance(value, str):
        errors.add(field_name, "must be text")
        return ""
    value = value.strip()
    if len(value) > limit:
        errors.add(field_name, f"must be at most {limit} characters")
    return value


def _text_list(value: Any, field_name: str, errors: _Errors) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        errors.add(field_name, "must be a list")
        return ()
    if len(value) > MAX_LIST:
        errors.add(field_name, f"at most {MAX_LIST} entries")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item.strip()) > MAX_ITEM:
            errors.add(field_name, f"each entry must be non-empty text of at most {MAX_ITEM} characters")
            return ()
        if item.strip() not in items:
            items.append(item.strip())
    return tuple(items)


def _audiences(value: Any, field_name: str, errors: _Errors, *, required: bool) -> tuple[Audience, ...]:
    if value is None or value == [] or value == ():
        if required:
            errors.add(field_name, "name at least one audience")
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        errors.add(field_name, "must be a list")
        return ()
    result: list[Audience] = []
    for item in value:
        try:
            audience = Audience(item)
        except ValueError:
            errors.add(field_name, f"unknown audience {item!r}; use: " + ", ".join(a.value for a in Audience))
            return ()
        if audience not in result:
            result.append(audience)
    return tuple(result)


def _local_datetime(value: Any, field_name: str, errors: _Errors) -> datetime | None:
    if value is None or value == "":
        errors.add(field_name, "is required")
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors.add(field_name, "must be a date and time such as 2026-05-14T18:30")
            return None
    if not isinstance(value, datetime):
        errors.add(field_name, "must be a date and time such as 2026-05-14T18:30")
        return None
    if value.tzinfo is not None:
        errors.add(field_name, "give the local wall time at the venue, without a UTC offset")
        return None
    return value


def _join_url(value: Any, errors: _Errors) -> str | None:
    url = _text(value, "join_url", errors, limit=2000, required=True)
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
        errors.add("join_url", "must be an https:// link")
        return None
    return url


def _leader_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def validate_details(raw: Mapping[str, Any], *, films: Mapping[str, Film] = FILMS_BY_SLUG) -> ScreeningDetails:
    """Validate everything that depends only on the input; every bad field is reported."""
    errors = _Errors()

    kind = _enum(Kind, raw.get("kind"), "kind", errors)
    fmt = _enum(Format, raw.get("format"), "format", errors)
    visibility = _enum(Visibility, raw.get("visibility"), "visibility", errors, default=Visibility.PUBLIC)

    film: Film | None = None
    film_slug = raw.get("film") or None
    if film_slug is not None:
        film = films.get(film_slug) if isinstance(film_slug, str) else None
        if film is None:
            errors.add("film", f"unknown film {film_slug!r}")
    elif kind is Kind.FILM_SCREENING:
        errors.add("film", "a film screening needs a film")

    title_required = film is None and not errors.has("film")
    title = _text(raw.get("title"), "title", errors, limit=MAX_TITLE, required=title_required)
    if not title and film is not None:
        title = film.title
    description = _text(raw.get("description"), "description", errors, limit=MAX_TEXT, required=False)

    venue: Venue | None = None
    join_url: str | None = None
    state: str | None = None
    raw_venue = raw.get("venue")
    raw_join = raw.get("join_url")
    if raw_venue and raw_join:
        errors.add("venue", "give either a venue or an online join link, not both")
    elif raw_venue:
        if not isinstance(raw_venue, Mapping):
            errors.add("venue", "must give name, address, city and state")
        else:
            parts = {
                key: _text(raw_venue.get(key), f"venue.{key}", errors, limit=MAX_ITEM, required=True)
                for key in ("name", "address", "city", "state")
            }
            state = parts["state"].upper()
            if state and state not in STATE_TIME_ZONES:
                errors.add("venue.state", f"unknown state or territory {parts['state']!r}; use the postal code")
                state = None
            parts["state"] = state or ""
            venue = Venue(**parts)
    elif raw_join:
        join_url = _join_url(raw_join, errors)
        raw_state = raw.get("state")
        if raw_state:
            state = str(raw_state).strip().upper()
            if state not in STATE_TIME_ZONES:
                errors.add("state", f"unknown state or territory {raw_state!r}; use the postal code")
                state = None
    else:
        errors.add("venue", "give a venue (name, address, city, state) or an online join link")

    time_zone: str | None = None
    if not errors.has("venue.state") and not errors.has("state"):
        requested = raw.get("time_zone") or None
        if venue is None and join_url is not None and requested is not None:
            # An online event runs on its host's clock, which need not be its state's.
            if load_zone(requested) is None:
                errors.add("time_zone", f"{requested!r} is not an IANA time zone")
            else:
                time_zone = requested
        else:
            time_zone, problem = resolve_time_zone(state, requested)
            if problem:
                errors.add("time_zone", problem)

    start = _local_datetime(raw.get("start"), "start", errors)
    end = _local_datetime(raw.get("end"), "end", errors)
    if time_zone:
        for field_name, value in (("start", start), ("end", end)):
            if value is not None and (problem := local_time_problem(value, time_zone)):
                errors.add(field_name, problem)
    if start and end and not errors.has("start") and not errors.has("end"):
        if time_zone:
            if to_utc(end, time_zone) <= to_utc(start, time_zone):
                errors.add("end", "must be after the start")
        elif end <= start:
            errors.add("end", "must be after the start")

    capacity = raw.get("capacity")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        errors.add("capacity", f"must be a whole number from 1 to {MAX_CAPACITY}")

    audiences = _audiences(raw.get("audiences"), "audiences", errors, required=True)

    cohost_ids: list[str] = []
    raw_cohosts = raw.get("cohost_ids") or ()
    if isinstance(raw_cohosts, (str, bytes)) or not isinstance(raw_cohosts, (list, tuple)):
        errors.add("cohost_ids", "must be a list of leader ids")
    else:
        for value in raw_cohosts:
            leader_id = _leader_id(value)
            if leader_id is None:
                errors.add("cohost_ids", "each co-host must be a leader id")
                break
            if leader_id not in cohost_ids:
                cohost_ids.append(leader_id)
    partners = _text_list(raw.get("partners"), "partners", errors)

    errors.raise_if_any()
    return ScreeningDetails(
        kind=kind, format=fmt, title=title, description=description,
        film_slug=film.slug if film else None, venue=venue, join_url=join_url, state=state,
        time_zone=time_zone, local_start=start, local_end=end, capacity=capacity,
        audiences=audiences, cohost_ids=tuple(cohost_ids), partners=partners,
        visibility=visibility,
    )


# --- rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HostRecord:
    """What the screenings service knows about a leader, from the leader_* events."""

    leader_id: str
    status: str
    trusted: bool = False
    name: str = ""

    @property
    def active(self) -> bool:
        return self.status == "active"


Interval = tuple[datetime, datetime]


def require_active_host(host: HostRecord | None) -> HostRecord:
    if host is None or not host.active:
        raise Forbidden("only an active network leader can host screenings", field="host")
    return host


def check_schedule(
    details: ScreeningDetails, *, now: datetime, host_busy: Iterable[Interval] = (),
) -> None:
    """The time rules that depend on the clock and on the host's other bookings."""
    _require_aware(now)
    if details.start <= now:
        raise ValidationFailed("must be in the future", field="start")
    for busy_start, busy_end in host_busy:
        if details.start < busy_end and busy_start < details.end:
            raise Conflict(
                "the host already has an event from "
                f"{busy_start:%Y-%m-%d %H:%M} to {busy_end:%Y-%m-%d %H:%M} UTC",
                field="start",
            )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")


# --- the screening aggregate ----------------------------------------------------------


@dataclass
class Screening:
    id: str
    uid: str
    host_id: str
    details: ScreeningDetails
    status: Status
    created_at: datetime
    updated_at: datetime
    sequence: int = 0
    review_note: str | None = None
    reviewed_by: str | None = None
    cancel_message: str | None = None
    published: bool = False

    @property
    def pending_approval(self) -> bool:
        return self.status in PENDING_APPROVAL

    @property
    def listed_in_feeds(self) -> bool:
        """Public feeds show every public event that was ever scheduled, cancelled ones
        included (marked CANCELLED) so subscribers' calendars drop them."""
        return self.published and self.details.visibility is Visibility.PUBLIC

    def has_ended(self, now: datetime) -> bool:
        return now >= self.details.end

    def organisers(self) -> frozenset[str]:
        return frozenset((self.host_id, *self.details.cohost_ids))

    def approve(self, *, reviewer_id: str, now: datetime, host_busy: Iterable[Interval] = ()) -> None:
        if not self.pending_approval:
            raise Conflict(f"only an event awaiting approval can be approved; this one is {self.status}")
        check_schedule(self.details, now=now, host_busy=host_busy)
        self.reviewed_by = reviewer_id
        self.review_note = None
        self._set_status(Status.SCHEDULED, now)

    def send_back(self, *, reviewer_id: str, note: str, now: datetime) -> None:
        if not self.pending_approval:
            raise Conflict(f"only an event awaiting approval can be sent back; this one is {self.status}")
        errors = _Errors()
        note = _text(note, "note", errors, limit=MAX_TEXT, required=True)
        errors.raise_if_any()
        self.reviewed_by = reviewer_id
        self.review_note = note
        self._set_status(Status.SENT_BACK, now)

    def resubmit(
        self,
        changes: Mapping[str, Any] | None,
        *,
        host: HostRecord,
        now: datetime,
        host_busy: Iterable[Interval] = (),
        films: Mapping[str, Film] = FILMS_BY_SLUG,
    ) -> None:
        if self.status is not Status.SENT_BACK:
            raise Conflict(f"only an event that was sent back can be resubmitted; this one is {self.status}")
        require_active_host(host)
        details = self._revised(changes or {}, films)
        _check_cohosts(details, self.host_id)
        check_schedule(details, now=now, host_busy=host_busy)
        self.details = details
        self._set_status(Status.SCHEDULED if host.trusted else Status.RESUBMITTED, now)

    def reschedule(
        self,
        *,
        start: datetime | str,
        end: datetime | str,
        now: datetime,
        time_zone: str | None = None,
        host_busy: Iterable[Interval] = (),
    ) -> bool:
        """Move the event; returns False when the new times are the current ones."""
        self._require_changeable(now)
        changes: dict[str, Any] = {"start": start, "end": end}
        if time_zone is not None:
            changes["time_zone"] = time_zone
        details = self._revised(changes)
        check_schedule(details, now=now, host_busy=host_busy)
        return self._apply(details, now)

    def change_venue(
        self,
        *,
        now: datetime,
        venue: Mapping[str, Any] | None = None,
        join_url: str | None = None,
        state: str | None = None,
        time_zone: str | None = None,
    ) -> bool:
        """Move the event to another venue or online; returns False when nothing changed."""
        self._require_changeable(now)
        if (venue is None) == (join_url is None):
            raise ValidationFailed("give either a new venue or an online join link", field="venue")
        new_state = venue.get("state") if isinstance(venue, Mapping) else state
        zones = STATE_TIME_ZONES.get(str(new_state or "").strip().upper())
        if time_zone is None and (zones is None or self.details.time_zone in zones):
            # The new place keeps the current zone when that zone is valid there;
            # otherwise the zone is resolved afresh from the new state.
            time_zone = self.details.time_zone
        changes = {"venue": venue, "join_url": join_url, "state": state, "time_zone": time_zone}
        return self._apply(self._revised(changes), now)

    def change_capacity(self, capacity: Any, *, confirmed_count: int, now: datetime) -> None:
        if self.status not in OPEN:
            raise Conflict(f"the capacity of a {self.status} event cannot change")
        details = self._revised({"capacity": capacity})
        if details.capacity < confirmed_count:
            raise ValidationFailed(
                f"cannot be lower than the {confirmed_count} people already confirmed",
                field="capacity",
            )
        self.details = details
        self.updated_at = now

    def cancel(self, *, message: str | None, now: datetime) -> None:
        if self.status not in OPEN:
            raise Conflict(f"a {self.status} event cannot be cancelled")
        if self.has_ended(now):
            raise Conflict("the event is already over")
        errors = _Errors()
        message = _text(message, "message", errors, limit=MAX_TEXT, required=self.status is Status.SCHEDULED)
        errors.raise_if_any()
        self.cancel_message = message or None
        self._set_status(Status.CANCELLED, now)

    def complete(self, *, now: datetime) -> None:
        if self.status is not Status.SCHEDULED:
            raise Conflict(f"only a scheduled event can be completed; this one is {self.status}")
        if not self.has_ended(now):
            raise Conflict("the event has not ended yet")
        # Completion changes nothing a calendar shows, so the sequence stays.
        self.status = Status.COMPLETED
        self.updated_at = now

    def _require_changeable(self, now: datetime) -> None:
        if self.status not in OPEN:
            raise Conflict(f"a {self.status} event cannot be changed")
        if now >= self.details.start:
            raise Conflict("the event has already started")

    def _revised(self, changes: Mapping[str, Any], films: Mapping[str, Film] = FILMS_BY_SLUG) -> ScreeningDetails:
        return validate_details({**self.details.as_input(), **changes}, films=films)

    def _apply(self, details: ScreeningDetails, now: datetime) -> bool:
        changed = details.calendar_fields() != self.details.calendar_fields()
        self.details = details
        self.updated_at = now
        if changed:
            self.sequence += 1
        return changed

    def _set_status(self, status: Status, now: datetime) -> None:
        self.status = status
        self.published = self.published or status is Status.SCHEDULED
        self.sequence += 1
        self.updated_at = now


def _check_cohosts(details: ScreeningDetails, host_id: str) -> None:
    if host_id in details.cohost_ids:
        raise ValidationFailed("the host cannot also be a co-host", field="cohost_ids")


def new_uid(domain: str = DEFAULT_UID_DOMAIN) -> str:
    return f"screening-{uuid.uuid4()}@{domain}"


def register_screening(
    raw: Mapping[str, Any],
    *,
    host: HostRecord | None,
    now: datetime,
    host_busy: Iterable[Interval] = (),
    screening_id: str | None = None,
    uid_domain: str = DEFAULT_UID_DOMAIN,
    films: Mapping[str, Film] = FILMS_BY_SLUG,
) -> Screening:
    """A new event from its host: scheduled at once for trusted hosts, else awaiting approval."""
    host = require_active_host(host)
    details = validate_details(raw, films=films)
    _check_cohosts(details, host.leader_id)
    check_schedule(details, now=now, host_busy=host_busy)
    status = Status.SCHEDULED if host.trusted else Status.SUBMITTED
    return Screening(
        id=screening_id or str(uuid.uuid4()),
        uid=new_uid(uid_domain),
        host_id=host.leader_id,
        details=details,
        status=status,
        created_at=now,
        updated_at=now,
        published=status is Status.SCHEDULED,
    )


# --- RSVPs ----------------------------------------------------------------------------

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def new_cancel_token() -> tuple[str, str]:
    """A cancel-link token and the hash to store; the token itself is never stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def verify_cancel_token(token: Any, stored_hash: str | None) -> bool:
    if not isinstance(token, str) or not token or not stored_hash:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def normalise_email(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        return None
    return email


class RsvpStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


@dataclass
class Rsvp:
    id: str
    screening_id: str
    name: str
    email: str | None
    status: RsvpStatus
    position: int
    created_at: datetime
    cancel_token_hash: str | None = None
    walk_in: bool = False
    promoted_at: datetime | None = None
    cancelled_at: datetime | None = None
    invited: bool = False

    @property
    def active(self) -> bool:
        return self.status is not RsvpStatus.CANCELLED


@dataclass(frozen=True)
class RsvpResult:
    rsvp: Rsvp
    created: bool
    cancel_token: str | None = None


@dataclass(frozen=True)
class CancelResult:
    cancelled: Rsvp
    promoted: Rsvp | None


@dataclass
class AttendeeList:
    """The RSVPs of one screening, in arrival order (which is also waitlist order)."""

    screening_id: str
    rsvps: list[Rsvp] = field(default_factory=list)

    @property
    def confirmed(self) -> list[Rsvp]:
        return [r for r in self.rsvps if r.status is RsvpStatus.CONFIRMED]

    @property
    def waitlist(self) -> list[Rsvp]:
        return sorted((r for r in self.rsvps if r.status is RsvpStatus.WAITLISTED), key=lambda r: r.position)

    def find(self, rsvp_id: str) -> Rsvp | None:
        return next((r for r in self.rsvps if r.id == rsvp_id), None)

    def find_active_by_email(self, email: str) -> Rsvp | None:
        return next((r for r in self.rsvps if r.active and r.email == email), None)

    def rsvp(
        self, screening: Screening, *, name: Any, email: Any, now: datetime, invited: bool = False,
    ) -> RsvpResult:
        """Reserve a seat, or a waitlist place when full; the same email again is a no-op.

        `invited` is an organiser's invitation: the only way into an invitation-only event."""
        self._check_belongs(screening)
        errors = _Errors()
        name = _text(name, "name", errors, limit=MAX_TITLE, required=True)
        normalised = normalise_email(email)
        if normalised is None:
            errors.add("email", "must be a valid email address")
        errors.raise_if_any()

        _require_open_for_rsvp(screening, now)
        # Refused before the idempotent lookup: a public caller must not learn whether an
        # address was invited, nor receive the invitee's private link.
        if screening.details.visibility is Visibility.INVITATION_ONLY and not invited:
            raise Forbidden("this event is by invitation only: ask its host for an invitation")
        existing = self.find_active_by_email(normalised)
        if existing is not None:
            return RsvpResult(existing, created=False)

        token, token_hash = new_cancel_token()
        full = len(self.confirmed) >= screening.details.capacity
        rsvp = Rsvp(
            id=str(uuid.uuid4()),
            screening_id=self.screening_id,
            name=name,
            email=normalised,
            status=RsvpStatus.WAITLISTED if full else RsvpStatus.CONFIRMED,
            position=self._next_position(),
            created_at=now,
            cancel_token_hash=token_hash,
            invited=invited,
        )
        self.rsvps.append(rsvp)
        return RsvpResult(rsvp, created=True, cancel_token=token)

    def add_walk_in(self, screening: Screening, *, name: Any, email: Any = None, now: datetime) -> Rsvp:
        """Someone the host admitted at the door; counted even beyond capacity."""
        self._check_belongs(screening)
        if screening.status not in (Status.SCHEDULED, Status.COMPLETED):
            raise Conflict(f"walk-ins cannot be added to a {screening.status} event")
        errors = _Errors()
        name = _text(name, "name", errors, limit=MAX_TITLE, required=True)
        normalised = None
        if email not in (None, ""):
            normalised = normalise_email(email)
            if normalised is None:
                errors.add("email", "must be a valid email address")
        errors.raise_if_any()
        if normalised and (existing := self.find_active_by_email(normalised)):
            if existing.status is RsvpStatus.WAITLISTED:
                existing.status = RsvpStatus.CONFIRMED
                existing.promoted_at = now
            return existing
        rsvp = Rsvp(
            id=str(uuid.uuid4()),
            screening_id=self.screening_id,
            name=name,
            email=normalised,
            status=RsvpStatus.CONFIRMED,
            position=self._next_position(),
            created_at=now,
            walk_in=True,
        )
        self.rsvps.append(rsvp)
        return rsvp

    def cancel(self, screening: Screening, rsvp_id: str, *, now: datetime) -> CancelResult:
        """Give up a place; a freed seat goes to the first person on the waitlist."""
        self._check_belongs(screening)
        rsvp = self.find(rsvp_id)
        if rsvp is None:
            raise NotFound("no such RSVP")
        if not rsvp.active:
            raise Conflict("this RSVP is already cancelled")
        if now >= screening.details.start:
            raise Conflict("the event has already started")
        freed_seat = rsvp.status is RsvpStatus.CONFIRMED
        rsvp.status = RsvpStatus.CANCELLED
        rsvp.cancelled_at = now
        promoted = self._promote(screening, now, limit=1) if freed_seat else []
        return CancelResult(rsvp, promoted[0] if promoted else None)

    def cancel_with_token(self, screening: Screening, rsvp_id: str, token: Any, *, now: datetime) -> CancelResult:
        """Cancel from the private link; a wrong token looks exactly like a missing RSVP."""
        rsvp = self.find(rsvp_id)
        if rsvp is None or not verify_cancel_token(token, rsvp.cancel_token_hash):
            raise NotFound("no such RSVP")
        return self.cancel(screening, rsvp_id, now=now)

    def change_capacity(self, screening: Screening, capacity: Any, *, now: datetime) -> list[Rsvp]:
        """Change the screening's capacity; returns the people promoted into new seats."""
        self._check_belongs(screening)
        screening.change_capacity(capacity, confirmed_count=len(self.confirmed), now=now)
        if screening.status is Status.SCHEDULED and now < screening.details.start:
            return self._promote(screening, now)
        return []

    def to_csv(self) -> str:
        """The attendee list for the host, safe to open in a spreadsheet."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["name", "email", "status", "walk_in", "registered_at"])
        for rsvp in sorted(self.rsvps, key=lambda r: r.position):
            writer.writerow([
                _spreadsheet_safe(rsvp.name),
                _spreadsheet_safe(rsvp.email or ""),
                rsvp.status.value,
                "yes" if rsvp.walk_in else "no",
                rsvp.created_at.astimezone(UTC).isoformat(),
            ])
        return buffer.getvalue()

    def _promote(self, screening: Screening, now: datetime, limit: int | None = None) -> list[Rsvp]:
        promoted: list[Rsvp] = []
        free = screening.details.capacity - len(self.confirmed)
        for rsvp in self.waitlist:
            if free <= 0 or (limit is not None and len(promoted) >= limit):
                break
            rsvp.status = RsvpStatus.CONFIRMED
            rsvp.promoted_at = now
            promoted.append(rsvp)
            free -= 1
        return promoted

    def _next_position(self) -> int:
        return max((r.position for r in self.rsvps), default=0) + 1

    def _check_belongs(self, screening: Screening) -> None:
        if screening.id != self.screening_id:
            raise ValueError("attendee list and screening do not match")


def _require_open_for_rsvp(screening: Screening, now: datetime) -> None:
    if screening.status is Status.CANCELLED:
        raise Conflict("this event has been cancelled")
    if screening.status is Status.COMPLETED or now >= screening.details.start:
        raise Conflict("this event has already taken place")
    if screening.status is not Status.SCHEDULED:
        raise Conflict("this event is not open for RSVPs yet")


def _spreadsheet_safe(value: str) -> str:
    # A leading = + - @ (or tab/CR) makes spreadsheets evaluate the cell as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- after the event ------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    screening_id: str
    filed_by: str
    filed_at: datetime
    head_count: int
    partners: tuple[str, ...]
    audiences: tuple[Audience, ...]
    follow_up_actions: tuple[str, ...]
    notes: str


def file_report(
    screening: Screening, raw: Mapping[str, Any], *, filed_by: str, now: datetime, already_filed: bool = False,
) -> Report:
    """The host's (or a co-host's) account of how the event went."""
    if filed_by not in screening.organisers():
        raise Forbidden("only the host or a co-host can file the report")
    if screening.status is Status.CANCELLED:
        raise Conflict("a cancelled event has no report")
    if screening.status not in (Status.SCHEDULED, Status.COMPLETED) or not screening.has_ended(now):
        raise Conflict("the report can be filed once the event is over")
    if already_filed:
        raise Conflict("the report for this event has already been filed")

    errors = _Errors()
    head_count = raw.get("head_count")
    if isinstance(head_count, bool) or not isinstance(head_count, int) or not 0 <= head_count <= MAX_CAPACITY:
        errors.add("head_count", f"must be a whole number from 0 to {MAX_CAPACITY}")
    partners = _text_list(raw.get("partners"), "partners", errors)
    audiences = _audiences(raw.get("audiences"), "audiences", errors, required=True)
    actions = _text_list(raw.get("follow_up_actions"), "follow_up_actions", errors)
    notes = _text(raw.get("notes"), "notes", errors, limit=MAX_TEXT, required=False)
    errors.raise_if_any()
    return Report(
        screening_id=screening.id, filed_by=filed_by, filed_at=now, head_count=head_count,
        partners=partners, audiences=audiences, follow_up_actions=actions, notes=notes,
    )


def next_report_chase(screening: Screening, *, chasers_sent: int, report_filed: bool) -> datetime | None:
    """When to remind the host to file the report next, or None when chasing is over."""
    if report_filed or screening.status not in (Status.SCHEDULED, Status.COMPLETED):
        return None
    if chasers_sent >= len(REPORT_CHASER_DELAYS):
        return None
    return screening.details.end + sum(REPORT_CHASER_DELAYS[: chasers_sent + 1], timedelta())


@dataclass(frozen=True)
class Feedback:
    screening_id: str
    rsvp_id: str
    rating: int
    comment: str
    submitted_at: datetime


def give_feedback(screening: Screening, rsvp: Rsvp, *, rating: Any, comment: Any, now: datetime) -> Feedback:
    """An attendee's rating (1 to 5) and optional comment, once the event is over."""
    if rsvp.screening_id != screening.id or rsvp.status is not RsvpStatus.CONFIRMED:
        raise Forbidden("only confirmed attendees can give feedback")
    if screening.status is Status.CANCELLED:
        raise Conflict("this event was cancelled")
    if not screening.has_ended(now):
        raise Conflict("feedback opens when the event is over")
    errors = _Errors()
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors.add("rating", "must be a whole number from 1 to 5")
    comment = _text(comment, "comment", errors, limit=2000, required=False)
    errors.raise_if_any()
    return Feedback(screening.id, rsvp.id, rating, comment, now)
