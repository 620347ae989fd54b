"""Who is calling: passwords (argon2), browser sessions with CSRF tokens, personal API
tokens, single-use set-up links, and rate limits. Secrets are stored only as hashes."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from services.runtime.db import Transactions

from .models import Account, ApiToken, RateLimitWindow, SetupToken, WebSession

SESSION_COOKIE = "niot_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
API_TOKEN_PREFIX = "niot_"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()
# Compared against when the account does not exist, so a wrong email costs the same time
# as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str, email: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    if password.strip().lower() == email.strip().lower():
        return "the password must not be your email address"
    return None


@dataclass(frozen=True)
class Principal:
    account_id: int
    role: str
    name: str
    leader_id: int | None
    via: str  # "session" or "token"
    csrf_token: str | None = None

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    def owns(self, owners: int | Iterable[int] | None) -> bool:
        """Whether this is a leader among `owners` (one leader id, or several: co-hosts)."""
        if self.role != "leader" or owners is None or self.leader_id is None:
            return False
        if isinstance(owners, int):
            return self.leader_id == owners
        return self.leader_id in {int(o) for o in owners}


# --- browser sessions -------------------------------------------------------------------

def start_session(session: Session, account: Account, now: datetime, lifetime: timedelta) -> tuple[str, str]:
    """A new signed-in session; returns (cookie value, CSRF token)."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(WebSession(digest=digest(cookie), account_id=account.id, csrf_token=csrf,
                           created_at=now, last_seen_at=now, expires_at=now + lifetime))
    return cookie, csrf


# Built once: every page a signed-in person opens runs it. Columns only, no ORM objects.
_SESSION_LOOKUP = (
    sa.select(WebSession.csrf_token, WebSession.ended_at, WebSession.expires_at,
              Account.id.label("account_id"), Account.role, Account.name, Account.leader_id, Account.active)
    .join(Account, Account.id == WebSession.account_id)
    .where(WebSession.digest == sa.bindparam("digest"))
)


def session_principal(db: Transactions, cookie: str, now: datetime) -> Principal | None:
    """Who a session cookie stands for, or None once the session has ended or expired or
    its account is deactivated. A read-only block: checking writes nothing."""
    with db.read() as connection:
        row = connection.execute(_SESSION_LOOKUP, {"digest": digest(cookie)}).first()
    if row is None or row.ended_at is not None or row.expires_at <= now or not row.active:
        return None
    return Principal(row.account_id, row.role, row.name, row.leader_id, "session", row.csrf_token)


def end_session(session: Session, cookie: str, now: datetime) -> None:
    session.execute(sa.update(WebSession).where(WebSession.digest == digest(cookie), WebSession.ended_at.is_(None))
                    .values(ended_at=now))


def end_all_sessions(session: Session, account_id: int, now: datetime) -> None:
    session.execute(sa.update(WebSession).where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
                    .values(ended_at=now))


def csrf_ok(principal: Principal, presented: str | None) -> bool:
    if principal.via != "session":
        return True  # bearer tokens are not sent by browsers on their own
    return bool(presented) and principal.csrf_token is not None and hmac.compare_digest(
        presented.encode(), principal.csrf_token.encode())


# --- API tokens -------------------------------------------------------------------------

# A token's last use is recorded to the minute: enough to see which tokens are alive,
# without a write for every request a script makes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def create_api_token(session: Session, account: Account, label: str, now: datetime) -> tuple[ApiToken, str]:
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(digest=digest(secret), prefix=secret[: len(API_TOKEN_PREFIX) + 4], account_id=account.id,
                     label=label, created_at=now)
    session.add(token)
    session.flush()
    return token, secret


# Built once: every request a script makes runs it. Columns only, no ORM objects.
_TOKEN_LOOKUP = (
    sa.select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, Account.id.label("account_id"),
              Account.role, Account.name, Account.leader_id, Account.active)
    .join(Account, Account.id == ApiToken.account_id)
    .where(ApiToken.digest == sa.bindparam("digest"))
)


def token_principal(db: Transactions, secret: str, now: datetime) -> Principal | None:
    """Who a bearer token stands for, or None if it is unknown, revoked or its account
    deactivated. Looked up in a read-only block; the use, when due, is written in a
    transaction of its own, so call this before the request's own work."""
    with db.read() as connection:
        row = connection.execute(_TOKEN_LOOKUP, {"digest": digest(secret)}).first()
    if row is None or row.revoked_at is not None or not row.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        with db.transaction() as session:
            session.execute(sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return Principal(row.account_id, row.role, row.name, row.leader_id, "token")


# --- set-up links -----------------------------------------------------------------------

def issue_setup_token(session: Session, account: Account, now: datetime, lifetime: timedelta) -> str:
    """A single-use link token to choose a password; earlier unused links stop working."""
    session.execute(sa.update(SetupToken).where(SetupToken.account_id == account.id, SetupToken.used_at.is_(None))
                    .values(used_at=now))
    secret = secrets.token_urlsafe(32)
    session.add(SetupToken(digest=digest(secret), account_id=account.id, created_at=now, expires_at=now + lifetime))
    return secret


def find_setup_token(session: Session, secret: str, now: datetime) -> tuple[SetupToken, Account] | None:
    row = session.execute(
        sa.select(SetupToken, Account).join(Account, Account.id == SetupToken.account_id)
        .where(SetupToken.digest == digest(secret))
    ).first()
    if row is None:
        return None
    token, account = row
    if token.used_at is not None or token.expires_at <= now or not account.active:
        return None
    return token, account


# --- rate limits ------------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    hits: int
    seconds: int


def spend(session: Session, bucket: str, key: str, limit: Limit, now: datetime) -> int | None:
    """Count one attempt for (bucket, key). Returns None when within the limit, else the
    seconds until the current window ends. Keys are stored hashed (they may be emails)."""
    window_start = datetime.fromtimestamp(int(now.timestamp()) // limit.seconds * limit.seconds, tz=now.tzinfo)
    hashed = digest(f"{bucket}:{key.strip().lower()}")
    updated = session.execute(
        sa.update(RateLimitWindow)
        .where(RateLimitWindow.bucket == bucket, RateLimitWindow.key == hashed,
               RateLimitWindow.window_start == window_start)
        .values(hits=RateLimitWindow.hits + 1)
    ).rowcount
    if not updated:
        session.add(RateLimitWindow(bucket=bucket, key=hashed, window_start=window_start, hits=1))
        session.flush()
        hits = 1
    else:
        hits = session.execute(
            sa.select(RateLimitWindow.hits).where(RateLimitWindow.bucket == bucket, RateLimitWindow.key == hashed,
                                                  RateLimitWindow.window_start == window_start)
        ).scalar_one()
    if hits > limit.hits:
        return max(1, int((window_start + timedelta(seconds=limit.seconds) - now).total_seconds()))
    return None


def waiting(session: Session, bucket: str, key: str, limit: Limit, now: datetime) -> int | None:
    """Without counting anything: the seconds to wait when (bucket, key) has already used
    its whole budget in the current window, else None."""
    window_start = datetime.fromtimestamp(int(now.timestamp()) // limit.seconds * limit.seconds, tz=now.tzinfo)
    hits = session.execute(
        sa.select(RateLimitWindow.hits).where(RateLimitWindow.bucket == bucket,
                                              RateLimitWindow.key == digest(f"{bucket}:{key.strip().lower()}"),
                                              RateLimitWindow.window_start == window_start)
    ).scalar_one_or_none()
    if hits is not None and hits >= limit.hits:
        return max(1, int((window_start + timedelta(seconds=limit.seconds) - now).total_seconds()))
    return None


def purge_rate_limits(session: Session, before: datetime) -> int:
    return session.execute(sa.delete(RateLimitWindow).where(RateLimitWindow.window_start < before)).rowcount
