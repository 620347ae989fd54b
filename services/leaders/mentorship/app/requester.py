"""The public requester: a request, its confirmation link, and cancelling through the
private status link."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts.mentorship import MentorshipCancelled, MentorshipConfirmed, MentorshipRequested
from services.runtime.errors import Conflict, Forbidden

from ... import regions
from ...settings import LeadersSettings
from ..domain.details import validate_request
from ..domain.leaders import Leader
from ..domain.lifecycle import MentorshipRequest
from ..domain.tokens import TokenPurpose, consume_token, issue_token, verify_token
from ..paths import path
from ..records import iso, status_view
from ..roster import EXPERTISE, topic_label
from ..schemas import mapping
from .routing import route
from .store import save


def submit_request(uow, data: Any, *, now: datetime) -> dict[str, Any]:
    """A peer's request, stored unconfirmed; the links travel only in mentorship_requested."""
    details = validate_request(mapping(data, "request"), topics=EXPERTISE, states=regions.STATES)
    confirm_token, confirm = issue_token(TokenPurpose.CONFIRM, now=now)
    status_token, status = issue_token(TokenPurpose.STATUS, now=now)
    request = uow.requests.add(MentorshipRequest.submit(details, now=now), confirm=confirm, status=status, now=now)
    uow.publish(MentorshipRequested(
        request_id=request.id, topic=details.topic, topic_label=topic_label(details.topic),
        requester_name=details.requester_name, requester_email=details.email, urgency=details.urgency.value,
        requested_at=now, confirm_path=path("confirm", token=confirm_token),
        confirm_expires_at=confirm.expires_at, status_path=path("status", token=status_token),
    ))
    return {"id": request.id, "state": request.state.value, "confirm_expires_at": iso(confirm.expires_at)}


def confirm_request(uow, token: Any, *, now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    """The requester's confirmation link: the request opens and is routed at once."""
    request, stored = uow.requests.by_link(TokenPurpose.CONFIRM, token)
    try:
        used = consume_token(stored, token, now=now)
    except (Forbidden, Conflict) as refused:
        raise type(refused)(refused.message, "token") from None
    request = save(uow, request, request.confirm(now=now), now)
    uow.requests.use_confirm_token(request.id, used)
    details = request.details
    uow.publish(MentorshipConfirmed(
        request_id=request.id, topic=details.topic, topic_label=topic_label(details.topic),
        requester_name=details.requester_name, requester_email=details.email,
        urgency=details.urgency.value, confirmed_at=now,
    ))
    request = route(uow, request, now=now, settings=settings)
    return status_view(request, holding(uow, request))


def cancel_request(uow, token: Any, *, now: datetime) -> dict[str, Any]:
    before, stored = uow.requests.by_link(TokenPurpose.STATUS, token)
    verify_token(stored, token, now=now)
    was_with = holding(uow, before)
    cancelled = save(uow, before, before.cancel(now=now), now)
    uow.publish(MentorshipCancelled(
        request_id=before.id, topic=before.details.topic, topic_label=topic_label(before.details.topic),
        requester_name=before.details.requester_name, requester_email=before.details.email,
        previous_state=before.state.value, cancelled_at=now,
        leader_id=was_with.id if was_with else None, leader_name=was_with.name if was_with else None,
        leader_email=was_with.email if was_with else None,
    ))
    return status_view(cancelled, holding(uow, cancelled))


def holding(uow, request: MentorshipRequest) -> Leader | None:
    """The leader the request sits with, if any."""
    return None if request.holder_id is None else uow.mentors.get(request.holder_id)
