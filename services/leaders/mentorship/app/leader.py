"""The leader a request is offered to: accept it, decline it, complete the mentorship.
The gateway passes the signed-in leader's id; the domain checks the offer is theirs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts.mentorship import MentorshipAccepted, MentorshipCompleted, MentorshipDeclined

from ...settings import LeadersSettings
from ..domain.lifecycle import Actor
from ..paths import path
from ..records import leader_view
from ..roster import topic_label
from ..schemas import AgreedLength, LeaderAction, validated
from .routing import route
from .store import save


def accept_offer(uow, request_id: Any, leader_id: Any, agreed_days: Any = None, *, now: datetime,
                 settings: LeadersSettings) -> dict[str, Any]:
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    length = validated(AgreedLength, agreed_days=agreed_days).agreed_days or settings.agreed_days
    request = uow.requests.get(action.request_id)
    accepted = save(uow, request, request.accept(Actor.leader(action.leader_id), now=now, agreed_days=length), now)
    leader, details = uow.mentors.get(action.leader_id), accepted.details
    uow.publish(MentorshipAccepted(
        request_id=accepted.id, topic=details.topic, topic_label=topic_label(details.topic),
        requester_name=details.requester_name, requester_email=details.email, requester_agency=details.agency,
        leader_id=leader.id, leader_name=leader.name, leader_email=leader.email, leader_agency=leader.agency,
        leader_title=leader.title or None, leader_phone=leader.phone, accepted_at=now,
        agreed_days=accepted.agreed_days, due_at=accepted.due_at, time_zone=settings.policy.zone_name,
    ))
    return leader_view(accepted, action.leader_id)


def decline_offer(uow, request_id: Any, leader_id: Any, reason: Any = None, *, now: datetime,
                  settings: LeadersSettings) -> dict[str, Any]:
    """The leader says no (a reason is optional and never invented); the next candidate gets it."""
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    request = uow.requests.get(action.request_id)
    declined = save(uow, request, request.decline(Actor.leader(action.leader_id), now=now, reason=reason), now)
    offer = declined.offers[-1]
    leader = uow.mentors.get(action.leader_id)
    uow.publish(MentorshipDeclined(
        request_id=declined.id, topic=declined.details.topic, topic_label=topic_label(declined.details.topic),
        attempt=len(declined.offers), leader_id=leader.id, leader_name=leader.name, reason=offer.note,
        declined_at=now, manager_emails=settings.manager_emails,
        request_path=path("manage", request_id=declined.id),
    ))
    routed = route(uow, declined, now=now, settings=settings, reason="declined", previous=offer)
    return leader_view(routed, action.leader_id)


def complete_mentorship(uow, request_id: Any, leader_id: Any, outcome_note: Any, *, now: datetime,
                        settings: LeadersSettings) -> dict[str, Any]:
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    request = uow.requests.get(action.request_id)
    completed = save(uow, request, request.complete(Actor.leader(action.leader_id), now=now,
                                                    outcome_note=outcome_note), now)
    leader = uow.mentors.get(action.leader_id)
    uow.publish(MentorshipCompleted(
        request_id=completed.id, topic=completed.details.topic, topic_label=topic_label(completed.details.topic),
        requester_name=completed.details.requester_name, requester_email=completed.details.email,
        leader_id=leader.id, leader_name=leader.name, accepted_at=completed.accepted_at, completed_at=now,
        time_zone=settings.policy.zone_name,
    ))
    return leader_view(completed, action.leader_id)
