"""Queueing: the mail an event causes, rendered, composed and stored once per dedupe key
in the event's own transaction; the delivery loop sends it (app.sending)."""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime

from services.runtime.errors import ValidationFailed

from .. import delivery, render
from ..compose import Draft, compose, message_id
from ..delivery import MailKind, MailState
from ..messages import StoredMessage
from ..notifications import Notification, notifications_for, region_of, state_of
from ..settings import MailerSettings
from .announce import publish_failed

log = logging.getLogger(__name__)


def queue_event(uow, event, settings: MailerSettings, now: datetime) -> int:
    """Store the mail an event causes (and note the activity for the digest). Returns
    how many new messages were queued."""
    data = event.data
    event_id = str(event.event_id)
    uow.activity.record(event_id, event.type, region_of(data), state_of(data), event.occurred_at)
    notes = notifications_for(event.type, data, settings.render_context())
    return sum(store(uow, note, event_id, event.type, settings, now) for note in notes)


def store(uow, note: Notification, event_id: str, event_type: str, settings: MailerSettings,
          now: datetime) -> int:
    """Render and store one message, once per dedupe key. Returns 1 if it is new."""
    raw_address = str(note.to_address)
    try:
        recipient = delivery.normalise_recipient(raw_address)
    except ValidationFailed as error:
        return _store_unsendable(uow, note, event_id, event_type, raw_address, str(error), now)
    # A key stored already (the event's processed_events row was purged, a job ran again)
    # is rendered for nothing and then ignored by the insert; looking it up first would
    # cost every message a query.
    key = delivery.dedupe_key(event_id, recipient, note.template, note.sequence)
    token = uow.suppressions.token_for(recipient, now) if note.kind.is_list_type else None
    context = {
        **note.context,
        "greeting": f"Hello {note.to_name}," if note.to_name else "Hello,",
        "unsubscribe_url": (settings.mail.unsubscribe_url + "/" + token) if token else None,
        "kind_label": "digest" if note.kind is MailKind.DIGEST else "reminder",
    }
    parts = render.render(note.template, note.subject, context)
    draft = Draft(
        to_address=recipient, to_name=note.to_name, subject=parts.subject, text=parts.text,
        html=parts.html, calendar=note.calendar, kind=note.kind, unsubscribe_token=token,
        dedupe_key=key,
    )
    mime = compose(draft, settings.mail, now=now)
    return int(uow.messages.queue(dict(
        dedupe_key=key, message_id=mime["Message-ID"], source_event_id=event_id,
        source_event_type=event_type, recipient=recipient, recipient_name=note.to_name or "",
        template=note.template, kind=note.kind.value, subject=parts.subject,
        text_body=parts.text, html_body=parts.html,
        calendar_body=note.calendar.body if note.calendar else None,
        calendar_method=note.calendar.method if note.calendar else None,
        calendar_sequence=note.sequence, unsubscribe_token=token, mime=mime.as_bytes(),
        state=MailState.QUEUED.value, attempts=0, next_attempt_at=now,
        created_at=now, queued_at=now,
    )))


def _unsendable_key(event_id: str, raw: str, template: str, sequence: int | None) -> str:
    material = json.dumps(["mail/1-invalid", event_id, raw.strip().lower(), template, sequence])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _store_unsendable(uow, note: Notification, event_id: str, event_type: str, raw_address: str,
                      error: str, now: datetime) -> int:
    """An address that cannot be mailed: the message is stored failed, unrendered, so the
    delivery log shows it, and mail_failed announces it once."""
    key = _unsendable_key(event_id, raw_address, note.template, note.sequence)
    domain = raw_address.rsplit("@", 1)[-1] if "@" in raw_address else "invalid.invalid"
    try:
        msg_id = message_id(key, domain.encode("idna").decode("ascii"))
    except (ValidationFailed, UnicodeError):
        msg_id = message_id(key, "invalid.invalid")
    message = StoredMessage(
        dedupe_key=key, message_id=msg_id, source_event_id=event_id, source_event_type=event_type,
        recipient=raw_address.strip().lower()[:320], recipient_name=note.to_name or "",
        template=note.template, kind=note.kind.value, subject="(not rendered)", text_body="",
        mime=b"", state=MailState.FAILED.value, attempts=0, last_error=f"invalid address: {error}",
        created_at=now, queued_at=now,
    )
    if uow.messages.add_unsendable(message):
        log.warning("mail for %s not queued: invalid address", event_type)
        publish_failed(uow, message, "invalid", now)
    return 0
