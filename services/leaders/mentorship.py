"""Mentorship requests: validation, lifecycle, status links, matching, deadlines, aggregates.

Plain Python with no I/O. Everything that depends on the time takes `now` (an aware
datetime), so the service and the tests decide what "now" is. Requests are frozen
dataclasses: a transition validates everything first and returns a new request, so a
refused transition changes nothing.
"""
from __future__ import annotations

import hashlib
import heapq
import hmac
import secrets
import statistics
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter
from types import MappingProxyType
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from services.runtime.errors import Conflict, Forbidden, ValidationFailed

# --------------------------------------------------------------------------------------
# Request details and their validation
# --------------------------------------------------------------------------------------


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


NAME_MAX = 120
AGENCY_MAX = 200
ROLE_MAX = 120
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 4000
OUTCOME_NOTE_MAX = 2000
REASON_MAX = 1000
DEFAULT_AGREED_DAYS = 90
MAX_AGREED_DAYS = 365

REQUEST_FIELDS = ("requester_name", "agency", "role", "email", "state", "topic", "description", "urgency")

StateCheck = Collection[str] | Callable[[str], bool]


@dataclass(frozen=True)
class RequestDetails:
    requester_name: str
    agency: str
    role: str
    email: str
    state: str
    topic: str
    description: str
    urgency: Urgency = Urgency.NORMAL


def validate_request(data: Mapping[str, object], *, topics: Collection[str], states: StateCheck) -> RequestDetails:
    """Check a submitted request and return its normalised details.

    `topics` is the expertise vocabulary (slugs, or a mapping of slug to label) and
    `states` the known state codes or a predicate: both live in other modules.
    Raises ValidationFailed naming every bad field at once.
    """
    errors: list[dict] = []

    def fail(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    for unknown in sorted(set(data) - set(REQUEST_FIELDS)):
        fail(unknown, "is not a field of a mentorship request")

    def text(name: str, *, max_len: int, min_len: int = 1, multiline: bool = False,
             required: bool = True) -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                fail(name, "is required")
            return None
        if not isinstance(value, str):
            fail(name, "must be text")
            return None
        value = value.strip()
        # Single-line values end up in mail headers and subjects, where a line break
        # would let a requester inject headers.
        if not multiline and any(ch in value for ch in "\r\n"):
            fail(name, "must be a single line")
            return None
        if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in value):
            fail(name, "contains control characters")
            return None
        if len(value) < min_len:
            fail(name, f"must be at least {min_len} characters")
            return None
        if len(value) > max_len:
            fail(name, f"must be at most {max_len} characters")
            return None
        return value

    requester_name = text("requester_name", max_len=NAME_MAX)
    agency = text("agency", max_len=AGENCY_MAX)
    role = text("role", max_len=ROLE_MAX)
    description = text("description", min_len=DESCRIPTION_MIN, max_len=DESCRIPTION_MAX, multiline=True)

    email = text("email", max_len=254)
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            fail("email", str(exc))
            email = None

    state = text("state", max_len=40)
    if state is not None:
        state = state.upper()
        if len(state) != 2 or not state.isalpha():
            fail("state", "must be a two-letter state code")
            state = None
        elif not (states(state) if callable(states) else state in states):
            fail("state", f"{state} is not a known state or territory")
            state = None

    topic = text("topic", max_len=80)
    if topic is not None:
        topic = topic.lower()
        if topic not in topics:
            fail("topic", f"{topic!r} is not one of the expertise topics")
            topic = None

    urgency = Urgency.NORMAL
    raw_urgency = text("urgency", max_len=20, required=False)
    if raw_urgency is not None:
        try:
            urgency = Urgency(raw_urgency.lower())
        except ValueError:
            fail("urgency", "must be 'normal' or 'urgent'")

    if errors:
        raise ValidationFailed(errors)
    return RequestDetails(
        requester_name=requester_name, agency=agency, role=role, email=email,  # type: ignore[arg-type]
        state=state, topic=topic, description=description, urgency=urgency,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------------------
# Business days, US federal holidays, response deadlines
# --------------------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Mon=0) of a month; n=-1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    # 5 U.S.C. 6103(b): a Saturday holiday is observed on Friday, a Sunday one on Monday.
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _actual_holidays(year: int) -> dict[date, str]:
    days = {
        date(year, 1, 1): "New Year's Day",
        _nth_weekday(year, 1, 0, 3): "Birthday of Martin Luther King, Jr.",
        _nth_weekday(year, 2, 0, 3): "Washington's Birthday",
        _nth_weekday(year, 5, 0, -1): "Memorial Day",
        date(year, 7, 4): "Independence Day",
        _nth_weekday(year, 9, 0, 1): "Labor Day",
        _nth_weekday(year, 10, 0, 2): "Columbus Day",
        date(year, 11, 11): "Veterans Day",
        _nth_weekday(year, 11, 3, 4): "Thanksgiving Day",
        date(year, 12, 25): "Christmas Day",
    }
    if year >= 2021:
        days[date(year, 6, 19)] = "Juneteenth National Independence Day"
    return days


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> Mapping[date, str]:
    """US federal holidays observed in `year` (the rules in force since 2021).

    Observed days can cross a year boundary: New Year's Day on a Saturday is observed on
    the Friday before, in the previous year.
    """
    observed = {}
    for source_year in (year, year + 1):
        for day, name in _actual_holidays(source_year).items():
            shifted = _observed(day)
            if shifted.year == year:
                observed[shifted] = name if shifted == day else f"{name} (observed)"
    return MappingProxyType(dict(sorted(observed.items())))


def is_federal_holiday(day: date) -> bool:
    return day in federal_holidays(day.year)


def is_business_day(day: date, holidays: Callable[[date], bool] = is_federal_holiday) -> bool:
    return day.weekday() < 5 and not holidays(day)


def add_business_time(start: datetime, amount: timedelta, *, zone: ZoneInfo,
                      holidays: Callable[[date], bool] = is_federal_holiday) -> datetime:
    """The UTC instant when `amount` of business time has passed since `start`.

    Only time on local business days counts, and it is counted on the local wall clock,
    so "two business days" from Friday 15:00 is Tuesday 15:00 local time even when a
    clock change falls in between. Time spent on a weekend or holiday does not count:
    an offer made on a Saturday starts its clock at midnight on Monday.
    """
    _require_aware(start, "start")
    if amount <= timedelta(0):
        raise ValueError("amount of business time must be positive")
    cursor = start.astimezone(zone).replace(tzinfo=None)
    remaining = amount
    while True:
        day = cursor.date()
        next_midnight = datetime.combine(day + timedelta(days=1), time())
        if is_business_day(day, holidays):
            left_today = next_midnight - cursor
            if remaining <= left_today:
                return (cursor + remaining).replace(tzinfo=zone).astimezone(timezone.utc)
            remaining -= left_today
        cursor = next_midnight


@dataclass(frozen=True)
class DeadlinePolicy:
    """How long a leader has to answer an offer, in business time.

    Urgent requests get one business day instead of two: the same calendar notion as
    normal ones, so a leader can reason about both the same way. The reminder is due
    half-way through the business time, so it never lands on a weekend.
    """

    normal: timedelta = timedelta(days=2)
    urgent: timedelta = timedelta(days=1)
    zone_name: str = "America/New_York"
    holidays: Callable[[date], bool] = is_federal_holiday

    def __post_init__(self) -> None:
        if self.normal <= timedelta(0) or self.urgent <= timedelta(0):
            raise ValueError("response times must be positive")
        if self.urgent > self.normal:
            raise ValueError("the urgent response time cannot be longer than the normal one")
        ZoneInfo(self.zone_name)  # fail at configuration time on an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def response_time(self, urgency: Urgency) -> timedelta:
        return self.urgent if urgency == Urgency.URGENT else self.normal

    def deadline(self, offered_at: datetime, urgency: Urgency) -> datetime:
        return add_business_time(offered_at, self.response_time(urgency), zone=self.zone, holidays=self.holidays)

    def reminder_at(self, offered_at: datetime, urgency: Urgency) -> datetime:
        return add_business_time(offered_at, self.response_time(urgency) / 2, zone=self.zone, holidays=self.holidays)

    def local_date(self, now: datetime) -> date:
        _require_aware(now, "now")
        return now.astimezone(self.zone).date()


DEFAULT_POLICY = DeadlinePolicy()


# --------------------------------------------------------------------------------------
# Actors, audit entries, offers and the request lifecycle
# --------------------------------------------------------------------------------------


class ActorKind(StrEnum):
    REQUESTER = "requester"
    LEADER = "leader"
    MANAGER = "manager"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ActorKind(self.kind))
        if self.kind in (ActorKind.LEADER, ActorKind.MANAGER) and self.id is None:
            raise ValueError(f"a {self.kind} actor needs an id")
        if self.kind == ActorKind.SYSTEM and self.id is not None:
            raise ValueError("the system actor has no id")

    @classmethod
    def leader(cls, leader_id: int) -> Actor:
        return cls(ActorKind.LEADER, leader_id)

    @classmethod
    def manager(cls, manager_id: int) -> Actor:
        return cls(ActorKind.MANAGER, manager_id)

    @classmethod
    def parse(cls, text: str) -> Actor:
        """Read the "kind" or "kind:id" form used in audit trails."""
        kind, _, ident = text.partition(":")
        try:
            return cls(ActorKind(kind), int(ident) if ident else None)
        except ValueError:
            raise ValueError(f"not an actor: {text!r}") from None

    def __str__(self) -> str:
        return self.kind.value if self.id is None else f"{self.kind.value}:{self.id}"


REQUESTER = Actor(ActorKind.REQUESTER)
SYSTEM = Actor(ActorKind.SYSTEM)


class RequestState(StrEnum):
    UNCONFIRMED = "unconfirmed"
    OPEN = "open"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    CLOSED_UNANSWERED = "closed_unanswered"


FINAL_STATES = frozenset({RequestState.COMPLETED, RequestState.CANCELLED, RequestState.CLOSED_UNANSWERED})


class OfferState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class AuditEntry:
    action: str
    from_state: RequestState
    to_state: RequestState
    actor: Actor
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class Offer:
    leader_id: int
    offered_at: datetime
    deadline: datetime
    reminder_at: datetime
    state: OfferState = OfferState.PENDING
    decided_at: datetime | None = None
    note: str | None = None
    reminder_sent_at: datetime | None = None

    def reminder_due(self, now: datetime) -> bool:
        return (self.state == OfferState.PENDING and self.reminder_sent_at is None
                and self.reminder_at <= now < self.deadline)

    def is_past_deadline(self, now: datetime) -> bool:
        return now >= self.deadline


@dataclass(frozen=True)
class MentorshipRequest:
    details: RequestDetails
    created_at: datetime
    id: int | None = None
    state: RequestState = RequestState.UNCONFIRMED
    offers: tuple[Offer, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    confirmed_at: datetime | None = None
    accepted_at: datetime | None = None
    agreed_days: int | None = None
    completed_at: datetime | None = None
    outcome_note: str | None = None
    closed_at: datetime | None = None

    @classmethod
    def submit(cls, details: RequestDetails, *, now: datetime, id: int | None = None) -> MentorshipRequest:
        _require_aware(now, "now")
        entry = AuditEntry("submit", RequestState.UNCONFIRMED, RequestState.UNCONFIRMED, REQUESTER, now)
        return cls(details=details, created_at=now, id=id, audit=(entry,))

    # -- reading -----------------------------------------------------------------------

    @property
    def current_offer(self) -> Offer | None:
        """The pending offer, if the request is waiting for a leader's answer."""
        if self.state == RequestState.OFFERED:
            return self.offers[-1]
        return None

    @property
    def accepted_offer(self) -> Offer | None:
        return next((o for o in reversed(self.offers) if o.state == OfferState.ACCEPTED), None)

    @property
    def offered_leader_ids(self) -> frozenset[int]:
        return frozenset(o.leader_id for o in self.offers)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def due_at(self) -> datetime | None:
        """When the agreed length of an accepted mentorship runs out."""
        if self.accepted_at is None or self.agreed_days is None:
            return None
        return self.accepted_at + timedelta(days=self.agreed_days)

    def is_overdue(self, now: datetime) -> bool:
        return (self.state == RequestState.ACCEPTED
                and is_overdue(self.accepted_at, self.agreed_days, now))  # type: ignore[arg-type]

    # -- transitions -------------------------------------------------------------------

    def confirm(self, *, now: datetime) -> MentorshipRequest:
        """The requester confirmed their email address: the request may be routed."""
        _require_aware(now, "now")
        if self.is_final:
            raise Conflict(f"the request is {_label(self.state)}")
        if self.state != RequestState.UNCONFIRMED:
            raise Conflict("the request is already confirmed")
        return self._move(RequestState.OPEN, "confirm", REQUESTER, now, confirmed_at=now)

    def offer(self, leader_id: int, *, now: datetime, policy: DeadlinePolicy = DEFAULT_POLICY,
              actor: Actor = SYSTEM, note: str | None = None) -> MentorshipRequest:
        """Offer the request to one leader, with a deadline and a reminder time.

        The system never offers the same request to a leader twice; a manager assigning
        by hand may.
        """
        _require_aware(now, "now")
        if actor.kind not in (ActorKind.SYSTEM, ActorKind.MANAGER):
            raise Forbidden("only the program or a manager can offer a request to a leader")
        if self.state != RequestState.OPEN:
            raise Conflict(f"cannot offer the request: it is {_label(self.state)}, not open")
        if actor.kind == ActorKind.SYSTEM and leader_id in self.offered_leader_ids:
            raise Conflict(f"leader {leader_id} has already been offered this request")
        urgency = self.details.urgency
        new_offer = Offer(
            leader_id=leader_id, offered_at=now,
            deadline=policy.deadline(now, urgency), reminder_at=policy.reminder_at(now, urgency),
        )
        return self._move(RequestState.OFFERED, "offer", actor, now,
                          note=note or f"offered to leader {leader_id}",
                          offers=self.offers + (new_offer,))

    def accept(self, actor: Actor, *, now: datetime, agreed_days: int = DEFAULT_AGREED_DAYS) -> MentorshipRequest:
        _require_aware(now, "now")
        offer = self._answerable_offer(actor, "accept", now)
        if isinstance(agreed_days, bool) or not isinstance(agreed_days, int) or not 1 <= agreed_days <= MAX_AGREED_DAYS:
            raise ValidationFailed(f"must be a whole number of days from 1 to {MAX_AGREED_DAYS}",
                                   field="agreed_days")
        accepted = replace(offer, state=OfferState.ACCEPTED, decided_at=now)
        return self._move(RequestState.ACCEPTED, "accept", actor, now,
                          offers=self.offers[:-1] + (accepted,), accepted_at=now, agreed_days=agreed_days)

    def decline(self, actor: Actor, *, now: datetime, reason: str | None = None) -> MentorshipRequest:
        """The offered leader says no; the request goes back to open for the next candidate."""
        _require_aware(now, "now")
        offer = self._answerable_offer(actor, "decline", now)
        reason = _optional_note(reason, "reason", REASON_MAX)
        declined = replace(offer, state=OfferState.DECLINED, decided_at=now, note=reason)
        return self._move(RequestState.OPEN, "decline", actor, now, note=reason,
                          offers=self.offers[:-1] + (declined,))

    def expire_offer(self, *, now: datetime) -> MentorshipRequest:
        """The deadline passed without an answer; the request goes back to open."""
        _require_aware(now, "now")
        offer = self.current_offer
        if offer is None:
            raise Conflict(f"there is no pending offer to expire (the request is {_label(self.state)})")
        if not offer.is_past_deadline(now):
            raise Conflict(f"the offer to leader {offer.leader_id} is not due until {offer.deadline.isoformat()}")
        expired = replace(offer, state=OfferState.EXPIRED, decided_at=now)
        return self._move(RequestState.OPEN, "expire", SYSTEM, now,
                          note=f"leader {offer.leader_id} did not answer by {offer.deadline.isoformat()}",
                          offers=self.offers[:-1] + (expired,))

    def withdraw_offer(self, actor: Actor, *, now: datetime, note: str | None = None) -> MentorshipRequest:
        """Take back a pending offer (the leader went away, or a manager re-assigns)."""
        _require_aware(now, "now")
        offer = self.current_offer
        if offer is None:
            raise Conflict(f"there is no pending offer to withdraw (the request is {_label(self.state)})")
        allowed = actor.kind in (ActorKind.SYSTEM, ActorKind.MANAGER) or actor == Actor.leader(offer.leader_id)
        if not allowed:
            raise Forbidden("only the program, a manager or the offered leader can withdraw this offer")
        note = _optional_note(note, "note", REASON_MAX)
        withdrawn = replace(offer, state=OfferState.WITHDRAWN, decided_at=now, note=note)
        return self._move(RequestState.OPEN, "withdraw", actor, now, note=note,
                          offers=self.offers[:-1] + (withdrawn,))

    def cancel(self, actor: Actor = REQUESTER, *, now: datetime) -> MentorshipRequest:
        """The requester (through their status link) gives up the request."""
        _require_aware(now, "now")
        if actor.kind != ActorKind.REQUESTER:
            raise Forbidden("only the requester can cancel a request")
        if self.is_final:
            raise Conflict(f"the request is already {_label(self.state)}")
        return self._move(RequestState.CANCELLED, "cancel", actor, now, offers=self._withdraw_pending(now),
                          closed_at=now)

    def close_unanswered(self, actor: Actor, *, now: datetime, note: str | None = None) -> MentorshipRequest:
        """A manager closes a request nobody took (or that should not be routed)."""
        _require_aware(now, "now")
        if actor.kind != ActorKind.MANAGER:
            raise Forbidden("only a manager can close a request")
        if self.state not in (RequestState.UNCONFIRMED, RequestState.OPEN, RequestState.OFFERED):
            raise Conflict(f"cannot close the request: it is {_label(self.state)}")
        note = _optional_note(note, "note", REASON_MAX)
        return self._move(RequestState.CLOSED_UNANSWERED, "close", actor, now, note=note,
                          offers=self._withdraw_pending(now), closed_at=now)

    def complete(self, actor: Actor, *, now: datetime, outcome_note: str) -> MentorshipRequest:
        _require_aware(now, "now")
        if self.state != RequestState.ACCEPTED:
            raise Conflict(f"only an accepted mentorship can be completed (the request is {_label(self.state)})")
        mentor = self.accepted_offer
        if actor.kind != ActorKind.MANAGER and not (mentor and actor == Actor.leader(mentor.leader_id)):
            raise Forbidden("only the mentoring leader or a manager can complete this mentorship")
        outcome = _optional_note(outcome_note, "outcome_note", OUTCOME_NOTE_MAX)
        if outcome is None:
            raise ValidationFailed("is required", field="outcome_note")
        return self._move(RequestState.COMPLETED, "complete", actor, now, note=outcome,
                          completed_at=now, outcome_note=outcome)

    def record_reminder_sent(self, *, now: datetime) -> MentorshipRequest:
        """Mark the pending offer's reminder as sent, so no sweep sends it twice."""
        _require_aware(now, "now")
        offer = self.current_offer
        if offer is None or not offer.reminder_due(now):
            raise Conflict("no reminder is due for this request")
        return replace(self, offers=self.offers[:-1] + (replace(offer, reminder_sent_at=now),))

    # -- helpers -----------------------------------------------------------------------

    def _answerable_offer(self, actor: Actor, verb: str, now: datetime) -> Offer:
        if self.state != RequestState.OFFERED:
            if self.state == RequestState.ACCEPTED:
                raise Conflict(f"cannot {verb}: the request has already been accepted")
            last = self.offers[-1] if self.offers else None
            if last is not None and last.state == OfferState.EXPIRED and actor == Actor.leader(last.leader_id):
                raise Conflict(f"cannot {verb}: your offer expired at {last.deadline.isoformat()}")
            raise Conflict(f"cannot {verb}: the request is {_label(self.state)} and has no pending offer")
        offer = self.offers[-1]
        if actor != Actor.leader(offer.leader_id):
            # A leader whose own offer ended (e.g. expired, then re-offered to someone
            # else) is told what happened to it rather than refused as a stranger.
            earlier = next((o for o in reversed(self.offers[:-1]) if actor == Actor.leader(o.leader_id)), None)
            if earlier is not None:
                if earlier.state == OfferState.EXPIRED:
                    raise Conflict(f"cannot {verb}: your offer expired at {earlier.deadline.isoformat()}")
                raise Conflict(f"cannot {verb}: your offer was {earlier.state.value}")
            raise Forbidden(f"only the leader this request was offered to can {verb} it")
        if offer.is_past_deadline(now):
            raise Conflict(f"cannot {verb}: the offer expired at {offer.deadline.isoformat()}")
        return offer

    def _withdraw_pending(self, now: datetime) -> tuple[Offer, ...]:
        if self.state != RequestState.OFFERED:
            return self.offers
        withdrawn = replace(self.offers[-1], state=OfferState.WITHDRAWN, decided_at=now)
        return self.offers[:-1] + (withdrawn,)

    def _move(self, to: RequestState, action: str, actor: Actor, at: datetime,
              note: str | None = None, **changes) -> MentorshipRequest:
        entry = AuditEntry(action=action, from_state=self.state, to_state=to, actor=actor, at=at, note=note)
        return replace(self, state=to, audit=self.audit + (entry,), **changes)


def is_overdue(accepted_at: datetime, agreed_days: int, now: datetime) -> bool:
    """Has an open mentorship run past the length agreed when it was accepted?"""
    _require_aware(now, "now")
    return now > accepted_at + timedelta(days=agreed_days)


def _optional_note(value: str | None, name: str, max_len: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed("must be text", field=name)
    value = value.strip()
    if not value:
        return None
    if len(value) > max_len:
        raise ValidationFailed(f"must be at most {max_len} characters", field=name)
    return value


def _label(state: RequestState) -> str:
    return state.value.replace("_", " ")


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


# --------------------------------------------------------------------------------------
# Status and confirmation links
# --------------------------------------------------------------------------------------


class TokenPurpose(StrEnum):
    CONFIRM = "confirm"
    STATUS = "status"


SINGLE_USE = frozenset({TokenPurpose.CONFIRM})
CONFIRMATION_TTL = timedelta(days=7)
TOKEN_BYTES = 32
_MAX_PRESENTED_TOKEN = 128


@dataclass(frozen=True)
class StoredToken:
    """What is kept of a link token: never the token itself, only its SHA-256 digest."""

    purpose: TokenPurpose
    digest: str
    issued_at: datetime
    expires_at: datetime | None = None
    used_at: datetime | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(purpose: TokenPurpose, *, now: datetime, ttl: timedelta | None = None) -> tuple[str, StoredToken]:
    """A fresh random token (for the link) and the record to store.

    Confirmation links expire after CONFIRMATION_TTL unless `ttl` says otherwise; status
    links do not expire unless given a `ttl`.
    """
    _require_aware(now, "now")
    purpose = TokenPurpose(purpose)
    if ttl is None and purpose == TokenPurpose.CONFIRM:
        ttl = CONFIRMATION_TTL
    token = secrets.token_urlsafe(TOKEN_BYTES)
    stored = StoredToken(purpose=purpose, digest=hash_token(token), issued_at=now,
                         expires_at=now + ttl if ttl is not None else None)
    return token, stored


def verify_token(stored: StoredToken, presented: object, *, now: datetime) -> None:
    """Raise Forbidden unless `presented` is the token behind `stored` and still valid.

    A used single-use token raises Conflict. The digest comparison takes constant time
    so response timing reveals nothing about how close a guess was.
    """
    _require_aware(now, "now")
    if not isinstance(presented, str) or not presented or len(presented) > _MAX_PRESENTED_TOKEN:
        raise Forbidden("this link is not valid")
    if not hmac.compare_digest(hash_token(presented), stored.digest):
        raise Forbidden("this link is not valid")
    if stored.purpose in SINGLE_USE and stored.used_at is not None:
        raise Conflict("this link has already been used")
    if stored.expires_at is not None and now >= stored.expires_at:
        raise Forbidden("this link has expired")


def consume_token(stored: StoredToken, presented: object, *, now: datetime) -> StoredToken:
    """Verify a single-use token and return it marked as used (store the result)."""
    if stored.purpose not in SINGLE_USE:
        raise ValueError(f"{stored.purpose.value} tokens are not single-use")
    verify_token(stored, presented, now=now)
    return replace(stored, used_at=now)


# --------------------------------------------------------------------------------------
# Matching requests to leaders
# --------------------------------------------------------------------------------------


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
        raise Conflict(f"cannot route the request: it is {_label(request.state)}, not open")
    ranked = rank_candidates(MatchRequest.for_request(request, region=region), candidates,
                             today=policy.local_date(now), limit=1, labels=labels)
    if not ranked:
        return RoutingResult(request, None)
    best = ranked[0]
    note = f"offered to leader {best.leader_id}: " + "; ".join(best.reasons)
    return RoutingResult(request.offer(best.leader_id, now=now, policy=policy, note=note), best)


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


# --------------------------------------------------------------------------------------
# Aggregates for coverage (the reference for the SQL versions)
# --------------------------------------------------------------------------------------

OfferRecord = tuple[datetime, datetime, "datetime | None"]  # (offered_at, deadline, accepted_at)


def median_time_to_acceptance(records: Iterable[OfferRecord]) -> timedelta | None:
    """Median time from offer to acceptance over accepted offers; None when there are none."""
    waits = [accepted_at - offered_at for offered_at, _deadline, accepted_at in records if accepted_at is not None]
    return statistics.median(waits) if waits else None


def share_answered_within_deadline(records: Iterable[OfferRecord], *, now: datetime) -> float | None:
    """Share of decided offers that were accepted by their deadline.

    An offer still inside its deadline and not yet accepted is undecided and left out;
    None when no offer is decided.
    """
    _require_aware(now, "now")
    decided = on_time = 0
    for _offered_at, deadline, accepted_at in records:
        if accepted_at is None and now < deadline:
            continue
        decided += 1
        if accepted_at is not None and accepted_at <= deadline:
            on_time += 1
    return on_time / decided if decided else None


__all__ = [
    "Actor", "ActorKind", "AuditEntry", "Candidate", "CONFIRMATION_TTL", "DEFAULT_AGREED_DAYS", "DEFAULT_POLICY",
    "DeadlinePolicy", "FINAL_STATES", "MatchRequest", "MentorshipRequest", "Offer", "OfferState", "PlaceTier",
    "RankedCandidate", "REQUESTER", "RequestDetails", "RequestState", "RoutingResult", "SYSTEM", "StoredToken",
    "TokenPurpose", "Urgency", "add_business_time", "consume_token", "federal_holidays", "hash_token",
    "ineligibility", "is_available", "is_business_day", "is_federal_holiday", "is_overdue", "issue_token",
    "median_time_to_acceptance", "pending_offers_for", "rank_candidates", "route_next",
    "share_answered_within_deadline", "validate_request", "verify_token", "withdraw_for_away",
]
