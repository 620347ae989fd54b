"""Rows <-> domain objects for the mentorship room, and its unit of work.

A request is loaded whole (row, offers, audit trail) into the domain's frozen
MentorshipRequest; `save` writes the difference from what was loaded: the row's fields,
new or changed offers and new audit entries. Leaders are read as the room needs them
(`Leader` for events, `Candidate` for matching); the roster owns their rows.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.runtime.errors import Forbidden, NotFound
from services.runtime.uow import UnitOfWork

from .. import regions
from ..models import (
    LeaderExpertiseRow,
    LeaderRow,
    MentorshipAuditRow,
    MentorshipOfferRow,
    MentorshipRequestRow,
    ProgramSettingsRow,
    TrainingCompletionRow,
)
from .domain.details import RequestDetails, Urgency
from .domain.leaders import Leader
from .domain.lifecycle import Actor, AuditEntry, MentorshipRequest, Offer, OfferState, RequestState
from .domain.matching import Candidate, MatchRequest
from .domain.tokens import MAX_PRESENTED_TOKEN, StoredToken, TokenPurpose, hash_token
from .roster import MENTORING_MODULES, region_names
from .urgent_rows import UrgentRequests, nearest_located

# ---------------------------------------------------------------------------------------
# Requests with their offers and audit trail


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


def _offer_values(offer: Offer) -> dict[str, Any]:
    return {"leader_id": offer.leader_id, "state": offer.state.value, "offered_at": offer.offered_at,
            "deadline": offer.deadline, "reminder_at": offer.reminder_at,
            "reminder_sent_at": offer.reminder_sent_at, "decided_at": offer.decided_at, "note": offer.note}


class MentorshipRequests:
    """Requests as domain objects. `get` and `by_token` lock the request for the
    transaction on PostgreSQL (SQLite already writes one transaction at a time), so a
    leader's answer and a deadline sweep never interleave."""

    def __init__(self, session: Session):
        self.session = session
        self._loaded: dict[int, _Loaded] = {}

    def add(self, request: MentorshipRequest, *, confirm: StoredToken, status: StoredToken,
            now: datetime) -> MentorshipRequest:
        """Store a new request with the digests of its links; returns it with its id."""
        details = request.details
        row = MentorshipRequestRow(
            requester_name=details.requester_name, agency=details.agency, role=details.role, email=details.email,
            requester_state=details.state, topic=details.topic, description=details.description,
            urgency=details.urgency.value, state=request.state.value, created_at=request.created_at,
            confirm_token_digest=confirm.digest, confirm_token_expires_at=confirm.expires_at,
            status_token_digest=status.digest, updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        self._loaded[row.id] = _Loaded(row, (), replace(request, id=row.id, audit=()))
        stored = replace(request, id=row.id)
        self.save(stored, now=now)
        return stored

    def get(self, request_id: int, *, lock: bool = True) -> MentorshipRequest:
        row = self.session.get(MentorshipRequestRow, request_id, with_for_update=lock, populate_existing=True)
        if row is None:
            raise NotFound(f"no mentorship request with id {request_id}", field="request_id")
        return self._load(row)

    def by_link(self, purpose: TokenPurpose, token: Any) -> tuple[MentorshipRequest, StoredToken]:
        """The request behind a presented confirmation or status link, with what is stored
        of its token; Forbidden (naming `token`) when no request has that link."""
        if not isinstance(token, str) or not token or len(token) > MAX_PRESENTED_TOKEN:
            raise Forbidden("this link is not valid", field="token")
        column = (MentorshipRequestRow.confirm_token_digest if purpose == TokenPurpose.CONFIRM
                  else MentorshipRequestRow.status_token_digest)
        row = self.session.execute(
            sa.select(MentorshipRequestRow).where(column == hash_token(token))
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if row is None:
            raise Forbidden("this link is not valid", field="token")
        if purpose == TokenPurpose.CONFIRM:
            stored = StoredToken(TokenPurpose.CONFIRM, row.confirm_token_digest, row.created_at,
                                 expires_at=row.confirm_token_expires_at, used_at=row.confirm_token_used_at)
        else:
            stored = StoredToken(TokenPurpose.STATUS, row.status_token_digest, row.created_at)
        return self._load(row), stored

    def use_confirm_token(self, request_id: int, used: StoredToken) -> None:
        self._loaded[request_id].row.confirm_token_used_at = used.used_at

    def waiting_on(self, leader_id: int) -> list[int]:
        """Ids of the requests whose pending offer waits on this leader, oldest first."""
        return list(self.session.execute(
            sa.select(MentorshipRequestRow.id).where(MentorshipRequestRow.state == RequestState.OFFERED.value,
                                                     MentorshipRequestRow.leader_id == leader_id)
            .order_by(MentorshipRequestRow.id)
        ).scalars())

    def handed_over(self) -> list[int]:
        """Ids of the requests handed to the managers, oldest first: at rest, a confirmed
        request is open only when no eligible leader was left for it."""
        return list(self.session.execute(
            sa.select(MentorshipRequestRow.id).where(MentorshipRequestRow.state == RequestState.OPEN.value)
            .order_by(MentorshipRequestRow.id)
        ).scalars())

    def for_leader(self, leader_id: int) -> list[MentorshipRequest]:
        """The requests waiting on a leader or mentored by them, newest first."""
        rows = self.session.execute(
            sa.select(MentorshipRequestRow).where(MentorshipRequestRow.leader_id == leader_id)
            .order_by(MentorshipRequestRow.created_at.desc(), MentorshipRequestRow.id.desc())
        ).scalars().all()
        return [self._load(row) for row in rows]

    def save(self, after: MentorshipRequest, *, now: datetime) -> None:
        loaded = self._loaded[after.id]
        row, before = loaded.row, loaded.request
        row.state = after.state.value
        row.confirmed_at = after.confirmed_at
        row.accepted_at = after.accepted_at
        row.agreed_days = after.agreed_days
        row.due_at = after.due_at
        row.completed_at = after.completed_at
        row.outcome_note = after.outcome_note
        row.closed_at = after.closed_at
        row.leader_id = after.holder_id
        row.updated_at = now

        offer_rows = list(loaded.offer_rows)
        for index, offer in enumerate(after.offers[:len(offer_rows)]):
            for name, value in _offer_values(offer).items():
                setattr(offer_rows[index], name, value)
        # The old offer leaves "pending" before a new one arrives: at most one may be pending.
        self.session.flush()
        for index in range(len(offer_rows), len(after.offers)):
            new_row = MentorshipOfferRow(request_id=row.id, attempt=index + 1, **_offer_values(after.offers[index]))
            self.session.add(new_row)
            offer_rows.append(new_row)
        for seq, entry in enumerate(after.audit[len(before.audit):], start=len(before.audit) + 1):
            self.session.add(MentorshipAuditRow(
                request_id=row.id, seq=seq, action=entry.action, from_state=entry.from_state.value,
                to_state=entry.to_state.value, actor=str(entry.actor), at=entry.at, note=entry.note,
            ))
        self.session.flush()
        self._loaded[after.id] = _Loaded(row, tuple(offer_rows), after)

    def _load(self, row: MentorshipRequestRow) -> MentorshipRequest:
        offer_rows = tuple(self.session.execute(
            sa.select(MentorshipOfferRow).where(MentorshipOfferRow.request_id == row.id)
            .order_by(MentorshipOfferRow.attempt).execution_options(populate_existing=True)
        ).scalars())
        audit_rows = self.session.execute(
            sa.select(MentorshipAuditRow.action, MentorshipAuditRow.from_state, MentorshipAuditRow.to_state,
                      MentorshipAuditRow.actor, MentorshipAuditRow.at, MentorshipAuditRow.note)
            .where(MentorshipAuditRow.request_id == row.id).order_by(MentorshipAuditRow.seq)
        ).all()
        request = _to_request(row, offer_rows, audit_rows)
        self._loaded[row.id] = _Loaded(row, offer_rows, request)
        return request


# ---------------------------------------------------------------------------------------
# Leaders: who they are, and who may be offered a request


class Mentors:
    """The roster's leaders, read as mentorship needs them."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, leader_id: int) -> Leader:
        row = self.session.get(LeaderRow, leader_id)
        if row is None:
            raise NotFound(f"no leader with id {leader_id}", field="leader_id")
        return Leader(id=row.id, name=row.name, email=row.email, agency=row.agency, title=row.title,
                      phone=row.phone, status=row.status, away_until=row.away_until)

    def names(self, leader_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted(set(leader_ids))
        if not ids:
            return {}
        return dict(self.session.execute(sa.select(LeaderRow.id, LeaderRow.name).where(LeaderRow.id.in_(ids))).all())

    def candidates(self, match: MatchRequest, *, today: date, grouping: str, enough: int | None) -> list[Candidate]:
        return gather_candidates(self.session, match, today=today, grouping=grouping, enough=enough)

    def near(self, latitude: float, longitude: float, *, today: date, exclude: frozenset[int],
             enough: int) -> list:
        """Eligible leaders with a place, enough around the point to rank the nearest."""
        return nearest_located(self.session, latitude, longitude, today=today, exclude=exclude, enough=enough)


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
        for module in sorted(MENTORING_MODULES)
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
    region_of = region_names(grouping)
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


# ---------------------------------------------------------------------------------------
# The program's region grouping


def current_grouping(session: Session) -> str:
    """The grouping the program uses now (program_settings), the default until a manager
    chooses another."""
    row = session.get(ProgramSettingsRow, 1)
    return regions.DEFAULT_GROUPING if row is None else row.region_grouping


class RegionGrouping:
    def __init__(self, session: Session):
        self.session = session

    def current(self) -> str:
        return current_grouping(self.session)


# ---------------------------------------------------------------------------------------
# The unit of work


class MentorshipRepositories:
    """The room's repositories on the service's unit of work: mixed in before
    UnitOfWork (or a unit of work that has other repositories) so each sets its own."""

    def __init__(self, session: Session, source: str):
        super().__init__(session, source)  # type: ignore[call-arg]
        self.requests = MentorshipRequests(session)
        self.urgent = UrgentRequests(session)
        self.mentors = Mentors(session)
        self.region_grouping = RegionGrouping(session)


class MentorshipUnitOfWork(MentorshipRepositories, UnitOfWork):
    """The leaders service's unit of work as the mentorship use cases see it."""
