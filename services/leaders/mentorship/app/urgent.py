"""Rapid response use cases: file an urgent request (offered at once to the nearest
eligible leaders), a leader's accept (first acceptor wins) or decline, and the end of a
round nobody accepted in its hours (the next nearest are offered it, the managers told)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts.urgent import (
    OfferedLeader, UrgentRequestOffered, UrgentRequestTaken, UrgentRequestWaiting,
)
from services.runtime.places import zip_place

from ...settings import LeadersSettings
from ..domain.urgent import ROUND_SIZE, UrgentOfferState, UrgentRequest, UrgentState, nearest_leaders, validate_urgent
from ..paths import path
from ..records import urgent_for_leader, urgent_place
from ..schemas import LeaderAction, mapping, validated
from .store import REOFFER_SWEEP, SWEEP_KEY, next_local_midnight

# Timer job kind: the end of a round, keyed "request_id:round".
URGENT_ROUND_EXPIRY = "urgent_round_expiry"


def file_urgent_request(uow, data: Any, *, now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    details = validate_urgent(mapping(data, "request"), locate_zip=zip_place)
    request = uow.urgent.add(UrgentRequest(details, created_at=now), now=now)
    request = offer_next_round(uow, request, now=now, settings=settings)
    return {"id": request.id, "state": request.state.value, "place": urgent_place(request),
            "offered_to": len(request.pending), "response_hours": settings.urgent_response_hours,
            "deadline": request.deadline.isoformat() if request.deadline else None}


def offer_next_round(uow, request: UrgentRequest, *, now: datetime, settings: LeadersSettings,
                     announce_waiting: bool = True) -> UrgentRequest:
    """Offer the request to the nearest eligible leaders not offered it yet; with nobody
    left it waits with the managers (told unless `announce_waiting` is false: a re-offer
    sweep finding still nobody says nothing new)."""
    place, exclude = request.details.place, request.offered_leader_ids
    nearby = uow.mentors.near(place.latitude, place.longitude, today=settings.policy.local_date(now),
                              exclude=exclude, enough=ROUND_SIZE)
    nearest = nearest_leaders(place, nearby, today=settings.policy.local_date(now), exclude=exclude)
    after = request.offer_round(nearest, now=now, hours=settings.urgent_response_hours)
    if after.state == UrgentState.WAITING and not announce_waiting:
        return request
    uow.urgent.save(after, now=now)
    if after.state == UrgentState.WAITING:
        uow.publish(UrgentRequestWaiting(**incident(after, settings), rounds=after.round, detected_at=now))
        # Offered again by the re-offer sweep once a leader may be free (app/reoffer.py).
        uow.schedule(REOFFER_SWEEP, SWEEP_KEY, next_local_midnight(now, settings), {})
        return after
    round_offers = after.pending
    uow.schedule(URGENT_ROUND_EXPIRY, f"{after.id}:{after.round}", after.deadline,
                 {"request_id": after.id, "round": after.round})
    leaders = tuple(offered_leader(uow, o.leader_id, o.miles) for o in round_offers)
    uow.publish(UrgentRequestOffered(**incident(after, settings), round=after.round, offered_at=now,
                                     deadline=after.deadline, leaders=leaders, offers_path=path("urgent_offers")))
    return after


def accept_urgent(uow, request_id: Any, leader_id: Any, *, now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    """The first offered leader to accept takes it; the others' offers are withdrawn. The
    save is a conditional update, so a second accept at the same moment gets a Conflict."""
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    request = uow.urgent.get(action.request_id)
    taken = request.accept(action.leader_id, now=now)
    uow.urgent.save(taken, now=now)
    uow.cancel_job(URGENT_ROUND_EXPIRY, f"{taken.id}:{taken.round}")
    leader = uow.mentors.get(action.leader_id)
    mine = next(o for o in taken.offers if o.state == UrgentOfferState.ACCEPTED)
    withdrawn = tuple(offered_leader(uow, o.leader_id, o.miles) for o in taken.offers
                      if o.state == UrgentOfferState.WITHDRAWN and o.decided_at == now)
    d = taken.details
    uow.publish(UrgentRequestTaken(
        **incident(taken, settings), requester_name=d.requester_name, requester_email=d.email,
        requester_phone=d.phone, leader_id=leader.id, leader_name=leader.name, leader_email=leader.email,
        leader_agency=leader.agency, leader_phone=leader.phone, miles=mine.miles, taken_at=now,
        withdrawn=withdrawn))
    return urgent_for_leader(taken, action.leader_id)


def decline_urgent(uow, request_id: Any, leader_id: Any, *, now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    """The leader says no; when every offer of the round is answered no, the next round
    starts at once instead of waiting out the hours."""
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    request = uow.urgent.get(action.request_id)
    declined = request.decline(action.leader_id, now=now)
    uow.urgent.save(declined, now=now)
    if not declined.pending:
        uow.cancel_job(URGENT_ROUND_EXPIRY, f"{declined.id}:{declined.round}")
        declined = offer_next_round(uow, declined, now=now, settings=settings)
    return urgent_for_leader(declined, action.leader_id)


def expire_round(uow, payload: dict[str, Any], now: datetime, *, settings: LeadersSettings) -> None:
    """Timer: the round's hours are up with nobody accepting; offer the next nearest."""
    request = uow.urgent.get(payload["request_id"])
    if request.state != UrgentState.OFFERED or request.round != payload["round"]:
        return  # taken, or the round already ended early
    expired = request.expire_round(now=now)
    if expired.pending:
        return  # not due yet (the job ran early)
    uow.urgent.save(expired, now=now)
    offer_next_round(uow, expired, now=now, settings=settings)


def incident(request: UrgentRequest, settings: LeadersSettings) -> dict[str, Any]:
    d = request.details
    return dict(request_id=request.id, postal_code=d.postal_code, place=urgent_place(request),
                incident_state=d.state, what_happened=d.what_happened, help_needed=d.help_needed,
                requester_organisation=d.organisation, requester_role=d.role, filed_at=request.created_at,
                time_zone=settings.policy.zone_name, manager_emails=settings.manager_emails,
                manage_path=path("urgent_manage", request_id=request.id))


def offered_leader(uow, leader_id: int, miles: float) -> OfferedLeader:
    leader = uow.mentors.get(leader_id)
    return OfferedLeader(leader_id=leader.id, leader_name=leader.name, leader_email=leader.email, miles=miles)
