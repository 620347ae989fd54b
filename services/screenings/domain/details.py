"""The description of an event (what, where, when, for whom) and its validation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping
from urllib.parse import urlsplit

from services.runtime import places

from ..films import FILMS_BY_SLUG, Audience, Film
from .validation import MAX_CAPACITY, MAX_ITEM, MAX_TEXT, MAX_TITLE, FieldErrors, clean_audiences, clean_text, \
    clean_text_list
from .zones import STATE_TIME_ZONES, load_zone, local_time_problem, resolve_time_zone, to_utc


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

@dataclass(frozen=True)
class Venue:
    name: str
    address: str
    city: str
    state: str
    postal_code: str | None = None


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
                **({"postal_code": self.venue.postal_code} if self.venue.postal_code else {}),
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


def _enum(cls, value: Any, field_name: str, errors: FieldErrors, default=None):
    if value is None and default is not None:
        return default
    try:
        return cls(value)
    except ValueError:
        errors.add(field_name, "must be one of: " + ", ".join(m.value for m in cls))
        return None



def _local_datetime(value: Any, field_name: str, errors: FieldErrors) -> datetime | None:
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


def _join_url(value: Any, errors: FieldErrors) -> str | None:
    url = clean_text(value, "join_url", errors, limit=2000, required=True)
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
        errors.add("join_url", "must be an https:// link")
        return None
    return url


def _postal_code(value: Any, errors: FieldErrors) -> str | None:
    """The venue's five-digit US ZIP code, optional, one the offline ZIP data knows."""
    if value is None or not str(value).strip():
        return None
    code = places.normal_zip(str(value))
    if code is None or places.zip_place(code) is None:
        errors.add("venue.postal_code", "give the venue's five-digit ZIP code, e.g. 62701")
        return None
    return code


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
    errors = FieldErrors()

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
    title = clean_text(raw.get("title"), "title", errors, limit=MAX_TITLE, required=title_required)
    if not title and film is not None:
        title = film.title
    description = clean_text(raw.get("description"), "description", errors, limit=MAX_TEXT, required=False)

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
                key: clean_text(raw_venue.get(key), f"venue.{key}", errors, limit=MAX_ITEM, required=True)
                for key in ("name", "address", "city", "state")
            }
            state = parts["state"].upper()
            if state and state not in STATE_TIME_ZONES:
                errors.add("venue.state", f"unknown state or territory {parts['state']!r}; use the postal code")
                state = None
            parts["state"] = state or ""
            venue = Venue(**parts, postal_code=_postal_code(raw_venue.get("postal_code"), errors))
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

    audiences = clean_audiences(raw.get("audiences"), "audiences", errors, required=True)

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
    partners = clean_text_list(raw.get("partners"), "partners", errors)

    errors.raise_if_any()
    return ScreeningDetails(
        kind=kind, format=fmt, title=title, description=description,
        film_slug=film.slug if film else None, venue=venue, join_url=join_url, state=state,
        time_zone=time_zone, local_start=start, local_end=end, capacity=capacity,
        audiences=audiences, cohost_ids=tuple(cohost_ids), partners=partners,
        visibility=visibility,
    )

