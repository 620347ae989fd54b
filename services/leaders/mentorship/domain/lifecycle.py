"""The request lifecycle: who acts (actors), what they did (audit entries), the offers to
leaders, and the request whose transitions validate everything first and return a new
request, so a refused transition changes nothing."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from services.runtime.errors import Conflict, Forbidden, ValidationFailed

from .deadlines import DEFAULT_POLICY, DeadlinePolicy, require_aware
from .details import RequestDetails

OUTCOME_NOTE_MAX = 2000
REASON_MAX = 1000
DEFAULT_AGREED_DAYS = 90
MAX_AGREED_DAYS = 365


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
        require_aware(now, "now")
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
    def holder_id(self) -> int | None:
        """The leader the request sits with: the pending offer's, else the mentor's."""
        if self.current_offer is not None:
            return self.current_offer.leader_id
        mentor = self.accepted_offer
        return mentor.leader_id if mentor is not None else None

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
        require_aware(now, "now")
        if self.is_final:
            raise Conflict(f"the request is {state_label(self.state)}")
        if self.state != RequestState.UNCONFIRMED:
            raise Conflict("the request is already confirmed")
        return self._move(RequestState.OPEN, "confirm", REQUESTER, now, confirmed_at=now)

    def offer(self, leader_id: int, *, now: datetime, policy: DeadlinePolicy = DEFAULT_POLICY,
              actor: Actor = SYSTEM, note: str | None = None) -> MentorshipRequest:
        """Offer the request to one leader, with a deadline and a reminder time.

        The system never offers the same request to a leader twice; a manager assigning
        by hand may.
        """
        require_aware(now, "now")
        if actor.kind not in (ActorKind.SYSTEM, ActorKind.MANAGER):
            raise Forbidden("only the program or a manager can offer a request to a leader")
        if self.state != RequestState.OPEN:
            raise Conflict(f"cannot offer the request: it is {state_label(self.state)}, not open")
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
        require_aware(now, "now")
        offer = self._answerable_offer(actor, "accept", now)
        if isinstance(agreed_days, bool) or not isinstance(agreed_days, int) or not 1 <= agreed_days <= MAX_AGREED_DAYS:
            raise ValidationFailed(f"must be a whole number of days from 1 to {MAX_AGREED_DAYS}",
                                   field="agreed_days")
        accepted = replace(offer, state=OfferState.ACCEPTED, decided_at=now)
        return self._move(RequestState.ACCEPTED, "accept", actor, now,
                          offers=self.offers[:-1] + (accepted,), accepted_at=now, agreed_days=agreed_days)

    def decline(self, actor: Actor, *, now: datetime, reason: str | None = None) -> MentorshipRequest:
        """The offered leader says no; the request goes back to open for the next candidate."""
        require_aware(now, "now")
        offer = self._answerable_offer(actor, "decline", now)
        reason = _optional_note(reason, "reason", REASON_MAX)
        declined = replace(offer, state=OfferState.DECLINED, decided_at=now, note=reason)
        return self._move(RequestState.OPEN, "decline", actor, now, note=reason,
                          offers=self.offers[:-1] + (declined,))

    def expire_offer(self, *, now: datetime) -> MentorshipRequest:
        """The deadline passed without an answer; the request goes back to open."""
        require_aware(now, "now")
        offer = self.current_offer
        if offer is None:
            raise Conflict(f"there is no pending offer to expire (the request is {state_label(self.state)})")
        if not offer.is_past_deadline(now):
            raise Conflict(f"the offer to leader {offer.leader_id} is not due until {offer.deadline.isoformat()}")
        expired = replace(offer, state=OfferState.EXPIRED, decided_at=now)
        return self._move(RequestState.OPEN, "expire", SYSTEM, now,
                          note=f"leader {offer.leader_id} did not answer by {offer.deadline.isoformat()}",
                          offers=self.offers[:-1] + (expired,))

    def withdraw_offer(self, actor: Actor, *, now: datetime, note: str | None = None) -> MentorshipRequest:
        """Take back a pending offer (the leader went away, or a manager re-assigns)."""
        require_aware(now, "now")
        offer = self.current_offer
        if offer is None:
            raise Conflict(f"there is no pending offer to withdraw (the request is {state_label(self.state)})")
        allowed = actor.kind in (ActorKind.SYSTEM, ActorKind.MANAGER) or actor == Actor.leader(offer.leader_id)
        if not allowed:
            raise Forbidden("only the program, a manager or the offered leader can withdraw this offer")
        note = _optional_note(note, "note", REASON_MAX)
        withdrawn = replace(offer, state=OfferState.WITHDRAWN, decided_at=now, note=note)
        return self._move(RequestState.OPEN, "withdraw", actor, now, note=note,
                          offers=self.offers[:-1] + (withdrawn,))

    def cancel(self, actor: Actor = REQUESTER, *, now: datetime) -> MentorshipRequest:
        """The requester (through their status link) gives up the request."""
        require_aware(now, "now")
        if actor.kind != ActorKind.REQUESTER:
            raise Forbidden("only the requester can cancel a request")
        if self.is_final:
            raise Conflict(f"the request is already {state_label(self.state)}")
        return self._move(RequestState.CANCELLED, "cancel", actor, now, offers=self._withdraw_pending(now),
                          closed_at=now)

    def close_unanswered(self, actor: Actor, *, now: datetime, note: str | None = None) -> MentorshipRequest:
        """A manager closes a request nobody took (or that should not be routed)."""
        require_aware(now, "now")
        if actor.kind != ActorKind.MANAGER:
            raise Forbidden("only a manager can close a request")
        if self.state not in (RequestState.UNCONFIRMED, RequestState.OPEN, RequestState.OFFERED):
            raise Conflict(f"cannot close the request: it is {state_label(self.state)}")
        note = _optional_note(note, "note", REASON_MAX)
        return self._move(RequestState.CLOSED_UNANSWERED, "close", actor, now, note=note,
                          offers=self._withdraw_pending(now), closed_at=now)

    def complete(self, actor: Actor, *, now: datetime, outcome_note: str) -> MentorshipRequest:
        require_aware(now, "now")
        if self.state != RequestState.ACCEPTED:
            raise Conflict(f"only an accepted mentorship can be completed (the request is {state_label(self.state)})")
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
        require_aware(now, "now")
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
            raise Conflict(f"cannot {verb}: the request is {state_label(self.state)} and has no pending offer")
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
    require_aware(now, "now")
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


def state_label(state: RequestState) -> str:
    return state.value.replace("_", " ")
