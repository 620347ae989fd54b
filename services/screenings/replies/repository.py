"""Rows <-> kept calendar replies."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import CalendarReplyRow

COLUMNS = ("id", "dedupe_key", "received_at", "outcome", "reason", "rsvp_id", "screening_id", "answer", "method",
           "uid", "attendee", "client", "message_id")


class CalendarReplyRepository:
    def __init__(self, session: Session):
        self.session = session

    def find(self, dedupe_key: str) -> dict[str, Any] | None:
        row = self.session.execute(
            sa.select(CalendarReplyRow).where(CalendarReplyRow.dedupe_key == dedupe_key)).scalar_one_or_none()
        return None if row is None else {name: getattr(row, name) for name in COLUMNS}

    def add(self, kept: dict[str, Any]) -> None:
        self.session.add(CalendarReplyRow(**{name: kept.get(name) for name in COLUMNS}))
        self.session.flush()

    def latest(self, outcome: str | None, limit: int) -> list[dict[str, Any]]:
        query = sa.select(CalendarReplyRow).order_by(CalendarReplyRow.received_at.desc(), CalendarReplyRow.id)
        if outcome is not None:
            query = query.where(CalendarReplyRow.outcome == outcome)
        rows = self.session.execute(query.limit(limit)).scalars()
        return [{name: getattr(row, name) for name in COLUMNS} for row in rows]
