"""Events published by the mailer (payload contracts).

`mail_sent` and `mail_failed` are the audit trail of what was mailed (nobody subscribes yet), a hook
for a future consumer (e.g. a leader's activity log). The recipient's address is
carried because events are internal and never leave the broker.
"""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, PositiveInt, StringConstraints

from .envelope import Email, Payload
from .registry import event

TemplateName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")]
EventType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
MessageId = Annotated[str, StringConstraints(pattern=r"^<[!-~]+@[!-~]+>$", max_length=300)]


class _Delivery(Payload):
    delivery_id: PositiveInt
    message_id: MessageId
    template: TemplateName
    recipient: Email
    source_event_id: uuid.UUID
    source_event_type: EventType
    attempts: Annotated[int, Field(ge=0)]


@event("mailer", "mail_sent", consumers=())
class MailSent(_Delivery):
    sent_at: AwareDatetime


@event("mailer", "mail_failed", consumers=())
class MailFailed(_Delivery):
    reason: Literal["rejected", "gave_up", "suppressed", "invalid"] = Field(
        description="rejected: the server refused it (5xx); gave_up: transient failures "
        "until the retry budget ran out; suppressed: the address is on the suppression "
        "list; invalid: the address cannot be mailed"
    )
    error: Annotated[str, StringConstraints(max_length=2000)] | None = None
    failed_at: AwareDatetime


@event("mailer", "coverage_digest_due", consumers=("gateway",))
class CoverageDigestDue(Payload):
    """The weekly digest's time has come (the mailer's timer, on the program's clock).
    The gateway, which alone asks several services, gathers each region's figures against
    its target and hands them back with `mailer.send_coverage_digest`; the mailer adds
    what it saw happen in the week and mails the program managers."""

    week_start: AwareDatetime
    week_end: AwareDatetime


@event("mailer", "managers_summary_due", consumers=("gateway",))
class ManagersSummaryDue(Payload):
    """The managers' daily summary is due (the mailer's timer, at the local hour). The
    gateway asks the services what needs the managers and hands it back with
    `mailer.send_managers_summary`; the mailer mails it once for the day, or nothing on
    a quiet day."""

    day: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    since: AwareDatetime
