"""The mailer's tables: the outgoing mail queue, suppressions, unsubscribe tokens and the
activity it observed (for the weekly digest)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.runtime.db import UTCDateTime, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class Message(Base):
    """One stored message: what was rendered, to whom, and how delivery is going."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.Index("ix_messages_due", "state", "next_attempt_at"),
        sa.Index("ix_messages_recipient", "recipient"),
        sa.Index("ix_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(300))
    source_event_id: Mapped[str] = mapped_column(sa.String(36))
    source_event_type: Mapped[str] = mapped_column(sa.String(100))
    recipient: Mapped[str] = mapped_column(sa.String(320))
    recipient_name: Mapped[str] = mapped_column(sa.String(500), default="")
    template: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20))
    subject: Mapped[str] = mapped_column(sa.String(1000))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    calendar_body: Mapped[str | None] = mapped_column(sa.Text)
    calendar_method: Mapped[str | None] = mapped_column(sa.String(10))
    calendar_sequence: Mapped[int | None] = mapped_column(sa.Integer)
    unsubscribe_token: Mapped[str | None] = mapped_column(sa.String(200))
    # The complete message as composed when it was queued: every attempt sends these
    # same bytes, so a copy sent again after a crash has the same Message-ID and Date.
    mime: Mapped[bytes] = mapped_column(sa.LargeBinary)
    state: Mapped[str] = mapped_column(sa.String(20))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    hard_bounce_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Start of the retry budget: the creation time, or the time an operator re-queued it.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sender instance that completed the last attempt (for operators and audits).
    sent_by: Mapped[str | None] = mapped_column(sa.String(80))
    resent_from_id: Mapped[int | None] = mapped_column(sa.Integer)


class Suppression(Base):
    """An address not to mail: unsubscribed (list mail only) or bouncing (everything)."""

    __tablename__ = "suppressions"
    __table_args__ = (sa.UniqueConstraint("recipient", "reason", name="uq_suppressions_recipient_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    reason: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(sa.Text)


class UnsubscribeToken(Base):
    """One stable one-click token per address, so every reminder carries the same link."""

    __tablename__ = "unsubscribe_tokens"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Activity(Base):
    """What the mailer saw happen: one row per consumed event, with the region and state
    when the event names them. The weekly digest counts these rows (app/digest.py)."""

    __tablename__ = "activity"
    __table_args__ = (sa.Index("ix_activity_occurred", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(120))
    state: Mapped[str | None] = mapped_column(sa.String(2))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RelayRate(Base):
    """The next free send slot of one SMTP relay (its host:port), shared by every mailer
    instance: each send takes a slot by one conditional update, so the rate limit holds
    across replicas (app.sending.take_send_slot)."""

    __tablename__ = "relay_rates"

    relay: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    # Seconds since the epoch (wall clock: every instance reads the same).
    next_free: Mapped[float] = mapped_column(sa.Float)
