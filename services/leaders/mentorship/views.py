"""The reads of mentorship requests (cosmicpython's views): each takes a session and
returns what the RPC answers. They may query the tables directly; a request is read
through the repository's mapping so every party's view starts from the same domain object."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.runtime.errors import ValidationFailed

from .. import regions
from ..models import LeaderRow, MentorshipOfferRow, MentorshipRequestRow, UrgentRequestRow
from ..settings import LeadersSettings
from .domain.lifecycle import MentorshipRequest, OfferState, RequestState
from .domain.matching import MatchRequest, RankedCandidate, rank_candidates
from .domain.tokens import TokenPurpose, verify_token
from .domain.urgent import UrgentState
from .records import iso, leader_view, manager_record, status_view, urgent_for_leader, urgent_record
from .repository import MentorshipRequests, Mentors, current_grouping, gather_candidates
from .roster import EXPERTISE, region_names, topic_label
from .schemas import (
    CandidateQuery, LeaderRef, MentorshipCoverageQuery, MentorshipQuery, RequestRef, UrgentListQuery, validated,
)
from .urgent_rows import UrgentRequests


def _grouping(session: Session, grouping: str | None) -> str:
    """The grouping asked for (validated), or the program's current one."""
    if grouping is None:
        return current_grouping(session)
    regions.regions(grouping)  # ValidationFailed naming `grouping` when unknown
    return grouping


# ---------------------------------------------------------------------------------------
# One request, as each party sees it


def request_status(session: Session, token: Any, *, now: datetime) -> dict[str, Any]:
    """What the requester sees through their status link."""
    request, stored = MentorshipRequests(session).by_link(TokenPurpose.STATUS, token)
    verify_token(stored, token, now=now)
    holding = None if request.holder_id is None else Mentors(session).get(request.holder_id)
    return status_view(request, holding)


def leader_requests(session: Session, leader_id: Any) -> list[dict[str, Any]]:
    """The requests waiting on a leader or mentored by them, newest first."""
    leader = validated(LeaderRef, leader_id=leader_id).leader_id
    Mentors(session).get(leader)
    return [leader_view(request, leader) for request in MentorshipRequests(session).for_leader(leader)]


def _record(session: Session, request: MentorshipRequest, *, now: datetime) -> dict[str, Any]:
    return manager_record(request, names=Mentors(session).names(o.leader_id for o in request.offers),
                          grouping=current_grouping(session), now=now)


def get_request(session: Session, request_id: Any, *, now: datetime) -> dict[str, Any]:
    ref = validated(RequestRef, request_id=request_id)
    return _record(session, MentorshipRequests(session).get(ref.request_id, lock=False), now=now)


# ---------------------------------------------------------------------------------------
# The ranking of candidate leaders


def match_candidates(session: Session, match: MatchRequest, *, today: date, local_today: date, grouping: str,
                     limit: int | None) -> list[RankedCandidate]:
    """The best `limit` leaders for `match` (all eligible ones when None), with reasons."""
    candidates = gather_candidates(session, match, today=today, grouping=grouping, enough=limit)
    return rank_candidates(match, candidates, today=local_today, limit=limit, labels=EXPERTISE)


def rank_for(session: Session, request: MentorshipRequest, *, now: datetime, settings: LeadersSettings,
             limit: int | None = 10) -> list[RankedCandidate]:
    grouping = current_grouping(session)
    match = MatchRequest.for_request(request, region=region_names(grouping)[request.details.state])
    return match_candidates(session, match, today=now.date(), local_today=settings.policy.local_date(now),
                            grouping=grouping, limit=limit)


def candidates(session: Session, request_id: Any, limit: Any = 10, *, now: datetime,
               settings: LeadersSettings) -> dict[str, Any]:
    """The ranking the router would use now, best first, with each leader's reasons."""
    query = validated(CandidateQuery, request_id=request_id, limit=limit)
    request = MentorshipRequests(session).get(query.request_id, lock=False)
    ranked = rank_for(session, request, now=now, settings=settings, limit=query.limit)
    return {
        "request_id": request.id,
        "excluded_leader_ids": sorted(request.offered_leader_ids),
        "candidates": [
            {"rank": i, "leader_id": r.leader_id, "name": r.candidate.name, "state": r.candidate.state,
             "region": r.candidate.region, "place": r.place.value, "current_load": r.candidate.current_load,
             "max_mentees": r.candidate.max_mentees, "reasons": list(r.reasons)}
            for i, r in enumerate(ranked, start=1)
        ],
    }


# ---------------------------------------------------------------------------------------
# Lists and loads


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
            {"id": r.id, "state": r.state, "topic": r.topic, "topic_label": topic_label(r.topic),
             "urgency": r.urgency, "requester_name": r.requester_name, "agency": r.agency,
             "requester_state": r.requester_state, "region": region_of[r.requester_state],
             "leader": None if r.leader_id is None else {"id": r.leader_id, "name": leader_name},
             "created_at": iso(r.created_at), "confirmed_at": iso(r.confirmed_at),
             "accepted_at": iso(r.accepted_at), "due_at": iso(r.due_at),
             "overdue": r.state == RequestState.ACCEPTED.value and r.due_at is not None and r.due_at < now}
            for r, leader_name in rows
        ],
    }


def mentee_load() -> sa.Subquery:
    """(leader_id, load): accepted, not yet completed mentorships per leader, for coverage."""
    return (
        sa.select(MentorshipRequestRow.leader_id, sa.func.count().label("load"))
        .where(MentorshipRequestRow.state == RequestState.ACCEPTED.value)
        .group_by(MentorshipRequestRow.leader_id)
        .subquery("mentee_load")
    )


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
    leader (handed to the managers), accepted mentorships and the overdue ones; the requests
    confirmed in the window; over the offers made in the window, the median time to acceptance and the share accepted
    within the deadline (domain.aggregates.share_answered_within_deadline: offers still inside
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
    asked_window = ([request.confirmed_at >= start] if start is not None else []) + (
        [request.confirmed_at < end] if end is not None else [])
    asked = {
        r.requester_state: r for r in session.execute(
            sa.select(request.requester_state, sa.func.count().label("requests"))
            .where(request.confirmed_at.is_not(None), *asked_window).group_by(request.requester_state))
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
            "requests": total(asked, "requests"), "offers": total(answered, "offers"), "offers_decided": decided, "accepted_within_deadline": on_time,
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
        "grouping": grouping, "as_of": now.isoformat(), "window_start": iso(start), "window_end": iso(end),
        "national": figures(list(regions.STATES), national),
        "regions": region_rows,
    }


# ---------------------------------------------------------------------------------------
# Urgent requests (rapid response)


def leader_urgent_requests(session: Session, leader_id: Any) -> list[dict[str, Any]]:
    """The urgent requests offered to a leader, newest first: pending offers to answer,
    the ones they took, and how the others ended."""
    ref = validated(LeaderRef, leader_id=leader_id)
    requests = UrgentRequests(session)
    return [urgent_for_leader(requests.get(request_id, lock=False), ref.leader_id)
            for request_id in requests.for_leader(ref.leader_id)]


def list_urgent_requests(session: Session, open_only: Any = False, limit: Any = 50) -> list[dict[str, Any]]:
    """Urgent requests for the managers: the ones still waiting for a leader first (with
    nobody left, then offered), newest first within each."""
    query = validated(UrgentListQuery, open_only=open_only, limit=limit)
    table = UrgentRequestRow.__table__.c
    waiting_first = sa.case((table.state == UrgentState.WAITING.value, 0),
                            (table.state == UrgentState.OFFERED.value, 1), else_=2)
    select = sa.select(table.id).order_by(waiting_first, table.created_at.desc(), table.id.desc()).limit(query.limit)
    if query.open_only:
        select = select.where(table.state.in_([UrgentState.WAITING.value, UrgentState.OFFERED.value]))
    requests = UrgentRequests(session)
    loaded = [requests.get(request_id, lock=False) for request_id in session.execute(select).scalars()]
    names = Mentors(session).names(o.leader_id for r in loaded for o in r.offers)
    return [urgent_record(r, names) for r in loaded]
