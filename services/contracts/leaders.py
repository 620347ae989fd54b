"""Events published by the leaders side (payload contracts).

Every leader_* event and application_approved carries the leader's full current snapshot,
so the screenings projection can be rebuilt from any one of them; `leader_version` grows
with every change to a leader, so a consumer keeps a snapshot only if its version is newer
than the one it holds and thereby ignores redelivered or out-of-order events.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, PositiveInt, StringConstraints, field_validator

from .envelope import Email, Payload
from .registry import event

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=60)]
LeaderStatus = Literal["active", "inactive", "alumni"]


class LeaderSnapshot(Payload):
    """A leader as consumers see it: no phone, no bio, nothing they do not use."""

    leader_id: PositiveInt
    leader_version: PositiveInt
    name: Text
    email: Email
    agency: Text
    title: Text
    state: StateCode
    region: Slug
    region_grouping: Slug = Field(description="the grouping `region` belongs to, e.g. federal")
    status: LeaderStatus
    trusted_host: bool
    expertise: tuple[Slug, ...]
    away_until: date | None = Field(description="the date the leader is back; null when available")


@event("leaders", "application_submitted", consumers=("mailer",))
class ApplicationSubmitted(Payload):
    application_id: PositiveInt
    name: Text
    email: Email
    agency: Text
    title: Text
    state: StateCode
    submitted_at: AwareDatetime


@event("leaders", "application_repeated", consumers=("mailer",))
class ApplicationRepeated(Payload):
    """Someone applied with an address that already has an application under review or a
    place on the roster. The public answer is the one a first application gets (so it tells
    nobody who is a leader); this mail tells the address's owner where they stand. It
    carries nothing else typed in the new application: whoever typed it need not be the
    owner, and must not put words in a mail to them."""

    email: Email
    standing: Literal["under_review", "on_roster"]
    repeated_at: AwareDatetime


@event("leaders", "application_approved", consumers=("screenings", "mailer", "gateway"))
class ApplicationApproved(LeaderSnapshot):
    application_id: PositiveInt
    approved_at: AwareDatetime


@event("leaders", "application_declined", consumers=("mailer",))
class ApplicationDeclined(Payload):
    application_id: PositiveInt
    name: Text
    email: Email
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = Field(
        description="the program manager's own words; null when none was given"
    )
    declined_at: AwareDatetime


@event("leaders", "application_waitlisted", consumers=("mailer",))
class ApplicationWaitlisted(Payload):
    application_id: PositiveInt
    name: Text
    email: Email
    waitlisted_at: AwareDatetime


@event("leaders", "leader_updated", consumers=("screenings", "gateway"))
class LeaderUpdated(LeaderSnapshot):
    changed: tuple[Slug, ...] = Field(description="names of the profile fields that changed")


@event("leaders", "leader_availability_changed", consumers=("screenings",))
class LeaderAvailabilityChanged(LeaderSnapshot):
    pass


@event("leaders", "leader_deactivated", consumers=("screenings", "gateway"))
class LeaderDeactivated(LeaderSnapshot):
    @field_validator("status")
    @classmethod
    def _not_active(cls, status: str) -> str:
        if status == "active":
            raise ValueError("a deactivated leader is inactive or alumni, not active")
        return status


@event("leaders", "training_completed", consumers=("mailer",))
class TrainingCompleted(Payload):
    leader_id: PositiveInt
    name: Text
    email: Email
    module: Slug
    module_title: Text
    completed_at: AwareDatetime
    mentoring_ready: bool = Field(description="the leader can now receive mentorship requests")


SitePath = Annotated[str, StringConstraints(pattern=r"^/[!-~]*$", max_length=500)]


class TrainingModuleDue(Payload):
    slug: Slug
    title: Text
    minutes: PositiveInt


@event("leaders", "training_reminder_due", consumers=("mailer",))
class TrainingReminderDue(Payload):
    """A leader approved a while ago has still not finished the modules needed to mentor."""

    leader_id: PositiveInt
    name: Text
    email: Email
    missing_modules: tuple[TrainingModuleDue, ...] = Field(
        min_length=1, description="the mentoring modules still to complete, in catalogue order"
    )
    reminder_number: PositiveInt = Field(description="1 for the first reminder")
    final: bool = Field(description="no further training reminder will be sent")
    approved_at: AwareDatetime
    training_path: SitePath = Field(description="the leader's training page on the gateway")
