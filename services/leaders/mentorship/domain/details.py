"""What a peer asks for, and the check of a submitted request."""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.contracts.email import InvalidEmail, normalise_email
from services.runtime.errors import ValidationFailed


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


NAME_MAX = 120
AGENCY_MAX = 200
ROLE_MAX = 120
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 4000

REQUEST_FIELDS = ("requester_name", "agency", "role", "email", "state", "topic", "description", "urgency")

StateCheck = Collection[str] | Callable[[str], bool]


@dataclass(frozen=True)
class RequestDetails:
    requester_name: str
    agency: str
    role: str
    email: str
    state: str
    topic: str
    description: str
    urgency: Urgency = Urgency.NORMAL


def validate_request(data: Mapping[str, object], *, topics: Collection[str], states: StateCheck) -> RequestDetails:
    """Check a submitted request and return its normalised details.

    `topics` is the expertise vocabulary (slugs, or a mapping of slug to label) and
    `states` the known state codes or a predicate: both live in other modules.
    Raises ValidationFailed naming every bad field at once.
    """
    errors: list[dict] = []

    def fail(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    for unknown in sorted(set(data) - set(REQUEST_FIELDS)):
        fail(unknown, "is not a field of a mentorship request")

    def text(name: str, *, max_len: int, min_len: int = 1, multiline: bool = False,
             required: bool = True) -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                fail(name, "is required")
            return None
        if not isinstance(value, str):
            fail(name, "must be text")
            return None
        value = value.strip()
        # Single-line values end up in mail headers and subjects, where a line break
        # would let a requester inject headers.
        if not multiline and any(ch in value for ch in "\r\n"):
            fail(name, "must be a single line")
            return None
        if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in value):
            fail(name, "contains control characters")
            return None
        if len(value) < min_len:
            fail(name, f"must be at least {min_len} characters")
            return None
        if len(value) > max_len:
            fail(name, f"must be at most {max_len} characters")
            return None
        return value

    requester_name = text("requester_name", max_len=NAME_MAX)
    agency = text("agency", max_len=AGENCY_MAX)
    role = text("role", max_len=ROLE_MAX)
    description = text("description", min_len=DESCRIPTION_MIN, max_len=DESCRIPTION_MAX, multiline=True)

    email = text("email", max_len=254)
    if email is not None:
        try:
            email = normalise_email(email)
        except InvalidEmail as exc:
            fail("email", str(exc))
            email = None

    state = text("state", max_len=40)
    if state is not None:
        state = state.upper()
        if len(state) != 2 or not state.isalpha():
            fail("state", "must be a two-letter state code")
            state = None
        elif not (states(state) if callable(states) else state in states):
            fail("state", f"{state} is not a known state or territory")
            state = None

    topic = text("topic", max_len=80)
    if topic is not None:
        topic = topic.lower()
        if topic not in topics:
            fail("topic", f"{topic!r} is not one of the expertise topics")
            topic = None

    urgency = Urgency.NORMAL
    raw_urgency = text("urgency", max_len=20, required=False)
    if raw_urgency is not None:
        try:
            urgency = Urgency(raw_urgency.lower())
        except ValueError:
            fail("urgency", "must be 'normal' or 'urgent'")

    if errors:
        raise ValidationFailed(errors)
    return RequestDetails(
        requester_name=requester_name, agency=agency, role=role, email=email,  # type: ignore[arg-type]
        state=state, topic=topic, description=description, urgency=urgency,  # type: ignore[arg-type]
    )
