"""What operators read: the delivery log, one message in full, the suppression list.
Queries over the mailer's tables, answered as dicts (what the RPC returns)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.runtime.errors import NotFound, ValidationFailed

from . import delivery
from .delivery import MailState
from .messages import checked_delivery_id, detail, iso, summary
from .models import Message, Suppression


def _parse_since(since: Any) -> datetime | None:
    if since in (None, ""):
        return None
    if isinstance(since, datetime):
        value = since
    else:
        try:
            value = datetime.fromisoformat(str(since))
        except ValueError:
            raise ValidationFailed("since must be an ISO 8601 date-time", field="since") from None
    if value.tzinfo is None:
        raise ValidationFailed("since must carry a UTC offset", field="since")
    return value


def search_deliveries(session: Session, *, recipient: str | None = None, state: str | None = None,
                      template: str | None = None, since: Any = None, limit: int = 50) -> list[dict]:
    errors = []
    query = sa.select(Message)
    if recipient:
        try:
            query = query.where(Message.recipient == delivery.normalise_recipient(recipient))
        except ValidationFailed:
            errors.append({"field": "recipient", "message": "not a valid email address"})
    if state:
        if state not in {s.value for s in MailState}:
            errors.append({"field": "state", "message": f"one of {', '.join(s.value for s in MailState)}"})
        query = query.where(Message.state == state)
    if template:
        query = query.where(Message.template == template)
    try:
        since_at = _parse_since(since)
    except ValidationFailed as error:
        errors.extend(error.errors)
        since_at = None
    if since_at:
        query = query.where(Message.created_at >= since_at)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 500:
        errors.append({"field": "limit", "message": "a whole number from 1 to 500"})
    if errors:
        raise ValidationFailed(errors)
    rows = session.execute(query.order_by(Message.id.desc()).limit(limit)).scalars().all()
    return [summary(row) for row in rows]


def get_delivery(session: Session, delivery_id: Any) -> dict[str, Any]:
    """One message in full, with why it is where it is."""
    row = session.get(Message, checked_delivery_id(delivery_id))
    if row is None:
        raise NotFound(f"no delivery {delivery_id}", field="id")
    reasons = session.execute(sa.select(Suppression.reason).where(Suppression.recipient == row.recipient)).scalars()
    return detail(row, list(reasons))


def list_suppressions(session: Session, recipient: str | None = None, limit: int = 100) -> list[dict]:
    query = sa.select(Suppression).order_by(Suppression.id.desc())
    if recipient:
        query = query.where(Suppression.recipient == delivery.normalise_recipient(recipient))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationFailed("a whole number from 1 to 1000", field="limit")
    return [{"recipient": s.recipient, "reason": s.reason, "created_at": iso(s.created_at),
             "detail": s.detail} for s in session.execute(query.limit(limit)).scalars()]
