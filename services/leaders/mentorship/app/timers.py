"""Timer work (services.runtime.timers): the reminder of a pending offer, its expiry and
re-offer to the next candidate, and the flag on a mentorship past its agreed length.

Each handler re-checks the request under its lock: a job that lost a race with a
leader's answer finds nothing to do."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from services.contracts.mentorship import MentorshipOfferExpired, MentorshipOfferReminderDue, MentorshipOverdue

from ...settings import LeadersSettings
from ..domain.lifecycle import SYSTEM, AuditEntry
from ..paths import path
from ..roster import topic_label
from .reoffer import reoffer_handed_over
from .routing import route
from .urgent import URGENT_ROUND_EXPIRY, expire_round
from .store import MENTORSHIP_OVERDUE, OFFER_EXPIRY, OFFER_REMINDER, REOFFER_SWEEP, save


def send_reminder(uow, payload: dict[str, Any], now: datetime, *, settings: LeadersSettings) -> None:
    request = uow.requests.get(payload["request_id"])
    offer = request.current_offer
    if offer is None or len(request.offers) != payload["attempt"] or not offer.reminder_due(now):
        return
    request = save(uow, request, request.record_reminder_sent(now=now), now)
    leader, details = uow.mentors.get(offer.leader_id), request.details
    uow.publish(MentorshipOfferReminderDue(
        request_id=request.id, topic=details.topic, topic_label=topic_label(details.topic),
        attempt=payload["attempt"], leader_id=leader.id, leader_name=leader.name, leader_email=leader.email,
        requester_name=details.requester_name, requester_agency=details.agency,
        urgency=details.urgency.value, deadline=offer.deadline, time_zone=settings.policy.zone_name,
        accept_path=path("accept", request_id=request.id),
        decline_path=path("decline", request_id=request.id), offered_at=offer.offered_at,
    ))


def expire_offer(uow, payload: dict[str, Any], now: datetime, *, settings: LeadersSettings) -> None:
    request = uow.requests.get(payload["request_id"])
    offer = request.current_offer
    if offer is None or len(request.offers) != payload["attempt"] or not offer.is_past_deadline(now):
        return
    request = save(uow, request, request.expire_offer(now=now), now)
    leader, details = uow.mentors.get(offer.leader_id), request.details
    uow.publish(MentorshipOfferExpired(
        request_id=request.id, topic=details.topic, topic_label=topic_label(details.topic),
        attempt=payload["attempt"], leader_id=leader.id, leader_name=leader.name,
        requester_state=details.state, urgency=details.urgency.value,
        offered_at=offer.offered_at, deadline=offer.deadline, expired_at=now,
        time_zone=settings.policy.zone_name, manager_emails=settings.manager_emails,
        request_path=path("manage", request_id=request.id),
    ))
    route(uow, request, now=now, settings=settings, reason="expired", previous=offer)


def flag_overdue(uow, payload: dict[str, Any], now: datetime, *, settings: LeadersSettings) -> None:
    request = uow.requests.get(payload["request_id"])
    if not request.is_overdue(now):
        return
    mentor = request.accepted_offer
    entry = AuditEntry("overdue", request.state, request.state, SYSTEM, now,
                       note=f"past the agreed {request.agreed_days} days")
    request = save(uow, request, replace(request, audit=request.audit + (entry,)), now)
    leader = uow.mentors.get(mentor.leader_id)
    uow.publish(MentorshipOverdue(
        request_id=request.id, topic=request.details.topic, topic_label=topic_label(request.details.topic),
        leader_id=leader.id, leader_name=leader.name, leader_email=leader.email,
        requester_name=request.details.requester_name, accepted_at=request.accepted_at,
        agreed_days=request.agreed_days, due_at=request.due_at, time_zone=settings.policy.zone_name,
        complete_path=path("complete", request_id=request.id), manager_emails=settings.manager_emails,
    ))


def timer_handlers(settings: LeadersSettings) -> dict[str, Any]:
    """Handlers for services.runtime.timers.run_due, each called as handler(uow, payload, now)."""
    return {OFFER_REMINDER: partial(send_reminder, settings=settings),
            OFFER_EXPIRY: partial(expire_offer, settings=settings),
            MENTORSHIP_OVERDUE: partial(flag_overdue, settings=settings),
            REOFFER_SWEEP: partial(reoffer_handed_over, settings=settings),
            URGENT_ROUND_EXPIRY: partial(expire_round, settings=settings)}
