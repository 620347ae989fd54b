"""An in-memory unit of work for the mentorship use cases: the same repositories as
services/leaders/mentorship/repository.py (same methods, same refusals), the events
published and the timer jobs scheduled."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from services.leaders.mentorship.domain.leaders import Leader
from services.leaders.mentorship.domain.lifecycle import MentorshipRequest, RequestState
from services.leaders.mentorship.domain.matching import Candidate, MatchRequest
from services.leaders.mentorship.domain.tokens import MAX_PRESENTED_TOKEN, StoredToken, TokenPurpose, hash_token
from services.leaders.mentorship.roster import region_names
from services.leaders.regions import DEFAULT_GROUPING
from services.runtime.errors import Forbidden, NotFound


@dataclass
class _Stored:
    request: MentorshipRequest
    confirm: StoredToken
    status: StoredToken


class FakeRequests:
    def __init__(self):
        self.stored: dict[int, _Stored] = {}

    def add(self, request: MentorshipRequest, *, confirm: StoredToken, status: StoredToken,
            now: datetime) -> MentorshipRequest:
        request = replace(request, id=len(self.stored) + 1)
        self.stored[request.id] = _Stored(request, confirm, status)
        return request

    def get(self, request_id: int, *, lock: bool = True) -> MentorshipRequest:
        if request_id not in self.stored:
            raise NotFound(f"no mentorship request with id {request_id}", field="request_id")
        return self.stored[request_id].request

    def by_link(self, purpose: TokenPurpose, token: Any) -> tuple[MentorshipRequest, StoredToken]:
        if not isinstance(token, str) or not token or len(token) > MAX_PRESENTED_TOKEN:
            raise Forbidden("this link is not valid", field="token")
        for stored in self.stored.values():
            link = stored.confirm if purpose == TokenPurpose.CONFIRM else stored.status
            if link.digest == hash_token(token):
                return stored.request, link
        raise Forbidden("this link is not valid", field="token")

    def use_confirm_token(self, request_id: int, used: StoredToken) -> None:
        self.stored[request_id].confirm = used

    def waiting_on(self, leader_id: int) -> list[int]:
        return sorted(i for i, s in self.stored.items()
                      if s.request.state == RequestState.OFFERED and s.request.holder_id == leader_id)

    def handed_over(self) -> list[int]:
        return sorted(i for i, s in self.stored.items() if s.request.state == RequestState.OPEN)

    def for_leader(self, leader_id: int) -> list[MentorshipRequest]:
        mine = [s.request for s in self.stored.values() if s.request.holder_id == leader_id]
        return sorted(mine, key=lambda r: (r.created_at, r.id), reverse=True)

    def save(self, after: MentorshipRequest, *, now: datetime) -> None:
        self.stored[after.id].request = after

    # -- for the tests --------------------------------------------------------------------

    def put(self, request: MentorshipRequest) -> MentorshipRequest:
        """Store a request built by the domain builders, with links nobody holds."""
        request = replace(request, id=len(self.stored) + 1)
        unused = StoredToken(TokenPurpose.STATUS, "0" * 64, request.created_at)
        self.stored[request.id] = _Stored(request, replace(unused, purpose=TokenPurpose.CONFIRM), unused)
        return request


@dataclass
class _Profile:
    leader: Leader
    state: str
    expertise: frozenset[str]
    max_mentees: int
    trained: bool


class FakeMentors:
    """Leaders, and the candidates the SQL would load for a match: active, back by
    `today`, trained, below capacity, not excluded."""

    def __init__(self, requests: FakeRequests):
        self.requests = requests
        self.profiles: dict[int, _Profile] = {}

    def add(self, leader_id: int, name: str, state: str = "OH", *,
            expertise: Iterable[str] = ("hate-crime-investigation",), max_mentees: int = 2, trained: bool = True,
            status: str = "active", away_until: date | None = None) -> int:
        email = name.lower().replace(" ", ".") + "@pd.example.gov"
        leader = Leader(id=leader_id, name=name, email=email, agency=f"{state} Police", title="Sergeant",
                        phone=None, status=status, away_until=away_until)
        self.profiles[leader_id] = _Profile(leader, state, frozenset(expertise), max_mentees, trained)
        return leader_id

    def change(self, leader_id: int, **changes) -> None:
        profile = self.profiles[leader_id]
        profile.leader = replace(profile.leader, **changes)

    def get(self, leader_id: int) -> Leader:
        if leader_id not in self.profiles:
            raise NotFound(f"no leader with id {leader_id}", field="leader_id")
        return self.profiles[leader_id].leader

    def names(self, leader_ids: Iterable[int]) -> dict[int, str]:
        return {i: self.profiles[i].leader.name for i in set(leader_ids) if i in self.profiles}

    def candidates(self, match: MatchRequest, *, today: date, grouping: str, enough: int | None) -> list[Candidate]:
        requests = [s.request for s in self.requests.stored.values()]
        region_of = region_names(grouping)
        found = []
        for leader_id, p in self.profiles.items():
            load = sum(1 for r in requests if r.state == RequestState.ACCEPTED and r.holder_id == leader_id)
            away = p.leader.away_until is not None and p.leader.away_until > today
            if (p.leader.status != "active" or away or not p.trained or load >= p.max_mentees
                    or leader_id in match.exclude):
                continue
            offered = [o.offered_at for r in requests for o in r.offers if o.leader_id == leader_id]
            found.append(Candidate(
                leader_id=leader_id, name=p.leader.name, state=p.state, region=region_of[p.state],
                expertise=p.expertise & match.topics, trained_for_mentoring=True, max_mentees=p.max_mentees,
                current_load=load, last_offered_at=max(offered, default=None)))
        return found


class FakeUrgentRequests:
    """No urgent requests: these use cases are tested on the real storage
    (tests/integration/mentorship/test_urgent.py)."""

    def waiting(self) -> list[int]:
        return []


class FakeRegionGrouping:
    def __init__(self, grouping: str = DEFAULT_GROUPING):
        self.grouping = grouping

    def current(self) -> str:
        return self.grouping


class FakeUnitOfWork:
    def __init__(self):
        self.requests = FakeRequests()
        self.mentors = FakeMentors(self.requests)
        self.region_grouping = FakeRegionGrouping()
        self.urgent = FakeUrgentRequests()
        self.published: list = []
        self.jobs: dict[tuple[str, str], tuple[datetime, dict]] = {}

    def publish(self, payload) -> None:
        self.published.append(payload)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict | None = None) -> None:
        self.jobs[(kind, key)] = (due_at, payload or {})

    def cancel_job(self, kind: str, key: str) -> None:
        self.jobs.pop((kind, key), None)

    # -- for the tests --------------------------------------------------------------------

    def types(self) -> list[str]:
        return [p.event_type for p in self.published]

    def kinds(self) -> set[tuple[str, str]]:
        return set(self.jobs)


# ---------------------------------------------------------------------------------------
# A small roster and a request through its first steps

OLIVIA, OMAR, MIA, TOM, UMA = 1, 2, 3, 4, 5


def roster(uow: FakeUnitOfWork) -> FakeUnitOfWork:
    """Olivia first for an Ohio hate-crime request, then Omar (same state), Mia (same
    region), Tom (national); Uma has not completed the mentoring training."""
    uow.mentors.add(OLIVIA, "Olivia Hart", "OH")
    uow.mentors.add(OMAR, "Omar Reed", "OH", expertise=("community-policing",))
    uow.mentors.add(MIA, "Mia Chen", "MI")
    uow.mentors.add(TOM, "Tom Diaz", "TX")
    uow.mentors.add(UMA, "Uma Stone", "OH", trained=False)
    return uow


def details(**overrides) -> dict:
    return {
        "requester_name": "Dana Reyes", "agency": "Springfield PD", "role": "Patrol sergeant",
        "email": "dana.reyes@springfield.gov", "state": "OH", "topic": "hate-crime-investigation",
        "description": "We had our first bias-motivated assault and want advice on the investigation.",
        "urgency": "normal", **overrides,
    }


def links(uow: FakeUnitOfWork, request_id: int) -> tuple[str, str]:
    """The confirm and status tokens, as the requester's mail carries them."""
    event = next(p for p in uow.published if p.event_type == "mentorship_requested" and p.request_id == request_id)
    return event.confirm_path.rsplit("/", 1)[1], event.status_path.rsplit("/", 1)[1]
