"""An in-memory unit of work for the mailer's use cases: the same repository methods as
services/mailer/repository.py, over dicts and lists, plus what was published and what
timer work was scheduled."""
from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime
from typing import Any, NamedTuple

from services.mailer.delivery import AttemptResult, MailState, SuppressionReason
from services.mailer.messages import Outgoing, StoredMessage


class DueRow(NamedTuple):
    id: int
    recipient: str
    kind: str
    state: str
    attempts: int
    queued_at: datetime


class AttemptRow(NamedTuple):
    id: int
    message_id: str
    template: str
    recipient: str
    source_event_id: str
    source_event_type: str
    attempts: int
    last_error: str | None


class FakeMessages:
    def __init__(self):
        self.rows: dict[int, StoredMessage] = {}
        self.leases: dict[int, tuple[str, datetime]] = {}  # id -> (owner, expires at)
        self.queued = False

    def _new_id(self) -> int:
        return max(self.rows, default=0) + 1

    def _has_key(self, dedupe_key: str) -> bool:
        return any(m.dedupe_key == dedupe_key for m in self.rows.values())

    def _store(self, message: StoredMessage) -> None:
        self.rows[message.id] = dataclasses.replace(message)

    # -- queueing
    def queue(self, values: dict[str, Any]) -> bool:
        if self._has_key(values["dedupe_key"]):
            return False
        self._store(StoredMessage(id=self._new_id(), **values))
        self.queued = True
        return True

    def add_unsendable(self, message: StoredMessage) -> bool:
        if self._has_key(message.dedupe_key):
            return False
        message.id = self._new_id()
        self._store(message)
        return True

    def delivery_of(self, source_event_id: str, template: str) -> tuple[int, str] | None:
        for m in self.rows.values():
            if m.source_event_id == source_event_id and m.template == template:
                return m.id, m.state
        return None

    # -- operators
    def get(self, delivery_id: int) -> StoredMessage | None:
        found = self.rows.get(delivery_id)
        return dataclasses.replace(found) if found else None  # a loaded copy, as from a row

    def copies_of(self, delivery_id: int) -> int:
        return sum(1 for m in self.rows.values() if m.resent_from_id == delivery_id)

    def add(self, message: StoredMessage) -> None:
        assert not self._has_key(message.dedupe_key), "the dedupe key is unique"
        message.id = self._new_id()
        self._store(message)
        self.queued = True

    def save_requeued(self, message: StoredMessage) -> None:
        self._store(message)
        self.queued = True

    def forget_bounces(self, recipient: str) -> None:
        for m in self.rows.values():
            if m.recipient == recipient:
                m.hard_bounce_at = None

    # -- delivery
    def due(self, now: datetime, limit: int) -> list[DueRow]:
        def is_due(m: StoredMessage) -> bool:
            if m.state == MailState.QUEUED.value:
                return m.next_attempt_at is None or m.next_attempt_at <= now
            return m.state == MailState.SENDING.value and self.leases.get(m.id, ("", now))[1] <= now

        due = [m for _, m in sorted(self.rows.items()) if is_due(m)][:limit]
        return [DueRow(m.id, m.recipient, m.kind, m.state, m.attempts, m.queued_at) for m in due]

    def get_many(self, ids: list[int]) -> list[StoredMessage]:
        return [dataclasses.replace(self.rows[i]) for i in sorted(ids)]

    def settle(self, message: StoredMessage) -> None:
        stored = self.rows[message.id]
        stored.state, stored.last_error, stored.next_attempt_at = message.state, message.last_error, None
        self.leases.pop(message.id, None)

    def claim(self, ids: list[int], owner: str, lease_expires_at: datetime) -> list[Outgoing]:
        claimed = []
        for i in sorted(ids):
            m = self.rows[i]
            m.state, m.attempts = MailState.SENDING.value, m.attempts + 1
            self.leases[i] = (owner, lease_expires_at)
            claimed.append(Outgoing(m.id, m.recipient, m.mime, m.attempts, m.queued_at))
        return claimed

    def record_attempt(self, item_id: int, owner: str, result: AttemptResult, now: datetime) -> AttemptRow | None:
        m = self.rows[item_id]
        if m.state != MailState.SENDING.value or self.leases.get(item_id, ("",))[0] != owner:
            return None
        del self.leases[item_id]
        m.state, m.next_attempt_at, m.last_error = result.state.value, result.next_attempt_at, result.last_error
        m.sent_at = now if result.state is MailState.SENT else None
        m.hard_bounce_at = now if result.hard_bounce else None
        return AttemptRow(m.id, m.message_id, m.template, m.recipient, m.source_event_id, m.source_event_type,
                          m.attempts, m.last_error)

    def release(self, items: list[Outgoing], owner: str, retry_at: datetime) -> None:
        for item in items:
            if self.leases.get(item.id, ("",))[0] == owner and self.rows[item.id].state == MailState.SENDING.value:
                m = self.rows[item.id]
                m.state, m.attempts, m.next_attempt_at = MailState.QUEUED.value, item.attempts - 1, retry_at
                del self.leases[item.id]

    def hard_bounces(self, recipient: str) -> list[datetime]:
        return [m.hard_bounce_at for m in self.rows.values()
                if m.recipient == recipient and m.hard_bounce_at is not None]


class FakeSuppressions:
    def __init__(self):
        self.rows: list[dict[str, Any]] = []
        self.tokens: dict[str, str] = {}  # recipient -> token

    def reasons_for(self, recipients: set[str]) -> dict[str, list[SuppressionReason]]:
        found: dict[str, list[SuppressionReason]] = {}
        for row in self.rows:
            if row["recipient"] in recipients:
                found.setdefault(row["recipient"], []).append(SuppressionReason(row["reason"]))
        return found

    def add(self, recipient: str, reason: SuppressionReason, now: datetime, detail: str) -> None:
        if not any(r["recipient"] == recipient and r["reason"] == reason.value for r in self.rows):
            self.rows.append({"recipient": recipient, "reason": reason.value, "created_at": now, "detail": detail})

    def remove(self, recipient: str, reason: SuppressionReason | None) -> int:
        def lifted(row):
            return row["recipient"] == recipient and (reason is None or row["reason"] == reason.value)

        before = len(self.rows)
        self.rows = [row for row in self.rows if not lifted(row)]
        return before - len(self.rows)

    def token_for(self, recipient: str, now: datetime) -> str:
        return self.tokens.setdefault(recipient, secrets.token_urlsafe(24))

    def recipient_of(self, token: str) -> str | None:
        return next((recipient for recipient, t in self.tokens.items() if t == token), None)


class FakeActivity:
    def __init__(self):
        self.rows: dict[str, tuple[str, str | None, str | None, datetime]] = {}  # event_id -> ...

    def record(self, event_id: str, event_type: str, region: str | None, state: str | None,
               occurred_at: datetime) -> None:
        self.rows.setdefault(event_id, (event_type, region, state, occurred_at))

    def counts(self, start: datetime, end: datetime):
        week = [row for row in self.rows.values() if start <= row[3] < end]
        by_type: dict[str, int] = {}
        regions: dict[str, int] = {}
        states: dict[str, int] = {}
        for event_type, region, state, _ in week:
            by_type[event_type] = by_type.get(event_type, 0) + 1
            if event_type == "application_approved" and region is not None:
                regions[region] = regions.get(region, 0) + 1
            if state is not None and event_type.startswith(("screening_", "rsvp_", "mentorship_")):
                states[state] = states.get(state, 0) + 1
        return by_type, sorted(regions.items()), sorted(states.items())


class FakeScheduledJobs:
    def __init__(self, jobs: list[dict[str, Any]]):
        self.jobs = jobs

    def pending(self, kind: str) -> bool:
        return any(job["kind"] == kind and not job["done"] for job in self.jobs)

    def exists(self, kind: str, key: str) -> bool:
        return any(job["kind"] == kind and job["key"] == key for job in self.jobs)


class FakeUnitOfWork:
    def __init__(self):
        self.messages = FakeMessages()
        self.suppressions = FakeSuppressions()
        self.activity = FakeActivity()
        self.published: list = []
        self.jobs: list[dict[str, Any]] = []
        self.timer_jobs = FakeScheduledJobs(self.jobs)

    def publish(self, payload) -> None:
        self.published.append(payload)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict | None = None) -> None:
        self.cancel_job(kind, key)
        self.jobs.append({"kind": kind, "key": key, "due_at": due_at, "payload": payload or {}, "done": False})

    def cancel_job(self, kind: str, key: str) -> None:
        self.jobs[:] = [job for job in self.jobs if (job["kind"], job["key"]) != (kind, key)]
