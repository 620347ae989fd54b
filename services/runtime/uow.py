"""The unit of work a use case is given (DESIGN.md §7; cosmicpython's pattern).

One unit of work is one database transaction as the use cases see it: the service's
repositories (a subclass adds them), `publish` to record an event in the transactional
outbox and `schedule`/`cancel_job` for timer work, all committed together or not at all.
Every service publishes and schedules this way. Tests give the use cases an in-memory
fake with the same attributes.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services import contracts

from . import outbox, timers


class UnitOfWork:
    def __init__(self, session: Session, source: str):
        self.session = session
        self.source = source

    def publish(self, payload: contracts.Payload) -> None:
        outbox.record(self.session, self.source, payload)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        timers.schedule(self.session, kind, key, due_at, payload)

    def cancel_job(self, kind: str, key: str) -> None:
        timers.cancel(self.session, kind, key)
