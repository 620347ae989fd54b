"""Paths this service puts in its events; the gateway serves them (the mailer prefixes
PUBLIC_BASE_URL). The confirm and status pages are public and take the link token; the
others need a signed-in leader (the one the request concerns) or a manager."""
from __future__ import annotations

from typing import Any

MENTORSHIP_PATHS = {
    "confirm": "/mentorship/confirm/{token}",
    "status": "/mentorship/status/{token}",
    "accept": "/leader/mentorship/{request_id}/accept",
    "decline": "/leader/mentorship/{request_id}/decline",
    "complete": "/leader/mentorship/{request_id}/complete",
    "manage": "/manage/mentorship/{request_id}",
    # Rapid response: a leader's offers sit on their dashboard; managers' at the top of theirs.
    "urgent_offers": "/leader#urgent",
    "urgent_manage": "/manage#urgent-{request_id}",
}


def path(name: str, **values: Any) -> str:
    return MENTORSHIP_PATHS[name].format(**values)
