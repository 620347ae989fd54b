"""After the event: the host's report, the chasers that ask for it and attendees' feedback."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from services.runtime.errors import Conflict, Forbidden

from ..films import Audience
from .rsvps import Rsvp, RsvpStatus
from .screening import Screening, Status
from .validation import MAX_CAPACITY, MAX_TEXT, FieldErrors, clean_audiences, clean_text, clean_text_list

# The first chaser goes out a day after the event ends, the second a week after that;
# after the second the program manager follows up in person, so the system stops.
REPORT_CHASER_DELAYS: tuple[timedelta, ...] = (timedelta(days=1), timedelta(days=7))
# Attendees are asked for feedback a couple of hours after the end: home again, the
# discussion still fresh, and not in the middle of the event's closing words.
FEEDBACK_ASK_DELAY = timedelta(hours=2)

@dataclass(frozen=True)
class Report:
    screening_id: str
    filed_by: str
    filed_at: datetime
    head_count: int
    partners: tuple[str, ...]
    audiences: tuple[Audience, ...]
    follow_up_actions: tuple[str, ...]
    notes: str


def file_report(
    screening: Screening, raw: Mapping[str, Any], *, filed_by: str | None, now: datetime,
    already_filed: bool = False,
) -> Report:
    """The host's (or a co-host's) account of how the event went. A program manager
    (`filed_by` None) may file it for the host, who is then recorded as its author."""
    if filed_by is None:
        filed_by = screening.host_id
    elif filed_by not in screening.organisers():
        raise Forbidden("only the host or a co-host can file the report")
    if screening.status is Status.CANCELLED:
        raise Conflict("a cancelled event has no report")
    if screening.status not in (Status.SCHEDULED, Status.COMPLETED) or not screening.has_ended(now):
        raise Conflict("the report can be filed once the event is over")
    if already_filed:
        raise Conflict("the report for this event has already been filed")

    errors = FieldErrors()
    head_count = raw.get("head_count")
    if isinstance(head_count, bool) or not isinstance(head_count, int) or not 0 <= head_count <= MAX_CAPACITY:
        errors.add("head_count", f"must be a whole number from 0 to {MAX_CAPACITY}")
    partners = clean_text_list(raw.get("partners"), "partners", errors)
    audiences = clean_audiences(raw.get("audiences"), "audiences", errors, required=True)
    actions = clean_text_list(raw.get("follow_up_actions"), "follow_up_actions", errors)
    notes = clean_text(raw.get("notes"), "notes", errors, limit=MAX_TEXT, required=False)
    errors.raise_if_any()
    return Report(
        screening_id=screening.id, filed_by=filed_by, filed_at=now, head_count=head_count,
        partners=partners, audiences=audiences, follow_up_actions=actions, notes=notes,
    )


def next_report_chase(screening: Screening, *, chasers_sent: int, report_filed: bool) -> datetime | None:
    """When to remind the host to file the report next, or None when chasing is over."""
    if report_filed or screening.status not in (Status.SCHEDULED, Status.COMPLETED):
        return None
    if chasers_sent >= len(REPORT_CHASER_DELAYS):
        return None
    return screening.details.end + sum(REPORT_CHASER_DELAYS[: chasers_sent + 1], timedelta())


def feedback_ask_at(screening: Screening) -> datetime:
    """When the attendees of `screening` are asked for feedback."""
    return screening.details.end + FEEDBACK_ASK_DELAY


def wants_feedback(screening: Screening, rsvp: Rsvp, *, already_given: bool) -> bool:
    """Whether an attendee is asked: held a confirmed seat with an address at an event
    that took place, and has not given feedback yet."""
    return (screening.status is Status.COMPLETED and rsvp.status is RsvpStatus.CONFIRMED
            and bool(rsvp.email) and not already_given)


@dataclass(frozen=True)
class Feedback:
    screening_id: str
    rsvp_id: str
    rating: int
    comment: str
    submitted_at: datetime


def give_feedback(screening: Screening, rsvp: Rsvp, *, rating: Any, comment: Any, now: datetime) -> Feedback:
    """An attendee's rating (1 to 5) and optional comment, once the event is over."""
    if rsvp.screening_id != screening.id or rsvp.status is not RsvpStatus.CONFIRMED:
        raise Forbidden("only confirmed attendees can give feedback")
    if screening.status is Status.CANCELLED:
        raise Conflict("this event was cancelled")
    if not screening.has_ended(now):
        raise Conflict("feedback opens when the event is over")
    errors = FieldErrors()
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors.add("rating", "must be a whole number from 1 to 5")
    comment = clean_text(comment, "comment", errors, limit=2000, required=False)
    errors.raise_if_any()
    return Feedback(screening.id, rsvp.id, rating, comment, now)
