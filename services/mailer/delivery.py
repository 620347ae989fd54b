"""Rules of the mail outbox: states, retries, leases, suppression and dedupe keys.

Plain Python with no I/O. The service stores each message before it is sent and uses
these rules to decide what happens to it after every SMTP attempt (DESIGN.md §4.6).

A message's life:

    queued --claim--> sending --Sent--> sent
      ^                  |  \\--Permanent / retries exhausted--> failed
      |                  |
      +----Transient-----+     (and back to sending when the lease of a crashed
                                attempt has expired)
    queued --suppressed address--> suppressed
    failed / suppressed --operator resend--> queued
"""
from __future__ import annotations

import enum
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from services.contracts.email import InvalidEmail, normalise_email
from services.runtime.errors import Conflict, ValidationFailed


class MailState(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


_TRANSITIONS: dict[MailState, frozenset[MailState]] = {
    MailState.QUEUED: frozenset({MailState.SENDING, MailState.SUPPRESSED, MailState.FAILED}),
    MailState.SENDING: frozenset(
        {MailState.SENT, MailState.QUEUED, MailState.FAILED, MailState.SENDING}
    ),
    # A resend of a sent message is a new message with its own dedupe key: requeueing the
    # stored one would repeat its Message-ID, and receivers would drop it as a duplicate.
    MailState.SENT: frozenset(),
    MailState.FAILED: frozenset({MailState.QUEUED}),
    MailState.SUPPRESSED: frozenset({MailState.QUEUED}),
}


def can_transition(current: MailState, target: MailState) -> bool:
    return target in _TRANSITIONS[current]


def transition(current: MailState, target: MailState) -> MailState:
    """Return `target` if a message may move there from `current`, else raise Conflict."""
    if not can_transition(current, target):
        raise Conflict(f"a {current.value} message cannot become {target.value}", field="state")
    return target


class MailKind(str, enum.Enum):
    """Transactional mail answers something the recipient did or must act on; list-type
    mail (reminders, digests) is periodic and carries one-click unsubscribe (RFC 8058)."""

    TRANSACTIONAL = "transactional"
    REMINDER = "reminder"
    DIGEST = "digest"

    @property
    def is_list_type(self) -> bool:
        return self is not MailKind.TRANSACTIONAL


# --- SMTP attempt outcomes (produced by the SMTP adapter, judged here) -------------------


class SmtpStage(str, enum.Enum):
    """Where in the SMTP conversation an attempt ended."""

    CONNECT = "connect"
    HELO = "helo"
    STARTTLS = "starttls"
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class Transient:
    """Worth trying again later: the connection failed, timed out or the server said 4xx."""

    message: str
    code: int | None = None
    stage: SmtpStage = SmtpStage.CONNECT


@dataclass(frozen=True)
class Permanent:
    """The server refused this message for good (5xx)."""

    message: str
    code: int | None = None
    stage: SmtpStage = SmtpStage.DATA


SendOutcome = Sent | Transient | Permanent

# Codes that say the mailbox does not exist or cannot receive, when given after DATA by
# servers that check recipients late. Other 5xx after DATA (policy, content, size) are
# about the message, not the address.
_MAILBOX_CODES_AFTER_DATA = frozenset({550, 551, 553})


def is_hard_bounce(outcome: SendOutcome) -> bool:
    """Whether an outcome counts against the recipient's address for suppression."""
    if not isinstance(outcome, Permanent) or outcome.code is None:
        return False
    if outcome.stage is SmtpStage.RCPT:
        return 500 <= outcome.code < 600
    return outcome.stage is SmtpStage.DATA and outcome.code in _MAILBOX_CODES_AFTER_DATA


def describe(outcome: SendOutcome) -> str | None:
    """The error text to record for a message, or None when it was sent."""
    if isinstance(outcome, Sent):
        return None
    code = f"{outcome.code} " if outcome.code is not None else ""
    return f"{outcome.stage.value}: {code}{outcome.message}".strip()


# --- Retry and lease policy ------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryPolicy:
    retry_delays: tuple[timedelta, ...] = (
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=3),
        timedelta(hours=6),
    )
    max_attempts: int = 12
    # Beyond a day or two a reminder or invitation is no longer useful, whatever the cause.
    max_age: timedelta = timedelta(days=2)
    # A live sender renews its claims every `lease / 4` (the delivery pool's heartbeat),
    # so a slow SMTP conversation keeps them; a dead sender's claims are taken over
    # once this has passed since its last renewal.
    lease: timedelta = timedelta(seconds=20)
    bounce_threshold: int = 2
    bounce_window: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if not self.retry_delays:
            raise ValueError("retry_delays must not be empty")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.bounce_threshold < 1:
            raise ValueError("bounce_threshold must be at least 1")
        if self.lease < timedelta(seconds=2):
            raise ValueError("lease must be at least 2 seconds")

    @property
    def renew_every(self) -> timedelta:
        """How often a live sender renews its claims: several times per lease, so one
        late renewal (a slow database) does not lose them."""
        return self.lease / 4

    def delay_after(self, attempts: int) -> timedelta:
        """Delay before the next try when `attempts` tries have failed transiently."""
        if attempts < 1:
            return timedelta(0)
        return self.retry_delays[min(attempts, len(self.retry_delays)) - 1]

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime:
        return now + self.delay_after(attempts)

    def exhausted(self, attempts: int, created_at: datetime, now: datetime) -> bool:
        return attempts >= self.max_attempts or now - created_at >= self.max_age


DEFAULT_POLICY = DeliveryPolicy()


def next_attempt_at(
    attempts: int, now: datetime, policy: DeliveryPolicy = DEFAULT_POLICY
) -> datetime:
    """When to try again after `attempts` transient failures."""
    return policy.next_attempt_at(attempts, now)


def is_due(
    state: MailState,
    now: datetime,
    *,
    next_attempt_at: datetime | None,
    lease_expires_at: datetime | None,
) -> bool:
    """Whether a sender may claim the message now.

    A message left in `sending` by a crashed sender becomes due again once its lease has
    expired; only that message is sent again, with its stored bytes and Message-ID.
    """
    if state is MailState.QUEUED:
        return next_attempt_at is None or next_attempt_at <= now
    if state is MailState.SENDING:
        return lease_expires_at is not None and lease_expires_at <= now
    return False


@dataclass(frozen=True)
class Claim:
    state: MailState
    attempts: int
    lease_expires_at: datetime


def claim(
    state: MailState, attempts: int, now: datetime, policy: DeliveryPolicy = DEFAULT_POLICY
) -> Claim:
    """The new state of a message taken for sending; the attempt is counted up front so
    a message that crashes its sender every time still runs out of attempts."""
    transition(state, MailState.SENDING)
    return Claim(MailState.SENDING, attempts + 1, now + policy.lease)


@dataclass(frozen=True)
class AttemptResult:
    state: MailState
    next_attempt_at: datetime | None
    last_error: str | None
    hard_bounce: bool = False


def after_attempt(
    outcome: SendOutcome,
    *,
    attempts: int,
    created_at: datetime,
    now: datetime,
    policy: DeliveryPolicy = DEFAULT_POLICY,
) -> AttemptResult:
    """The state of a claimed message once an attempt (the `attempts`-th) has ended."""
    if isinstance(outcome, Sent):
        return AttemptResult(MailState.SENT, None, None)
    error = describe(outcome)
    if isinstance(outcome, Permanent):
        return AttemptResult(MailState.FAILED, None, error, hard_bounce=is_hard_bounce(outcome))
    if policy.exhausted(attempts, created_at, now):
        return AttemptResult(MailState.FAILED, None, f"gave up after {attempts} attempts: {error}")
    return AttemptResult(MailState.QUEUED, policy.next_attempt_at(attempts, now), error)


def give_up_before_sending(
    attempts: int, created_at: datetime, now: datetime, policy: DeliveryPolicy = DEFAULT_POLICY
) -> bool:
    """Whether a due message is too old or tried too often to be attempted at all (for
    instance one whose lease expired after its last allowed attempt)."""
    return policy.exhausted(attempts, created_at, now)


# --- Relay throttling ------------------------------------------------------------------

# Replies by which a relay says "not now" about its own load or limits rather than about
# the message: 421 (service not available, closing), 450/451 (try again), 452
# (insufficient storage, too many messages), 454 (temporary authentication failure).
THROTTLING_CODES = frozenset({421, 450, 451, 452, 454})


def is_throttled(outcome: SendOutcome) -> bool:
    """Whether the relay asked to slow down: the message is tried again soon without
    using up one of its attempts (its age still bounds it: DeliveryPolicy.max_age)."""
    return isinstance(outcome, Transient) and outcome.code in THROTTLING_CODES


def must_reconnect(outcome: SendOutcome) -> bool:
    """421 closes the session: the connection is opened afresh after the pause."""
    return isinstance(outcome, Transient) and outcome.code == 421


@dataclass(frozen=True)
class Backoff:
    """The pause a connection takes after its `n`-th throttled reply in a row: doubling
    from `first` up to `longest`; a sent message resets the count."""

    first: float = 0.25
    longest: float = 30.0

    def pause(self, throttled_in_a_row: int) -> float:
        if throttled_in_a_row < 1:
            return 0.0
        return min(self.longest, self.first * 2 ** min(throttled_in_a_row - 1, 16))


def rate_slot(next_free: float | None, now: float, interval: float) -> tuple[float, float]:
    """Per-relay send slots `interval` seconds apart: (the slot to send at, the next free
    slot after it). A slot left unused in the past is not saved up, so an idle relay
    never gets a burst."""
    start = now if next_free is None or next_free < now else next_free
    return start, start + interval


# --- Suppression -----------------------------------------------------------------------


class SuppressionReason(str, enum.Enum):
    UNSUBSCRIBED = "unsubscribed"
    HARD_BOUNCES = "hard_bounces"


def should_suppress_after_bounces(
    bounce_times: Iterable[datetime], now: datetime, policy: DeliveryPolicy = DEFAULT_POLICY
) -> bool:
    """Whether an address has hard-bounced often enough, recently enough, to stop mailing it."""
    since = now - policy.bounce_window
    recent = sum(1 for at in bounce_times if since <= at <= now)
    return recent >= policy.bounce_threshold


def suppression_applies(kind: MailKind, reasons: Iterable[SuppressionReason]) -> bool:
    """An unsubscribe stops reminders and digests; an address that bounces gets nothing,
    since transactional mail to it would bounce as well."""
    for reason in reasons:
        if reason is SuppressionReason.HARD_BOUNCES:
            return True
        if reason is SuppressionReason.UNSUBSCRIBED and kind.is_list_type:
            return True
    return False


# --- Addresses and dedupe keys ---------------------------------------------------------


def checked_address(raw: str, *, field_name: str = "recipient") -> str:
    """A syntactically valid address in ASCII form (IDN domains as punycode), without DNS.

    Local parts with non-ASCII characters are refused: sending them needs SMTPUTF8 end to
    end, which the mail path does not promise.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed("an email address is required", field=field_name)
    ascii_form, problem = _ascii_address(raw.strip())
    if problem:
        raise ValidationFailed(problem, field=field_name)
    return ascii_form


@lru_cache(maxsize=65536)
def _ascii_address(address: str) -> tuple[str, str | None]:
    """(ASCII form, None) or ("", the problem). Remembered by address alone, since queueing
    one message checks the same addresses several times (sender, recipient, dedupe key)."""
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        return "", f"not a valid email address: {error}"
    if not valid.ascii_email:
        return "", "address cannot be written in ASCII"
    return valid.ascii_email, None


def normalise_recipient(raw: str) -> str:
    """The form of an address used for dedupe and suppression: one mailbox, one key.

    The system's one normalisation (contracts.email.normalise_email: lower-cased, domain
    in normal form), then written in ASCII as the mail path needs (checked_address).
    """
    try:
        address = normalise_email(raw)
    except InvalidEmail as error:
        raise ValidationFailed(str(error), field="recipient") from None
    return checked_address(address)


_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


def dedupe_key(
    event_id: uuid.UUID | str, recipient: str, template: str, sequence: int | None = None
) -> str:
    """The key under which a message is stored once: the event that caused it, who gets it,
    which template, and the calendar SEQUENCE for invitations (DESIGN.md §4.6).

    Hashed so it has a fixed length for a unique index and keeps the address out of logs.
    """
    try:
        event = str(uuid.UUID(str(event_id)))
    except ValueError:
        raise ValidationFailed("event_id must be a UUID", field="event_id") from None
    if not _TEMPLATE_NAME.match(template or ""):
        raise ValidationFailed("template names are lower-case identifiers", field="template")
    if sequence is not None and (isinstance(sequence, bool) or not isinstance(sequence, int)
                                 or sequence < 0):
        raise ValidationFailed("sequence must be a non-negative integer", field="sequence")
    # JSON keeps the parts unambiguous whatever characters an address contains.
    material = json.dumps(["mail/1", event, normalise_recipient(recipient), template, sequence])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()

