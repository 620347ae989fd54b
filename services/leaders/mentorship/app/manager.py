"""Program managers: assign a request by hand, or close one nobody can take. The acting
manager arrives as the caller (`actor`) and is named in the audit trail."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts.mentorship import MentorshipClosed
from services.runtime.errors import Conflict

from ...settings import LeadersSettings
from ..domain.lifecycle import MentorshipRequest
from ..records import manager_record
from ..roster import topic_label
from ..schemas import LeaderAction, RequestRef, acting_manager, validated
from .routing import offered_event, rerouted_event
from .store import save


def assign(uow, request_id: Any, leader_id: Any, actor: Any, *, now: datetime,
           settings: LeadersSettings) -> dict[str, Any]:
    """Offer the request by hand to a chosen active leader, taking back a pending offer."""
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    manager = acting_manager(actor)
    request = uow.requests.get(action.request_id)
    leader = uow.mentors.get(action.leader_id)
    if leader.status != "active":
        raise Conflict(f"{leader.name} is {leader.status}; only active leaders can be assigned", field="leader_id")
    previous = request.current_offer
    if previous is not None and previous.leader_id == leader.id:
        raise Conflict(f"the request is already waiting on {leader.name}", field="leader_id")
    if previous is not None:
        request = save(uow, request, request.withdraw_offer(
            manager, now=now, note=f"re-assigned by manager {manager.id}"), now)
    offered = save(uow, request, request.offer(leader.id, now=now, policy=settings.policy, actor=manager,
                                               note=f"assigned to leader {leader.id} by manager {manager.id}"), now)
    uow.publish(offered_event(offered, leader, ("assigned by a program manager",), settings))
    if previous is not None:
        uow.publish(rerouted_event(offered, uow.mentors.get(previous.leader_id), leader, "manager", now, settings))
    return record(uow, offered, now=now)


def close_unanswered(uow, request_id: Any, actor: Any, note: Any = None, *, now: datetime) -> dict[str, Any]:
    ref = validated(RequestRef, request_id=request_id)
    manager = acting_manager(actor)
    request = uow.requests.get(ref.request_id)
    closed = save(uow, request, request.close_unanswered(manager, now=now, note=note), now)
    uow.publish(MentorshipClosed(
        request_id=closed.id, topic=closed.details.topic, topic_label=topic_label(closed.details.topic),
        requester_name=closed.details.requester_name, requester_email=closed.details.email,
        closed_at=now, note=closed.audit[-1].note,
    ))
    return record(uow, closed, now=now)


def record(uow, request: MentorshipRequest, *, now: datetime) -> dict[str, Any]:
    """The manager's view of the request (records.manager_record)."""
    return manager_record(request, names=uow.mentors.names(o.leader_id for o in request.offers),
                          grouping=uow.region_grouping.current(), now=now)
