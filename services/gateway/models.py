"""The gateway's own tables: accounts, sign-in sessions, API tokens, account set-up links,
email changes waiting for confirmation, answers kept for idempotent retries and
rate-limit counters. Secrets (passwords, session ids, tokens) are stored only as hashes."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.runtime.db import UTCDateTime, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()

ROLES = ("manager", "leader")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    # The roster id of a leader account; null for program managers.
    leader_id: Mapped[int | None] = mapped_column(sa.Integer, unique=True)
    # The version of the roster's snapshot the address was last taken from (leader_updated
    # events may come twice or out of order; only a newer one moves the address).
    leader_version: Mapped[int | None] = mapped_column(sa.Integer)
    # Null until the owner has chosen a password through a set-up link.
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint("role IN ('manager', 'leader')", name="ck_accounts_role"),)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is kept here, so
    a leaked table cannot be replayed. Ending the row ends the session everywhere."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A personal token for scripts (`Authorization: Bearer ...`); shown once, stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SetupToken(Base):
    """A single-use link to choose a password (first set-up or reset), valid until expiry."""

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailChange(Base):
    """A leader's new address, waiting for its owner to open the link mailed to it. The
    token is minted when the mail is handed over (only its hash is kept here)."""

    __tablename__ = "email_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(sa.String(254))
    digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it took effect, or was replaced by a newer request (then `confirmed` stays false).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class IdempotentRequest(Base):
    """A creating request sent with an Idempotency-Key, and the answer it got: a retry
    with the same key (by the same caller) is answered from here. Kept a day."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(40))  # the caller: an account, or the public
    key: Mapped[str] = mapped_column(sa.String(200))
    request: Mapped[str] = mapped_column(sa.String(64))  # digest of method, path and body
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Null while the first request is being handled.
    status: Mapped[int | None] = mapped_column(sa.Integer)
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    location: Mapped[str | None] = mapped_column(sa.String(500))


class RateLimitWindow(Base):
    """Attempts counted per (bucket, key) in fixed windows; kept in the database so every
    gateway replica spends the same budget."""

    __tablename__ = "rate_limit_windows"

    bucket: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    hits: Mapped[int] = mapped_column(sa.Integer, default=0)
