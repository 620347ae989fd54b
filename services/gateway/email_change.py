"""A leader's new email address takes effect only when its owner opens the link mailed to
it: nobody can take over another person's address, the managers' mailbox included.

Requesting a change stores it and schedules the mail (a timer job mints the link when it
hands the mail over, as for set-up links, so the link is never stored in clear and a
mailer outage only delays it). Confirming makes the leaders service take the address
(it refuses one another leader has) and moves the sign-in address with it.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.runtime import timers
from services.runtime.errors import Conflict, ValidationFailed

from . import auth
from .app import normalise_email
from .models import Account, EmailChange

CONFIRM_PATH = "/account/email"
EMAIL_CHANGE_MAIL_JOB = "email_change_mail"
UNKNOWN_LINK = "this confirmation link is unknown, used or expired; change the address again for a new one"


def request_change(session: Session, account: Account, new_email: str, now: datetime) -> str | None:
    """Store the request (replacing any earlier one still waiting) and plan its mail; the
    normalised address, or None when it is the account's own already."""
    address = normalise_email(new_email)
    if address == account.email:
        return None
    _retire_waiting(session, account.id, now)
    change = EmailChange(account_id=account.id, new_email=address, created_at=now, confirmed=False)
    session.add(change)
    session.flush()
    timers.schedule(session, EMAIL_CHANGE_MAIL_JOB, f"email-change:{change.id}", now, {"change_id": change.id})
    return address


def waiting_change(session: Session, account_id: int) -> str | None:
    """The address a change waits to be confirmed for, if any."""
    return session.execute(
        sa.select(EmailChange.new_email).where(EmailChange.account_id == account_id, EmailChange.used_at.is_(None))
        .order_by(EmailChange.id.desc()).limit(1)
    ).scalar_one_or_none()


def mail_request(session: Session, change_id: int, now: datetime, lifetime: timedelta) -> dict | None:
    """Mint the link for a waiting change and describe the mails that carry and announce
    it; None when the change was replaced or the account is gone or deactivated."""
    change = session.get(EmailChange, change_id)
    account = session.get(Account, change.account_id) if change is not None else None
    if change is None or change.used_at is not None or account is None or not account.active:
        return None
    token = secrets.token_urlsafe(32)
    change.digest, change.expires_at = auth.digest(token), now + lifetime
    return {
        "new_email": change.new_email, "old_email": account.email, "name": account.name,
        "confirm_path": f"{CONFIRM_PATH}?token={token}", "expires_at": change.expires_at.isoformat(),
        "dedupe_key": f"email-change:{change.id}:{change.digest[:16]}",
    }


def find(session: Session, token: str, now: datetime) -> tuple[EmailChange, Account] | None:
    """The waiting change a link names, with its account; None when unknown, used or expired."""
    row = session.execute(
        sa.select(EmailChange, Account).join(Account, Account.id == EmailChange.account_id)
        .where(EmailChange.digest == auth.digest(token))
    ).first()
    if row is None:
        return None
    change, account = row
    if change.used_at is not None or change.expires_at is None or change.expires_at <= now or not account.active:
        return None
    return change, account


def checked(session: Session, token: str, now: datetime) -> tuple[int, int | None, str]:
    """(account id, leader id, new address) of the change a link names, refusing an unknown
    link and an address another account signs in with."""
    found = find(session, token, now)
    if found is None:
        raise ValidationFailed(UNKNOWN_LINK, field="token")
    change, account = found
    if _taken(session, change.new_email, account.id):
        raise Conflict(f"{change.new_email} is the sign-in address of another account", field="email")
    return account.id, account.leader_id, change.new_email


def complete(session: Session, token: str, now: datetime) -> Account:
    """The change takes effect for signing in (the roster has taken it already): the link
    is used up and any other waiting request retired."""
    found = find(session, token, now)
    if found is None:
        raise ValidationFailed(UNKNOWN_LINK, field="token")
    change, account = found
    account.email = change.new_email
    _retire_waiting(session, account.id, now)
    change.confirmed = True
    return account


def follow_leader(session: Session, leader_id: int, email: str, version: int) -> None:
    """A leader's account signs in with the roster's address (a manager may change it);
    a snapshot no newer than the last one followed changes nothing."""
    account = session.execute(sa.select(Account).where(Account.leader_id == leader_id)).scalar_one_or_none()
    if account is None or (account.leader_version is not None and version <= account.leader_version):
        return
    account.leader_version = version
    address = email.strip().lower()
    if not _taken(session, address, account.id):
        account.email = address


def _taken(session: Session, address: str, account_id: int) -> bool:
    """Whether another account signs in with `address`."""
    return session.execute(sa.select(Account.id).where(Account.email == address,
                                                       Account.id != account_id)).first() is not None


def _retire_waiting(session: Session, account_id: int, now: datetime) -> None:
    session.execute(sa.update(EmailChange).where(EmailChange.account_id == account_id, EmailChange.used_at.is_(None))
                    .values(used_at=now))
