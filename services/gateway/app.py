"""Account use cases: each takes a database session (and `now`), loads rows, applies the
rules in auth.py and saves. Callers own the transaction."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from services.runtime import timers
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from . import auth
from .models import Account, ApiToken

SETUP_PATH = "/account/setup"
SETUP_MAIL_JOB = "account_setup_mail"


def normalise_email(email: str, field: str = "email") -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(str(exc), field=field) from None


def account_view(account: Account) -> dict:
    return {
        "id": account.id, "email": account.email, "name": account.name, "role": account.role,
        "leader_id": account.leader_id, "active": account.active,
        "password_set": account.password_hash is not None,
        "created_at": account.created_at.isoformat(),
        "deactivated_at": account.deactivated_at.isoformat() if account.deactivated_at else None,
    }


def find_by_email(session: Session, email: str) -> Account | None:
    return session.execute(sa.select(Account).where(Account.email == email.strip().lower())).scalar_one_or_none()


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id}")
    return account


def create_account(session: Session, *, email: str, name: str, role: str, now: datetime,
                   leader_id: int | None = None, password: str | None = None) -> Account:
    email = normalise_email(email)
    if role not in ("manager", "leader"):
        raise ValidationFailed("role is manager or leader", field="role")
    if role == "leader" and leader_id is None:
        raise ValidationFailed("a leader account needs the leader's roster id", field="leader_id")
    if find_by_email(session, email) is not None:
        raise Conflict("an account with this email already exists", field="email")
    if password is not None:
        problem = auth.password_problem(password, email)
        if problem:
            raise ValidationFailed(problem, field="password")
    account = Account(email=email, name=name.strip(), role=role, leader_id=leader_id, active=True, created_at=now,
                      password_hash=auth.hash_password(password) if password is not None else None)
    session.add(account)
    session.flush()
    return account


def ensure_leader_account(session: Session, *, leader_id: int, email: str, name: str, now: datetime) -> Account | None:
    """The account for an approved leader; created once, whatever number of times the
    approval is delivered. Returns the new account, or None when it already existed."""
    existing = session.execute(sa.select(Account).where(Account.leader_id == leader_id)).scalar_one_or_none()
    if existing is not None:
        return None
    by_email = find_by_email(session, email)
    if by_email is not None:
        if by_email.role == "leader" and by_email.leader_id is None:
            by_email.leader_id = leader_id
            return by_email
        return None  # a manager who is also a leader keeps their manager account
    account = create_account(session, email=email, name=name, role="leader", leader_id=leader_id, now=now)
    schedule_setup_mail(session, account, now)
    return account


def schedule_setup_mail(session: Session, account: Account, now: datetime) -> None:
    """The set-up link is minted and handed to the mailer by a timer job, so the link is
    never stored in clear and a mailer outage only delays it."""
    timers.schedule(session, SETUP_MAIL_JOB, f"account:{account.id}", now, {"account_id": account.id})


def account_wanting_setup(session: Session, email: str) -> tuple[bool, Account | None]:
    """(known, account): whether the address has an account at all, and the account when
    it is active. With or without a password: the mailed link also resets a forgotten one,
    and lets the owner in while failed sign-ins from elsewhere are being throttled."""
    account = find_by_email(session, email)
    if account is None:
        return False, None
    return True, account if account.active else None


def setup_mail_request(session: Session, account_id: int, now: datetime, lifetime: timedelta) -> dict | None:
    """Mint a fresh set-up link for the account and describe the mail that carries it (to
    choose a first password, or a new one); None when the account is gone or deactivated."""
    account = session.get(Account, account_id)
    if account is None or not account.active:
        return None
    token = auth.issue_setup_token(session, account, now, lifetime)
    return {
        "email": account.email, "name": account.name,
        "setup_path": f"{SETUP_PATH}?token={token}",
        "expires_at": (now + lifetime).isoformat(),
        "dedupe_key": f"account-setup:{account.id}:{auth.digest(token)[:16]}",
    }


def complete_setup(session: Session, token: str, password: str, now: datetime) -> Account:
    found = auth.find_setup_token(session, token, now)
    if found is None:
        raise ValidationFailed("this set-up link is unknown, used or expired; ask a program manager for a new one",
                               field="token")
    setup, account = found
    problem = auth.password_problem(password, account.email)
    if problem:
        raise ValidationFailed(problem, field="password")
    account.password_hash = auth.hash_password(password)
    setup.used_at = now
    auth.end_all_sessions(session, account.id, now)
    return account


def check_credentials(session: Session, email: str, password: str) -> Account | None:
    account = find_by_email(session, email)
    matches = auth.password_matches(account.password_hash if account else None, password)
    if account is None or not matches or not account.active:
        return None
    if auth.needs_rehash(account.password_hash):
        account.password_hash = auth.hash_password(password)
    return account


def deactivate(session: Session, account_id: int, now: datetime) -> Account:
    account = get_account(session, account_id)
    if account.active:
        account.active = False
        account.deactivated_at = now
    auth.end_all_sessions(session, account.id, now)
    session.execute(sa.update(ApiToken).where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    return account


def deactivate_leader(session: Session, leader_id: int, now: datetime) -> None:
    account = session.execute(sa.select(Account).where(Account.leader_id == leader_id)).scalar_one_or_none()
    if account is not None:
        deactivate(session, account.id, now)


def reactivate(session: Session, account_id: int) -> Account:
    account = get_account(session, account_id)
    account.active = True
    account.deactivated_at = None
    return account


def list_accounts(session: Session, role: str | None = None) -> list[Account]:
    query = sa.select(Account).order_by(Account.id)
    if role:
        query = query.where(Account.role == role)
    return list(session.execute(query).scalars())


def token_view(token: ApiToken) -> dict:
    return {
        "id": token.id, "label": token.label, "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def list_tokens(session: Session, account_id: int) -> list[ApiToken]:
    return list(session.execute(sa.select(ApiToken).where(ApiToken.account_id == account_id)
                                .order_by(ApiToken.id)).scalars())


def revoke_token(session: Session, account_id: int, token_id: int, now: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.account_id != account_id:
        raise NotFound(f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
    return token
