"""What operators and recipients change: resend a message, lift a suppression, and the
one-click unsubscribe. (What operators read is in views.py.)"""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from services.runtime.errors import Conflict, NotFound, ValidationFailed

from .. import delivery
from ..compose import CalendarInvite, Draft, compose
from ..delivery import MailKind, MailState, SuppressionReason
from ..messages import DERIVED_EVENT_NAMESPACE, StoredMessage, checked_delivery_id, summary
from ..settings import MailerSettings


def resend(uow, delivery_id: Any, settings: MailerSettings, now: datetime) -> dict[str, Any]:
    """Queue a failed or suppressed message again; a sent one is copied as a new message
    (new Message-ID, since receivers drop a repeated one)."""
    message = uow.messages.get(checked_delivery_id(delivery_id))
    if message is None:
        raise NotFound(f"no delivery {delivery_id}", field="id")
    if not message.mime:
        raise Conflict("this message was never rendered (invalid address); it cannot be sent", field="id")
    reasons = uow.suppressions.reasons_for({message.recipient}).get(message.recipient, [])
    if delivery.suppression_applies(MailKind(message.kind), reasons):
        raise Conflict("the address is suppressed (" + ", ".join(r.value for r in reasons)
                       + "); remove the suppression first", field="id")
    if message.state == MailState.SENT.value:
        return summary(_copy_for_resend(uow, message, settings, now))
    message.requeue(now)
    uow.messages.save_requeued(message)
    return summary(message)


def _copy_for_resend(uow, message: StoredMessage, settings: MailerSettings, now: datetime) -> StoredMessage:
    copies = uow.messages.copies_of(message.id)
    event_id = uuid.uuid5(DERIVED_EVENT_NAMESPACE, f"resend:{message.dedupe_key}:{copies + 1}")
    key = delivery.dedupe_key(event_id, message.recipient, message.template, message.calendar_sequence)
    calendar = (CalendarInvite(body=message.calendar_body, method=message.calendar_method)
                if message.calendar_body else None)
    draft = Draft(to_address=message.recipient, to_name=message.recipient_name, subject=message.subject,
                  text=message.text_body, html=message.html_body, calendar=calendar, kind=MailKind(message.kind),
                  unsubscribe_token=message.unsubscribe_token, dedupe_key=key)
    mime = compose(draft, settings.mail, now=now)
    copy = dataclasses.replace(
        message, id=None, dedupe_key=key, message_id=mime["Message-ID"], mime=mime.as_bytes(),
        state=MailState.QUEUED.value, attempts=0, next_attempt_at=now, last_error=None, hard_bounce_at=None,
        created_at=now, queued_at=now, sent_at=None, resent_from_id=message.id,
    )
    uow.messages.add(copy)
    return copy


def _reason(value: str | None) -> SuppressionReason | None:
    if value is None:
        return None
    try:
        return SuppressionReason(value)
    except ValueError:
        raise ValidationFailed(f"one of {', '.join(r.value for r in SuppressionReason)}", field="reason") from None


def remove_suppression(uow, recipient: str, reason: str | None = None) -> int:
    """Lift a suppression (one reason, or all). For bounces the address's bounce history is
    forgotten too, so a single new bounce does not suppress it again at once."""
    address = delivery.normalise_recipient(recipient)
    lifted = _reason(reason)
    removed = uow.suppressions.remove(address, lifted)
    if not removed:
        raise NotFound("no such suppression", field="recipient")
    if lifted in (None, SuppressionReason.HARD_BOUNCES):
        uow.messages.forget_bounces(address)
    return removed


def unsubscribe(uow, token: str, now: datetime) -> dict[str, Any]:
    """One-click unsubscribe: the token's address gets no more reminders or digests.
    Repeating it is harmless."""
    if not isinstance(token, str) or not 8 <= len(token) <= 200:
        raise NotFound("unknown unsubscribe link", field="token")
    recipient = uow.suppressions.recipient_of(token)
    if recipient is None:
        raise NotFound("unknown unsubscribe link", field="token")
    uow.suppressions.add(recipient, SuppressionReason.UNSUBSCRIBED, now, "one-click unsubscribe")
    return {"unsubscribed": True, "stops": [MailKind.REMINDER.value, MailKind.DIGEST.value]}
