"""What each party sees of a request, as the RPC answers it: the requester (through the
status link), the leader it concerns, and program managers. Plain functions of the
domain request and what the caller loaded for them."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.runtime.places import zip_place

from .. import regions
from .domain.leaders import Leader
from .domain.lifecycle import MentorshipRequest
from .domain.urgent import UrgentRequest
from .roster import topic_label


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


_PLAIN_WORDS = {
    "submit": "You sent the request.",
    "confirm": "You confirmed your email address; the network is finding a leader.",
    "offer": "The request was offered to a network leader.",
    "decline": "The leader could not take it; the network is finding another.",
    "expire": "The leader did not answer in time; the network is finding another.",
    "withdraw": "The request was passed on from a leader who is unavailable; the network is finding another.",
    "escalate": "No leader was free at once; a program manager is assigning one by hand.",
    "accept": "{leader} accepted and will contact you.",
    "complete": "The mentorship was completed.",
    "cancel": "You cancelled the request.",
    "close": "The program closed the request without a mentor.",
    "overdue": "The mentorship ran past its agreed length.",
}


def status_view(request: MentorshipRequest, holding: Leader | None) -> dict[str, Any]:
    """What the requester sees: no leader ids, no decline reasons, and the leader's first
    name only until they accept. `holding` is the leader the request sits with."""
    leader: dict[str, Any] | None = None
    mentor_name = ""
    if holding is not None:
        if request.accepted_offer is not None:
            leader = {"name": holding.name, "agency": holding.agency, "title": holding.title}
            mentor_name = holding.name
        else:
            leader = {"first_name": holding.first_name}
    history = [
        {"at": entry.at.isoformat(),
         "text": _PLAIN_WORDS.get(entry.action, entry.action).format(leader=mentor_name or "The leader")}
        for entry in request.audit
    ]
    return {
        "id": request.id, "state": request.state.value, "state_label": request.state.value.replace("_", " "),
        "topic": request.details.topic, "topic_label": topic_label(request.details.topic),
        "urgency": request.details.urgency.value, "submitted_at": iso(request.created_at),
        "leader": leader, "can_cancel": not request.is_final, "history": history,
    }


def leader_view(request: MentorshipRequest, leader_id: int) -> dict[str, Any]:
    """The request as the leader it concerns sees it; the requester's address only once
    this leader has accepted."""
    details = request.details
    offer = next((o for o in reversed(request.offers) if o.leader_id == leader_id), None)
    mentor = request.accepted_offer
    view = {
        "id": request.id, "state": request.state.value, "topic": details.topic,
        "topic_label": topic_label(details.topic), "urgency": details.urgency.value,
        "requester": {"name": details.requester_name, "agency": details.agency, "role": details.role,
                      "state": details.state},
        "description": details.description,
        "offer": None if offer is None else {
            "state": offer.state.value, "offered_at": iso(offer.offered_at), "deadline": iso(offer.deadline)},
        "accepted_at": iso(request.accepted_at), "agreed_days": request.agreed_days,
        "due_at": iso(request.due_at), "completed_at": iso(request.completed_at),
    }
    if mentor is not None and mentor.leader_id == leader_id:
        view["requester"]["email"] = details.email
    return view


def manager_record(request: MentorshipRequest, *, names: Mapping[int, str], grouping: str,
                   now: datetime) -> dict[str, Any]:
    """The manager's view: contact details, every offer and the full audit trail. `names`
    are the names of the leaders it was offered to."""
    details = request.details
    region = regions.get_region(regions.region_of(details.state, grouping), grouping)
    current = request.holder_id
    return {
        "id": request.id, "state": request.state.value, "topic": details.topic,
        "topic_label": topic_label(details.topic), "urgency": details.urgency.value,
        "requester": {"name": details.requester_name, "agency": details.agency, "role": details.role,
                      "email": details.email, "state": details.state, "state_name": regions.STATES[details.state]},
        "region": region.id, "region_name": region.name, "description": details.description,
        "created_at": iso(request.created_at), "confirmed_at": iso(request.confirmed_at),
        "accepted_at": iso(request.accepted_at), "agreed_days": request.agreed_days,
        "due_at": iso(request.due_at), "overdue": request.is_overdue(now),
        "completed_at": iso(request.completed_at), "outcome_note": request.outcome_note,
        "closed_at": iso(request.closed_at),
        "leader": None if current is None else {"id": current, "name": names.get(current)},
        "offers": [
            {"attempt": i, "leader_id": o.leader_id, "leader_name": names.get(o.leader_id), "state": o.state.value,
             "offered_at": iso(o.offered_at), "deadline": iso(o.deadline), "reminder_at": iso(o.reminder_at),
             "reminder_sent_at": iso(o.reminder_sent_at), "decided_at": iso(o.decided_at), "note": o.note}
            for i, o in enumerate(request.offers, start=1)
        ],
        "audit": [
            {"action": e.action, "from_state": e.from_state.value, "to_state": e.to_state.value,
             "actor": str(e.actor), "at": iso(e.at), "note": e.note}
            for e in request.audit
        ],
    }


# ---------------------------------------------------------------------------------------
# Urgent requests (rapid response)


def urgent_for_leader(request: UrgentRequest, leader_id: int) -> dict[str, Any]:
    """An urgent request as a leader it was offered to sees it: the requester's contact
    only once this leader has taken it."""
    offer = [o for o in request.offers if o.leader_id == leader_id][-1]
    d, mine = request.details, request.taken_by == leader_id
    return {
        "id": request.id, "state": request.state.value, "place": urgent_place(request),
        "postal_code": d.postal_code, "what_happened": d.what_happened, "help_needed": d.help_needed,
        "organisation": d.organisation, "role": d.role, "filed_at": iso(request.created_at), "miles": offer.miles,
        "offer_state": offer.state.value, "deadline": iso(offer.deadline), "taken_by_me": mine,
        "requester_name": d.requester_name if mine else None, "requester_email": d.email if mine else None,
        "requester_phone": d.phone if mine else None,
    }


def urgent_record(request: UrgentRequest, names: Mapping[int, str]) -> dict[str, Any]:
    """An urgent request as the managers see it, with every offer."""
    d = request.details
    return {
        "id": request.id, "state": request.state.value, "place": urgent_place(request),
        "postal_code": d.postal_code, "incident_state": d.state, "what_happened": d.what_happened,
        "help_needed": d.help_needed, "requester_name": d.requester_name, "organisation": d.organisation,
        "role": d.role, "email": d.email, "phone": d.phone, "filed_at": iso(request.created_at),
        "round": request.round, "deadline": iso(request.deadline), "taken_by": request.taken_by,
        "taken_by_name": names.get(request.taken_by) if request.taken_by else None,
        "taken_at": iso(request.taken_at),
        "offers": [{"leader_id": o.leader_id, "leader_name": names.get(o.leader_id, f"Leader {o.leader_id}"),
                    "round": o.round, "miles": o.miles, "state": o.state.value, "offered_at": iso(o.offered_at),
                    "deadline": iso(o.deadline), "decided_at": iso(o.decided_at)} for o in request.offers],
    }


def urgent_place(request: UrgentRequest) -> str:
    place = zip_place(request.details.postal_code)
    return place.label if place is not None else request.details.postal_code
