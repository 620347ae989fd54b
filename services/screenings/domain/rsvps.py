"""RSVPs: seats, the waitlist in arrival order, walk-ins and private cancel links."""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.contracts.email import InvalidEmail, normalise_email
from services.runtime.errors import Conflict, Forbidden, NotFound

from .details import Visibility
from .screening import Screening, Status
from .validation import MAX_TITLE, FieldErrors, clean_text
from .zones import UTC


def new_cancel_token() -> tuple[str, str]:
    """A cancel-link token and the hash to store; the token itself is never stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def verify_cancel_token(token: Any, stored_hash: str | None) -> bool:
    if not isinstance(token, str) or not token or not stored_hash:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


class RsvpStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


@dataclass
class Rsvp:
    id: str
    screening_id: str
    name: str
    email: str | None
    status: RsvpStatus
    position: int
    created_at: datetime
    cancel_token_hash: str | None = None
    link_nonce: str | None = None
    walk_in: bool = False
    promoted_at: datetime | None = None
    cancelled_at: datetime | None = None
    invited: bool = False
    # An invitee's answer from their calendar (iCalendar PARTSTAT: NEEDS-ACTION until they
    # answer) and the DTSTAMP of the answer applied last; None for public RSVPs.
    partstat: str | None = None
    answered_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status is not RsvpStatus.CANCELLED

    @property
    def calendar_answer(self) -> tuple[str, bool]:
        """(PARTSTAT, RSVP) for this person as an invitation's attendee: an invitee who has
        not answered (or answered "maybe") is asked to; anyone else is coming."""
        if not self.invited:
            return "ACCEPTED", False
        partstat = self.partstat or "NEEDS-ACTION"
        return partstat, partstat in ("NEEDS-ACTION", "TENTATIVE")


@dataclass(frozen=True)
class RsvpResult:
    rsvp: Rsvp
    created: bool
    cancel_token: str | None = None


@dataclass(frozen=True)
class CancelResult:
    cancelled: Rsvp
    promoted: Rsvp | None


@dataclass
class AttendeeList:
    """The RSVPs of one screening, in arrival order (which is also waitlist order)."""

    screening_id: str
    rsvps: list[Rsvp] = field(default_factory=list)

    @property
    def confirmed(self) -> list[Rsvp]:
        return [r for r in self.rsvps if r.status is RsvpStatus.CONFIRMED]

    @property
    def waitlist(self) -> list[Rsvp]:
        return sorted((r for r in self.rsvps if r.status is RsvpStatus.WAITLISTED), key=lambda r: r.position)

    def find(self, rsvp_id: str) -> Rsvp | None:
        return next((r for r in self.rsvps if r.id == rsvp_id), None)

    def find_active_by_email(self, email: str) -> Rsvp | None:
        return next((r for r in self.rsvps if r.active and r.email == email), None)

    def to_tell(self, *, waitlisted: bool) -> list[Rsvp]:
        """Who hears of a change by mail: the confirmed (and, if asked, the waitlisted)
        who gave an address, in arrival order."""
        statuses = {RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED} if waitlisted else {RsvpStatus.CONFIRMED}
        return sorted((r for r in self.rsvps if r.status in statuses and r.email is not None),
                      key=lambda r: r.position)

    def rsvp(
        self, screening: Screening, *, name: Any, email: Any, now: datetime, invited: bool = False,
    ) -> RsvpResult:
        """Reserve a seat, or a waitlist place when full; the same email again is a no-op.

        `invited` is an organiser's invitation: the only way into an invitation-only event."""
        self._check_belongs(screening)
        errors = FieldErrors()
        name = clean_text(name, "name", errors, limit=MAX_TITLE, required=True)
        normalised = _email(email, errors)
        errors.raise_if_any()

        _require_open_for_rsvp(screening, now)
        # Refused before the idempotent lookup: a public caller must not learn whether an
        # address was invited, nor receive the invitee's private link.
        if screening.details.visibility is Visibility.INVITATION_ONLY and not invited:
            raise Forbidden("this event is by invitation only: ask its host for an invitation")
        existing = self.find_active_by_email(normalised)
        if existing is not None:
            return RsvpResult(existing, created=False)

        token, token_hash = new_cancel_token()
        full = len(self.confirmed) >= screening.details.capacity
        rsvp = Rsvp(
            id=str(uuid.uuid4()),
            screening_id=self.screening_id,
            name=name,
            email=normalised,
            status=RsvpStatus.WAITLISTED if full else RsvpStatus.CONFIRMED,
            position=self._next_position(),
            created_at=now,
            cancel_token_hash=token_hash,
            invited=invited,
            partstat="NEEDS-ACTION" if invited else None,
        )
        self.rsvps.append(rsvp)
        return RsvpResult(rsvp, created=True, cancel_token=token)

    def add_walk_in(self, screening: Screening, *, name: Any, email: Any = None, now: datetime) -> Rsvp:
        """Someone the host admitted at the door; counted even beyond capacity."""
        self._check_belongs(screening)
        if screening.status not in (Status.SCHEDULED, Status.COMPLETED):
            raise Conflict(f"walk-ins cannot be added to a {screening.status} event")
        errors = FieldErrors()
        name = clean_text(name, "name", errors, limit=MAX_TITLE, required=True)
        normalised = None
        if email not in (None, ""):
            normalised = _email(email, errors)
        errors.raise_if_any()
        if normalised and (existing := self.find_active_by_email(normalised)):
            if existing.status is RsvpStatus.WAITLISTED:
                existing.status = RsvpStatus.CONFIRMED
                existing.promoted_at = now
            return existing
        rsvp = Rsvp(
            id=str(uuid.uuid4()),
            screening_id=self.screening_id,
            name=name,
            email=normalised,
            status=RsvpStatus.CONFIRMED,
            position=self._next_position(),
            created_at=now,
            walk_in=True,
        )
        self.rsvps.append(rsvp)
        return rsvp

    def cancel(self, screening: Screening, rsvp_id: str, *, now: datetime) -> CancelResult:
        """Give up a place; a freed seat goes to the first person on the waitlist."""
        self._check_belongs(screening)
        rsvp = self.find(rsvp_id)
        if rsvp is None:
            raise NotFound("no such RSVP")
        if not rsvp.active:
            raise Conflict("this RSVP is already cancelled")
        if now >= screening.details.start:
            raise Conflict("the event has already started")
        freed_seat = rsvp.status is RsvpStatus.CONFIRMED
        rsvp.status = RsvpStatus.CANCELLED
        rsvp.cancelled_at = now
        promoted = self._promote(screening, now, limit=1) if freed_seat else []
        return CancelResult(rsvp, promoted[0] if promoted else None)

    def take_again(self, screening: Screening, rsvp_id: str, *, now: datetime) -> Rsvp:
        """An invitee who declined accepts after all: their place is back, a seat when one
        is free, else the end of the waitlist."""
        self._check_belongs(screening)
        rsvp = self.find(rsvp_id)
        if rsvp is None:
            raise NotFound("no such RSVP")
        if rsvp.active:
            return rsvp
        _require_open_for_rsvp(screening, now)
        full = len(self.confirmed) >= screening.details.capacity
        rsvp.status = RsvpStatus.WAITLISTED if full else RsvpStatus.CONFIRMED
        rsvp.position = self._next_position()
        rsvp.cancelled_at = None
        return rsvp

    def cancel_with_token(self, screening: Screening, rsvp_id: str, token: Any, *, now: datetime) -> CancelResult:
        """Cancel from the private link; a wrong token looks exactly like a missing RSVP."""
        rsvp = self.find(rsvp_id)
        if rsvp is None or not verify_cancel_token(token, rsvp.cancel_token_hash):
            raise NotFound("no such RSVP")
        return self.cancel(screening, rsvp_id, now=now)

    def change_capacity(self, screening: Screening, capacity: Any, *, now: datetime) -> list[Rsvp]:
        """Change the screening's capacity; returns the people promoted into new seats."""
        self._check_belongs(screening)
        screening.change_capacity(capacity, confirmed_count=len(self.confirmed), now=now)
        if screening.status is Status.SCHEDULED and now < screening.details.start:
            return self._promote(screening, now)
        return []

    def to_csv(self) -> str:
        """The attendee list for the host, safe to open in a spreadsheet."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["name", "email", "status", "walk_in", "registered_at"])
        for rsvp in sorted(self.rsvps, key=lambda r: r.position):
            writer.writerow([
                _spreadsheet_safe(rsvp.name),
                _spreadsheet_safe(rsvp.email or ""),
                rsvp.status.value,
                "yes" if rsvp.walk_in else "no",
                rsvp.created_at.astimezone(UTC).isoformat(),
            ])
        return buffer.getvalue()

    def _promote(self, screening: Screening, now: datetime, limit: int | None = None) -> list[Rsvp]:
        promoted: list[Rsvp] = []
        free = screening.details.capacity - len(self.confirmed)
        for rsvp in self.waitlist:
            if free <= 0 or (limit is not None and len(promoted) >= limit):
                break
            rsvp.status = RsvpStatus.CONFIRMED
            rsvp.promoted_at = now
            promoted.append(rsvp)
            free -= 1
        return promoted

    def _next_position(self) -> int:
        return max((r.position for r in self.rsvps), default=0) + 1

    def _check_belongs(self, screening: Screening) -> None:
        if screening.id != self.screening_id:
            raise ValueError("attendee list and screening do not match")


def _require_open_for_rsvp(screening: Screening, now: datetime) -> None:
    if screening.status is Status.CANCELLED:
        raise Conflict("this event has been cancelled")
    if screening.status is Status.COMPLETED or now >= screening.details.start:
        raise Conflict("this event has already taken place")
    if screening.status is not Status.SCHEDULED:
        raise Conflict("this event is not open for RSVPs yet")


def _email(value: Any, errors: FieldErrors) -> str | None:
    """The address in the one form every service stores, or None with the problem noted."""
    try:
        if isinstance(value, str):
            return normalise_email(value)
    except InvalidEmail:
        pass
    errors.add("email", "must be a valid email address")
    return None


def _spreadsheet_safe(value: str) -> str:
    # A leading = + - @ (or tab/CR) makes spreadsheets evaluate the cell as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

