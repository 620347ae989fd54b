"""A leader's profile: its fields and their rules, changes to it, and what is published
or shown of it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.runtime import places
from services.runtime.errors import Conflict

from ..regions import DEFAULT_GROUPING, STATES, get_region, region_of
from .expertise import parse_tags, tag_labels
from .fields import (
    Invalid,
    Problems,
    blank,
    parse_date,
    parse_email,
    parse_flag,
    parse_optional_phone,
    parse_state,
    parse_text,
    parse_whole_number,
    refuse_unknown,
)

NAME_MAX_LENGTH = 120
AGENCY_MAX_LENGTH = 200
TITLE_MAX_LENGTH = 120
BIO_MAX_LENGTH = 2000

MAX_MENTEES_LIMIT = 20
DEFAULT_MAX_MENTEES = 3

LEADER_STATUSES = ("active", "inactive", "alumni")
# Alumni finished their service; a manager may reinstate one, but "inactive" means a pause
# in active service, which an alumnus no longer has.
LEADER_STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    "active": frozenset({"inactive", "alumni"}),
    "inactive": frozenset({"active", "alumni"}),
    "alumni": frozenset({"active"}),
}
AVAILABILITIES = ("available", "away")


def _leader_status(value: Any) -> str:
    status = parse_text(value, max_length=20).lower()
    if status not in LEADER_STATUSES:
        raise Invalid(f"{status!r} is not a status (expected one of: {', '.join(LEADER_STATUSES)})")
    return status


@dataclass(frozen=True)
class Leader:
    """A network leader. `away_until` is the date the leader is back; None means available."""

    name: str
    agency: str
    title: str
    email: str
    state: str
    phone: str | None = None
    expertise: tuple[str, ...] = ()
    bio: str = ""
    max_mentees: int = DEFAULT_MAX_MENTEES
    away_until: date | None = None
    trusted_host: bool = False
    status: str = "active"
    postal_code: str | None = None
    id: int | None = None
    version: int = 1

    @property
    def availability(self) -> str:
        return "away" if self.away_until else "available"

    def is_available(self, today: date) -> bool:
        return self.away_until is None or today >= self.away_until

    def region(self, grouping: str = DEFAULT_GROUPING) -> str:
        return region_of(self.state, grouping)


def parse_name(value: Any) -> str:
    return parse_text(value, max_length=NAME_MAX_LENGTH)


def parse_agency(value: Any) -> str:
    return parse_text(value, max_length=AGENCY_MAX_LENGTH)


def parse_title(value: Any) -> str:
    return parse_text(value, max_length=TITLE_MAX_LENGTH)


def _max_mentees(value: Any) -> int:
    number = parse_whole_number(value)
    if number < 0:
        raise Invalid("must not be negative")
    if number > MAX_MENTEES_LIMIT:
        raise Invalid(f"must be at most {MAX_MENTEES_LIMIT}")
    return number


def parse_postal_code(value: Any) -> str | None:
    """Where the leader works, as a five-digit US ZIP code that the offline ZIP data knows."""
    if blank(value):
        return None
    code = places.normal_zip(str(value))
    if code is None:
        raise Invalid("must be a five-digit ZIP code, e.g. 62701")
    if places.zip_place(code) is None:
        raise Invalid(f"{code} is not a ZIP code we know")
    return code


_LEADER_PARSERS: dict[str, Callable[[Any], Any]] = {
    "name": parse_name,
    "agency": parse_agency,
    "title": parse_title,
    "email": parse_email,
    "phone": parse_optional_phone,
    "state": parse_state,
    "expertise": parse_tags,
    "bio": lambda v: parse_text(v, max_length=BIO_MAX_LENGTH, required=False, multiline=True),
    "max_mentees": _max_mentees,
    "trusted_host": parse_flag,
    "status": _leader_status,
    "postal_code": parse_postal_code,
}
REQUIRED_LEADER_FIELDS = ("name", "agency", "title", "email", "state")
LEADER_INPUT_FIELDS = (*_LEADER_PARSERS, "availability", "away_until")

_UNCHANGED = object()


def _away_until(data: Mapping[str, Any], today: date, problems: Problems) -> Any:
    """The new `away_until` from `availability` and/or `away_until`, or _UNCHANGED.

    A return date alone means away; "available" clears any date the form still carries.
    """
    if "availability" not in data and "away_until" not in data:
        return _UNCHANGED
    raw_until = data.get("away_until")
    if blank(data.get("availability")):
        kind = "available" if blank(raw_until) else "away"
    else:
        kind = str(data["availability"]).strip().lower()
    if kind not in AVAILABILITIES:
        problems.add("availability", f"must be one of: {', '.join(AVAILABILITIES)}")
        return _UNCHANGED
    if kind == "available":
        return None
    if blank(raw_until):
        problems.add("away_until", "a return date is required when away")
        return _UNCHANGED
    back_on = problems.check("away_until", parse_date, raw_until)
    if back_on is not None and back_on <= today:
        problems.add("away_until", f"must be a future date (got {back_on.isoformat()})")
    return back_on


def _leader_values(
    data: Mapping[str, Any], today: date, problems: Problems, *, creating: bool
) -> dict[str, Any]:
    refuse_unknown(data, LEADER_INPUT_FIELDS, problems)
    values: dict[str, Any] = {}
    for field, parse in _LEADER_PARSERS.items():
        if field in data:
            values[field] = problems.check(field, parse, data[field])
        elif creating and field in REQUIRED_LEADER_FIELDS:
            problems.add(field, "is required")
    away_until = _away_until(data, today, problems)
    if away_until is not _UNCHANGED:
        values["away_until"] = away_until
    return values


def validate_leader(data: Mapping[str, Any], *, today: date) -> Leader:
    """A new leader from input fields (see LEADER_INPUT_FIELDS); unset optional fields default."""
    problems = Problems()
    values = _leader_values(data, today, problems, creating=True)
    problems.raise_if_any()
    return Leader(**values)


def _check_status_transition(current: str, new: str) -> None:
    if new != current and new not in LEADER_STATUS_TRANSITIONS[current]:
        raise Conflict(f"a leader cannot go from {current} to {new}", field="status")


def update_leader(leader: Leader, changes: Mapping[str, Any], *, today: date) -> Leader:
    """Apply a partial change; returns `leader` itself when nothing actually changes."""
    problems = Problems()
    values = _leader_values(changes, today, problems, creating=False)
    problems.raise_if_any()
    if "status" in values:
        _check_status_transition(leader.status, values["status"])
    updated = replace(leader, **values)
    if updated == leader:
        return leader
    return replace(updated, version=leader.version + 1)


def change_status(leader: Leader, status: str, *, today: date) -> Leader:
    return update_leader(leader, {"status": status}, today=today)


def set_availability(leader: Leader, away_until: date | None, *, today: date) -> Leader:
    """Mark the leader away until `away_until` (a future date), or available when None."""
    if away_until is None:
        return update_leader(leader, {"availability": "available"}, today=today)
    return update_leader(leader, {"availability": "away", "away_until": away_until}, today=today)


_PROFILE_FIELDS = (
    "name", "agency", "title", "email", "phone", "state", "expertise", "bio",
    "max_mentees", "away_until", "trusted_host", "status", "postal_code",
)
PROFILE_FIELDS = _PROFILE_FIELDS
"""Every field of a leader's profile: what a brand-new leader has "changed"."""


def changed_fields(before: Leader, after: Leader) -> tuple[str, ...]:
    return tuple(f for f in _PROFILE_FIELDS if getattr(before, f) != getattr(after, f))


def leader_event_type(before: Leader, after: Leader) -> str | None:
    """Which event announces the change from `before` to `after` (None: nothing changed)."""
    changed = changed_fields(before, after)
    if not changed:
        return None
    if "status" in changed and after.status != "active":
        return "leader_deactivated"
    if changed == ("away_until",):
        return "leader_availability_changed"
    return "leader_updated"


def leader_snapshot(leader: Leader, grouping: str = DEFAULT_GROUPING) -> dict[str, Any]:
    """What consumers keep about a leader: the common fields of the leader_* event payloads."""
    if leader.id is None:
        raise ValueError("a leader needs an id before it can be published")
    return {
        "leader_id": leader.id,
        "leader_version": leader.version,
        "name": leader.name,
        "email": leader.email,
        "agency": leader.agency,
        "title": leader.title,
        "state": leader.state,
        "region": leader.region(grouping),
        "region_grouping": grouping,
        "status": leader.status,
        "trusted_host": leader.trusted_host,
        "expertise": list(leader.expertise),
        "away_until": leader.away_until.isoformat() if leader.away_until else None,
    }


def public_profile(leader: Leader, grouping: str = DEFAULT_GROUPING) -> dict[str, Any]:
    """The directory entry for a leader: contact details are private and never included."""
    region = get_region(leader.region(grouping), grouping)
    return {
        "id": leader.id,
        "name": leader.name,
        "agency": leader.agency,
        "title": leader.title,
        "state": leader.state,
        "state_name": STATES[leader.state],
        "region": region.id,
        "region_name": region.name,
        "expertise": tag_labels(leader.expertise),
        "bio": leader.bio,
    }


class EmailInUse(Exception):
    """Another leader already has this address: the roster holds one leader per address."""
