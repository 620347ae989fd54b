from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.contracts.email import normalise_email
from services.mailer.delivery import (
    DEFAULT_POLICY,
    DeliveryPolicy,
    MailKind,
    MailState,
    Permanent,
    Sent,
    SmtpStage,
    SuppressionReason,
    Transient,
    after_attempt,
    can_transition,
    claim,
    dedupe_key,
    give_up_before_sending,
    is_due,
    is_hard_bounce,
    next_attempt_at,
    normalise_recipient,
    should_suppress_after_bounces,
    suppression_applies,
    transition,
)
from services.runtime.errors import Conflict, ValidationFailed

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
EVENT = uuid.UUID("5f0c6b2e-8d2a-4c3e-9f4f-1b2a3c4d5e6f")


# --- states ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (MailState.QUEUED, MailState.SENDING),
        (MailState.QUEUED, MailState.SUPPRESSED),
        (MailState.SENDING, MailState.SENT),
        (MailState.SENDING, MailState.QUEUED),
        (MailState.SENDING, MailState.FAILED),
        (MailState.SENDING, MailState.SENDING),
        (MailState.FAILED, MailState.QUEUED),
        (MailState.SUPPRESSED, MailState.QUEUED),
    ],
)
def test_allowed_transitions(current, target):
    assert can_transition(current, target)
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (MailState.SENT, MailState.QUEUED),
        (MailState.SENT, MailState.SENDING),
        (MailState.FAILED, MailState.SENT),
        (MailState.QUEUED, MailState.SENT),
        (MailState.SUPPRESSED, MailState.SENDING),
    ],
)
def test_forbidden_transitions_raise_conflict(current, target):
    assert not can_transition(current, target)
    with pytest.raises(Conflict):
        transition(current, target)


def test_list_type_classification():
    assert not MailKind.TRANSACTIONAL.is_list_type
    assert MailKind.REMINDER.is_list_type
    assert MailKind.DIGEST.is_list_type


# --- retries -------------------------------------------------------------------------


def test_retry_delays_grow_and_then_stay_at_the_longest():
    delays = [DEFAULT_POLICY.delay_after(n) for n in range(1, 12)]
    assert delays[0] == timedelta(seconds=30)
    assert delays[1] == timedelta(minutes=2)
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:]))
    assert delays[-1] == delays[-2] == DEFAULT_POLICY.retry_delays[-1]


def test_next_attempt_at_adds_the_delay_for_the_attempt_count():
    assert next_attempt_at(1, NOW) == NOW + timedelta(seconds=30)
    assert next_attempt_at(3, NOW) == NOW + timedelta(minutes=10)


def test_sent_outcome_marks_sent():
    result = after_attempt(Sent(), attempts=1, created_at=NOW, now=NOW)
    assert result.state is MailState.SENT
    assert result.next_attempt_at is None
    assert result.last_error is None


def test_transient_outcome_requeues_with_backoff():
    outcome = Transient("4.3.0 try later", 451, SmtpStage.DATA)
    result = after_attempt(outcome, attempts=2, created_at=NOW, now=NOW + timedelta(minutes=1))

    assert result.state is MailState.QUEUED
    assert result.next_attempt_at == NOW + timedelta(minutes=1) + timedelta(minutes=2)
    assert result.last_error == "data: 451 4.3.0 try later"
    assert not result.hard_bounce


def test_transient_outcome_fails_after_max_attempts():
    policy = DeliveryPolicy(max_attempts=3)
    outcome = Transient("Connection refused", None, SmtpStage.CONNECT)

    assert after_attempt(outcome, attempts=2, created_at=NOW, now=NOW,
                         policy=policy).state is MailState.QUEUED
    result = after_attempt(outcome, attempts=3, created_at=NOW, now=NOW, policy=policy)
    assert result.state is MailState.FAILED
    assert "gave up after 3 attempts" in result.last_error
    assert "connect: Connection refused" in result.last_error


def test_transient_outcome_fails_when_the_message_is_too_old():
    policy = DeliveryPolicy(max_age=timedelta(hours=6))
    outcome = Transient("timed out")
    late = NOW + timedelta(hours=6)
    assert after_attempt(outcome, attempts=1, created_at=NOW, now=late,
                         policy=policy).state is MailState.FAILED


def test_permanent_recipient_refusal_fails_and_counts_as_bounce():
    outcome = Permanent("5.1.1 No such mailbox", 550, SmtpStage.RCPT)
    result = after_attempt(outcome, attempts=1, created_at=NOW, now=NOW)

    assert result.state is MailState.FAILED
    assert result.hard_bounce
    assert result.last_error == "rcpt: 550 5.1.1 No such mailbox"


@pytest.mark.parametrize(
    ("outcome", "bounce"),
    [
        (Permanent("no mailbox", 550, SmtpStage.RCPT), True),
        (Permanent("relay denied", 554, SmtpStage.RCPT), True),
        (Permanent("mailbox unavailable", 550, SmtpStage.DATA), True),
        (Permanent("spam detected", 554, SmtpStage.DATA), False),
        (Permanent("sender refused", 553, SmtpStage.MAIL), False),
        (Transient("mailbox busy", 450, SmtpStage.RCPT), False),
        (Sent(), False),
    ],
)
def test_hard_bounce_classification(outcome, bounce):
    assert is_hard_bounce(outcome) is bounce


def test_permanent_failure_not_about_the_address_is_no_bounce():
    result = after_attempt(Permanent("5.7.1 content rejected", 554, SmtpStage.DATA),
                           attempts=1, created_at=NOW, now=NOW)
    assert result.state is MailState.FAILED
    assert not result.hard_bounce


# --- claiming and leases -------------------------------------------------------------


def test_queued_message_is_due_at_its_next_attempt_time():
    later = NOW + timedelta(minutes=2)
    assert is_due(MailState.QUEUED, NOW, next_attempt_at=None, lease_expires_at=None)
    assert not is_due(MailState.QUEUED, NOW, next_attempt_at=later, lease_expires_at=None)
    assert is_due(MailState.QUEUED, later, next_attempt_at=later, lease_expires_at=None)


@pytest.mark.parametrize("state", [MailState.SENT, MailState.FAILED, MailState.SUPPRESSED])
def test_finished_messages_are_never_due(state):
    assert not is_due(state, NOW, next_attempt_at=NOW, lease_expires_at=NOW)


def test_claim_counts_the_attempt_and_sets_a_lease():
    taken = claim(MailState.QUEUED, attempts=0, now=NOW)
    assert taken.state is MailState.SENDING
    assert taken.attempts == 1
    assert taken.lease_expires_at == NOW + DEFAULT_POLICY.lease


def test_claim_of_a_sent_message_is_refused():
    with pytest.raises(Conflict):
        claim(MailState.SENT, attempts=1, now=NOW)


def test_message_of_a_crashed_sender_is_due_again_only_after_its_lease():
    taken = claim(MailState.QUEUED, attempts=0, now=NOW)
    just_before = taken.lease_expires_at - timedelta(seconds=1)

    assert not is_due(taken.state, just_before, next_attempt_at=None,
                      lease_expires_at=taken.lease_expires_at)
    assert is_due(taken.state, taken.lease_expires_at, next_attempt_at=None,
                  lease_expires_at=taken.lease_expires_at)

    retaken = claim(taken.state, taken.attempts, taken.lease_expires_at)
    assert retaken.attempts == 2
    assert retaken.lease_expires_at == taken.lease_expires_at + DEFAULT_POLICY.lease


def test_message_out_of_attempts_is_not_sent_again_after_a_crash():
    policy = DeliveryPolicy(max_attempts=2)
    assert not give_up_before_sending(1, NOW, NOW, policy)
    assert give_up_before_sending(2, NOW, NOW, policy)


# --- suppression ---------------------------------------------------------------------


def test_address_is_suppressed_after_repeated_recent_hard_bounces():
    policy = DeliveryPolicy(bounce_threshold=2, bounce_window=timedelta(days=30))
    recent = NOW - timedelta(days=3)
    old = NOW - timedelta(days=45)

    assert not should_suppress_after_bounces([recent], NOW, policy)
    assert not should_suppress_after_bounces([recent, old], NOW, policy)
    assert should_suppress_after_bounces([recent, NOW], NOW, policy)


def test_unsubscribe_stops_only_list_mail_but_bounces_stop_everything():
    unsubscribed = [SuppressionReason.UNSUBSCRIBED]
    bounced = [SuppressionReason.HARD_BOUNCES]

    assert suppression_applies(MailKind.REMINDER, unsubscribed)
    assert suppression_applies(MailKind.DIGEST, unsubscribed)
    assert not suppression_applies(MailKind.TRANSACTIONAL, unsubscribed)
    assert suppression_applies(MailKind.TRANSACTIONAL, bounced)
    assert not suppression_applies(MailKind.REMINDER, [])


# --- dedupe keys ---------------------------------------------------------------------


def test_dedupe_key_normalises_the_recipient_and_event_id():
    key = dedupe_key(EVENT, "Officer.Garcia@Example.ORG ", "rsvp_confirmed", 3)
    assert key == dedupe_key(str(EVENT).upper(), "officer.garcia@example.org", "rsvp_confirmed", 3)
    assert len(key) == 64
    assert "garcia" not in key


@pytest.mark.parametrize(
    "variant",
    [
        (uuid.UUID(int=1), "officer.garcia@example.org", "rsvp_confirmed", 3),
        (EVENT, "other@example.org", "rsvp_confirmed", 3),
        (EVENT, "officer.garcia@example.org", "rsvp_waitlisted", 3),
        (EVENT, "officer.garcia@example.org", "rsvp_confirmed", 4),
        (EVENT, "officer.garcia@example.org", "rsvp_confirmed", None),
    ],
)
def test_dedupe_key_differs_when_any_part_differs(variant):
    assert dedupe_key(*variant) != dedupe_key(EVENT, "officer.garcia@example.org",
                                              "rsvp_confirmed", 3)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("not-a-uuid", "a@example.org", "t", None), "event_id"),
        ((EVENT, "not an address", "t", None), "recipient"),
        ((EVENT, "a@example.org", "Bad Template", None), "template"),
        ((EVENT, "a@example.org", "t", -1), "sequence"),
        ((EVENT, "a@example.org", "t", True), "sequence"),
    ],
)
def test_dedupe_key_rejects_bad_parts(args, field):
    with pytest.raises(ValidationFailed) as raised:
        dedupe_key(*args)
    assert raised.value.field == field


def test_normalised_recipient_is_lower_case_ascii():
    assert normalise_recipient("  Leader@Bücher.Example ") == "leader@xn--bcher-kva.example"


@pytest.mark.parametrize("raw", ["Ana.Ruiz@Example.ORG", " sam.park@example.org ", "Postmaster@PD.Example.gov"])
def test_normalised_recipient_is_the_systems_normalisation_of_an_ascii_address(raw):
    assert normalise_recipient(raw) == normalise_email(raw)


def test_a_recipient_the_mail_path_cannot_write_in_ascii_is_refused():
    assert normalise_email("josé@example.org") == "josé@example.org"  # a valid address elsewhere
    with pytest.raises(ValidationFailed) as refused:
        normalise_recipient("josé@example.org")
    assert refused.value.field == "recipient"


@pytest.mark.parametrize("raw", ["", "   ", "not-an-address", "a@b", None])
def test_an_invalid_recipient_is_refused_naming_the_field(raw):
    with pytest.raises(ValidationFailed) as refused:
        normalise_recipient(raw)
    assert refused.value.field == "recipient"
