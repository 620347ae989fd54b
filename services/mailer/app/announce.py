"""mail_sent and mail_failed: the events that announce what became of a message,
published through the unit of work's outbox."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime

from services.contracts.mailer import MailFailed, MailSent

log = logging.getLogger(__name__)


def publish_sent(uow, message, now: datetime) -> None:
    """`message`: a StoredMessage or a row with the same names."""
    uow.publish(MailSent(
        delivery_id=message.id, message_id=message.message_id, template=message.template,
        recipient=message.recipient, source_event_id=uuid.UUID(message.source_event_id),
        source_event_type=message.source_event_type, attempts=message.attempts, sent_at=now))


def publish_failed(uow, message, reason: str, now: datetime) -> None:
    """`message`: a StoredMessage or a row with the same names."""
    try:
        payload = MailFailed(
            delivery_id=message.id, message_id=message.message_id, template=message.template,
            recipient=message.recipient, source_event_id=uuid.UUID(message.source_event_id),
            source_event_type=message.source_event_type, attempts=message.attempts, reason=reason,
            error=(message.last_error or "")[:2000] or None, failed_at=now)
    except ValueError:
        log.warning("message %s failed (%s); no mail_failed event for an invalid address", message.id, reason)
        return
    uow.publish(payload)
