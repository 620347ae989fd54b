"""Rows <-> the mailer's records, and the unit of work that carries them.

`MessageRepository` is the mail outbox (DESIGN.md §4.6); `SuppressionRepository` the
addresses not to mail and their one-click unsubscribe tokens; `ActivityRepository` what
the mailer saw happen, for the weekly digest; `ScheduledJobs` what the digest's timer
needs to know of the kit's job table.

Queueing a message and recording an attempt run once per message: their statements are
built once and run as Core statements, without the ORM's identity map.
"""
from __future__ import annotations

import secrets
from dataclasses import fields
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.runtime import timers
from services.runtime.db import SCHEDULED_JOBS, UTCDateTime
from services.runtime.uow import UnitOfWork

from .delivery import AttemptResult, MailState, SuppressionReason
from .messages import Outgoing, StoredMessage
from .models import Activity, Message, RelayRate, Suppression, UnsubscribeToken

_MESSAGES = Message.__table__
_SUPPRESSIONS = Suppression.__table__
_TOKENS = UnsubscribeToken.__table__
_ACTIVITY = Activity.__table__
_RELAY_RATES = RelayRate.__table__

_STORED_FIELDS = tuple(f.name for f in fields(StoredMessage))
_SELECT_STORED = sa.select(*(_MESSAGES.c[name] for name in _STORED_FIELDS))


def _values(message: StoredMessage) -> dict[str, Any]:
    return {name: getattr(message, name) for name in _STORED_FIELDS if name != "id"}


def _insert(session: Session, table: sa.Table):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database {dialect}")


@lru_cache(maxsize=64)
def _insert_ignoring_statement(table: sa.Table, unique_column: str, columns: tuple[str, ...]):
    # SQLAlchemy cannot cache the dialects' on_conflict_do_nothing() constructs (their
    # cache key is None), so each use was compiled afresh: a large part of queueing a
    # message. The same statement as text is built and compiled once; SQLite and
    # PostgreSQL both read this ON CONFLICT clause, and the bind types keep the columns'
    # conversions (UTC datetimes, bytes).
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(f":{name}" for name in columns)
    return sa.text(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({values}) ON CONFLICT ("{unique_column}") DO NOTHING'
    ).bindparams(*(sa.bindparam(name, type_=table.c[name].type) for name in columns))


def _insert_ignoring(session: Session, table: sa.Table, unique_column: str, values: dict[str, Any]) -> int:
    """Insert a row unless one with the same `unique_column` exists; returns rows inserted."""
    statement = _insert_ignoring_statement(table, unique_column, tuple(values))
    return session.execute(statement, values).rowcount or 0


def _due_clause(now: datetime):
    return sa.or_(
        sa.and_(_MESSAGES.c.state == MailState.QUEUED.value,
                sa.or_(_MESSAGES.c.next_attempt_at.is_(None), _MESSAGES.c.next_attempt_at <= now)),
        sa.and_(_MESSAGES.c.state == MailState.SENDING.value, _MESSAGES.c.lease_expires_at <= now),
    )


_RECORD_ATTEMPT = (
    sa.update(_MESSAGES)
    .where(_MESSAGES.c.id == sa.bindparam("item_id"), _MESSAGES.c.lease_owner == sa.bindparam("owner"),
           _MESSAGES.c.state == MailState.SENDING.value)
    .values(state=sa.bindparam("new_state"), next_attempt_at=sa.bindparam("retry_at", type_=UTCDateTime),
            last_error=sa.bindparam("error", type_=sa.Text), lease_owner=None, lease_expires_at=None,
            sent_at=sa.bindparam("sent_at", type_=UTCDateTime), sent_by=sa.bindparam("owner"),
            hard_bounce_at=sa.bindparam("bounced_at", type_=UTCDateTime))
    .returning(_MESSAGES.c.id, _MESSAGES.c.message_id, _MESSAGES.c.template, _MESSAGES.c.recipient,
               _MESSAGES.c.source_event_id, _MESSAGES.c.source_event_type, _MESSAGES.c.attempts,
               _MESSAGES.c.last_error)
)


class MessageRepository:
    """The mail outbox. `queued` says whether this unit of work queued mail (new,
    queued again or copied), so the sender can be woken once it commits."""

    def __init__(self, session: Session):
        self.session = session
        self.queued = False

    # -- queueing ------------------------------------------------------------------------

    def queue(self, values: dict[str, Any]) -> bool:
        """Store a new message, given as its column values, unless one with its dedupe
        key exists. True when it was stored. (A dict rather than a StoredMessage: this
        runs for every message, and the insert takes the dict as it is.)"""
        if _insert_ignoring(self.session, _MESSAGES, "dedupe_key", values):
            self.queued = True
            return True
        return False

    def add_unsendable(self, message: StoredMessage) -> bool:
        """Store a message that will never be sent (its address cannot be mailed), once
        per dedupe key. True, and the message has its id, when it is new."""
        new_id = self.session.execute(
            _insert(self.session, _MESSAGES).values(**_values(message))
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_MESSAGES.c.id)
        ).scalar()
        if new_id is None:
            return False
        message.id = new_id
        return True

    def delivery_of(self, source_event_id: str, template: str) -> tuple[int, str] | None:
        """(id, state) of the message an event caused with a template, if any."""
        row = self.session.execute(
            sa.select(_MESSAGES.c.id, _MESSAGES.c.state)
            .where(_MESSAGES.c.source_event_id == source_event_id, _MESSAGES.c.template == template)
        ).first()
        return (row.id, row.state) if row else None

    # -- operators -----------------------------------------------------------------------

    def get(self, delivery_id: int) -> StoredMessage | None:
        row = self.session.execute(_SELECT_STORED.where(_MESSAGES.c.id == delivery_id)).first()
        return StoredMessage(**row._mapping) if row else None

    def copies_of(self, delivery_id: int) -> int:
        """How many times the message was resent as a copy."""
        return self.session.execute(
            sa.select(sa.func.count()).select_from(_MESSAGES).where(_MESSAGES.c.resent_from_id == delivery_id)
        ).scalar_one()

    def add(self, message: StoredMessage) -> None:
        """Store a queued message (a copy); it gets its id."""
        message.id = self.session.execute(
            sa.insert(_MESSAGES).values(**_values(message)).returning(_MESSAGES.c.id)).scalar_one()
        self.queued = True

    def save_requeued(self, message: StoredMessage) -> None:
        self.session.execute(
            sa.update(_MESSAGES).where(_MESSAGES.c.id == message.id)
            .values(state=message.state, attempts=message.attempts, next_attempt_at=message.next_attempt_at,
                    queued_at=message.queued_at, last_error=message.last_error,
                    hard_bounce_at=message.hard_bounce_at)
        )
        self.queued = True

    def forget_bounces(self, recipient: str) -> None:
        self.session.execute(sa.update(_MESSAGES).where(_MESSAGES.c.recipient == recipient)
                             .values(hard_bounce_at=None))

    # -- delivery ------------------------------------------------------------------------

    def due(self, now: datetime, limit: int) -> list[sa.Row]:
        """Up to `limit` messages due now, locked for this transaction (others skip
        them), as rows of (id, recipient, kind, state, attempts, queued_at): only the
        columns the rules need, since this runs for every batch."""
        return self.session.execute(
            sa.select(_MESSAGES.c.id, _MESSAGES.c.recipient, _MESSAGES.c.kind, _MESSAGES.c.state,
                      _MESSAGES.c.attempts, _MESSAGES.c.queued_at)
            .where(_due_clause(now)).order_by(_MESSAGES.c.id).limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    def get_many(self, ids: list[int]) -> list[StoredMessage]:
        rows = self.session.execute(_SELECT_STORED.where(_MESSAGES.c.id.in_(ids)).order_by(_MESSAGES.c.id))
        return [StoredMessage(**row._mapping) for row in rows]

    def settle(self, message: StoredMessage) -> None:
        """Store a message that will not be attempted (its state and why); it holds no
        lease and waits for nothing."""
        self.session.execute(
            sa.update(_MESSAGES).where(_MESSAGES.c.id == message.id)
            .values(state=message.state, last_error=message.last_error, lease_owner=None,
                    lease_expires_at=None, next_attempt_at=None)
        )

    def claim(self, ids: list[int], owner: str, lease_expires_at: datetime) -> list[Outgoing]:
        """Take the messages for `owner` under a lease, counting the attempt (the change
        delivery.claim describes); the stored bodies are read here, once."""
        claimed = self.session.execute(
            sa.update(_MESSAGES).where(_MESSAGES.c.id.in_(ids))
            .values(state=MailState.SENDING.value, attempts=_MESSAGES.c.attempts + 1,
                    lease_owner=owner, lease_expires_at=lease_expires_at)
            .returning(_MESSAGES.c.id, _MESSAGES.c.recipient, _MESSAGES.c.mime,
                       _MESSAGES.c.attempts, _MESSAGES.c.queued_at)
        ).all()
        return sorted((Outgoing(row.id, row.recipient, row.mime, row.attempts, row.queued_at) for row in claimed),
                      key=lambda item: item.id)

    def record_attempt(self, item_id: int, owner: str, result: AttemptResult, now: datetime) -> sa.Row | None:
        """Store how an attempt ended, if `owner` still holds the message's lease. The
        row (id, message_id, template, recipient, source_event_id, source_event_type,
        attempts, last_error), or None when the lease was lost."""
        return self.session.connection().execute(_RECORD_ATTEMPT, {
            "item_id": item_id, "owner": owner, "new_state": result.state.value,
            "retry_at": result.next_attempt_at, "error": result.last_error,
            "sent_at": now if result.state is MailState.SENT else None,
            "bounced_at": now if result.hard_bounce else None,
        }).first()

    def release(self, items: list[Outgoing], owner: str, retry_at: datetime) -> None:
        """Give back claimed messages that were not attempted, without counting an attempt."""
        for item in items:
            self.session.execute(
                sa.update(_MESSAGES)
                .where(_MESSAGES.c.id == item.id, _MESSAGES.c.lease_owner == owner,
                       _MESSAGES.c.state == MailState.SENDING.value)
                .values(state=MailState.QUEUED.value, attempts=item.attempts - 1, lease_owner=None,
                        lease_expires_at=None, next_attempt_at=retry_at)
            )

    def defer(self, item: Outgoing, owner: str, retry_at: datetime, error: str | None) -> bool:
        """Give back a claimed message the relay asked to hold off (throttling), without
        counting the attempt; False if `owner` no longer holds it."""
        return bool(self.session.execute(
            sa.update(_MESSAGES)
            .where(_MESSAGES.c.id == item.id, _MESSAGES.c.lease_owner == owner,
                   _MESSAGES.c.state == MailState.SENDING.value)
            .values(state=MailState.QUEUED.value, attempts=item.attempts - 1, lease_owner=None,
                    lease_expires_at=None, next_attempt_at=retry_at, last_error=error)
        ).rowcount)

    def renew_leases(self, owner: str, ids: list[int], lease_expires_at: datetime) -> int:
        """Extend the leases `owner` holds on these messages; how many it still held."""
        if not ids:
            return 0
        return self.session.execute(
            sa.update(_MESSAGES)
            .where(_MESSAGES.c.id.in_(ids), _MESSAGES.c.lease_owner == owner,
                   _MESSAGES.c.state == MailState.SENDING.value)
            .values(lease_expires_at=lease_expires_at)
        ).rowcount or 0

    def hard_bounces(self, recipient: str) -> list[datetime]:
        """When mail to the address hard-bounced."""
        return self.session.execute(
            sa.select(_MESSAGES.c.hard_bounce_at)
            .where(_MESSAGES.c.recipient == recipient, _MESSAGES.c.hard_bounce_at.is_not(None))
        ).scalars().all()


class SuppressionRepository:
    """Addresses not to mail, and the one-click tokens by which an address unsubscribes."""

    def __init__(self, session: Session):
        self.session = session

    def reasons_for(self, recipients: set[str]) -> dict[str, list[SuppressionReason]]:
        found: dict[str, list[SuppressionReason]] = {}
        if not recipients:
            return found
        rows = self.session.execute(sa.select(_SUPPRESSIONS.c.recipient, _SUPPRESSIONS.c.reason)
                                    .where(_SUPPRESSIONS.c.recipient.in_(recipients)))
        for recipient, reason in rows:
            found.setdefault(recipient, []).append(SuppressionReason(reason))
        return found

    def add(self, recipient: str, reason: SuppressionReason, now: datetime, detail: str) -> None:
        """Suppress the address for this reason, unless it already is."""
        self.session.execute(_insert(self.session, _SUPPRESSIONS).values(
            recipient=recipient, reason=reason.value, created_at=now, detail=detail,
        ).on_conflict_do_nothing(index_elements=["recipient", "reason"]))

    def remove(self, recipient: str, reason: SuppressionReason | None) -> int:
        """Lift the address's suppression for this reason (all when None); how many."""
        query = sa.delete(_SUPPRESSIONS).where(_SUPPRESSIONS.c.recipient == recipient)
        if reason is not None:
            query = query.where(_SUPPRESSIONS.c.reason == reason.value)
        return self.session.execute(query).rowcount or 0

    def token_for(self, recipient: str, now: datetime) -> str:
        """The address's one-click token, created on first use. Concurrent creators agree:
        the loser's insert does nothing and both read the winner's row."""
        self.session.execute(_insert(self.session, _TOKENS).values(
            token=secrets.token_urlsafe(24), recipient=recipient, created_at=now,
        ).on_conflict_do_nothing(index_elements=["recipient"]))
        return self.session.execute(
            sa.select(_TOKENS.c.token).where(_TOKENS.c.recipient == recipient)
        ).scalar_one()

    def recipient_of(self, token: str) -> str | None:
        return self.session.execute(
            sa.select(_TOKENS.c.recipient).where(_TOKENS.c.token == token)
        ).scalar_one_or_none()


class RelayRateRepository:
    """The shared send slots of each relay (see models.RelayRate)."""

    def __init__(self, session: Session):
        self.session = session

    def next_free(self, relay: str) -> float | None:
        """The relay's next free slot, its row locked until the transaction ends (on
        SQLite the write transaction already excludes every other)."""
        _insert_ignoring(self.session, _RELAY_RATES, "relay", {"relay": relay, "next_free": 0.0})
        return self.session.execute(
            sa.select(_RELAY_RATES.c.next_free).where(_RELAY_RATES.c.relay == relay).with_for_update()
        ).scalar_one()

    def set_next_free(self, relay: str, next_free: float) -> None:
        self.session.execute(sa.update(_RELAY_RATES).where(_RELAY_RATES.c.relay == relay)
                             .values(next_free=next_free))


class ActivityRepository:
    """One row per consumed event, with the region and state when the event names them."""

    def __init__(self, session: Session):
        self.session = session

    def record(self, event_id: str, event_type: str, region: str | None, state: str | None,
               occurred_at: datetime) -> None:
        """Note an event once (a redelivered or re-run one adds nothing)."""
        _insert_ignoring(self.session, _ACTIVITY, "event_id", dict(
            event_id=event_id, event_type=event_type, region=region, state=state, occurred_at=occurred_at,
        ))

    def counts(self, start: datetime, end: datetime) -> tuple[dict[str, int], list[tuple[str, int]],
                                                               list[tuple[str, int]]]:
        """What happened in [start, end), counted in SQL: events by type, approved
        applications by region, and events about screenings, RSVPs and mentorship by
        state (regions and states in order)."""
        in_range = sa.and_(_ACTIVITY.c.occurred_at >= start, _ACTIVITY.c.occurred_at < end)
        by_type = dict(self.session.execute(
            sa.select(_ACTIVITY.c.event_type, sa.func.count()).where(in_range).group_by(_ACTIVITY.c.event_type)
        ).all())
        regions = self.session.execute(
            sa.select(_ACTIVITY.c.region, sa.func.count()).where(
                in_range, _ACTIVITY.c.event_type == "application_approved", _ACTIVITY.c.region.is_not(None))
            .group_by(_ACTIVITY.c.region).order_by(_ACTIVITY.c.region)
        ).all()
        states = self.session.execute(
            sa.select(_ACTIVITY.c.state, sa.func.count()).where(
                in_range, _ACTIVITY.c.state.is_not(None),
                sa.or_(*(_ACTIVITY.c.event_type.like(f"{prefix}_%") for prefix in ("screening", "rsvp", "mentorship"))))
            .group_by(_ACTIVITY.c.state).order_by(_ACTIVITY.c.state)
        ).all()
        return by_type, [tuple(r) for r in regions], [tuple(s) for s in states]


class ScheduledJobs:
    """The kit's timer jobs, as far as the weekly digest needs to read them."""

    def __init__(self, session: Session):
        self.session = session

    def pending(self, kind: str) -> bool:
        return bool(timers.pending(self.session, kind))

    def exists(self, kind: str, key: str) -> bool:
        """Whether a job (kind, key) was ever scheduled, done or not."""
        return self.session.execute(sa.select(SCHEDULED_JOBS.c.id).where(
            SCHEDULED_JOBS.c.kind == kind, SCHEDULED_JOBS.c.key == key)).first() is not None


class MailerUnitOfWork(UnitOfWork):
    def __init__(self, session: Session, source: str):
        super().__init__(session, source)
        self.messages = MessageRepository(session)
        self.suppressions = SuppressionRepository(session)
        self.activity = ActivityRepository(session)
        self.timer_jobs = ScheduledJobs(session)
        self.relay_rates = RelayRateRepository(session)
