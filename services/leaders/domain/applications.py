"""Applications to join the network: the public form, and the program manager's decisions
(approve, decline with an optional reason, waitlist)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.runtime.errors import Conflict

from .fields import (
    Invalid,
    Problems,
    blank,
    comparable_email,
    parse_email,
    parse_optional_phone,
    parse_phone,
    parse_state,
    parse_text,
    refuse_unknown,
    require_aware,
)
from .leader import Leader, parse_agency, parse_name, parse_postal_code, parse_title
from .program import DEFAULT_ROSTER_TARGET

APPLICATION_TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 1000
REFERENCE_CONTACT_MAX_LENGTH = 200

APPLICATION_STATUSES = ("pending", "approved", "declined", "waitlisted")
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "declined", "waitlisted"}),
    "waitlisted": frozenset({"approved", "declined"}),
    "approved": frozenset(),
    "declined": frozenset(),
}
APPLICATION_FIELDS = ("name", "email", "phone", "agency", "title", "state", "postal_code", "why", "experience",
                      "reference")
# Applications still waiting for a decision; a second one from the same address is a duplicate.
OPEN_APPLICATION_STATUSES = ("pending", "waitlisted")


@dataclass(frozen=True)
class Reference:
    name: str
    contact: str


@dataclass(frozen=True)
class Application:
    """`decided_by` is the deciding manager as an audit trail writes them ("manager:7");
    `leader_id` the leader an approved application became."""

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
    postal_code: str | None = None
    status: str = "pending"
    waitlisted_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decline_reason: str | None = None
    leader_id: int | None = None
    id: int | None = None

    @property
    def is_decided(self) -> bool:
        return not APPLICATION_TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES


def is_duplicate_email(email: str, existing_emails: Iterable[str]) -> bool:
    key = comparable_email(email)
    return any(comparable_email(other) == key for other in existing_emails)


def ensure_not_duplicate(email: str, existing_emails: Iterable[str]) -> None:
    if is_duplicate_email(email, existing_emails):
        raise Conflict("an application or leader with this email address is already on file", field="email")


def _reference_contact(value: Any) -> str:
    """An email address or a phone number, so the program can actually reach the reference."""
    contact = parse_text(value, max_length=REFERENCE_CONTACT_MAX_LENGTH)
    try:
        return parse_email(contact) if "@" in contact else parse_phone(contact)
    except Invalid:
        raise Invalid(f"{contact!r} is neither an email address nor a phone number") from None


def _long_text(value: Any) -> str:
    return parse_text(value, max_length=APPLICATION_TEXT_MAX_LENGTH, multiline=True)


def _reference(value: Any, problems: Problems) -> Reference | None:
    if not isinstance(value, Mapping):
        problems.add("reference", "is required: the name and contact of a reference")
        return None
    refuse_unknown({f"reference.{k}": v for k, v in value.items()}, ("reference.name", "reference.contact"), problems)
    name = problems.check("reference.name", parse_name, value.get("name"))
    contact = problems.check("reference.contact", _reference_contact, value.get("contact"))
    return Reference(name, contact) if name and contact else None


def submit_application(data: Mapping[str, Any], *, now: datetime) -> Application:
    """A new pending application from the public form (`reference` is {"name", "contact"})."""
    require_aware(now, "now")
    problems = Problems()
    refuse_unknown(data, APPLICATION_FIELDS, problems)
    values = {
        "name": problems.check("name", parse_name, data.get("name")),
        "email": problems.check("email", parse_email, data.get("email")),
        "phone": problems.check("phone", parse_optional_phone, data.get("phone")),
        "agency": problems.check("agency", parse_agency, data.get("agency")),
        "title": problems.check("title", parse_title, data.get("title")),
        "state": problems.check("state", parse_state, data.get("state")),
        "postal_code": problems.check("postal_code", parse_postal_code, data.get("postal_code")),
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
    decided_by: str | None = None,
) -> Application:
    """Approve a pending or waitlisted application; past the roster target only when confirmed."""
    require_aware(now, "now")
    _move(application, "approved")
    if active_leaders >= roster_target and not confirm_over_target:
        raise Conflict(
            f"the roster has {active_leaders} active leaders and its target is {roster_target}; "
            "confirm to approve beyond the target",
            field="confirm_over_target",
        )
    return replace(application, status="approved", decided_at=now, decided_by=decided_by)


def _reason(value: Any) -> str | None:
    if blank(value):
        return None
    return parse_text(value, max_length=REASON_MAX_LENGTH, multiline=True)


def decline(
    application: Application, *, now: datetime, reason: str | None = None, decided_by: str | None = None
) -> Application:
    """Decline with the manager's reason; without one the reason stays None, never made up."""
    require_aware(now, "now")
    problems = Problems()
    cleaned_reason = problems.check("reason", _reason, reason)
    problems.raise_if_any()
    _move(application, "declined")
    return replace(application, status="declined", decided_at=now, decline_reason=cleaned_reason,
                   decided_by=decided_by)


def waitlist(application: Application, *, now: datetime, decided_by: str | None = None) -> Application:
    require_aware(now, "now")
    _move(application, "waitlisted")
    return replace(application, status="waitlisted", waitlisted_at=now, decided_by=decided_by)


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
        postal_code=application.postal_code,
    )
