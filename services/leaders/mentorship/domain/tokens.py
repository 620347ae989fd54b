"""Status and confirmation links: random tokens of which only a digest is kept."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from services.runtime.errors import Conflict, Forbidden

from .deadlines import require_aware


class TokenPurpose(StrEnum):
    CONFIRM = "confirm"
    STATUS = "status"


SINGLE_USE = frozenset({TokenPurpose.CONFIRM})
CONFIRMATION_TTL = timedelta(days=7)
TOKEN_BYTES = 32
MAX_PRESENTED_TOKEN = 128


@dataclass(frozen=True)
class StoredToken:
    """What is kept of a link token: never the token itself, only its SHA-256 digest."""

    purpose: TokenPurpose
    digest: str
    issued_at: datetime
    expires_at: datetime | None = None
    used_at: datetime | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(purpose: TokenPurpose, *, now: datetime, ttl: timedelta | None = None) -> tuple[str, StoredToken]:
    """A fresh random token (for the link) and the record to store.

    Confirmation links expire after CONFIRMATION_TTL unless `ttl` says otherwise; status
    links do not expire unless given a `ttl`.
    """
    require_aware(now, "now")
    purpose = TokenPurpose(purpose)
    if ttl is None and purpose == TokenPurpose.CONFIRM:
        ttl = CONFIRMATION_TTL
    token = secrets.token_urlsafe(TOKEN_BYTES)
    stored = StoredToken(purpose=purpose, digest=hash_token(token), issued_at=now,
                         expires_at=now + ttl if ttl is not None else None)
    return token, stored


def verify_token(stored: StoredToken, presented: object, *, now: datetime) -> None:
    """Raise Forbidden unless `presented` is the token behind `stored` and still valid.

    A used single-use token raises Conflict. The digest comparison takes constant time
    so response timing reveals nothing about how close a guess was.
    """
    require_aware(now, "now")
    if not isinstance(presented, str) or not presented or len(presented) > MAX_PRESENTED_TOKEN:
        raise Forbidden("this link is not valid")
    if not hmac.compare_digest(hash_token(presented), stored.digest):
        raise Forbidden("this link is not valid")
    if stored.purpose in SINGLE_USE and stored.used_at is not None:
        raise Conflict("this link has already been used")
    if stored.expires_at is not None and now >= stored.expires_at:
        raise Forbidden("this link has expired")


def consume_token(stored: StoredToken, presented: object, *, now: datetime) -> StoredToken:
    """Verify a single-use token and return it marked as used (store the result)."""
    if stored.purpose not in SINGLE_USE:
        raise ValueError(f"{stored.purpose.value} tokens are not single-use")
    verify_token(stored, presented, now=now)
    return replace(stored, used_at=now)
