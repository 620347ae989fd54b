"""Delivery: claim due messages under a lease, send them, record each outcome (DESIGN.md
§4.6). Each step is a short transaction of its own, so a crash repeats at most the
message in flight and several instances share the queue without sending twice."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from .. import delivery
from ..delivery import (
    DeliveryPolicy,
    MailKind,
    MailState,
    Permanent,
    SendOutcome,
    SmtpStage,
    SuppressionReason,
    Transient,
)
from ..messages import Outgoing
from ..settings import MailerSettings
from .announce import publish_failed, publish_sent

log = logging.getLogger(__name__)

# An SMTP failure at one of these stages says the server is unreachable or refuses the
# session, whatever the message: the rest of a batch waits instead of trying one by one.
SESSION_STAGES = frozenset({SmtpStage.CONNECT, SmtpStage.HELO, SmtpStage.STARTTLS, SmtpStage.AUTH})


def claim_due(uow, owner: str, now: datetime, policy: DeliveryPolicy, limit: int) -> tuple[list[Outgoing], int]:
    """Take up to `limit` due messages for this sender under a lease. Suppressed and
    exhausted ones are settled here instead. Returns (to send, rows settled or claimed)."""
    due = uow.messages.due(now, limit)
    if not due:
        return [], 0
    suppressed = uow.suppressions.reasons_for({row.recipient for row in due})
    unsendable, to_claim, lease_expires_at = [], [], None
    for row in due:
        if delivery.suppression_applies(MailKind(row.kind), suppressed.get(row.recipient, ())) \
                or delivery.give_up_before_sending(row.attempts, row.queued_at, now, policy):
            unsendable.append(row.id)
            continue
        claimed = delivery.claim(MailState(row.state), row.attempts, now, policy)
        lease_expires_at = claimed.lease_expires_at
        to_claim.append(row.id)
    if unsendable:
        _settle_unsendable(uow, unsendable, suppressed, now)
    outgoing = uow.messages.claim(to_claim, owner, lease_expires_at) if to_claim else []
    return outgoing, len(due)


def _settle_unsendable(uow, ids: list[int], suppressed: dict[str, list[SuppressionReason]],
                       now: datetime) -> None:
    """Due messages that must not be attempted: to a suppressed address, or out of
    attempts or time."""
    for message in uow.messages.get_many(ids):
        state = MailState(message.state)
        if delivery.suppression_applies(MailKind(message.kind), suppressed.get(message.recipient, ())):
            # A message whose sender died (lease expired) is waiting again, like a queued one.
            waiting = MailState.QUEUED if state is MailState.SENDING else state
            message.state = delivery.transition(waiting, MailState.SUPPRESSED).value
            message.last_error = "address suppressed: " + ", ".join(r.value for r in suppressed[message.recipient])
            reason = "suppressed"
        else:
            message.state = delivery.transition(state, MailState.FAILED).value
            message.last_error = f"gave up after {message.attempts} attempts" + (
                f": {message.last_error}" if message.last_error else "")
            reason = "gave_up"
        message.next_attempt_at = None
        uow.messages.settle(message)
        publish_failed(uow, message, reason, now)


def record_outcome(uow, item: Outgoing, owner: str, outcome: SendOutcome, now: datetime,
                   policy: DeliveryPolicy) -> MailState | None:
    """Store how an attempt ended. Does nothing (returns None) if this sender no longer
    holds the message's lease."""
    result = delivery.after_attempt(outcome, attempts=item.attempts, created_at=item.queued_at,
                                    now=now, policy=policy)
    row = uow.messages.record_attempt(item.id, owner, result, now)
    if row is None:
        log.warning("message %s: lease lost before its outcome was recorded", item.id)
        return None
    if result.state is MailState.SENT:
        publish_sent(uow, row, now)
    elif result.state is MailState.FAILED:
        publish_failed(uow, row, "rejected" if isinstance(outcome, Permanent) else "gave_up", now)
    if result.hard_bounce:
        _suppress_if_bouncing(uow, row.recipient, now, policy)
    return result.state


def _suppress_if_bouncing(uow, recipient: str, now: datetime, policy: DeliveryPolicy) -> None:
    bounces = uow.messages.hard_bounces(recipient)
    if delivery.should_suppress_after_bounces(bounces, now, policy):
        uow.suppressions.add(recipient, SuppressionReason.HARD_BOUNCES, now, f"{len(bounces)} hard bounces")


def deliver_batch(db, send: Callable[[str, bytes], SendOutcome], settings: MailerSettings,
                  owner: str, now: Callable[[], datetime]) -> int:
    """Claim one batch and send it, recording each outcome in its own transaction.
    `db` gives units of work (`db.unit_of_work()`). Returns the rows handled (0 = idle)."""
    with db.unit_of_work() as uow:
        outgoing, handled = claim_due(uow, owner, now(), settings.policy, settings.batch_size)
    for position, item in enumerate(outgoing):
        outcome = send(item.recipient, item.mime)
        with db.unit_of_work() as uow:
            record_outcome(uow, item, owner, outcome, now(), settings.policy)
            if isinstance(outcome, Transient) and outcome.stage in SESSION_STAGES:
                rest = outgoing[position + 1:]
                retry_at = delivery.next_attempt_at(item.attempts, now(), settings.policy)
                uow.messages.release(rest, owner, retry_at)
                log.warning("SMTP server unavailable (%s); %d message(s) wait until %s",
                            delivery.describe(outcome), len(rest) + 1, retry_at.isoformat())
                break
    return handled


# --- the delivery pool's steps (dispatch.Dispatcher) ---------------------------------------


def defer_throttled(uow, item: Outgoing, owner: str, outcome: SendOutcome, now: datetime,
                    pause_seconds: float) -> bool:
    """The relay asked to slow down (delivery.is_throttled): the message waits out the
    pause and is tried again, its attempt not counted. False if the lease was lost."""
    retry_at = now + timedelta(seconds=pause_seconds)
    deferred = uow.messages.defer(item, owner, retry_at, delivery.describe(outcome))
    if not deferred:
        log.warning("message %s: lease lost before its deferral was recorded", item.id)
    return deferred


def release_unsent(uow, items: list[Outgoing], owner: str, now: datetime) -> None:
    """Give back claimed messages that were never tried (a stopping sender), due at once
    for the next sender and without counting an attempt."""
    if items:
        uow.messages.release(items, owner, now)


def renew_claims(uow, owner: str, ids: list[int], now: datetime, policy: DeliveryPolicy) -> int:
    """A live sender's heartbeat: its claims stay its own for another lease."""
    return uow.messages.renew_leases(owner, ids, now + policy.lease)


def take_send_slot(uow, relay: str, now: float, per_second: float) -> float:
    """The wall-clock time (epoch seconds) at which this sender may send its next message
    to `relay` under the shared rate limit; the slot is taken for it."""
    slot, next_free = delivery.rate_slot(uow.relay_rates.next_free(relay), now, 1.0 / per_second)
    uow.relay_rates.set_next_free(relay, next_free)
    return slot
