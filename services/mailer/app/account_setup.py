"""Account links, asked for by the gateway over RPC: the transactional mails that carry a
link to choose a password, or to confirm a new email address (with a notice to the old
one). The gateway mints each link and gives only its path."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.runtime.errors import ValidationFailed

from ..notifications import Notification
from ..settings import MailerSettings
from .queueing import store

ACCOUNT_SETUP_TEMPLATE = "account_setup"
EMAIL_CHANGE_TEMPLATE = "email_change"
EMAIL_CHANGE_NOTICE_TEMPLATE = "email_change_notice"
_ACCOUNT_SETUP_NAMESPACE = uuid.UUID("0b8e4a57-2f7d-4c57-9f0a-6f5d8f2e4c19")


def _checked(link_path: Any, link_field: str, expires_at: Any, dedupe_key: Any) -> datetime:
    problems = []
    if not isinstance(link_path, str) or not link_path.startswith("/") or link_path.startswith("//"):
        problems.append({"field": link_field, "message": "give the link as a path on the gateway, e.g. /account/...?token=..."})
    if not isinstance(dedupe_key, str) or not dedupe_key.strip() or len(dedupe_key) > 200:
        problems.append({"field": "dedupe_key", "message": "give a key of 1 to 200 characters"})
    try:
        expires = datetime.fromisoformat(expires_at) if isinstance(expires_at, str) else None
    except ValueError:
        expires = None
    if expires is None or expires.tzinfo is None:
        problems.append({"field": "expires_at",
                         "message": "give the link's expiry as an ISO 8601 time with its offset"})
    if problems:
        raise ValidationFailed(problems)
    return expires


def _queue(uow, notes: list[Notification], dedupe_key: str, settings: MailerSettings,
           now: datetime) -> dict[str, Any]:
    """Store each mail once per dedupe key (the key names one minted link; each message's
    own key is derived from it as for events); the answer is about the first mail."""
    source_id = str(uuid.uuid5(_ACCOUNT_SETUP_NAMESPACE, dedupe_key.strip()))
    queued = [store(uow, note, source_id, note.template, settings, now) for note in notes]
    found = uow.messages.delivery_of(source_id, notes[0].template)
    delivery_id, state = found if found else (None, None)
    return {"queued": bool(queued[0]), "delivery_id": delivery_id, "state": state}


def queue_account_setup(uow, *, email: str, name: str, setup_path: str, expires_at: str, dedupe_key: str,
                        settings: MailerSettings, now: datetime) -> dict[str, Any]:
    """The transactional mail carrying an account set-up link."""
    expires = _checked(setup_path, "setup_path", expires_at, dedupe_key)
    note = Notification(ACCOUNT_SETUP_TEMPLATE, "Choose your password for the NIOT Law Enforcement Network",
                        email, {"setup_url": settings.base_url + setup_path, "expires_at": expires},
                        to_name=name or "")
    return _queue(uow, [note], dedupe_key, settings, now)


def queue_email_change(uow, *, new_email: str, old_email: str, name: str, confirm_path: str, expires_at: str,
                       dedupe_key: str, settings: MailerSettings, now: datetime) -> dict[str, Any]:
    """The link that confirms a new address goes to the new address (only its owner can
    make the change take effect); the old address is told a change was asked for, without
    the link, so its owner notices a change they did not make."""
    expires = _checked(confirm_path, "confirm_path", expires_at, dedupe_key)
    context = {"confirm_url": settings.base_url + confirm_path, "expires_at": expires, "new_email": new_email,
               "signin_url": settings.base_url + "/signin"}
    notes = [Notification(EMAIL_CHANGE_TEMPLATE, "Confirm your new email address for the NIOT Law Enforcement Network",
                          new_email, context, to_name=name or ""),
             Notification(EMAIL_CHANGE_NOTICE_TEMPLATE, "A change of your NIOT Law Enforcement Network email address",
                          old_email, context, to_name=name or "")]
    return _queue(uow, notes, dedupe_key, settings, now)
