"""Account set-up links, asked for by the gateway over RPC: the transactional mail that
carries a link to choose a password."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.runtime.errors import ValidationFailed

from ..notifications import Notification
from ..settings import MailerSettings
from .queueing import store

ACCOUNT_SETUP_TEMPLATE = "account_setup"
_ACCOUNT_SETUP_NAMESPACE = uuid.UUID("0b8e4a57-2f7d-4c57-9f0a-6f5d8f2e4c19")


def queue_account_setup(uow, *, email: str, name: str, setup_path: str, expires_at: str, dedupe_key: str,
                        settings: MailerSettings, now: datetime) -> dict[str, Any]:
    """Store the transactional mail carrying an account set-up link, once per dedupe key;
    the delivery loop sends it. The gateway mints the link and gives only its path."""
    problems = []
    if not isinstance(setup_path, str) or not setup_path.startswith("/") or setup_path.startswith("//"):
        problems.append({"field": "setup_path",
                         "message": "give the link as a path on the gateway, e.g. /account/setup?token=..."})
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
    # The key names one minted link; the message's own key is derived from it as for events.
    source_id = str(uuid.uuid5(_ACCOUNT_SETUP_NAMESPACE, dedupe_key.strip()))
    note = Notification(ACCOUNT_SETUP_TEMPLATE, "Choose your password for the NIOT Law Enforcement Network",
                        email, {"setup_url": settings.base_url + setup_path, "expires_at": expires},
                        to_name=name or "")
    queued = store(uow, note, source_id, ACCOUNT_SETUP_TEMPLATE, settings, now)
    found = uow.messages.delivery_of(source_id, ACCOUNT_SETUP_TEMPLATE)
    delivery_id, state = found if found else (None, None)
    return {"queued": bool(queued), "delivery_id": delivery_id, "state": state}
