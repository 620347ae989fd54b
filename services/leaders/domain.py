"""Rules of the leaders service as plain Python: no I/O, no framework, no clock.

Functions that depend on the date or time take `today` / `now` so callers (and tests)
decide what "now" is. Every refusal of input raises ValidationFailed listing each bad
field; a request that clashes with the current state raises Conflict.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from services.runtime.errors import Conflict, ValidationFailed

from .regions import DEFAULT_GROUPING, STATES, get_region, normalize_state, region_of

NAME_MAX_LENGTH = 120
AGENCY_MAX_LENGTH = 200
TITLE_MAX_LENGTH = 120
BIO_MAX_LENGTH = 2000
APPLICATION_TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 1000
REFERENCE_CONTACT_MAX_LENGTH = 200

MAX_MENTEES_LIMIT = 20
DEFAULT_MAX_MENTEES = 3
DEFAULT_ROSTER_TARGET = 50

EXPERTISE: dict[str, str] = {
    "hate-crime-investigation": "Hate crime investigation",
    "prosecution": "Prosecution",
    "community-policing": "Community policing",
    "school-safety": "School safety",
    "lgbtq-liaison": "LGBTQ+ liaison",
    "immigrant-communities": "Immigrant communities",
    "victim-services": "Victim services",
    "faith-communities": "Faith communities",
    "bias-incident-reporting": "Bias incident reporting",
    "youth-outreach": "Youth outreach",
    "police-training": "Academy and roll-call training",
}
_EXPERTISE_BY_LABEL = {label.casefold(): slug for slug, label in EXPERTISE.items()}


class _Invalid(ValueError):
    """One field's problem; collected by _Problems into a single ValidationFailed."""


class _Problems:
    def __init__(self) -> None:
        self.errors: list[dict] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def check(self, field: str, parse: Callable[..., Any], *args: Any) -> Any:
        try:
            return parse(*args)
        except _Invalid as exc:
            self.add(field, str(exc))
        except ValidationFailed as exc:
            for error in exc.errors:
                self.add(field, error["message"])
        return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


# Postgres refuses NUL in text and other control characters are never legitimate here.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: Any, *, max_length: int, required: bool = True, multiline: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _Invalid("must be text")
    if multiline:
        cleaned = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        cleaned = " ".join(value.split())
    if _CONTROL_CHARACTERS.search(cleaned):
        raise _Invalid("contains control characters")
    if required and not cleaned:
        raise _Invalid("is required")
    if len(cleaned) > max_length:
        raise _Invalid(f"must be at most {max_length} characters (got {len(cleaned)})")
    return cleaned


def _email(value: Any) -> str:
    address = _text(value, max_length=254)
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise _Invalid(f"{address!r} is not a valid email address: {exc}") from None


def _phone(value: Any) -> str:
    raw = _text(value, max_length=40)
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        raise _Invalid(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise _Invalid(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _optional_phone(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _phone(value)


def _state(value: Any) -> str:
    return normalize_state(value)


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise _Invalid("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise _Invalid("must be a whole number")


def _max_mentees(value: Any) -> int:
    number = _whole_number(value)
    if number < 0:
        raise _Invalid("must not be negative")
    if number > MAX_MENTEES_LIMIT:
        raise _Invalid(f"must be at most {MAX_MENTEES_LIMIT}")
    return number


_TRUE_WORDS = {"yes", "y", "true", "1"}
_FALSE_WORDS = {"no", "n", "false", "0", ""}


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    raise _Invalid("must be yes or no")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        raise _Invalid("must be a date, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid(f"{value!r} is not a date (expected YYYY-MM-DD)")


def _expertise(value: Any) -> tuple[str, ...]:
    """Slugs or labels, as a list or one ';'/','-separated string; kept in vocabulary order."""
    if value is None:
        return ()
    items = re.split(r"[;,]", value) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(isinstance(i, str) for i in items):
        raise _Invalid("must be a list of expertise tags")
    chosen: set[str] = set()
    unknown: list[str] = []
    for item in items:
        term = item.strip()
        if not term:
            continue
        slug = term.lower() if term.lower() in EXPERTISE else _EXPERTISE_BY_LABEL.get(term.casefold())
        if slug is None:
            unknown.append(term)
        else:
            chosen.add(slug)
    if unknown:
        raise _Invalid(
            f"unknown expertise {', '.join(repr(u) for u in unknown)} "
            f"(expected any of: {', '.join(EXPERTISE)})"
        )
    return tuple(slug for slug in EXPERTISE if slug in chosen)


def parse_expertise(value: Any) -> tuple[str, ...]:
    """Expertise tags given as slugs or labels (list or ';'/','-separated), e.g. a directory filter."""
    problems = _Problems()
    tags = problems.check("expertise", _expertise, value)
    problems.raise_if_any()
    return tags


def _require_aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment


def email_key(email: str) -> str:
    """The form in which two email addresses are compared for duplicates."""
    return email.strip().casefold()


def is_duplicate_email(email: str, existing_emails: Iterable[str]) -> bool:
    key = email_key(email)
    return any(email_key(other) == key for other in existing_emails)


def ensure_not_duplicate(email: str, existing_emails: Iterable[str]) -> None:
    if is_duplicate_email(email, existing_emails):
        raise Conflict("an application or leader with this email address is already on file", field="email")


# ---------------------------------------------------------------------------------------
# Leaders

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
    status = _text(value, max_length=20).lower()
    if status not in LEADER_STATUSES:
        raise _Invalid(f"{status!r} is not a status (expected one of: {', '.join(LEADER_STATUSES)})")
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
    id: int | None = None
    version: int = 1

    @property
    def availability(self) -> str:
        return "away" if self.away_until else "available"

    def is_available(self, today: date) -> bool:
        return self.away_until is None or today >= self.away_until

    def region(self, grouping: str = DEFAULT_GROUPING) -> str:
        return region_of(self.state, grouping)


_LEADER_PARSERS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: _text(v, max_length=NAME_MAX_LENGTH),
    "agency": lambda v: _text(v, max_length=AGENCY_MAX_LENGTH),
    "title": lambda v: _text(v, max_length=TITLE_MAX_LENGTH),
    "email": _email,
    "phone": _optional_phone,
    "state": _state,
    "expertise": _expertise,
    "bio": lambda v: _text(v, max_length=BIO_MAX_LENGTH, required=False, multiline=True),
    "max_mentees": _max_mentees,
    "trusted_host": _flag,
    "status": _leader_status,
}
REQUIRED_LEADER_FIELDS = ("name", "agency", "title", "email", "state")
LEADER_INPUT_FIELDS = (*_LEADER_PARSERS, "availability", "away_until")

_UNCHANGED = object()


def _refuse_unknown(data: Mapping[str, Any], allowed: Collection[str], problems: _Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(str(key), "is not a field that can be set")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _away_until(data: Mapping[str, Any], today: date, problems: _Problems) -> Any:
    """The new `away_until` from `availability` and/or `away_until`, or _UNCHANGED.

    A return date alone means away; "available" clears any date the form still carries.
    """
    if "availability" not in data and "away_until" not in data:
        return _UNCHANGED
    raw_until = data.get("away_until")
    if _blank(data.get("availability")):
        kind = "available" if _blank(raw_until) else "away"
    else:
        kind = str(data["availability"]).strip().lower()
    if kind not in AVAILABILITIES:
        problems.add("availability", f"must be one of: {', '.join(AVAILABILITIES)}")
        return _UNCHANGED
    if kind == "available":
        return None
    if _blank(raw_until):
        problems.add("away_until", "a return date is required when away")
        return _UNCHANGED
    back_on = problems.check("away_until", _date, raw_until)
    if back_on is not None and back_on <= today:
        problems.add("away_until", f"must be a future date (got {back_on.isoformat()})")
    return back_on


def _leader_values(
    data: Mapping[str, Any], today: date, problems: _Problems, *, creating: bool
) -> dict[str, Any]:
    _refuse_unknown(data, LEADER_INPUT_FIELDS, problems)
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
    problems = _Problems()
    values = _leader_values(data, today, problems, creating=True)
    problems.raise_if_any()
    return Leader(**values)


def _check_status_transition(current: str, new: str) -> None:
    if new != current and new not in LEADER_STATUS_TRANSITIONS[current]:
        raise Conflict(f"a leader cannot go from {current} to {new}", field="status")


def update_leader(leader: Leader, changes: Mapping[str, Any], *, today: date) -> Leader:
    """Apply a partial change; returns `leader` itself when nothing actually changes."""
    problems = _Problems()
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
    "max_mentees", "away_until", "trusted_host", "status",
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
        "expertise": [{"slug": slug, "label": EXPERTISE[slug]} for slug in leader.expertise],
        "bio": leader.bio,
    }


# ---------------------------------------------------------------------------------------
# Applications to join the network

APPLICATION_STATUSES = ("pending", "approved", "declined", "waitlisted")
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "declined", "waitlisted"}),
    "waitlisted": frozenset({"approved", "declined"}),
    "approved": frozenset(),
    "declined": frozenset(),
}
APPLICATION_FIELDS = ("name", "email", "phone", "agency", "title", "state", "why", "experience", "reference")


@dataclass(frozen=True)
class Reference:
    name: str
    contact: str


@dataclass(frozen=True)
class Application:
    name: str
    email: str
    agency: str
    title: str
    state: str
    why: str
    experience: str
    reference: Reference
    submitted_at: datetime
    phone: str | None = None
    status: str = "pending"
    waitlisted_at: datetime | None = None
    decided_at: datetime | None = None
    decline_reason: str | None = None
    id: int | None = None

    @property
    def is_decided(self) -> bool:
        return not APPLICATION_TRANSITIONS[self.status]


def _reference_contact(value: Any) -> str:
    """An email address or a phone number, so the program can actually reach the reference."""
    contact = _text(value, max_length=REFERENCE_CONTACT_MAX_LENGTH)
    try:
        return _email(contact) if "@" in contact else _phone(contact)
    except _Invalid:
        raise _Invalid(f"{contact!r} is neither an email address nor a phone number") from None


def _long_text(value: Any) -> str:
    return _text(value, max_length=APPLICATION_TEXT_MAX_LENGTH, multiline=True)


def _reference(value: Any, problems: _Problems) -> Reference | None:
    if not isinstance(value, Mapping):
        problems.add("reference", "is required: the name and contact of a reference")
        return None
    _refuse_unknown({f"reference.{k}": v for k, v in value.items()}, ("reference.name", "reference.contact"), problems)
    name = problems.check("reference.name", lambda v: _text(v, max_length=NAME_MAX_LENGTH), value.get("name"))
    contact = problems.check("reference.contact", _reference_contact, value.get("contact"))
    return Reference(name, contact) if name and contact else None


def submit_application(data: Mapping[str, Any], *, now: datetime) -> Application:
    """A new pending application from the public form (`reference` is {"name", "contact"})."""
    _require_aware(now, "now")
    problems = _Problems()
    _refuse_unknown(data, APPLICATION_FIELDS, problems)
    values = {
        "name": problems.check("name", _LEADER_PARSERS["name"], data.get("name")),
        "email": problems.check("email", _email, data.get("email")),
        "phone": problems.check("phone", _optional_phone, data.get("phone")),
        "agency": problems.check("agency", _LEADER_PARSERS["agency"], data.get("agency")),
        "title": problems.check("title", _LEADER_PARSERS["title"], data.get("title")),
        "state": problems.check("state", _state, data.get("state")),
        "why": problems.check("why", _long_text, data.get("why")),
        "experience": problems.check("experience", _long_text, data.get("experience")),
        "reference": _reference(data.get("reference"), problems),
    }
    problems.raise_if_any()
    return Application(**values, submitted_at=now)


def _move(application: Application, status: str) -> None:
    if status in APPLICATION_TRANSITIONS[application.status]:
        return
    label = f"application {application.id}" if application.id is not None else "this application"
    if application.is_decided:
        when = f" on {application.decided_at.date().isoformat()}" if application.decided_at else ""
        raise Conflict(f"{label} was already {application.status}{when}; it cannot be {status} now", field="status")
    raise Conflict(f"{label} is already {application.status}", field="status")


def approve(
    application: Application,
    *,
    active_leaders: int,
    now: datetime,
    roster_target: int = DEFAULT_ROSTER_TARGET,
    confirm_over_target: bool = False,
) -> Application:
    """Approve a pending or waitlisted application; past the roster target only when confirmed."""
    _require_aware(now, "now")
    _move(application, "approved")
    if active_leaders >= roster_target and not confirm_over_target:
        raise Conflict(
            f"the roster has {active_leaders} active leaders and its target is {roster_target}; "
            "confirm to approve beyond the target",
            field="confirm_over_target",
        )
    return replace(application, status="approved", decided_at=now)


def _reason(value: Any) -> str | None:
    if _blank(value):
        return None
    return _text(value, max_length=REASON_MAX_LENGTH, multiline=True)


def decline(application: Application, *, now: datetime, reason: str | None = None) -> Application:
    """Decline with the manager's reason; without one the reason stays None, never made up."""
    _require_aware(now, "now")
    problems = _Problems()
    cleaned_reason = problems.check("reason", _reason, reason)
    problems.raise_if_any()
    _move(application, "declined")
    return replace(application, status="declined", decided_at=now, decline_reason=cleaned_reason)


def waitlist(application: Application, *, now: datetime) -> Application:
    _require_aware(now, "now")
    _move(application, "waitlisted")
    return replace(application, status="waitlisted", waitlisted_at=now)


def leader_from_application(application: Application, *, leader_id: int | None = None) -> Leader:
    """The new leader an approved application becomes; profile details are filled in later."""
    if application.status != "approved":
        raise Conflict(f"only an approved application becomes a leader (this one is {application.status})")
    return Leader(
        id=leader_id,
        name=application.name,
        agency=application.agency,
        title=application.title,
        email=application.email,
        phone=application.phone,
        state=application.state,
    )


# ---------------------------------------------------------------------------------------
# Distance learning


@dataclass(frozen=True)
class TrainingModule:
    slug: str
    title: str
    description: str
    minutes: int
    required_for_mentoring: bool = False


TRAINING_MODULES: tuple[TrainingModule, ...] = (
    TrainingModule(
        "mentoring-peers", "Mentoring peers",
        "How to guide a fellow officer: listening, sharing practice, following up.",
        45, required_for_mentoring=True,
    ),
    TrainingModule(
        "responding-to-requests", "Responding to a request for assistance",
        "Acknowledging a peer's request promptly, scoping the need and closing the loop.",
        30, required_for_mentoring=True,
    ),
    TrainingModule(
        "hosting-a-screening", "Hosting a screening",
        "Choosing a film, a venue and an audience, and running the event on the day.",
        30,
    ),
    TrainingModule(
        "facilitating-discussion", "Facilitating a guided discussion",
        "Using a film's discussion guide to lead a safe, productive conversation.",
        40,
    ),
    TrainingModule(
        "recognising-hate-crimes", "Recognising and reporting hate crimes and bias incidents",
        "Bias indicators, the difference between a hate crime and a bias incident, and reporting.",
        60,
    ),
)
TRAINING_MODULES_BY_SLUG = {module.slug: module for module in TRAINING_MODULES}
MENTORING_MODULES: frozenset[str] = frozenset(m.slug for m in TRAINING_MODULES if m.required_for_mentoring)


def training_module(slug: Any) -> TrainingModule:
    key = slug.strip().lower() if isinstance(slug, str) else slug
    module = TRAINING_MODULES_BY_SLUG.get(key)
    if module is None:
        raise ValidationFailed(
            f"unknown training module {slug!r} (expected one of: {', '.join(TRAINING_MODULES_BY_SLUG)})",
            field="module",
        )
    return module


def missing_mentoring_modules(completed_slugs: Iterable[str]) -> tuple[str, ...]:
    done = set(completed_slugs)
    return tuple(m.slug for m in TRAINING_MODULES if m.required_for_mentoring and m.slug not in done)


def can_receive_mentorship_requests(completed_slugs: Iterable[str]) -> bool:
    return not missing_mentoring_modules(completed_slugs)


def record_completion(
    completed: Mapping[str, datetime], module: str, *, now: datetime
) -> tuple[dict[str, datetime], bool]:
    """Add a completion to `completed` (slug -> when); returns it and whether it is new.

    Completing a module twice keeps the first completion time.
    """
    _require_aware(now, "now")
    slug = training_module(module).slug
    if slug in completed:
        return dict(completed), False
    return {**completed, slug: now}, True


# Training reminders. A newly approved leader who has not finished the mentoring modules
# is reminded 7 days after approval, then every 14 days, three times at most. Only the
# mentoring modules count: they are what stands between a leader and mentorship requests,
# while the other modules help with screenings and are left to the leader's own pace.
TRAINING_REMINDER_FIRST_AFTER = timedelta(days=7)
TRAINING_REMINDER_INTERVAL = timedelta(days=14)
TRAINING_REMINDER_LIMIT = 3


def next_training_reminder_at(
    *,
    approved_at: datetime,
    reminders_sent: int,
    completed_slugs: Iterable[str],
    active: bool = True,
    last_sent_at: datetime | None = None,
) -> datetime | None:
    """When the next training reminder is due, or None when no more should be sent.

    Reminders fall on fixed days counted from approval (7, 21, 35); when one went out
    late (the service was down), the next still waits a full interval after it, so a
    leader never gets two reminders in a row.
    """
    _require_aware(approved_at, "approved_at")
    if reminders_sent < 0:
        raise ValueError("reminders_sent must not be negative")
    if not active or reminders_sent >= TRAINING_REMINDER_LIMIT or not missing_mentoring_modules(completed_slugs):
        return None
    due = approved_at + TRAINING_REMINDER_FIRST_AFTER + TRAINING_REMINDER_INTERVAL * reminders_sent
    if last_sent_at is not None:
        due = max(due, _require_aware(last_sent_at, "last_sent_at") + TRAINING_REMINDER_INTERVAL)
    return due


def is_last_training_reminder(number: int) -> bool:
    """Whether reminder `number` (counted from 1) is the last one a leader receives."""
    return number >= TRAINING_REMINDER_LIMIT


# ---------------------------------------------------------------------------------------
# Roster CSV
#
# Columns, in this order on export (any order is accepted on import):
#   name, agency, title, email       required
#   phone                            any common format; stored as E.164
#   state                            two-letter code or full name
#   expertise                        slugs or labels from EXPERTISE, separated by ';'
#   bio                              up to BIO_MAX_LENGTH characters
#   max_mentees                      0..MAX_MENTEES_LIMIT (blank: DEFAULT_MAX_MENTEES)
#   availability, away_until         "available", or "away" with a future YYYY-MM-DD date
#   trusted_host                     yes / no (blank: no)
#   status                           active / inactive / alumni (blank: active)
# Rows are numbered as a spreadsheet shows them: the header is row 1.

ROSTER_COLUMNS = (
    "name", "agency", "title", "email", "phone", "state", "expertise", "bio",
    "max_mentees", "availability", "away_until", "trusted_host", "status",
)
MAX_IMPORT_ROWS = 10_000

# Spreadsheets run a cell starting with one of these as a formula. Export prefixes such
# cells with an apostrophe (also cells already apostrophe-prefixed, so the round trip is
# exact); import removes exactly that one apostrophe again.
_FORMULA_TRIGGER = re.compile(r"^'*[=+\-@\t\r]")


def neutralize_formula(cell: str) -> str:
    return "'" + cell if _FORMULA_TRIGGER.match(cell) else cell


def _restore_neutralized(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA_TRIGGER.match(cell) else cell


@dataclass(frozen=True)
class RowRejection:
    row: int
    errors: tuple[dict, ...]


@dataclass(frozen=True)
class ImportReport:
    total_rows: int
    accepted_rows: tuple[int, ...]
    rejected: tuple[RowRejection, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "accepted": len(self.accepted_rows),
            "rejected": [{"row": r.row, "errors": list(r.errors)} for r in self.rejected],
        }


def _read_header(header: list[str]) -> list[str]:
    columns = [c.strip().lower() for c in header]
    problems = _Problems()
    missing = [c for c in ROSTER_COLUMNS if c not in columns]
    unexpected = [c or "(blank)" for c in columns if c not in ROSTER_COLUMNS]
    repeated = sorted({c for c in columns if c in ROSTER_COLUMNS and columns.count(c) > 1})
    if missing:
        problems.add("columns", f"missing columns: {', '.join(missing)}")
    if unexpected:
        problems.add("columns", f"unexpected columns: {', '.join(unexpected)}")
    if repeated:
        problems.add("columns", f"repeated columns: {', '.join(repeated)}")
    problems.raise_if_any()
    return columns


def parse_roster_csv(
    text: str, *, today: date, existing_emails: Iterable[str] = ()
) -> tuple[list[Leader], ImportReport]:
    """Validate every row of a roster CSV; a row is either fully valid or rejected.

    Raises ValidationFailed (field "columns" or "file") when the file itself is unusable.
    Rows whose email repeats within the file are all rejected, since which one is right
    cannot be known; so is a row whose email is already in `existing_emails`.
    """
    try:
        records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as exc:
        raise ValidationFailed(f"not a readable CSV file: {exc}", field="file") from None
    if not records:
        raise ValidationFailed("the file is empty", field="file")
    columns = _read_header(records[0])
    rows = [(number, cells) for number, cells in enumerate(records[1:], start=2) if any(c.strip() for c in cells)]
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(f"at most {MAX_IMPORT_ROWS} rows can be imported at once (got {len(rows)})", field="file")

    on_roster = {email_key(e) for e in existing_emails}
    rows_by_email: dict[str, list[int]] = defaultdict(list)
    for number, cells in rows:
        if len(cells) == len(columns):
            key = email_key(cells[columns.index("email")])
            if key:
                rows_by_email[key].append(number)

    leaders: list[Leader] = []
    accepted: list[int] = []
    rejected: list[RowRejection] = []
    for number, cells in rows:
        if len(cells) != len(columns):
            problem = {"field": "row", "message": f"has {len(cells)} cells, expected {len(columns)}"}
            rejected.append(RowRejection(number, (problem,)))
            continue
        values = {column: _restore_neutralized(cell) for column, cell in zip(columns, cells)}
        data = {k: v for k, v in values.items() if v.strip() or k in REQUIRED_LEADER_FIELDS}
        errors: list[dict] = []
        leader: Leader | None = None
        try:
            leader = validate_leader(data, today=today)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        key = email_key(values["email"])
        others = [n for n in rows_by_email.get(key, []) if n != number]
        if others:
            errors.append({"field": "email", "message": f"also on row {', '.join(map(str, others))}"})
        if key and key in on_roster:
            errors.append({"field": "email", "message": "already on the roster"})
        if errors or leader is None:
            rejected.append(RowRejection(number, tuple(errors)))
        else:
            leaders.append(leader)
            accepted.append(number)
    return leaders, ImportReport(len(rows), tuple(accepted), tuple(rejected))


def _roster_row(leader: Leader, today: date | None) -> list[str]:
    away_until = leader.away_until
    if today is not None and away_until is not None and away_until <= today:
        away_until = None  # the leader is back; exporting a past date would not re-import
    cells = {
        "name": leader.name,
        "agency": leader.agency,
        "title": leader.title,
        "email": leader.email,
        "phone": leader.phone or "",
        "state": leader.state,
        "expertise": ";".join(leader.expertise),
        "bio": leader.bio,
        "max_mentees": str(leader.max_mentees),
        "availability": "away" if away_until else "available",
        "away_until": away_until.isoformat() if away_until else "",
        "trusted_host": "yes" if leader.trusted_host else "no",
        "status": leader.status,
    }
    return [neutralize_formula(cells[column]) for column in ROSTER_COLUMNS]


def roster_to_csv(leaders: Iterable[Leader], *, today: date | None = None) -> str:
    """The roster as CSV in ROSTER_COLUMNS order; with `today`, lapsed away dates export as available."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROSTER_COLUMNS)
    for leader in leaders:
        writer.writerow(_roster_row(leader, today))
    return out.getvalue()
