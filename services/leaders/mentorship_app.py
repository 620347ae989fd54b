"""Use cases of mentorship requests: load rows, apply the rules of `mentorship/domain`, save, publish.

Same conventions as app.py: each function runs in the caller's transaction, records its
events with `publish(session, payload)` in that transaction, and is handed `now`.

A request is loaded whole (row, offers, audit trail) into the domain's frozen
MentorshipRequest; a transition returns a new one and `_save` writes the difference: the
row's fields, new or changed offers, new audit entries, and the timer jobs that follow
from them (the reminder and expiry of a pending offer, the overdue flag of an accepted
mentorship). Refused transitions raise before anything is written.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.contracts import Payload
from services.contracts.mentorship import (
    MentorshipAccepted,
    MentorshipCancelled,
    MentorshipClosed,
    MentorshipCompleted,
    MentorshipConfirmed,
    MentorshipDeclined,
    MentorshipOffered,
    MentorshipOfferExpired,
    MentorshipOfferReminderDue,
    MentorshipOverdue,
    MentorshipRequested,
    MentorshipRerouted,
    MentorshipUnanswered,
)
from services.runtime import timers
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed

from . import domain, regions
from .app import program_settings
from .settings import LeadersSettings
from .mentorship.domain.details import RequestDetails, Urgency, validate_request
from .mentorship.domain.lifecycle import SYSTEM, Actor, AuditEntry, MentorshipRequest, Offer, OfferState, RequestState
from .mentorship.domain.matching import Candidate, MatchRequest, RankedCandidate, rank_candidates, route_next
from .mentorship.domain.tokens import StoredToken, TokenPurpose, consume_token, hash_token, issue_token, verify_token
from .models import (
    LeaderExpertiseRow,
    LeaderRow,
    MentorshipAuditRow,
    MentorshipOfferRow,
    MentorshipRequestRow,
    TrainingCompletionRow,
)
from .schemas import (
    AgreedLength,
    Assignment,
    CandidateQuery,
    LeaderAction,
    ManagerAction,
    MentorshipCoverageQuery,
    MentorshipQuery,
    RequestRef,
    mapping,
    validated,
)

Publish = Callable[[Session, Payload], None]

# Paths this service puts in its events; the gateway serves them (the mailer prefixes
# PUBLIC_BASE_URL). The confirm and status pages are public and take the link token;
# the others need a signed-in leader (the one the request concerns) or a manager.
MENTORSHIP_PATHS = {
    "confirm": "/mentorship/confirm/{token}",
    "status": "/mentorship/status/{token}",
    "accept": "/leader/mentorship/{request_id}/accept",
    "decline": "/leader/mentorship/{request_id}/decline",
    "complete": "/leader/mentorship/{request_id}/complete",
    "manage": "/manage/mentorship/{request_id}",
}

# Timer job kinds (services.runtime.timers); keys are "request_id:attempt" for offers.
OFFER_REMINDER = "mentorship_offer_reminder"
OFFER_EXPIRY = "mentorship_offer_expiry"
MENTORSHIP_OVERDUE = "mentorship_overdue"

def _path(name: str, **values: Any) -> str:
    return MENTORSHIP_PATHS[name].format(**values)


# ---------------------------------------------------------------------------------------
# Rows <-> domain


@dataclass(frozen=True)
class _Loaded:
    row: MentorshipRequestRow
    offer_rows: tuple[MentorshipOfferRow, ...]
    request: MentorshipRequest


def _to_offer(row: MentorshipOfferRow) -> Offer:
    return Offer(leader_id=row.leader_id, offered_at=row.offered_at, deadline=row.deadline,
                 reminder_at=row.reminder_at, state=OfferState(row.state), decided_at=row.decided_at,
                 note=row.note, reminder_sent_at=row.reminder_sent_at)


def _to_request(row: MentorshipRequestRow, offer_rows, audit_rows) -> MentorshipRequest:
    details = RequestDetails(
        requester_name=row.requester_name, agency=row.agency, role=row.role, email=row.email,
        state=row.requester_state, topic=row.topic, description=row.description, urgency=Urgency(row.urgency),
    )
    audit = tuple(
        AuditEntry(action=a.action, from_state=RequestState(a.from_state), to_state=RequestState(a.to_state),
                   actor=Actor.parse(a.actor), at=a.at, note=a.note)
        for a in audit_rows
    )
    return MentorshipRequest(
        details=details, created_at=row.created_at, id=row.id, state=RequestState(row.state),
        offers=tuple(_to_offer(o) for o in offer_rows), audit=audit, confirmed_at=row.confirmed_at,
        accepted_at=row.accepted_at, agreed_days=row.agreed_days, completed_at=row.completed_at,
        outcome_note=row.outcome_note, closed_at=row.closed_at,
    )


def _load_row(session: Session, row: MentorshipRequestRow) -> _Loaded:
    offer_rows = tuple(session.execute(
        sa.select(MentorshipOfferRow).where(MentorshipOfferRow.request_id == row.id)
        .order_by(MentorshipOfferRow.attempt).execution_options(populate_existing=True)
    ).scalars())
    audit_rows = session.execute(
        sa.select(MentorshipAuditRow.action, MentorshipAuditRow.from_state, MentorshipAuditRow.to_state,
                  MentorshipAuditRow.actor, MentorshipAuditRow.at, MentorshipAuditRow.note)
        .where(MentorshipAuditRow.request_id == row.id).order_by(MentorshipAuditRow.seq)
    ).all()
    return _Loaded(row, offer_rows, _to_request(row, offer_rows, audit_rows))


def _load(session: Session, request_id: int, *, for_update: bool = True) -> _Loaded:
    """The request, locked for this transaction on PostgreSQL (SQLite already writes one
    transaction at a time), so a leader's answer and a deadline sweep never interleave."""
    row = session.get(MentorshipRequestRow, request_id, with_for_update=for_update, populate_existing=True)
    if row is None:
        raise NotFound(f"no mentorship request with id {request_id}", field="request_id")
    return _load_row(session, row)


def _holder(request: MentorshipRequest) -> int | None:
    """The leader the request currently sits with: the pending offer's, else the mentor's."""
    if request.current_offer is not None:
        return request.current_offer.leader_id
    mentor = request.accepted_offer
    return mentor.leader_id if mentor is not None else None


def _offer_key(request_id: int, attempt: int) -> str:
    return f"{request_id}:{attempt}"


def _offer_values(offer: Offer) -> dict[str, Any]:
    return {"leader_id": offer.leader_id, "state": offer.state.value, "offered_at": offer.offered_at,
            "deadline": offer.deadline, "reminder_at": offer.reminder_at,
            "reminder_sent_at": offer.reminder_sent_at, "decided_at": offer.decided_at, "note": offer.note}


def _save(session: Session, loaded: _Loaded, after: MentorshipRequest, now: datetime) -> _Loaded:
    row, before = loaded.row, loaded.request
    row.state = after.state.value
    row.confirmed_at = after.confirmed_at
    row.accepted_at = after.accepted_at
    row.agreed_days = after.agreed_days
    row.due_at = after.due_at
    row.completed_at = after.completed_at
    row.outcome_note = after.outcome_note
    row.closed_at = after.closed_at
    row.leader_id = _holder(after)
    row.updated_at = now

    offer_rows = list(loaded.offer_rows)
    for index, offer in enumerate(after.offers[:len(offer_rows)]):
        for name, value in _offer_values(offer).items():
            setattr(offer_rows[index], name, value)
    # The old offer leaves "pending" before a new one arrives: at most one may be pending.
    session.flush()
    for index in range(len(offer_rows), len(after.offers)):
        new_row = MentorshipOfferRow(request_id=row.id, attempt=index + 1, **_offer_values(after.offers[index]))
        session.add(new_row)
        offer_rows.append(new_row)
    for seq, entry in enumerate(after.audit[len(before.audit):], start=len(before.audit) + 1):
        session.add(MentorshipAuditRow(
            request_id=row.id, seq=seq, action=entry.action, from_state=entry.from_state.value,
            to_state=entry.to_state.value, actor=str(entry.actor), at=entry.at, note=entry.note,
        ))
    session.flush()

    for index, offer in enumerate(after.offers):
        key = _offer_key(row.id, index + 1)
        was_pending = index < len(before.offers) and before.offers[index].state == OfferState.PENDING
        if offer.state == OfferState.PENDING and not was_pending:
            job = {"request_id": row.id, "attempt": index + 1}
            timers.schedule(session, OFFER_REMINDER, key, offer.reminder_at, job)
            timers.schedule(session, OFFER_EXPIRY, key, offer.deadline, job)
        elif was_pending and offer.state != OfferState.PENDING:
            timers.cancel(session, OFFER_REMINDER, key)
            timers.cancel(session, OFFER_EXPIRY, key)
    if after.state == RequestState.ACCEPTED and before.state != RequestState.ACCEPTED:
        timers.schedule(session, MENTORSHIP_OVERDUE, str(row.id), after.due_at, {"request_id": row.id})
    elif before.state == RequestState.ACCEPTED and after.state != RequestState.ACCEPTED:
        timers.cancel(session, MENTORSHIP_OVERDUE, str(row.id))
    return _Loaded(row, tuple(offer_rows), after)


def _leader(session: Session, leader_id: int) -> LeaderRow:
    row = session.get(LeaderRow, leader_id)
    if row is None:
        raise NotFound(f"no leader with id {leader_id}", field="leader_id")
    return row


def _first_name(name: str) -> str:
    return name.split()[0]


def _topic_label(topic: str) -> str:
    return domain.EXPERTISE.get(topic, topic)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _grouping(session: Session, grouping: str | None) -> str:
    if grouping is None:
        return program_settings(session).region_grouping
    regions.regions(grouping)  # ValidationFailed naming `grouping` when unknown
    return grouping


# ---------------------------------------------------------------------------------------
# Matching


def _region_names(grouping: str) -> dict[str, str]:
    """State code -> region name (regions are data: derived, never stored)."""
    return {state: region.name for region in regions.regions(grouping) for state in region.states}


def load_candidates(session: Session, match: MatchRequest, *, today: date, grouping: str,
                    states: Collection[str] | None = None, not_states: Collection[str] = ()) -> list[Candidate]:
    """Leaders who may be offered `match`, in one query: active, available on `today`
    (back on their away-until date, as the roster counts it), both mentoring modules
    completed, fewer accepted mentorships than their capacity, not excluded; only from
    `states` when given, never from `not_states`.

    Only the request's topics are looked up in each leader's expertise: ranking and its
    reasons need nothing else.
    """
    leader = LeaderRow.__table__.c
    # Per leader through the (state, leader_id) index: a few lookups per candidate
    # instead of grouping every running mentorship of the network for each query.
    current_load = (
        sa.select(sa.func.count()).where(MentorshipRequestRow.state == RequestState.ACCEPTED.value,
                                         MentorshipRequestRow.leader_id == leader.id)
        .scalar_subquery()
    )
    trained = [
        sa.exists().where(TrainingCompletionRow.leader_id == leader.id, TrainingCompletionRow.module == module)
        for module in sorted(domain.MENTORING_MODULES)
    ]
    topics = sorted(match.topics)
    matching_topics = (
        sa.select(sa.func.count()).where(LeaderExpertiseRow.leader_id == leader.id,
                                         LeaderExpertiseRow.expertise.in_(topics))
        .scalar_subquery()
    )
    last_offered = (
        sa.select(MentorshipOfferRow.offered_at).where(MentorshipOfferRow.leader_id == leader.id)
        .order_by(MentorshipOfferRow.offered_at.desc()).limit(1).scalar_subquery()
    )
    query = (
        sa.select(leader.id, leader.name, leader.state, leader.max_mentees, current_load.label("load"),
                  matching_topics.label("matching"), last_offered.label("last_offered_at"))
        .where(leader.status == "active",
               sa.or_(leader.away_until.is_(None), leader.away_until <= today),
               leader.max_mentees > current_load, *trained)
    )
    if match.exclude:
        query = query.where(leader.id.not_in(sorted(match.exclude)))
    if states is not None:
        query = query.where(leader.state.in_(sorted(states)))
    if not_states:
        query = query.where(leader.state.not_in(sorted(not_states)))
    region_of = _region_names(grouping)
    all_topics = frozenset(topics)
    no_topics: frozenset[str] = frozenset()
    candidates = []
    for leader_id, name, state, max_mentees, current, matching, last in session.execute(query):
        # Usually one topic: a count of 0 or all of them says which; only a partial
        # match of several topics needs to know which ones.
        if matching == len(topics):
            expertise = all_topics
        else:
            expertise = _leader_topics(session, leader_id, topics) if matching else no_topics
        candidates.append(Candidate(
            leader_id=leader_id, name=name, state=state, region=region_of[state], expertise=expertise,
            status="active", available=True, trained_for_mentoring=True, max_mentees=max_mentees,
            current_load=current, last_offered_at=last,
        ))
    return candidates


def _leader_topics(session: Session, leader_id: int, topics: list[str]) -> frozenset[str]:
    return frozenset(session.execute(
        sa.select(LeaderExpertiseRow.expertise).where(LeaderExpertiseRow.leader_id == leader_id,
                                                      LeaderExpertiseRow.expertise.in_(topics))
    ).scalars())


def gather_candidates(session: Session, match: MatchRequest, *, today: date, grouping: str,
                      enough: int | None) -> list[Candidate]:
    """Candidates for the best `enough` places of the ranking (all of them when None),
    loaded place tier by place tier: the requester's state, then the rest of its region,
    then the rest of the country. Place is the ranking's first key, so once a tier brings
    `enough` candidates, nobody further away can rank among the best `enough`; the
    database then reads a state's leaders instead of the whole roster."""
    region_states = next(r.states for r in regions.regions(grouping) if match.state in r.states)
    tiers = (
        {"states": (match.state,)},
        {"states": tuple(s for s in region_states if s != match.state)},
        {"not_states": region_states},
    )
    found: list[Candidate] = []
    for tier in tiers:
        if tier.get("states") == ():
            continue
        found += load_candidates(session, match, today=today, grouping=grouping, **tier)
        if enough is not None and len(found) >= enough:
            break
    return found


def match_candidates(session: Session, match: MatchRequest, *, today: date, local_today: date, grouping: str,
                     limit: int | None) -> list[RankedCandidate]:
    """The best `limit` leaders for `match` (all eligible ones when None), with reasons."""
    candidates = gather_candidates(session, match, today=today, grouping=grouping, enough=limit)
    return rank_candidates(match, candidates, today=local_today, limit=limit, labels=domain.EXPERTISE)


def _match_for(session: Session, request: MentorshipRequest) -> tuple[MatchRequest, str]:
    grouping = program_settings(session).region_grouping
    region = _region_names(grouping)[request.details.state]
    return MatchRequest.for_request(request, region=region), grouping


def rank_for(session: Session, request: MentorshipRequest, *, now: datetime, settings: LeadersSettings,
             limit: int | None = 10) -> list[RankedCandidate]:
    match, grouping = _match_for(session, request)
    return match_candidates(session, match, today=now.date(), local_today=settings.policy.local_date(now),
                            grouping=grouping, limit=limit)


def mentee_load() -> sa.Subquery:
    """(leader_id, load): accepted, not yet completed mentorships per leader, for coverage."""
    return (
        sa.select(MentorshipRequestRow.leader_id, sa.func.count().label("load"))
        .where(MentorshipRequestRow.state == RequestState.ACCEPTED.value)
        .group_by(MentorshipRequestRow.leader_id)
        .subquery("mentee_load")
    )


# ---------------------------------------------------------------------------------------
# Events


def _offered_event(loaded: _Loaded, leader: LeaderRow, reasons: tuple[str, ...],
                   settings: LeadersSettings) -> MentorshipOffered:
    request, offer = loaded.request, loaded.request.current_offer
    return MentorshipOffered(
        request_id=request.id, topic=request.details.topic, topic_label=_topic_label(request.details.topic),
        attempt=len(request.offers), leader_id=leader.id, leader_name=leader.name, leader_email=leader.email,
        requester_name=request.details.requester_name, requester_agency=request.details.agency,
        urgency=request.details.urgency.value, deadline=offer.deadline, time_zone=settings.policy.zone_name,
        accept_path=_path("accept", request_id=request.id), decline_path=_path("decline", request_id=request.id),
        requester_role=request.details.role, requester_state=request.details.state,
        description=request.details.description, offered_at=offer.offered_at, match_reasons=reasons,
    )


def _unanswered_event(loaded: _Loaded, region: str, now: datetime,
                      settings: LeadersSettings) -> MentorshipUnanswered:
    request = loaded.request
    return MentorshipUnanswered(
        request_id=request.id, topic=request.details.topic, topic_label=_topic_label(request.details.topic),
        requester_name=request.details.requester_name, requester_agency=request.details.agency,
        requester_state=request.details.state, region=region, urgency=request.details.urgency.value,
        attempts=len(request.offers), confirmed_at=request.confirmed_at, detected_at=now,
        manager_emails=settings.manager_emails, request_path=_path("manage", request_id=request.id),
    )


def _route(session: Session, publish: Publish, loaded: _Loaded, *, now: datetime, settings: LeadersSettings,
           reason: str | None = None, previous: Offer | None = None) -> _Loaded:
    """Offer an open request to the best candidate left, or hand it to the managers.

    `previous` is the offer that just ended (declined, expired, withdrawn); `reason`
    says why, for the managers' re-routing notice.
    """
    match, grouping = _match_for(session, loaded.request)
    candidates = gather_candidates(session, match, today=now.date(), grouping=grouping, enough=1)
    result = route_next(loaded.request, candidates, region=match.region, now=now, policy=settings.policy,
                        labels=domain.EXPERTISE)
    if result.exhausted:
        request = loaded.request
        entry = AuditEntry("escalate", request.state, request.state, SYSTEM, now,
                           note="no eligible leader left; handed to the program managers")
        loaded = _save(session, loaded, replace(request, audit=request.audit + (entry,)), now)
        publish(session, _unanswered_event(loaded, match.region, now, settings))
        return loaded
    loaded = _save(session, loaded, result.request, now)
    chosen = _leader(session, result.chosen.leader_id)
    publish(session, _offered_event(loaded, chosen, result.chosen.reasons, settings))
    if previous is not None and reason is not None:
        publish(session, _rerouted_event(session, loaded, previous, chosen, reason, now, settings))
    return loaded


def _rerouted_event(session: Session, loaded: _Loaded, previous: Offer, chosen: LeaderRow, reason: str,
                    now: datetime, settings: LeadersSettings) -> MentorshipRerouted:
    request = loaded.request
    return MentorshipRerouted(
        request_id=request.id, topic=request.details.topic, topic_label=_topic_label(request.details.topic),
        reason=reason, from_leader_id=previous.leader_id,
        from_leader_name=_leader(session, previous.leader_id).name, to_leader_id=chosen.id,
        to_leader_name=chosen.name, attempt=len(request.offers), rerouted_at=now,
        requester_state=request.details.state, urgency=request.details.urgency.value,
        manager_emails=settings.manager_emails, request_path=_path("manage", request_id=request.id),
    )


# ---------------------------------------------------------------------------------------
# The requester (public, through link tokens)


def submit_request(session: Session, publish: Publish, data: Any, *, now: datetime) -> dict[str, Any]:
    """A peer's request, stored unconfirmed; the links travel only in mentorship_requested."""
    details = validate_request(mapping(data, "request"), topics=domain.EXPERTISE, states=regions.STATES)
    request = MentorshipRequest.submit(details, now=now)
    confirm_token, confirm = issue_token(TokenPurpose.CONFIRM, now=now)
    status_token, status = issue_token(TokenPurpose.STATUS, now=now)
    row = MentorshipRequestRow(
        requester_name=details.requester_name, agency=details.agency, role=details.role, email=details.email,
        requester_state=details.state, topic=details.topic, description=details.description,
        urgency=details.urgency.value, state=request.state.value, created_at=now,
        confirm_token_digest=confirm.digest, confirm_token_expires_at=confirm.expires_at,
        status_token_digest=status.digest, updated_at=now,
    )
    session.add(row)
    session.flush()
    loaded = _save(session, _Loaded(row, (), replace(request, audit=())), replace(request, id=row.id), now)
    publish(session, MentorshipRequested(
        request_id=row.id, topic=details.topic, topic_label=_topic_label(details.topic),
        requester_name=details.requester_name, requester_email=details.email, urgency=details.urgency.value,
        requested_at=now, confirm_path=_path("confirm", token=confirm_token),
        confirm_expires_at=confirm.expires_at, status_path=_path("status", token=status_token),
    ))
    return {"id": row.id, "state": loaded.request.state.value, "confirm_expires_at": _iso(confirm.expires_at)}


def _by_token(session: Session, column, token: Any) -> MentorshipRequestRow:
    if not isinstance(token, str) or not token or len(token) > 128:
        raise Forbidden("this link is not valid", field="token")
    row = session.execute(
        sa.select(MentorshipRequestRow).where(column == hash_token(token))
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise Forbidden("this link is not valid", field="token")
    return row


def _status_row(session: Session, token: Any, now: datetime) -> MentorshipRequestRow:
    row = _by_token(session, MentorshipRequestRow.status_token_digest, token)
    verify_token(StoredToken(TokenPurpose.STATUS, row.status_token_digest, row.created_at), token, now=now)
    return row


def confirm_request(session: Session, publish: Publish, token: Any, *, now: datetime,
                    settings: LeadersSettings) -> dict[str, Any]:
    """The requester's confirmation link: the request opens and is routed at once."""
    row = _by_token(session, MentorshipRequestRow.confirm_token_digest, token)
    stored = StoredToken(TokenPurpose.CONFIRM, row.confirm_token_digest, row.created_at,
                         expires_at=row.confirm_token_expires_at, used_at=row.confirm_token_used_at)
    try:
        used = consume_token(stored, token, now=now)
    except (Forbidden, Conflict) as refused:
        raise type(refused)(refused.message, "token") from None
    loaded = _load_row(session, row)
    loaded = _save(session, loaded, loaded.request.confirm(now=now), now)
    row.confirm_token_used_at = used.used_at
    details = loaded.request.details
    publish(session, MentorshipConfirmed(
        request_id=row.id, topic=details.topic, topic_label=_topic_label(details.topic),
        requester_name=details.requester_name, requester_email=details.email,
        urgency=details.urgency.value, confirmed_at=now,
    ))
    loaded = _route(session, publish, loaded, now=now, settings=settings)
    return _status_view(session, loaded)


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


def _status_view(session: Session, loaded: _Loaded) -> dict[str, Any]:
    """What the requester sees: no leader ids, no decline reasons, and the leader's first
    name only until they accept."""
    request = loaded.request
    leader: dict[str, Any] | None = None
    holder = _holder(request)
    mentor_name = ""
    if holder is not None:
        row = _leader(session, holder)
        if request.accepted_offer is not None:
            leader = {"name": row.name, "agency": row.agency, "title": row.title}
            mentor_name = row.name
        else:
            leader = {"first_name": _first_name(row.name)}
    history = [
        {"at": entry.at.isoformat(),
         "text": _PLAIN_WORDS.get(entry.action, entry.action).format(leader=mentor_name or "The leader")}
        for entry in request.audit
    ]
    return {
        "id": request.id, "state": request.state.value, "state_label": request.state.value.replace("_", " "),
        "topic": request.details.topic, "topic_label": _topic_label(request.details.topic),
        "urgency": request.details.urgency.value, "submitted_at": _iso(request.created_at),
        "leader": leader, "can_cancel": not request.is_final, "history": history,
    }


def request_status(session: Session, token: Any, *, now: datetime) -> dict[str, Any]:
    row = _status_row(session, token, now)
    return _status_view(session, _load_row(session, row))


def cancel_request(session: Session, publish: Publish, token: Any, *, now: datetime) -> dict[str, Any]:
    row = _status_row(session, token, now)
    loaded = _load_row(session, row)
    before = loaded.request
    holder = _holder(before)
    loaded = _save(session, loaded, before.cancel(now=now), now)
    leader = _leader(session, holder) if holder is not None else None
    publish(session, MentorshipCancelled(
        request_id=row.id, topic=before.details.topic, topic_label=_topic_label(before.details.topic),
        requester_name=before.details.requester_name, requester_email=before.details.email,
        previous_state=before.state.value, cancelled_at=now,
        leader_id=leader.id if leader else None, leader_name=leader.name if leader else None,
        leader_email=leader.email if leader else None,
    ))
    return _status_view(session, loaded)


# ---------------------------------------------------------------------------------------
# Leaders


def _leader_view(session: Session, loaded: _Loaded, leader_id: int) -> dict[str, Any]:
    """The request as the leader it concerns sees it; the requester's address only once
    this leader has accepted."""
    request, details = loaded.request, loaded.request.details
    offer = next((o for o in reversed(request.offers) if o.leader_id == leader_id), None)
    mentor = request.accepted_offer
    view = {
        "id": request.id, "state": request.state.value, "topic": details.topic,
        "topic_label": _topic_label(details.topic), "urgency": details.urgency.value,
        "requester": {"name": details.requester_name, "agency": details.agency, "role": details.role,
                      "state": details.state},
        "description": details.description,
        "offer": None if offer is None else {
            "state": offer.state.value, "offered_at": _iso(offer.offered_at), "deadline": _iso(offer.deadline)},
        "accepted_at": _iso(request.accepted_at), "agreed_days": request.agreed_days,
        "due_at": _iso(request.due_at), "completed_at": _iso(request.completed_at),
    }
    if mentor is not None and mentor.leader_id == leader_id:
        view["requester"]["email"] = details.email
    return view


def accept_offer(session: Session, publish: Publish, request_id: Any, leader_id: Any, agreed_days: Any = None, *,
                 now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    length = validated(AgreedLength, agreed_days=agreed_days).agreed_days or settings.agreed_days
    loaded = _load(session, action.request_id)
    accepted = loaded.request.accept(Actor.leader(action.leader_id), now=now, agreed_days=length)
    loaded = _save(session, loaded, accepted, now)
    leader, details = _leader(session, action.leader_id), accepted.details
    publish(session, MentorshipAccepted(
        request_id=accepted.id, topic=details.topic, topic_label=_topic_label(details.topic),
        requester_name=details.requester_name, requester_email=details.email, requester_agency=details.agency,
        leader_id=leader.id, leader_name=leader.name, leader_email=leader.email, leader_agency=leader.agency,
        leader_title=leader.title or None, leader_phone=leader.phone, accepted_at=now,
        agreed_days=accepted.agreed_days, due_at=accepted.due_at, time_zone=settings.policy.zone_name,
    ))
    return _leader_view(session, loaded, action.leader_id)


def decline_offer(session: Session, publish: Publish, request_id: Any, leader_id: Any, reason: Any = None, *,
                  now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    """The leader says no (a reason is optional and never invented); the next candidate gets it."""
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    loaded = _load(session, action.request_id)
    declined = loaded.request.decline(Actor.leader(action.leader_id), now=now, reason=reason)
    loaded = _save(session, loaded, declined, now)
    offer = declined.offers[-1]
    leader = _leader(session, action.leader_id)
    publish(session, MentorshipDeclined(
        request_id=declined.id, topic=declined.details.topic, topic_label=_topic_label(declined.details.topic),
        attempt=len(declined.offers), leader_id=leader.id, leader_name=leader.name, reason=offer.note,
        declined_at=now, manager_emails=settings.manager_emails,
        request_path=_path("manage", request_id=declined.id),
    ))
    loaded = _route(session, publish, loaded, now=now, settings=settings, reason="declined", previous=offer)
    return _leader_view(session, loaded, action.leader_id)


def complete_mentorship(session: Session, publish: Publish, request_id: Any, leader_id: Any, outcome_note: Any, *,
                        now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    action = validated(LeaderAction, request_id=request_id, leader_id=leader_id)
    loaded = _load(session, action.request_id)
    completed = loaded.request.complete(Actor.leader(action.leader_id), now=now, outcome_note=outcome_note)
    loaded = _save(session, loaded, completed, now)
    leader = _leader(session, action.leader_id)
    publish(session, MentorshipCompleted(
        request_id=completed.id, topic=completed.details.topic, topic_label=_topic_label(completed.details.topic),
        requester_name=completed.details.requester_name, requester_email=completed.details.email,
        leader_id=leader.id, leader_name=leader.name, accepted_at=completed.accepted_at, completed_at=now,
        time_zone=settings.policy.zone_name,
    ))
    return _leader_view(session, loaded, action.leader_id)


def leader_requests(session: Session, leader_id: Any) -> list[dict[str, Any]]:
    """The requests waiting on a leader or mentored by them, newest first."""
    leader = validated(LeaderAction, request_id=1, leader_id=leader_id).leader_id
    _leader(session, leader)
    rows = session.execute(
        sa.select(MentorshipRequestRow).where(MentorshipRequestRow.leader_id == leader)
        .order_by(MentorshipRequestRow.created_at.desc(), MentorshipRequestRow.id.desc())
    ).scalars().all()
    return [_leader_view(session, _load_row(session, row), leader) for row in rows]


def reroute_if_unavailable(session: Session, publish: Publish, leader_id: int, *, now: datetime,
                           settings: LeadersSettings) -> list[int]:
    """After a change to a leader: if they are now away or no longer active, every offer
    waiting on them is withdrawn and routed to the next candidate, in the caller's
    transaction. Accepted mentorships stay with the leader. Returns the re-routed request ids."""
    leader = _leader(session, leader_id)
    away = leader.away_until is not None and leader.away_until > now.date()
    if leader.status == "active" and not away:
        return []
    note = (f"leader {leader.id} is away until {leader.away_until.isoformat()}" if leader.status == "active"
            else f"leader {leader.id} is {leader.status}")
    waiting = session.execute(
        sa.select(MentorshipRequestRow.id).where(MentorshipRequestRow.state == RequestState.OFFERED.value,
                                                 MentorshipRequestRow.leader_id == leader.id)
        .order_by(MentorshipRequestRow.id)
    ).scalars().all()
    for request_id in waiting:
        loaded = _load(session, request_id)
        offer = loaded.request.current_offer
        loaded = _save(session, loaded, loaded.request.withdraw_offer(SYSTEM, now=now, note=note), now)
        _route(session, publish, loaded, now=now, settings=settings, reason="away", previous=offer)
    return list(waiting)


# ---------------------------------------------------------------------------------------
# Program managers


def assign(session: Session, publish: Publish, request_id: Any, leader_id: Any, manager_id: Any, *,
           now: datetime, settings: LeadersSettings) -> dict[str, Any]:
    """Offer the request by hand to a chosen active leader, taking back a pending offer."""
    action = validated(Assignment, request_id=request_id, leader_id=leader_id, manager_id=manager_id)
    manager = Actor.manager(action.manager_id)
    loaded = _load(session, action.request_id)
    leader = _leader(session, action.leader_id)
    if leader.status != "active":
        raise Conflict(f"{leader.name} is {leader.status}; only active leaders can be assigned", field="leader_id")
    previous = loaded.request.current_offer
    if previous is not None and previous.leader_id == leader.id:
        raise Conflict(f"the request is already waiting on {leader.name}", field="leader_id")
    if previous is not None:
        loaded = _save(session, loaded, loaded.request.withdraw_offer(
            manager, now=now, note=f"re-assigned by manager {action.manager_id}"), now)
    offered = loaded.request.offer(leader.id, now=now, policy=settings.policy, actor=manager,
                                   note=f"assigned to leader {leader.id} by manager {action.manager_id}")
    loaded = _save(session, loaded, offered, now)
    publish(session, _offered_event(loaded, leader, ("assigned by a program manager",), settings))
    if previous is not None:
        publish(session, _rerouted_event(session, loaded, previous, leader, "manager", now, settings))
    return request_record(session, loaded, now=now)


def close_unanswered(session: Session, publish: Publish, request_id: Any, manager_id: Any, note: Any = None, *,
                     now: datetime) -> dict[str, Any]:
    action = validated(ManagerAction, request_id=request_id, manager_id=manager_id)
    loaded = _load(session, action.request_id)
    closed = loaded.request.close_unanswered(Actor.manager(action.manager_id), now=now, note=note)
    loaded = _save(session, loaded, closed, now)
    publish(session, MentorshipClosed(
        request_id=closed.id, topic=closed.details.topic, topic_label=_topic_label(closed.details.topic),
        requester_name=closed.details.requester_name, requester_email=closed.details.email,
        closed_at=now, note=closed.audit[-1].note,
    ))
    return request_record(session, loaded, now=now)


def request_record(session: Session, loaded: _Loaded, *, now: datetime) -> dict[str, Any]:
    """The manager's view: contact details, every offer and the full audit trail."""
    request, details = loaded.request, loaded.request.details
    grouping = program_settings(session).region_grouping
    region = regions.get_region(regions.region_of(details.state, grouping), grouping)
    leader_ids = {o.leader_id for o in request.offers}
    names = dict(session.execute(
        sa.select(LeaderRow.id, LeaderRow.name).where(LeaderRow.id.in_(sorted(leader_ids)))
    ).all()) if leader_ids else {}
    holder = _holder(request)
    return {
        "id": request.id, "state": request.state.value, "topic": details.topic,
        "topic_label": _topic_label(details.topic), "urgency": details.urgency.value,
        "requester": {"name": details.requester_name, "agency": details.agency, "role": details.role,
                      "email": details.email, "state": details.state, "state_name": regions.STATES[details.state]},
        "region": region.id, "region_name": region.name, "description": details.description,
        "created_at": _iso(request.created_at), "confirmed_at": _iso(request.confirmed_at),
        "accepted_at": _iso(request.accepted_at), "agreed_days": request.agreed_days,
        "due_at": _iso(request.due_at), "overdue": request.is_overdue(now),
        "completed_at": _iso(request.completed_at), "outcome_note": request.outcome_note,
        "closed_at": _iso(request.closed_at),
        "leader": None if holder is None else {"id": holder, "name": names.get(holder)},
        "offers": [
            {"attempt": i, "leader_id": o.leader_id, "leader_name": names.get(o.leader_id), "state": o.state.value,
             "offered_at": _iso(o.offered_at), "deadline": _iso(o.deadline), "reminder_at": _iso(o.reminder_at),
             "reminder_sent_at": _iso(o.reminder_sent_at), "decided_at": _iso(o.decided_at), "note": o.note}
            for i, o in enumerate(request.offers, start=1)
        ],
        "audit": [
            {"action": e.action, "from_state": e.from_state.value, "to_state": e.to_state.value,
             "actor": str(e.actor), "at": _iso(e.at), "note": e.note}
            for e in request.audit
        ],
    }


def get_request(session: Session, request_id: Any, *, now: datetime) -> dict[str, Any]:
    ref = validated(RequestRef, request_id=request_id)
    return request_record(session, _load(session, ref.request_id, for_update=False), now=now)


def candidates(session: Session, request_id: Any, limit: Any = 10, *, now: datetime,
               settings: LeadersSettings) -> dict[str, Any]:
    """The ranking the router would use now, best first, with each leader's reasons."""
    query = validated(CandidateQuery, request_id=request_id, limit=limit)
    loaded = _load(session, query.request_id, for_update=False)
    ranked = rank_for(session, loaded.request, now=now, settings=settings, limit=query.limit)
    return {
        "request_id": loaded.request.id,
        "excluded_leader_ids": sorted(loaded.request.offered_leader_ids),
        "candidates": [
            {"rank": i, "leader_id": r.leader_id, "name": r.candidate.name, "state": r.candidate.state,
             "region": r.candidate.region, "place": r.place.value, "current_load": r.candidate.current_load,
             "max_mentees": r.candidate.max_mentees, "reasons": list(r.reasons)}
            for i, r in enumerate(ranked, start=1)
        ],
    }


def list_requests(session: Session, *, now: datetime, **filters: Any) -> dict[str, Any]:
    query_filters = validated(MentorshipQuery, **filters)
    grouping = _grouping(session, query_filters.grouping)
    request = MentorshipRequestRow
    query = sa.select(request, LeaderRow.name).outerjoin(LeaderRow, LeaderRow.id == request.leader_id)
    if query_filters.state is not None:
        query = query.where(request.state == query_filters.state)
    if query_filters.state_code is not None:
        try:
            code = regions.normalize_state(query_filters.state_code)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field="state_code") from None
        query = query.where(request.requester_state == code)
    if query_filters.region is not None:
        query = query.where(request.requester_state.in_(regions.get_region(query_filters.region, grouping).states))
    overdue = sa.and_(request.state == RequestState.ACCEPTED.value, request.due_at < now)
    if query_filters.overdue is True:
        query = query.where(overdue)
    elif query_filters.overdue is False:
        query = query.where(sa.not_(overdue))
    total = session.execute(
        query.with_only_columns(sa.func.count(), maintain_column_froms=True)
    ).scalar_one()
    rows = session.execute(
        query.order_by(request.created_at.desc(), request.id.desc())
        .offset(query_filters.offset).limit(query_filters.limit)
    ).all()
    region_of = {state: region.id for region in regions.regions(grouping) for state in region.states}
    return {
        "total": total, "page": query_filters.page, "limit": query_filters.limit, "grouping": grouping,
        "requests": [
            {"id": r.id, "state": r.state, "topic": r.topic, "topic_label": _topic_label(r.topic),
             "urgency": r.urgency, "requester_name": r.requester_name, "agency": r.agency,
             "requester_state": r.requester_state, "region": region_of[r.requester_state],
             "leader": None if r.leader_id is None else {"id": r.leader_id, "name": leader_name},
             "created_at": _iso(r.created_at), "confirmed_at": _iso(r.confirmed_at),
             "accepted_at": _iso(r.accepted_at), "due_at": _iso(r.due_at),
             "overdue": r.state == RequestState.ACCEPTED.value and r.due_at is not None and r.due_at < now}
            for r, leader_name in rows
        ],
    }


# ---------------------------------------------------------------------------------------
# Timers: reminders, expiry and re-routing, overdue mentorships


def timer_handlers(publish: Publish, settings: LeadersSettings) -> dict[str, timers.JobHandler]:
    """Handlers for services.runtime.timers.run_due. Each re-checks the request under its
    lock: a job that lost a race with a leader's answer finds nothing to do."""

    def remind(uow, payload: dict[str, Any], now: datetime) -> None:
        session = uow.session
        loaded = _load(session, payload["request_id"])
        offer = loaded.request.current_offer
        if offer is None or len(loaded.request.offers) != payload["attempt"] or not offer.reminder_due(now):
            return
        loaded = _save(session, loaded, loaded.request.record_reminder_sent(now=now), now)
        request, leader = loaded.request, _leader(session, offer.leader_id)
        publish(session, MentorshipOfferReminderDue(
            request_id=request.id, topic=request.details.topic, topic_label=_topic_label(request.details.topic),
            attempt=payload["attempt"], leader_id=leader.id, leader_name=leader.name, leader_email=leader.email,
            requester_name=request.details.requester_name, requester_agency=request.details.agency,
            urgency=request.details.urgency.value, deadline=offer.deadline, time_zone=settings.policy.zone_name,
            accept_path=_path("accept", request_id=request.id),
            decline_path=_path("decline", request_id=request.id), offered_at=offer.offered_at,
        ))

    def expire(uow, payload: dict[str, Any], now: datetime) -> None:
        session = uow.session
        loaded = _load(session, payload["request_id"])
        offer = loaded.request.current_offer
        if offer is None or len(loaded.request.offers) != payload["attempt"] or not offer.is_past_deadline(now):
            return
        loaded = _save(session, loaded, loaded.request.expire_offer(now=now), now)
        request, leader = loaded.request, _leader(session, offer.leader_id)
        publish(session, MentorshipOfferExpired(
            request_id=request.id, topic=request.details.topic, topic_label=_topic_label(request.details.topic),
            attempt=payload["attempt"], leader_id=leader.id, leader_name=leader.name,
            requester_state=request.details.state, urgency=request.details.urgency.value,
            offered_at=offer.offered_at, deadline=offer.deadline, expired_at=now,
            time_zone=settings.policy.zone_name, manager_emails=settings.manager_emails,
            request_path=_path("manage", request_id=request.id),
        ))
        _route(session, publish, loaded, now=now, settings=settings, reason="expired", previous=offer)

    def flag_overdue(uow, payload: dict[str, Any], now: datetime) -> None:
        session = uow.session
        loaded = _load(session, payload["request_id"])
        request = loaded.request
        if not request.is_overdue(now):
            return
        mentor = request.accepted_offer
        entry = AuditEntry("overdue", request.state, request.state, SYSTEM, now,
                           note=f"past the agreed {request.agreed_days} days")
        loaded = _save(session, loaded, replace(request, audit=request.audit + (entry,)), now)
        leader = _leader(session, mentor.leader_id)
        publish(session, MentorshipOverdue(
            request_id=request.id, topic=request.details.topic, topic_label=_topic_label(request.details.topic),
            leader_id=leader.id, leader_name=leader.name, leader_email=leader.email,
            requester_name=request.details.requester_name, accepted_at=request.accepted_at,
            agreed_days=request.agreed_days, due_at=request.due_at, time_zone=settings.policy.zone_name,
            complete_path=_path("complete", request_id=request.id), manager_emails=settings.manager_emails,
        ))

    return {OFFER_REMINDER: remind, OFFER_EXPIRY: expire, MENTORSHIP_OVERDUE: flag_overdue}


# ---------------------------------------------------------------------------------------
# Coverage


def _window_bound(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationFailed("must carry a UTC offset", field="window_end" if end else "window_start")
        return value.astimezone(timezone.utc)
    # A date window includes its last day.
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _wait_seconds(session: Session):
    offer = MentorshipOfferRow.__table__.c
    if session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", offer.decided_at - offer.offered_at)
    return (sa.func.julianday(offer.decided_at) - sa.func.julianday(offer.offered_at)) * 86400.0


def _median_waits(session: Session, group, window) -> dict[Any, float]:
    """Median seconds from offer to acceptance per group, in SQL on every backend: rank
    each group's waits and average the middle one (odd count) or two (even count)."""
    offer, request = MentorshipOfferRow.__table__.c, MentorshipRequestRow.__table__.c
    waits = (
        sa.select(group.label("g"), _wait_seconds(session).label("w"))
        .select_from(MentorshipOfferRow.__table__.join(MentorshipRequestRow.__table__, request.id == offer.request_id))
        .where(offer.state == OfferState.ACCEPTED.value, *window)
        .subquery("waits")
    )
    ranked = sa.select(
        waits.c.g, waits.c.w,
        sa.func.row_number().over(partition_by=waits.c.g, order_by=waits.c.w).label("rn"),
        sa.func.count().over(partition_by=waits.c.g).label("n"),
    ).subquery("ranked")
    rows = session.execute(
        sa.select(ranked.c.g, sa.func.avg(ranked.c.w))
        .where(ranked.c.rn * 2 >= ranked.c.n, ranked.c.rn * 2 <= ranked.c.n + 2)
        .group_by(ranked.c.g)
    ).all()
    return {g: float(median) for g, median in rows}


def coverage_mentorship(session: Session, *, now: datetime, grouping: Any = None, window_start: Any = None,
                        window_end: Any = None) -> dict[str, Any]:
    """Per region and state: open requests (confirmed, not yet accepted), those with no
    leader (handed to the managers), accepted mentorships and the overdue ones; over the
    offers made in the window, the median time to acceptance and the share accepted
    within the deadline (mentorship.share_answered_within_deadline: offers still inside
    their deadline are undecided; offers taken back from a leader are left out).
    Counted in SQL per state; regions add their states up, medians are their own query."""
    query = validated(MentorshipCoverageQuery, grouping=grouping, window_start=window_start, window_end=window_end)
    grouping = _grouping(session, query.grouping)
    start = _window_bound(query.window_start, end=False)
    end = _window_bound(query.window_end, end=True)
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("must be after window_start", field="window_end")
    request, offer = MentorshipRequestRow.__table__.c, MentorshipOfferRow.__table__.c
    state = RequestState

    def share(on_time, decided):
        return round(on_time / decided, 4) if decided else None

    def flag(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    current = {
        r.requester_state: r for r in session.execute(
            sa.select(
                request.requester_state,
                flag(request.state.in_([state.OPEN.value, state.OFFERED.value])).label("open"),
                flag(request.state == state.OPEN.value).label("unassigned"),
                flag(request.state == state.ACCEPTED.value).label("active"),
                flag(sa.and_(request.state == state.ACCEPTED.value, request.due_at < now)).label("overdue"),
            ).where(request.state.in_([state.OPEN.value, state.OFFERED.value, state.ACCEPTED.value]))
            .group_by(request.requester_state)
        )
    }
    window = []
    if start is not None:
        window.append(offer.offered_at >= start)
    if end is not None:
        window.append(offer.offered_at < end)
    answered = {
        r.requester_state: r for r in session.execute(
            sa.select(
                request.requester_state,
                sa.func.count().label("offers"),
                flag(sa.or_(offer.state == OfferState.ACCEPTED.value, offer.deadline <= now)).label("decided"),
                flag(sa.and_(offer.state == OfferState.ACCEPTED.value, offer.decided_at <= offer.deadline))
                .label("on_time"),
            )
            .select_from(MentorshipOfferRow.__table__.join(MentorshipRequestRow.__table__,
                                                           request.id == offer.request_id))
            .where(offer.state != OfferState.WITHDRAWN.value, *window)
            .group_by(request.requester_state)
        )
    }
    grouping_regions = regions.regions(grouping)
    region_case = sa.case({s: region.id for region in grouping_regions for s in region.states},
                          value=request.requester_state)
    medians_by_state = _median_waits(session, request.requester_state, window)
    medians_by_region = _median_waits(session, region_case, window)
    national = _median_waits(session, sa.literal("all"), window).get("all")

    def figures(states: list[str], median: float | None) -> dict[str, Any]:
        def total(source, name):
            return sum(int(getattr(source[s], name) or 0) for s in states if s in source)
        decided, on_time = total(answered, "decided"), total(answered, "on_time")
        return {
            "open_requests": total(current, "open"), "unassigned_requests": total(current, "unassigned"),
            "active_mentorships": total(current, "active"), "overdue_mentorships": total(current, "overdue"),
            "offers": total(answered, "offers"), "offers_decided": decided, "accepted_within_deadline": on_time,
            "share_answered_within_deadline": share(on_time, decided),
            "median_seconds_to_acceptance": None if median is None else round(median),
        }

    region_rows = []
    for region in grouping_regions:
        states = [{"code": code, "name": regions.STATES[code], **figures([code], medians_by_state.get(code))}
                  for code in region.states]
        region_rows.append({"id": region.id, "name": region.name,
                            **figures(list(region.states), medians_by_region.get(region.id)), "states": states})
    return {
        "grouping": grouping, "as_of": now.isoformat(), "window_start": _iso(start), "window_end": _iso(end),
        "national": figures(list(regions.STATES), national),
        "regions": region_rows,
    }
