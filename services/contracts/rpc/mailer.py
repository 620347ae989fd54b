"""RPC contracts of the mailer methods: the delivery log and resend for program
managers, suppressions, one-click unsubscribe, and the account set-up mail the gateway
asks for. Times in answers are ISO 8601 strings in UTC, as the mailer writes them."""
from __future__ import annotations

from typing import Any, Literal

from . import Params, Response, rpc_method
from .common import AnyId

MailState = Literal["queued", "sending", "sent", "failed", "suppressed"]
MailKind = Literal["transactional", "reminder", "digest"]
SuppressionReason = Literal["unsubscribed", "hard_bounces"]


class AccountSetupQueued(Response):
    queued: bool  # False when a message with this key was stored already
    delivery_id: int | None
    state: MailState | None


class Delivery(Response):
    """One message of the delivery log."""

    id: int
    recipient: str
    template: str
    kind: MailKind
    subject: str
    state: MailState
    attempts: int
    last_error: str | None
    message_id: str
    source_event_type: str
    source_event_id: str
    created_at: str
    sent_at: str | None
    next_attempt_at: str | None  # set while queued


class DeliveryDetail(Delivery):
    """One message in full, with why it is where it is."""

    recipient_name: str
    text: str
    html: str | None
    calendar_method: str | None
    calendar_sequence: int | None
    hard_bounce: bool
    suppressions: list[SuppressionReason]
    queued_at: str
    resent_from_id: int | None
    explanation: str


class SuppressionEntry(Response):
    recipient: str
    reason: SuppressionReason
    created_at: str
    detail: str | None


class Unsubscribed(Response):
    unsubscribed: bool
    stops: list[MailKind]  # the kinds of mail the address no longer gets


@rpc_method("mailer", "send_account_setup", response=AccountSetupQueued)
class SendAccountSetup(Params):
    email: str
    name: str
    setup_path: str
    expires_at: str  # ISO 8601 with its offset
    dedupe_key: str  # names one minted link: the same key stores one message


@rpc_method("mailer", "send_email_change", response=AccountSetupQueued)
class SendEmailChange(Params):
    """The link confirming a new address, to the new address, and a notice to the old one."""

    new_email: str
    old_email: str
    name: str
    confirm_path: str
    expires_at: str  # ISO 8601 with its offset
    dedupe_key: str  # names one minted link: the same key stores the mails once


@rpc_method("mailer", "search_deliveries", response=list[Delivery])
class SearchDeliveries(Params):
    recipient: str | None = None
    state: str | None = None
    template: str | None = None
    since: str | None = None  # ISO 8601 with its offset
    limit: int = 50


@rpc_method("mailer", "get_delivery", response=DeliveryDetail)
class GetDelivery(Params):
    delivery_id: AnyId


@rpc_method("mailer", "resend", response=Delivery)
class Resend(Params):
    delivery_id: AnyId


@rpc_method("mailer", "list_suppressions", response=list[SuppressionEntry])
class ListSuppressions(Params):
    recipient: str | None = None
    limit: int = 100


@rpc_method("mailer", "remove_suppression", response=int)
class RemoveSuppression(Params):
    recipient: str
    reason: str | None = None


@rpc_method("mailer", "unsubscribe", response=Unsubscribed)
class Unsubscribe(Params):
    token: str


class DigestRegion(Response):
    """One region in the weekly digest, as the gateway gathers it (services.gateway.digest)."""

    id: str
    name: str
    target: int
    active_leaders: int
    status: Literal["red", "amber", "green"]
    reasons: list[str]
    screenings_held: int
    screenings_held_week_before: int
    screenings_upcoming: int
    partners: int
    ratings: int
    average_rating: float | None
    no_screening_in_gap: bool  # none held in the last `gap_weeks` weeks


class DigestQueued(Response):
    queued: int


@rpc_method("mailer", "send_coverage_digest", response=DigestQueued)
class SendCoverageDigest(Params):
    week_end: str  # ISO 8601 with its offset: the end of the digest's week (its timer's due time)
    regions: list[DigestRegion]
    gap_weeks: int


class SummaryItems(Response):
    """What needs the program managers, by section, as the services answered the gateway
    (services.gateway.summary): each item is that service's own record of it."""

    urgent: list[dict[str, Any]]
    applications: list[dict[str, Any]]
    waiting_applications: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]
    overdue_reports: list[dict[str, Any]]


@rpc_method("mailer", "send_managers_summary", response=DigestQueued)
class SendManagersSummary(Params):
    day: str  # the program's local date the summary is for (its timer's key)
    items: SummaryItems
