"""An organiser's message to the people coming to their event."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.runtime.errors import Conflict

from .screening import Screening, Status
from .validation import MAX_TEXT, MAX_TITLE, FieldErrors, clean_text


@dataclass(frozen=True)
class AttendeeMessage:
    subject: str
    text: str


def attendee_message(screening: Screening, subject: Any, text: Any) -> AttendeeMessage:
    """What an organiser may send to everyone with a seat or a waitlist place: a one-line
    subject and a text, for an event that is on the calendar or just took place."""
    if screening.status not in (Status.SCHEDULED, Status.COMPLETED):
        raise Conflict(f"only the attendees of a scheduled event can be messaged; this one is {screening.status.value}")
    errors = FieldErrors()
    subject = clean_text(subject, "subject", errors, limit=MAX_TITLE, required=True)
    if subject and ("\n" in subject or "\r" in subject):
        errors.add("subject", "must be one line")
    text = clean_text(text, "message", errors, limit=MAX_TEXT, required=True)
    errors.raise_if_any()
    return AttendeeMessage(subject=subject, text=text)
