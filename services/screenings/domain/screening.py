"""The screening aggregate: its state machine from submission to completion."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Iterable, Mapping

from services.runtime.errors import Conflict, ValidationFailed

from ..films import FILMS_BY_SLUG, Film
from .details import ScreeningDetails, Visibility, validate_details
from .rules import HostRecord, Interval, check_schedule, require_active_host
from .validation import MAX_TEXT, FieldErrors, clean_text
from .zones import STATE_TIME_ZONES

DEFAULT_UID_DOMAIN = "niot-len.org"


class Status(StrEnum):
    SUBMITTED = "submitted"
    SENT_BACK = "sent_back"
    RESUBMITTED = "resubmitted"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


PENDING_APPROVAL = frozenset({Status.SUBMITTED, Status.RESUBMITTED})
OPEN = frozenset({Status.SUBMITTED, Status.RESUBMITTED, Status.SENT_BACK, Status.SCHEDULED})


@dataclass
class Screening:
    id: str
    uid: str
    host_id: str
    details: ScreeningDetails
    status: Status
    created_at: datetime
    updated_at: datetime
    sequence: int = 0
    review_note: str | None = None
    reviewed_by: str | None = None
    cancel_message: str | None = None
    published: bool = False
    # Where coverage counts the event: its host's region when it was registered, and the
    # state of its venue (or the one an online event names), else its host's.
    region: str = ""
    region_grouping: str = ""
    state: str | None = None
    chasers_sent: int = 0  # reminders sent to file the report

    @property
    def pending_approval(self) -> bool:
        return self.status in PENDING_APPROVAL

    @property
    def listed_in_feeds(self) -> bool:
        """Public feeds show every public event that was ever scheduled, cancelled ones
        included (marked CANCELLED) so subscribers' calendars drop them."""
        return self.published and self.details.visibility is Visibility.PUBLIC

    def has_ended(self, now: datetime) -> bool:
        return now >= self.details.end

    def locate(self, host: HostRecord) -> None:
        """Count the event in its own state, or in its host's when it names none."""
        self.state = self.details.state or host.state

    def organisers(self) -> frozenset[str]:
        return frozenset((self.host_id, *self.details.cohost_ids))

    def approve(self, *, reviewer_id: str, now: datetime, host_busy: Iterable[Interval] = ()) -> None:
        if not self.pending_approval:
            raise Conflict(f"only an event awaiting approval can be approved; this one is {self.status}")
        check_schedule(self.details, now=now, host_busy=host_busy)
        self.reviewed_by = reviewer_id
        self.review_note = None
        self._set_status(Status.SCHEDULED, now)

    def send_back(self, *, reviewer_id: str, note: str, now: datetime) -> None:
        if not self.pending_approval:
            raise Conflict(f"only an event awaiting approval can be sent back; this one is {self.status}")
        errors = FieldErrors()
        note = clean_text(note, "note", errors, limit=MAX_TEXT, required=True)
        errors.raise_if_any()
        self.reviewed_by = reviewer_id
        self.review_note = note
        self._set_status(Status.SENT_BACK, now)

    def resubmit(
        self,
        changes: Mapping[str, Any] | None,
        *,
        host: HostRecord,
        now: datetime,
        host_busy: Iterable[Interval] = (),
        films: Mapping[str, Film] = FILMS_BY_SLUG,
    ) -> None:
        if self.status is not Status.SENT_BACK:
            raise Conflict(f"only an event that was sent back can be resubmitted; this one is {self.status}")
        require_active_host(host)
        details = self._revised(changes or {}, films)
        _check_cohosts(details, self.host_id)
        check_schedule(details, now=now, host_busy=host_busy)
        self.details = details
        self._set_status(Status.SCHEDULED if host.trusted else Status.RESUBMITTED, now)

    def reschedule(
        self,
        *,
        start: datetime | str,
        end: datetime | str,
        now: datetime,
        time_zone: str | None = None,
        host_busy: Iterable[Interval] = (),
    ) -> bool:
        """Move the event; returns False when the new times are the current ones."""
        self._require_changeable(now)
        changes: dict[str, Any] = {"start": start, "end": end}
        if time_zone is not None:
            changes["time_zone"] = time_zone
        details = self._revised(changes)
        check_schedule(details, now=now, host_busy=host_busy)
        return self._apply(details, now)

    def change_venue(
        self,
        *,
        now: datetime,
        venue: Mapping[str, Any] | None = None,
        join_url: str | None = None,
        state: str | None = None,
        time_zone: str | None = None,
    ) -> bool:
        """Move the event to another venue or online; returns False when nothing changed."""
        self._require_changeable(now)
        if (venue is None) == (join_url is None):
            raise ValidationFailed("give either a new venue or an online join link", field="venue")
        new_state = venue.get("state") if isinstance(venue, Mapping) else state
        zones = STATE_TIME_ZONES.get(str(new_state or "").strip().upper())
        if time_zone is None and (zones is None or self.details.time_zone in zones):
            # The new place keeps the current zone when that zone is valid there;
            # otherwise the zone is resolved afresh from the new state.
            time_zone = self.details.time_zone
        changes = {"venue": venue, "join_url": join_url, "state": state, "time_zone": time_zone}
        return self._apply(self._revised(changes), now)

    def change_capacity(self, capacity: Any, *, confirmed_count: int, now: datetime) -> None:
        if self.status not in OPEN:
            raise Conflict(f"the capacity of a {self.status} event cannot change")
        details = self._revised({"capacity": capacity})
        if details.capacity < confirmed_count:
            raise ValidationFailed(
                f"cannot be lower than the {confirmed_count} people already confirmed",
                field="capacity",
            )
        self.details = details
        self.updated_at = now

    def cancel(self, *, message: str | None, now: datetime) -> None:
        if self.status not in OPEN:
            raise Conflict(f"a {self.status} event cannot be cancelled")
        if self.has_ended(now):
            raise Conflict("the event is already over")
        errors = FieldErrors()
        message = clean_text(message, "message", errors, limit=MAX_TEXT, required=self.status is Status.SCHEDULED)
        errors.raise_if_any()
        self.cancel_message = message or None
        self._set_status(Status.CANCELLED, now)

    def complete(self, *, now: datetime) -> None:
        if self.status is not Status.SCHEDULED:
            raise Conflict(f"only a scheduled event can be completed; this one is {self.status}")
        if not self.has_ended(now):
            raise Conflict("the event has not ended yet")
        # Completion changes nothing a calendar shows, so the sequence stays.
        self.status = Status.COMPLETED
        self.updated_at = now

    def _require_changeable(self, now: datetime) -> None:
        if self.status not in OPEN:
            raise Conflict(f"a {self.status} event cannot be changed")
        if now >= self.details.start:
            raise Conflict("the event has already started")

    def _revised(self, changes: Mapping[str, Any], films: Mapping[str, Film] = FILMS_BY_SLUG) -> ScreeningDetails:
        return validate_details({**self.details.as_input(), **changes}, films=films)

    def _apply(self, details: ScreeningDetails, now: datetime) -> bool:
        changed = details.calendar_fields() != self.details.calendar_fields()
        self.details = details
        self.updated_at = now
        if changed:
            self.sequence += 1
        return changed

    def _set_status(self, status: Status, now: datetime) -> None:
        self.status = status
        self.published = self.published or status is Status.SCHEDULED
        self.sequence += 1
        self.updated_at = now


def _check_cohosts(details: ScreeningDetails, host_id: str) -> None:
    if host_id in details.cohost_ids:
        raise ValidationFailed("the host cannot also be a co-host", field="cohost_ids")


def new_uid(domain: str = DEFAULT_UID_DOMAIN) -> str:
    return f"screening-{uuid.uuid4()}@{domain}"


def register_screening(
    raw: Mapping[str, Any],
    *,
    host: HostRecord | None,
    now: datetime,
    host_busy: Iterable[Interval] = (),
    screening_id: str | None = None,
    uid_domain: str = DEFAULT_UID_DOMAIN,
    films: Mapping[str, Film] = FILMS_BY_SLUG,
) -> Screening:
    """A new event from its host: scheduled at once for trusted hosts, else awaiting approval."""
    host = require_active_host(host)
    details = validate_details(raw, films=films)
    _check_cohosts(details, host.leader_id)
    check_schedule(details, now=now, host_busy=host_busy)
    status = Status.SCHEDULED if host.trusted else Status.SUBMITTED
    screening = Screening(
        id=screening_id or str(uuid.uuid4()),
        uid=new_uid(uid_domain),
        host_id=host.leader_id,
        details=details,
        status=status,
        created_at=now,
        updated_at=now,
        published=status is Status.SCHEDULED,
        region=host.region,
        region_grouping=host.region_grouping,
    )
    screening.locate(host)
    return screening

