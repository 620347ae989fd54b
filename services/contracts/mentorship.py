"""Events published by the mentorship side (payload contracts).

The leaders service owns mentorship requests and publishes these; the mailer turns each
into mail. Every payload carries what its mail needs (names, addresses, topic label,
times in UTC with the zone to show them in) so the mailer never calls back.

Link tokens travel in clear only in `mentorship_requested`, the one mail that must carry
them; events are internal and never leave the broker. Other links are plain paths to
pages that need a signed-in leader or manager.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints

from .envelope import Email, Payload
from .registry import event


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a UTC offset")
    return value.astimezone(timezone.utc)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone") from None
    return value


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
ZoneName = Annotated[str, AfterValidator(_zone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\r\n]*$")]
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
SitePath = Annotated[str, StringConstraints(pattern=r"^/[!-~]*$", max_length=500)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
RequestId = Annotated[int, Field(gt=0)]
LeaderId = Annotated[int, Field(gt=0)]
Attempt = Annotated[int, Field(ge=1)]
Urgency = Literal["normal", "urgent"]
ManagerEmails = Annotated[tuple[Email, ...], Field(min_length=1)]

_MAILER = ("mailer",)


class _RequestTopic(Payload):
    request_id: RequestId
    topic: Topic
    topic_label: Label


@event("leaders", "mentorship_requested", consumers=_MAILER)
class MentorshipRequested(_RequestTopic):
    """To the requester: confirm your address (the request is routed only after that)."""

    requester_name: Name
    requester_email: Email
    urgency: Urgency
    requested_at: UtcDateTime
    confirm_path: SitePath
    confirm_expires_at: UtcDateTime
    status_path: SitePath


@event("leaders", "mentorship_confirmed", consumers=_MAILER)
class MentorshipConfirmed(_RequestTopic):
    """To the requester: the address is confirmed and the network is finding a leader."""

    requester_name: Name
    requester_email: Email
    urgency: Urgency
    confirmed_at: UtcDateTime


class _OfferToLeader(_RequestTopic):
    attempt: Attempt
    leader_id: LeaderId
    leader_name: Name
    leader_email: Email
    requester_name: Name
    requester_agency: Name
    urgency: Urgency
    deadline: UtcDateTime
    time_zone: ZoneName
    accept_path: SitePath
    decline_path: SitePath


@event("leaders", "mentorship_offered", consumers=_MAILER)
class MentorshipOffered(_OfferToLeader):
    """To the leader: a peer asks for mentoring; accept or decline by the deadline.

    The requester's email address is withheld until the leader accepts.
    """

    requester_role: Name
    requester_state: StateCode
    description: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    offered_at: UtcDateTime
    match_reasons: tuple[Label, ...] = ()


@event("leaders", "mentorship_offer_reminder_due", consumers=_MAILER)
class MentorshipOfferReminderDue(_OfferToLeader):
    """To the leader: half the answer time has gone."""

    offered_at: UtcDateTime


@event("leaders", "mentorship_offer_expired", consumers=_MAILER)
class MentorshipOfferExpired(_RequestTopic):
    """To the managers: a leader let an offer lapse."""

    attempt: Attempt
    leader_id: LeaderId
    leader_name: Name
    requester_state: StateCode
    urgency: Urgency
    offered_at: UtcDateTime
    deadline: UtcDateTime
    expired_at: UtcDateTime
    time_zone: ZoneName
    manager_emails: ManagerEmails
    request_path: SitePath


@event("leaders", "mentorship_rerouted", consumers=_MAILER)
class MentorshipRerouted(_RequestTopic):
    """To the managers: the request went to the next candidate, and why."""

    reason: Literal["declined", "expired", "away", "manager"]
    from_leader_id: LeaderId
    from_leader_name: Name
    to_leader_id: LeaderId
    to_leader_name: Name
    attempt: Attempt
    rerouted_at: UtcDateTime
    requester_state: StateCode
    urgency: Urgency
    manager_emails: ManagerEmails
    request_path: SitePath


@event("leaders", "mentorship_declined", consumers=_MAILER)
class MentorshipDeclined(_RequestTopic):
    """To the managers: a leader declined; `reason` is absent when none was given."""

    attempt: Attempt
    leader_id: LeaderId
    leader_name: Name
    reason: Note | None = None
    declined_at: UtcDateTime
    manager_emails: ManagerEmails
    request_path: SitePath


@event("leaders", "mentorship_accepted", consumers=_MAILER)
class MentorshipAccepted(_RequestTopic):
    """To the requester with the leader's contact, and to the leader with the requester's."""

    requester_name: Name
    requester_email: Email
    requester_agency: Name
    leader_id: LeaderId
    leader_name: Name
    leader_email: Email
    leader_agency: Name
    leader_title: Name | None = None
    leader_phone: Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = None
    accepted_at: UtcDateTime
    agreed_days: Annotated[int, Field(ge=1, le=365)]
    due_at: UtcDateTime
    time_zone: ZoneName


@event("leaders", "mentorship_completed", consumers=_MAILER)
class MentorshipCompleted(_RequestTopic):
    """To the requester: a short follow-up once the leader closes the mentorship."""

    requester_name: Name
    requester_email: Email
    leader_id: LeaderId
    leader_name: Name
    accepted_at: UtcDateTime
    completed_at: UtcDateTime
    time_zone: ZoneName


@event("leaders", "mentorship_cancelled", consumers=_MAILER)
class MentorshipCancelled(_RequestTopic):
    """To the requester, and to the leader holding the offer or mentorship if there was one."""

    requester_name: Name
    requester_email: Email
    previous_state: Literal["unconfirmed", "open", "offered", "accepted"]
    cancelled_at: UtcDateTime
    leader_id: LeaderId | None = None
    leader_name: Name | None = None
    leader_email: Email | None = None


@event("leaders", "mentorship_unanswered", consumers=_MAILER)
class MentorshipUnanswered(_RequestTopic):
    """To the managers: no eligible leader is left; assign by hand or close."""

    requester_name: Name
    requester_agency: Name
    requester_state: StateCode
    region: Label
    urgency: Urgency
    attempts: Annotated[int, Field(ge=0)]
    confirmed_at: UtcDateTime
    detected_at: UtcDateTime
    manager_emails: ManagerEmails
    request_path: SitePath


@event("leaders", "mentorship_closed", consumers=_MAILER)
class MentorshipClosed(_RequestTopic):
    """To the requester: a manager closed the request without a mentor."""

    requester_name: Name
    requester_email: Email
    closed_at: UtcDateTime
    note: Note | None = None


@event("leaders", "mentorship_overdue", consumers=_MAILER)
class MentorshipOverdue(_RequestTopic):
    """To the leader (copying the managers): the agreed mentorship length has passed."""

    leader_id: LeaderId
    leader_name: Name
    leader_email: Email
    requester_name: Name
    accepted_at: UtcDateTime
    agreed_days: Annotated[int, Field(ge=1, le=365)]
    due_at: UtcDateTime
    time_zone: ZoneName
    complete_path: SitePath
    manager_emails: tuple[Email, ...] = ()
