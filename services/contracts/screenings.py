"""Events published by the screenings side (payload contracts).

Every payload is self-sufficient for the mailer: names, addresses, the event's time in UTC
with its IANA zone and the venue-local wall time, the calendar UID and SEQUENCE, and for
invitations the finished iCalendar text.

Choices the mailer relies on:

- **One event per recipient** for everything addressed to attendees or organisers
  (`screening_rescheduled`, `screening_venue_changed`, `screening_cancelled`,
  `attendees_messaged`, `screening_reminder_due`, `rsvp_*`): iMIP wants each attendee to get their own message
  (their own ATTENDEE line, nobody else's address), each message has its own dedupe key
  (event, recipient, template, sequence) and a large event does not become one giant
  payload. `recipient_role` says who the mail is for. Events addressed to program
  managers (`screening_submitted`, `screening_report_filed`) carry `manager_emails`.
- **Calendar data travels rendered**: `invitation_ics` is the complete iMIP body produced
  by the screenings calendar module (CRLF line ends, folded at 75 octets, VTIMEZONE
  included) and `invitation_method` is its METHOD (`REQUEST` or `CANCEL`); the mailer
  attaches it as `text/calendar; method=<invitation_method>; charset=UTF-8` unchanged.
  It is present only where the recipient holds (or held) a seat.
- **The online join link** appears only in events addressed to a confirmed attendee or an
  organiser (`join_url`); waitlisted people, managers and public data never get it.
- **Links are site paths** (see `PUBLIC_PATHS`); the mailer prefixes PUBLIC_BASE_URL.
- Exactly one of `screening_approved` (after a manager's review) or `screening_scheduled`
  (a trusted host's event, scheduled without review) is published when an event goes on
  the calendar.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from .envelope import Email, Payload
from .registry import event

# Paths the screenings service puts in events and returns from RPC; the gateway routes them.
# `{token}` values are private link tokens (only the holder of the link can act).
PUBLIC_PATHS = {
    "screening": "/screenings/{screening_id}",
    "screening_ics": "/screenings/{screening_id}/event.ics",
    "review": "/manage/screenings/{screening_id}/review",
    "manage": "/manage/screenings/{screening_id}",
    "report": "/manage/screenings/{screening_id}/report",
    "materials_queue": "/manage/materials",
    "rsvp_cancel": "/rsvps/{rsvp_id}/cancel?token={token}",
    "rsvp_ics": "/rsvps/{rsvp_id}/event.ics?token={token}",
    "rsvp_feedback": "/rsvps/{rsvp_id}/feedback?token={token}",
    "national_feed": "/feeds/screenings.ics",
    "region_feed": "/feeds/regions/{region_id}/screenings.ics",
    "leader_feed": "/feeds/leaders/{leader_id}/screenings.ics",
}


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a UTC offset")
    return value.astimezone(timezone.utc)


def _naive(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("a venue-local wall time carries no UTC offset")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone") from None
    return value


def _https(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError("must be an https:// link")
    return value


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
LocalDateTime = Annotated[datetime, AfterValidator(_naive)]
ZoneName = Annotated[str, AfterValidator(_zone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\r\n]*$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
SitePath = Annotated[str, StringConstraints(pattern=r"^/[!-~]*$", max_length=500)]
JoinUrl = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_https)]
ScreeningId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
RsvpId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
Uid = Annotated[str, StringConstraints(min_length=3, max_length=255, pattern=r"^[^\s@]+@[^\s@]+$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=80)]
ManagerEmails = Annotated[tuple[Email, ...], Field(min_length=1)]
Kind = Literal["film_screening", "guided_discussion"]
Format = Literal["community_screening", "roll_call", "academy", "school_program"]
ScreeningStatus = Literal["submitted", "sent_back", "resubmitted", "scheduled", "cancelled", "completed"]
RecipientRole = Literal["host", "cohost", "attendee", "waitlisted"]
Method = Literal["REQUEST", "CANCEL"]

_MAILER = ("mailer",)


class Person(Payload):
    name: Name
    email: Email


class When(Payload):
    """The event's time: UTC instants plus the venue-local wall times in `time_zone`."""

    start_utc: UtcDateTime
    end_utc: UtcDateTime
    time_zone: ZoneName
    local_start: LocalDateTime
    local_end: LocalDateTime
    local_label: Title = Field(description="ready to print, e.g. 'Wed, Jul 15, 2026, 7:00 PM - 9:00 PM CDT'")

    @model_validator(mode="after")
    def _consistent(self) -> When:
        zone = ZoneInfo(self.time_zone)
        for instant, wall, name in ((self.start_utc, self.local_start, "start"), (self.end_utc, self.local_end, "end")):
            if instant.astimezone(zone).replace(tzinfo=None) != wall:
                raise ValueError(f"local_{name} is not {name}_utc read in {self.time_zone}")
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")
        return self


class ScreeningInfo(Payload):
    """What every mail about a screening can show (never the join link, never attendees)."""

    screening_id: ScreeningId
    uid: Uid
    sequence: int = Field(ge=0)
    status: ScreeningStatus
    title: Title
    film_title: Title | None = Field(description="null for a guided discussion without a film")
    kind: Kind
    format: Format
    online: bool
    venue: Item | None = Field(description="'name, address, city, ST'; null when online")
    state: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None
    when: When
    host: Person
    cohosts: tuple[Person, ...] = ()
    page_path: SitePath
    ics_path: SitePath

    @model_validator(mode="after")
    def _venue_or_online(self) -> ScreeningInfo:
        if self.online == (self.venue is not None):
            raise ValueError("an event is either online (no venue) or at a venue")
        return self


class _Invitation(Payload):
    """The iMIP body for this recipient, exactly as rendered by the screenings service."""

    invitation_method: Method | None = None
    invitation_ics: Annotated[str, StringConstraints(max_length=200_000)] | None = None

    @model_validator(mode="after")
    def _matching_method(self):
        if (self.invitation_method is None) != (self.invitation_ics is None):
            raise ValueError("invitation_method and invitation_ics come together")
        if self.invitation_ics is not None:
            ics = self.invitation_ics
            if not ics.startswith("BEGIN:VCALENDAR\r\n") or not ics.endswith("END:VCALENDAR\r\n"):
                raise ValueError("invitation_ics must be a CRLF-terminated VCALENDAR")
            if f"\r\nMETHOD:{self.invitation_method}\r\n" not in ics:
                raise ValueError("invitation_ics METHOD must equal invitation_method")
        return self


class _ToRecipient(_Invitation):
    screening: ScreeningInfo
    recipient: Person
    recipient_role: RecipientRole
    rsvp_id: RsvpId | None = Field(None, description="set when the recipient is an attendee")
    join_url: JoinUrl | None = Field(None, description="only for confirmed attendees and organisers of online events")
    cancel_path: SitePath | None = Field(None, description="the attendee's private link to give up the seat")

    @model_validator(mode="after")
    def _private_parts(self):
        if self.recipient_role in ("attendee", "waitlisted") and (self.rsvp_id is None or self.cancel_path is None):
            raise ValueError("an attendee's mail carries the rsvp_id and the private cancel link")
        if self.recipient_role == "waitlisted" and (self.join_url is not None or self.invitation_method == "REQUEST"):
            raise ValueError("a waitlisted person gets no join link and no invitation")
        if self.join_url is not None and not self.screening.online:
            raise ValueError("only an online event has a join link")
        return self


# --- review ---------------------------------------------------------------------------


@event("screenings", "screening_submitted", consumers=_MAILER)
class ScreeningSubmitted(Payload):
    """To the program managers: an event awaits approval (again, after a send-back)."""

    screening: ScreeningInfo
    manager_emails: ManagerEmails
    resubmission: bool
    review_path: SitePath
    submitted_at: UtcDateTime


@event("screenings", "screening_approved", consumers=_MAILER)
class ScreeningApproved(_Invitation):
    """To the host (co-hosts in `screening.cohosts`): a manager approved it; it is on the calendar.

    The invitation (METHOD:REQUEST, organiser = host, attendees = co-hosts, or the host
    alone) puts it in the organisers' calendars."""

    screening: ScreeningInfo
    join_url: JoinUrl | None = None
    approved_at: UtcDateTime
    manage_path: SitePath


@event("screenings", "screening_scheduled", consumers=_MAILER)
class ScreeningScheduled(_Invitation):
    """To the host (co-hosts in `screening.cohosts`): a trusted host's event went straight
    onto the calendar without review."""

    screening: ScreeningInfo
    join_url: JoinUrl | None = None
    scheduled_at: UtcDateTime
    manage_path: SitePath


@event("screenings", "screening_sent_back", consumers=_MAILER)
class ScreeningSentBack(Payload):
    """To the host: a manager sent the event back with a note; the host edits and resubmits."""

    screening: ScreeningInfo
    note: Text
    sent_back_at: UtcDateTime
    manage_path: SitePath


# --- changes attendees must hear about (one event per recipient) ----------------------


@event("screenings", "screening_rescheduled", consumers=_MAILER)
class ScreeningRescheduled(_ToRecipient):
    """The event moved; `screening.when` is the new time. Seat holders get METHOD:REQUEST
    with the higher SEQUENCE; waitlisted people get the news without an invitation."""

    previous_when: When
    message: Text | None = Field(None, description="the host's own words, if any")
    rescheduled_at: UtcDateTime


@event("screenings", "screening_venue_changed", consumers=_MAILER)
class ScreeningVenueChanged(_ToRecipient):
    """The event moved to another place (or online, or back); `screening` has the new one."""

    previous_venue: Item | None = Field(description="null when it was online")
    previous_online: bool
    message: Text | None = None
    changed_at: UtcDateTime


@event("screenings", "screening_cancelled", consumers=_MAILER)
class ScreeningCancelled(_ToRecipient):
    """The event is off. Seat holders get METHOD:CANCEL (same UID, higher SEQUENCE)."""

    message: Text | None = Field(description="the host's message to attendees; required once scheduled")
    cancelled_at: UtcDateTime


@event("screenings", "attendees_messaged", consumers=_MAILER)
class AttendeesMessaged(_ToRecipient):
    """An organiser's message to everyone with a seat or a waitlist place (the organisers
    get their copy). No calendar part: nothing about the event changed."""

    subject: Name = Field(description="one line, the organiser's subject")
    message: Text
    sent_at: UtcDateTime


# --- RSVPs (to the attendee) ----------------------------------------------------------


@event("screenings", "rsvp_confirmed", consumers=_MAILER)
class RsvpConfirmed(_ToRecipient):
    """A seat is reserved; the invitation (METHOD:REQUEST) puts it in their calendar."""

    confirmed_at: UtcDateTime
    invited: bool = Field(False, description="an organiser invited this person (rather than a public RSVP)")


@event("screenings", "rsvp_waitlisted", consumers=_MAILER)
class RsvpWaitlisted(_ToRecipient):
    """The event is full; the person is on the waitlist at `position` (1 = next in line)."""

    position: int = Field(ge=1)
    waitlisted_at: UtcDateTime
    invited: bool = Field(False, description="an organiser invited this person (rather than a public RSVP)")


@event("screenings", "rsvp_repeated", consumers=_MAILER)
class RsvpRepeated(_ToRecipient):
    """Someone RSVPed again with an address that already holds a place. The form answers
    as it would a first RSVP (so it tells nobody who is attending); this mail tells the
    address's owner what they already have, with their private link."""

    status: Literal["confirmed", "waitlisted"]
    position: int | None = Field(None, ge=1, description="the place in line when waitlisted")
    repeated_at: UtcDateTime


@event("screenings", "rsvp_promoted", consumers=_MAILER)
class RsvpPromoted(_ToRecipient):
    """A seat freed up and went to this waitlisted person; carries the invitation."""

    promoted_at: UtcDateTime


@event("screenings", "rsvp_cancelled", consumers=_MAILER)
class RsvpCancelled(_ToRecipient):
    """The attendee gave up their place; a former seat holder gets METHOD:CANCEL."""

    was_confirmed: bool
    cancelled_at: UtcDateTime


# --- timers ---------------------------------------------------------------------------


@event("screenings", "screening_reminder_due", consumers=_MAILER)
class ScreeningReminderDue(_ToRecipient):
    """A reminder the day before (09:00) or on the day (08:00, or 2 hours before an
    earlier start), both in the event's zone; to each confirmed attendee and organiser."""

    reminder: Literal["day_before", "day_of"]
    due_at: UtcDateTime


@event("screenings", "screening_report_due", consumers=_MAILER)
class ScreeningReportDue(Payload):
    """To the host (co-hosts in `screening.cohosts`): please file the post-event report."""

    screening: ScreeningInfo
    chaser: int = Field(ge=1, description="1 for the first reminder, 2 for the next, ...")
    final: bool = Field(description="no further chaser follows this one")
    report_path: SitePath
    due_at: UtcDateTime


@event("screenings", "screening_feedback_requested", consumers=_MAILER)
class ScreeningFeedbackRequested(_ToRecipient):
    """To each confirmed attendee with an address, a little after the event ended: a
    short mail asking for a rating and a comment through their private feedback link.
    Attendees who already gave feedback are not asked."""

    feedback_path: SitePath = Field(description="the attendee's private feedback page")
    requested_at: UtcDateTime

    @model_validator(mode="after")
    def _attendee_only(self):
        if self.recipient_role != "attendee":
            raise ValueError("only confirmed attendees are asked for feedback")
        return self


@event("screenings", "screening_report_filed", consumers=_MAILER)
class ScreeningReportFiled(Payload):
    """To the program managers (and a copy to the host): the post-event report."""

    screening: ScreeningInfo
    manager_emails: ManagerEmails
    filed_by: Person
    head_count: int = Field(ge=0)
    confirmed_rsvps: int = Field(ge=0)
    walk_ins: int = Field(ge=0)
    partners: tuple[Item, ...]
    audiences: tuple[Slug, ...]
    follow_up_actions: tuple[Item, ...]
    notes: Annotated[str, StringConstraints(max_length=5000)]
    filed_at: UtcDateTime
