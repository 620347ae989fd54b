"""Rapid response: after a hate incident, an officer or a community partner asks for
urgent help near a ZIP code. The request is offered at once to the nearest eligible
leaders (a round of up to three); the first to accept takes it and the other offers are
withdrawn; a round nobody accepts within its hours ends and the next nearest get it.

Distances are great-circle miles between the incident's ZIP code and each leader's own,
so the ranking ignores state lines: a leader across the river in the next state ranks
before one at the far end of the same state. Eligibility is the mentoring one (active,
back from away, trained, below capacity)."""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.contracts.email import InvalidEmail, normalise_email
from services.runtime.errors import Conflict, Forbidden, ValidationFailed
from services.runtime.places import Place, distance_miles, normal_zip

from .deadlines import require_aware
from .matching import Candidate, is_available

ROUND_SIZE = 3
DEFAULT_RESPONSE_HOURS = 4
REPORTER_ROLES = {"officer": "Law enforcement officer", "partner": "Community partner"}
URGENT_FIELDS = ("requester_name", "organisation", "role", "email", "phone", "postal_code",
                 "what_happened", "help_needed")
TEXT_LIMITS = {"requester_name": (1, 120), "organisation": (1, 200), "what_happened": (20, 4000),
               "help_needed": (5, 2000)}


class UrgentState(StrEnum):
    OFFERED = "offered"      # a round of offers waits for an answer
    WAITING = "waiting"      # nobody eligible left: with the program managers
    TAKEN = "taken"          # a leader accepted
    CLOSED = "closed"        # a manager closed it


class UrgentOfferState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # another leader took it first
    EXPIRED = "expired"


@dataclass(frozen=True)
class UrgentDetails:
    requester_name: str
    organisation: str
    role: str
    email: str
    phone: str | None
    postal_code: str
    place: Place
    state: str
    what_happened: str
    help_needed: str


def validate_urgent(data: Mapping[str, object], *,
                    locate_zip: Callable[[str], Place | None]) -> UrgentDetails:
    """Check a filed request; `locate_zip` gives a five-digit ZIP's place, or None.
    Raises ValidationFailed naming every bad field at once."""
    errors: list[dict] = []

    def fail(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    for unknown in sorted(set(data) - set(URGENT_FIELDS)):
        fail(unknown, "is not a field of an urgent request")
    values: dict[str, str | None] = {}
    for name in URGENT_FIELDS:
        raw = data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[name] = None
            if name != "phone":
                fail(name, "is required")
            continue
        if not isinstance(raw, str):
            fail(name, "must be text")
            continue
        value = raw.strip()
        # Single-line values end up in mail headers and subjects: no header injection.
        if name not in ("what_happened", "help_needed") and any(ch in value for ch in "\r\n"):
            fail(name, "must be a single line of text")
            continue
        if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in value):
            fail(name, "contains control characters")
            continue
        low, high = TEXT_LIMITS.get(name, (1, 254))
        if len(value) < low:
            fail(name, f"must be at least {low} characters")
        elif len(value) > high:
            fail(name, f"must be at most {high} characters")
        else:
            values[name] = value
    if values.get("email"):
        try:
            values["email"] = normalise_email(values["email"])
        except InvalidEmail as exc:
            fail("email", str(exc))
    if values.get("role") and values["role"] not in REPORTER_ROLES:
        fail("role", "must be 'officer' or 'partner'")
    if values.get("phone") and not all(ch.isdigit() or ch in " +-().x" for ch in values["phone"]):
        fail("phone", "must be a phone number (digits, spaces, + - ( ) .)")
    located = None
    if values.get("postal_code"):
        zip5 = normal_zip(values["postal_code"])
        located = locate_zip(zip5) if zip5 else None
        if zip5 is None:
            fail("postal_code", "must be a five-digit US ZIP code")
        elif located is None:
            fail("postal_code", f"{zip5} is not a known US ZIP code")
        else:
            values["postal_code"] = zip5
    if errors:
        raise ValidationFailed(errors)
    return UrgentDetails(place=located, state=located.state, **values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Located:
    """A leader who may be offered urgent requests, and where they are."""
    candidate: Candidate
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Nearby:
    leader_id: int
    name: str
    state: str
    miles: float


def nearest_leaders(place: Place, leaders: Iterable[Located], *, today: date, exclude: frozenset[int] = frozenset(),
                    limit: int = ROUND_SIZE) -> list[Nearby]:
    """The `limit` nearest eligible leaders to `place`, nearest first (ties: lowest load,
    then lowest id). Leaders in `exclude` (offered before) are left out."""
    keyed = []
    for located in leaders:
        c = located.candidate
        if (c.status != "active" or not c.trained_for_mentoring or c.current_load >= c.max_mentees
                or c.leader_id in exclude or not is_available(c.available, today)):
            continue
        miles = distance_miles(place.latitude, place.longitude, located.latitude, located.longitude)
        keyed.append(((miles, c.current_load / c.max_mentees, c.leader_id), c))
    return [Nearby(c.leader_id, c.name, c.state, round(key[0], 1))
            for key, c in heapq.nsmallest(limit, keyed, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class UrgentOffer:
    leader_id: int
    round: int
    miles: float
    offered_at: datetime
    deadline: datetime
    state: UrgentOfferState = UrgentOfferState.PENDING
    decided_at: datetime | None = None


@dataclass(frozen=True)
class UrgentRequest:
    details: UrgentDetails
    created_at: datetime
    id: int | None = None
    state: UrgentState = UrgentState.WAITING
    offers: tuple[UrgentOffer, ...] = ()
    taken_by: int | None = None
    taken_at: datetime | None = None

    @property
    def round(self) -> int:
        return max((o.round for o in self.offers), default=0)

    @property
    def pending(self) -> tuple[UrgentOffer, ...]:
        return tuple(o for o in self.offers if o.state == UrgentOfferState.PENDING)

    @property
    def offered_leader_ids(self) -> frozenset[int]:
        return frozenset(o.leader_id for o in self.offers)

    @property
    def deadline(self) -> datetime | None:
        pending = self.pending
        return pending[0].deadline if pending else None

    def offer_round(self, nearest: Iterable[Nearby], *, now: datetime, hours: int) -> UrgentRequest:
        """Offer the request to the next nearest leaders at once; with nobody left it
        waits with the program managers."""
        require_aware(now, "now")
        if self.state in (UrgentState.TAKEN, UrgentState.CLOSED):
            raise Conflict(f"the urgent request is already {self.state.value}")
        if self.pending:
            raise Conflict("a round of offers is still waiting for an answer")
        nearest = [n for n in nearest if n.leader_id not in self.offered_leader_ids]
        if not nearest:
            return replace(self, state=UrgentState.WAITING)
        deadline = now + timedelta(hours=hours)
        new = tuple(UrgentOffer(n.leader_id, self.round + 1, n.miles, now, deadline) for n in nearest)
        return replace(self, state=UrgentState.OFFERED, offers=self.offers + new)

    def accept(self, leader_id: int, *, now: datetime) -> UrgentRequest:
        """The first offered leader to accept takes it; every other pending offer is withdrawn."""
        require_aware(now, "now")
        offer = self._answerable(leader_id, "accept", now)
        offers = tuple(
            replace(o, state=UrgentOfferState.ACCEPTED, decided_at=now) if o is offer
            else replace(o, state=UrgentOfferState.WITHDRAWN, decided_at=now) if o.state == UrgentOfferState.PENDING
            else o
            for o in self.offers)
        return replace(self, state=UrgentState.TAKEN, offers=offers, taken_by=leader_id, taken_at=now)

    def decline(self, leader_id: int, *, now: datetime) -> UrgentRequest:
        """The leader says no; when the round's last offer is declined it ends early."""
        require_aware(now, "now")
        offer = self._answerable(leader_id, "decline", now)
        offers = tuple(replace(o, state=UrgentOfferState.DECLINED, decided_at=now) if o is offer else o
                       for o in self.offers)
        return replace(self, offers=offers)

    def expire_round(self, *, now: datetime) -> UrgentRequest:
        """The round's hours are up: its pending offers expire (the caller offers the next)."""
        require_aware(now, "now")
        offers = tuple(replace(o, state=UrgentOfferState.EXPIRED, decided_at=now)
                       if o.state == UrgentOfferState.PENDING and now >= o.deadline else o for o in self.offers)
        return replace(self, offers=offers)

    def _answerable(self, leader_id: int, verb: str, now: datetime) -> UrgentOffer:
        mine = [o for o in self.offers if o.leader_id == leader_id]
        if not mine:
            raise Forbidden(f"only a leader this urgent request was offered to can {verb} it")
        offer = mine[-1]
        if self.state == UrgentState.TAKEN:
            who = "you" if self.taken_by == leader_id else "another leader"
            raise Conflict(f"cannot {verb}: {who} already took this urgent request")
        if self.state == UrgentState.CLOSED:
            raise Conflict(f"cannot {verb}: the urgent request is closed")
        if offer.state != UrgentOfferState.PENDING:
            raise Conflict(f"cannot {verb}: your offer was {offer.state.value}")
        if now >= offer.deadline:
            raise Conflict(f"cannot {verb}: your offer expired at {offer.deadline.isoformat()}")
        return offer
