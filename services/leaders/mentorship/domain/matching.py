"""Matching requests to leaders: who is eligible, how they rank and why, and routing an
open request to the best leader it has not been offered to yet."""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from operator import itemgetter

from services.runtime.errors import Conflict

from .deadlines import DEFAULT_POLICY, DeadlinePolicy
from .lifecycle import SYSTEM, Actor, MentorshipRequest, RequestState, state_label


class PlaceTier(StrEnum):
    SAME_STATE = "same state"
    SAME_REGION = "same region"
    NATIONAL = "national"


_TIER_ORDER = (PlaceTier.SAME_STATE, PlaceTier.SAME_REGION, PlaceTier.NATIONAL)


@dataclass(frozen=True, slots=True)
class Candidate:
    leader_id: int
    name: str
    state: str
    region: str
    expertise: frozenset[str]
    status: str = "active"
    # True, False (away with no return date) or the last day the leader is away.
    available: bool | date = True
    trained_for_mentoring: bool = False
    max_mentees: int = 0
    current_load: int = 0
    last_offered_at: datetime | None = None


@dataclass(frozen=True)
class MatchRequest:
    state: str
    region: str
    topics: frozenset[str]
    exclude: frozenset[int] = frozenset()

    @classmethod
    def for_request(cls, request: MentorshipRequest, *, region: str) -> MatchRequest:
        """Match a request, leaving out every leader it was already offered to."""
        return cls(state=request.details.state, region=region, topics=frozenset({request.details.topic}),
                   exclude=request.offered_leader_ids)


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    candidate: Candidate
    # (place tier, -expertise matches, load ratio, last offered timestamp, leader id):
    # lower sorts first; the last two only break ties.
    score: tuple
    request: MatchRequest
    labels: Mapping[str, str] | None = None

    @property
    def leader_id(self) -> int:
        return self.candidate.leader_id

    @property
    def place(self) -> PlaceTier:
        return _TIER_ORDER[self.score[0]]

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why this leader ranks where they do, e.g. ("same state (OH)", "load 1 of 3").

        Built on demand: a full ranking of the roster is cheap, its wording is not.
        """
        c, label = self.candidate, (self.labels or {}).get
        if self.place == PlaceTier.SAME_STATE:
            where = f"same state ({c.state})"
        elif self.place == PlaceTier.SAME_REGION:
            where = f"same region ({c.region})"
        else:
            where = f"national ({c.state}, {c.region})"
        matched = sorted(self.request.topics & c.expertise)
        if matched:
            expertise = "expertise: " + ", ".join(label(t, t) for t in matched)
        else:
            expertise = "no expertise in " + ", ".join(label(t, t) for t in sorted(self.request.topics))
        return where, expertise, f"load {c.current_load} of {c.max_mentees}"


def is_available(available: bool | date, today: date) -> bool:
    """Away-until dates are inclusive: a leader away until the 10th is back on the 11th."""
    if isinstance(available, bool):
        return available
    return available < today


def ineligibility(candidate: Candidate, request: MatchRequest, today: date) -> str | None:
    """Why a leader cannot be offered the request, or None when they can."""
    if candidate.status != "active":
        return f"status is {candidate.status}"
    if not is_available(candidate.available, today):
        if isinstance(candidate.available, date):
            return f"away until {candidate.available.isoformat()}"
        return "away"
    if not candidate.trained_for_mentoring:
        return "has not completed the mentoring training"
    if candidate.current_load >= candidate.max_mentees:
        return f"at capacity ({candidate.current_load} of {candidate.max_mentees})"
    if candidate.leader_id in request.exclude:
        return "already offered this request"
    return None


_SCORE = itemgetter(0)


def rank_candidates(request: MatchRequest, candidates: Iterable[Candidate], *, today: date,
                    limit: int | None = 10, labels: Mapping[str, str] | None = None) -> list[RankedCandidate]:
    """Eligible leaders for a request, best first, each with its score and reasons.

    Ranked by place (same state, same region, national), then the number of the
    request's topics in the leader's expertise, then load relative to capacity; ties
    go to the leader offered least recently (never offered first), then the lowest id.
    An empty list means nobody is eligible and a manager must step in.
    """
    state, region, topics, exclude = request.state, request.region, request.topics, request.exclude
    never = float("-inf")
    keyed = []
    append = keyed.append
    # One pass with the eligibility tests inlined: this runs over the whole roster for
    # every routing decision, so a function call per candidate would dominate.
    for c in candidates:
        if (c.status != "active" or not c.trained_for_mentoring or c.current_load >= c.max_mentees
                or c.leader_id in exclude):
            continue
        available = c.available
        if available is not True and (available is False or available >= today):
            continue
        tier = 0 if c.state == state else 1 if c.region == region else 2
        last = c.last_offered_at
        append(((tier, -len(topics & c.expertise), c.current_load / c.max_mentees,
                 never if last is None else last.timestamp(), c.leader_id), c))

    if limit is None:
        best = sorted(keyed, key=_SCORE)
    else:
        best = heapq.nsmallest(limit, keyed, key=_SCORE)
    return [RankedCandidate(c, key, request, labels) for key, c in best]


@dataclass(frozen=True)
class RoutingResult:
    request: MentorshipRequest
    chosen: RankedCandidate | None

    @property
    def exhausted(self) -> bool:
        return self.chosen is None


def route_next(request: MentorshipRequest, candidates: Iterable[Candidate], *, region: str, now: datetime,
               policy: DeadlinePolicy = DEFAULT_POLICY, labels: Mapping[str, str] | None = None) -> RoutingResult:
    """Offer an open request to the best eligible leader it has not been offered to yet.

    When nobody is left the request stays open and `exhausted` is true: the caller tells
    the manager.
    """
    if request.state != RequestState.OPEN:
        raise Conflict(f"cannot route the request: it is {state_label(request.state)}, not open")
    ranked = rank_candidates(MatchRequest.for_request(request, region=region), candidates,
                             today=policy.local_date(now), limit=1, labels=labels)
    if not ranked:
        return RoutingResult(request, None)
    best = ranked[0]
    note = f"offered to leader {best.leader_id}: " + "; ".join(best.reasons)
    return RoutingResult(request.offer(best.leader_id, now=now, policy=policy, note=note), best)


def handed_to_managers(request: MentorshipRequest) -> bool:
    """Was the request handed to the program managers because no eligible leader was left,
    and is it still waiting for one? Such a request is offered again, to a leader it has
    not been offered to, as soon as one becomes eligible."""
    return (request.state == RequestState.OPEN and bool(request.audit)
            and request.audit[-1].action == "escalate")


def pending_offers_for(leader_id: int, requests: Iterable[MentorshipRequest]) -> list[MentorshipRequest]:
    """Requests currently waiting for this leader's answer."""
    return [r for r in requests if (o := r.current_offer) is not None and o.leader_id == leader_id]


def withdraw_for_away(leader_id: int, requests: Iterable[MentorshipRequest], *, now: datetime,
                      away_until: date | None = None, actor: Actor = SYSTEM) -> list[MentorshipRequest]:
    """A leader set themself away: every offer waiting on them is withdrawn at once.

    Returns the withdrawn requests (now open), ready to be routed to the next candidate;
    accepted mentorships stay with the leader.
    """
    note = f"leader {leader_id} is away" + (f" until {away_until.isoformat()}" if away_until else "")
    return [r.withdraw_offer(actor, now=now, note=note) for r in pending_offers_for(leader_id, requests)]
