"""Routing: an open request goes to the best candidate left, or to the program managers
when nobody is; a leader who goes away or stops being active has every offer waiting on
them routed on at once."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.contracts.mentorship import MentorshipOffered, MentorshipRerouted, MentorshipUnanswered

from ...settings import LeadersSettings
from ..domain.leaders import Leader
from ..domain.lifecycle import SYSTEM, AuditEntry, MentorshipRequest, Offer
from ..domain.matching import MatchRequest, route_next
from ..paths import path
from ..roster import EXPERTISE, region_names, topic_label
from .store import REOFFER_SWEEP, SWEEP_KEY, next_local_midnight, save


def match_for(uow, request: MentorshipRequest) -> tuple[MatchRequest, str]:
    """What to match the request on, and the region grouping it was placed in."""
    grouping = uow.region_grouping.current()
    region = region_names(grouping)[request.details.state]
    return MatchRequest.for_request(request, region=region), grouping


def route(uow, request: MentorshipRequest, *, now: datetime, settings: LeadersSettings,
          reason: str | None = None, previous: Offer | None = None, escalate: bool = True) -> MentorshipRequest:
    """Offer an open request to the best candidate left, or hand it to the managers.

    `previous` is the offer that just ended (declined, expired, withdrawn); `reason`
    says why, for the managers' re-routing notice. With `escalate` false (a re-offer of a
    request the managers already hold) nobody eligible leaves the request as it is.
    """
    match, grouping = match_for(uow, request)
    candidates = uow.mentors.candidates(match, today=now.date(), grouping=grouping, enough=1)
    result = route_next(request, candidates, region=match.region, now=now, policy=settings.policy,
                        labels=EXPERTISE)
    if result.exhausted and not escalate:
        return request
    if result.exhausted:
        entry = AuditEntry("escalate", request.state, request.state, SYSTEM, now,
                           note="no eligible leader left; handed to the program managers")
        request = save(uow, request, replace(request, audit=request.audit + (entry,)), now)
        uow.publish(unanswered_event(request, match.region, now, settings))
        # Back-from-away dates pass at midnight without anyone acting: look again then.
        uow.schedule(REOFFER_SWEEP, SWEEP_KEY, next_local_midnight(now, settings), {})
        return request
    request = save(uow, request, result.request, now)
    chosen = uow.mentors.get(result.chosen.leader_id)
    uow.publish(offered_event(request, chosen, result.chosen.reasons, settings))
    if previous is not None and reason is not None:
        uow.publish(rerouted_event(request, uow.mentors.get(previous.leader_id), chosen, reason, now, settings))
    return request


def reroute_if_unavailable(uow, leader_id: int, *, now: datetime, settings: LeadersSettings) -> list[int]:
    """After a change to a leader: if they are now away or no longer active, every offer
    waiting on them is withdrawn and routed to the next candidate, in the caller's
    transaction. Accepted mentorships stay with the leader. Returns the re-routed request ids."""
    note = uow.mentors.get(leader_id).unavailability(now.date())
    if note is None:
        return []
    waiting = uow.requests.waiting_on(leader_id)
    for request_id in waiting:
        request = uow.requests.get(request_id)
        offer = request.current_offer
        request = save(uow, request, request.withdraw_offer(SYSTEM, now=now, note=note), now)
        route(uow, request, now=now, settings=settings, reason="away", previous=offer)
    return waiting


def offered_event(request: MentorshipRequest, leader: Leader, reasons: tuple[str, ...],
                  settings: LeadersSettings) -> MentorshipOffered:
    offer, details = request.current_offer, request.details
    return MentorshipOffered(
        request_id=request.id, topic=details.topic, topic_label=topic_label(details.topic),
        attempt=len(request.offers), leader_id=leader.id, leader_name=leader.name, leader_email=leader.email,
        requester_name=details.requester_name, requester_agency=details.agency,
        urgency=details.urgency.value, deadline=offer.deadline, time_zone=settings.policy.zone_name,
        accept_path=path("accept", request_id=request.id), decline_path=path("decline", request_id=request.id),
        requester_role=details.role, requester_state=details.state,
        description=details.description, offered_at=offer.offered_at, match_reasons=reasons,
    )


def rerouted_event(request: MentorshipRequest, previous: Leader, chosen: Leader, reason: str, now: datetime,
                   settings: LeadersSettings) -> MentorshipRerouted:
    details = request.details
    return MentorshipRerouted(
        request_id=request.id, topic=details.topic, topic_label=topic_label(details.topic),
        reason=reason, from_leader_id=previous.id, from_leader_name=previous.name, to_leader_id=chosen.id,
        to_leader_name=chosen.name, attempt=len(request.offers), rerouted_at=now,
        requester_state=details.state, urgency=details.urgency.value,
        manager_emails=settings.manager_emails, request_path=path("manage", request_id=request.id),
    )


def unanswered_event(request: MentorshipRequest, region: str, now: datetime,
                     settings: LeadersSettings) -> MentorshipUnanswered:
    details = request.details
    return MentorshipUnanswered(
        request_id=request.id, topic=details.topic, topic_label=topic_label(details.topic),
        requester_name=details.requester_name, requester_agency=details.agency,
        requester_state=details.state, region=region, urgency=details.urgency.value,
        attempts=len(request.offers), confirmed_at=request.confirmed_at, detected_at=now,
        manager_emails=settings.manager_emails, request_path=path("manage", request_id=request.id),
    )
