"""A stored message as the use cases see it, and how an operator is shown one.

Plain Python with no I/O: the repository maps rows to `StoredMessage` and back; the
rules it follows are in delivery.py.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from services.runtime.errors import ValidationFailed

from . import delivery
from .delivery import MailState

# Ids the mailer derives itself for mail that no event of another service caused (the
# weekly digest, copies of resent messages); stable, so deriving one again dedupes.
DERIVED_EVENT_NAMESPACE = uuid.UUID("6f1f3c56-4c2b-4f0e-9a59-3d7f0f2b8a11")


@dataclass(kw_only=True)
class StoredMessage:
    """One message of the mail outbox: what was rendered, to whom, how delivery goes."""

    id: int | None = None  # None until stored
    dedupe_key: str
    message_id: str
    source_event_id: str
    source_event_type: str
    recipient: str
    recipient_name: str = ""
    template: str
    kind: str
    subject: str
    text_body: str
    html_body: str | None = None
    calendar_body: str | None = None
    calendar_method: str | None = None
    calendar_sequence: int | None = None
    unsubscribe_token: str | None = None
    mime: bytes  # the composed message; empty when the address could not be mailed
    state: str
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    hard_bounce_at: datetime | None = None
    created_at: datetime
    queued_at: datetime
    sent_at: datetime | None = None
    resent_from_id: int | None = None

    def requeue(self, now: datetime) -> None:
        """Queue a failed or suppressed message again, with a fresh retry budget."""
        delivery.transition(MailState(self.state), MailState.QUEUED)
        self.state = MailState.QUEUED.value
        self.attempts = 0
        self.next_attempt_at = now
        self.queued_at = now
        self.last_error = None
        self.hard_bounce_at = None


@dataclass(frozen=True)
class Outgoing:
    """A claimed message: what the sender needs outside any transaction."""

    id: int
    recipient: str
    mime: bytes
    attempts: int
    queued_at: datetime


def checked_delivery_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("a delivery id is a whole number", field="id")
    return value


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def summary(message) -> dict[str, Any]:
    """What the delivery log shows of a message (`message`: a StoredMessage or a row
    with the same names)."""
    return {
        "id": message.id, "recipient": message.recipient, "template": message.template, "kind": message.kind,
        "subject": message.subject, "state": message.state, "attempts": message.attempts,
        "last_error": message.last_error, "message_id": message.message_id,
        "source_event_type": message.source_event_type, "source_event_id": message.source_event_id,
        "created_at": iso(message.created_at), "sent_at": iso(message.sent_at),
        "next_attempt_at": iso(message.next_attempt_at) if message.state == MailState.QUEUED.value else None,
    }


def detail(message, reasons: list[str]) -> dict[str, Any]:
    """One message in full, with why it is where it is; `reasons`: the suppressions of
    its address."""
    shown = summary(message)
    shown.update({
        "recipient_name": message.recipient_name, "text": message.text_body, "html": message.html_body,
        "calendar_method": message.calendar_method, "calendar_sequence": message.calendar_sequence,
        "hard_bounce": message.hard_bounce_at is not None, "suppressions": reasons,
        "queued_at": iso(message.queued_at), "resent_from_id": message.resent_from_id,
        "explanation": explain(message, reasons),
    })
    return shown


def explain(message, reasons: list[str]) -> str:
    state = MailState(message.state)
    if state is MailState.SENT:
        return f"accepted by the SMTP server after {message.attempts} attempt(s)"
    if state is MailState.FAILED:
        return f"failed: {message.last_error}"
    if state is MailState.SUPPRESSED:
        return f"not sent: the address is suppressed ({', '.join(reasons) or 'since lifted'})"
    if state is MailState.SENDING:
        return "being sent now (or its sender stopped; it is retried when the lease expires)"
    if message.last_error:
        return f"waiting to retry after: {message.last_error}"
    return "waiting to be sent"
