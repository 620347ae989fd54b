"""The mailer's command use cases against the in-memory unit of work (fakes.py): what
each stores, refuses, publishes and schedules."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.contracts.mailer import MailFailed, MailSent
from services.mailer import delivery
from services.mailer.app import account_setup, digest, operators, queueing, sending
from services.mailer.delivery import MailState, Permanent, Sent, SmtpStage
from services.mailer.notifications import Notification
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from .events import NOW, PAYLOADS, event
from .fakes import FakeUnitOfWork


@pytest.fixture
def uow():
    return FakeUnitOfWork()


def stored(uow, **where):
    return [m for _, m in sorted(uow.messages.rows.items())
            if all(getattr(m, name) == value for name, value in where.items())]


def sent(uow, settings, delivery_id, at=NOW):
    [item] = [i for i in sending.claim_due(uow, "one", at, settings.policy, 50)[0] if i.id == delivery_id]
    sending.record_outcome(uow, item, "one", Sent(), at, settings.policy)


# --- Queueing ------------------------------------------------------------------------


def test_an_event_queues_one_message_per_recipient_under_its_dedupe_key(uow, settings):
    approved = event("screening_approved")
    assert queueing.queue_event(uow, approved, settings, NOW) == 2
    messages = stored(uow)
    assert sorted(m.recipient for m in messages) == ["james.obrien@cookcounty.example.org",
                                                    "maria.lopez@chicagopd.example.org"]
    for m in messages:
        assert m.dedupe_key == delivery.dedupe_key(approved.event_id, m.recipient, m.template, m.calendar_sequence)
        assert (m.state, m.attempts, m.next_attempt_at, m.source_event_type) == \
            ("queued", 0, NOW, "screening_approved")
        assert m.mime and m.message_id in m.mime.decode()
    assert len({m.message_id for m in messages}) == 2
    assert uow.messages.queued is True
    assert uow.activity.rows[str(approved.event_id)][0] == "screening_approved"
    assert uow.published == []


def test_the_same_event_again_queues_nothing_more(uow, settings):
    again = event("rsvp_confirmed")
    assert queueing.queue_event(uow, again, settings, NOW) == 1
    assert queueing.queue_event(uow, again, settings, NOW + timedelta(minutes=5)) == 0
    assert len(stored(uow)) == 1 and len(uow.activity.rows) == 1


def test_list_mail_carries_the_addresses_one_unsubscribe_token(uow, settings):
    queueing.queue_event(uow, event("screening_reminder_due"), settings, NOW)
    queueing.queue_event(uow, event("screening_reminder_due"), settings, NOW)
    queueing.queue_event(uow, event("rsvp_confirmed"), settings, NOW)
    first, second, transactional = stored(uow)
    assert first.unsubscribe_token == second.unsubscribe_token == uow.suppressions.tokens["ana.ruiz@example.org"]
    assert transactional.unsubscribe_token is None


def test_mail_to_a_suppressed_recipient_is_queued_then_settled_as_suppressed_without_sending(uow, settings):
    queueing.queue_event(uow, event("screening_reminder_due"), settings, NOW)
    [reminder] = stored(uow)
    operators.unsubscribe(uow, reminder.unsubscribe_token, NOW)
    queueing.queue_event(uow, event("screening_reminder_due"), settings, NOW)
    queueing.queue_event(uow, event("rsvp_confirmed"), settings, NOW)  # transactional: still sent
    outgoing, handled = sending.claim_due(uow, "one", NOW, settings.policy, 50)
    assert handled == 3
    assert [item.id for item in outgoing] == [stored(uow, template="rsvp_confirmed")[0].id]
    assert [m.state for m in stored(uow, template="screening_reminder")] == ["suppressed", "suppressed"]
    assert [(type(p), p.reason) for p in uow.published] == [(MailFailed, "suppressed")] * 2


def test_an_address_the_mail_path_cannot_use_is_stored_failed_and_announced_once(uow, settings):
    data = {**PAYLOADS["rsvp_confirmed"], "recipient": {"name": "José Núñez", "email": "josé@example.org"}}
    same = event("rsvp_confirmed", data)
    assert queueing.queue_event(uow, same, settings, NOW) == 0
    assert queueing.queue_event(uow, same, settings, NOW) == 0
    [failed] = stored(uow)
    assert (failed.state, failed.mime, failed.subject) == ("failed", b"", "(not rendered)")
    assert failed.last_error.startswith("invalid address: ")
    assert failed.recipient == "josé@example.org"
    [announced] = uow.published
    assert isinstance(announced, MailFailed) and announced.reason == "invalid"
    assert announced.delivery_id == failed.id
    assert uow.messages.queued is False  # nothing for the sender


def test_an_invalid_address_is_stored_failed_without_an_event_that_cannot_carry_it(uow, settings):
    note = Notification("rsvp_confirmed", "Hello", "not-an-address", {})
    assert queueing.store(uow, note, str(event("rsvp_confirmed").event_id), "rsvp_confirmed", settings, NOW) == 0
    [failed] = stored(uow)
    assert failed.state == "failed" and failed.recipient == "not-an-address"
    assert uow.published == []


# --- Resend --------------------------------------------------------------------------


def failed_message(uow, settings):
    queueing.queue_event(uow, event("application_declined"), settings, NOW)
    [message] = stored(uow)
    [item], _ = sending.claim_due(uow, "one", NOW, settings.policy, 50)
    sending.record_outcome(uow, item, "one", Permanent("5.7.1 Rejected by policy", 554, SmtpStage.DATA),
                           NOW, settings.policy)
    uow.messages.queued = False
    return stored(uow)[0]


def test_resend_queues_a_failed_message_again_with_a_fresh_budget(uow, settings):
    failed = failed_message(uow, settings)
    later = NOW + timedelta(hours=1)
    answer = operators.resend(uow, failed.id, settings, later)
    [again] = stored(uow)
    assert (again.state, again.attempts, again.next_attempt_at, again.queued_at, again.last_error) == \
        ("queued", 0, later, later, None)
    assert again.mime == failed.mime
    assert answer["id"] == failed.id and answer["state"] == "queued"
    assert answer["next_attempt_at"] == later.isoformat()
    assert uow.messages.queued is True


def test_resend_of_a_sent_message_queues_a_copy_with_its_own_message_id(uow, settings):
    queueing.queue_event(uow, event("rsvp_confirmed"), settings, NOW)
    [original] = stored(uow)
    sent(uow, settings, original.id)
    first = operators.resend(uow, original.id, settings, NOW + timedelta(hours=1))
    second = operators.resend(uow, original.id, settings, NOW + timedelta(hours=2))
    original, copy, other = stored(uow)
    assert original.state == "sent"
    assert (copy.id, copy.state, copy.resent_from_id, copy.attempts) == (first["id"], "queued", original.id, 0)
    assert copy.message_id != original.message_id and copy.dedupe_key != original.dedupe_key
    assert copy.text_body == original.text_body and copy.recipient == original.recipient
    assert other.id == second["id"] and other.dedupe_key not in (original.dedupe_key, copy.dedupe_key)


@pytest.mark.parametrize("delivery_id, refusal", [(999, NotFound), ("7", ValidationFailed), (True, ValidationFailed)])
def test_resend_refuses_what_is_not_a_known_delivery(uow, settings, delivery_id, refusal):
    with pytest.raises(refusal):
        operators.resend(uow, delivery_id, settings, NOW)


def test_resend_refuses_a_message_still_queued(uow, settings):
    queueing.queue_event(uow, event("rsvp_confirmed"), settings, NOW)
    [queued] = stored(uow)
    with pytest.raises(Conflict):
        operators.resend(uow, queued.id, settings, NOW)


def test_resend_refuses_a_suppressed_address_and_an_unrendered_message(uow, settings):
    failed = failed_message(uow, settings)
    uow.suppressions.add(failed.recipient, delivery.SuppressionReason.HARD_BOUNCES, NOW, "2 hard bounces")
    with pytest.raises(Conflict) as suppressed:
        operators.resend(uow, failed.id, settings, NOW)
    assert "remove the suppression first" in suppressed.value.message
    note = Notification("rsvp_confirmed", "Hello", "not-an-address", {})
    queueing.store(uow, note, str(event("rsvp_confirmed").event_id), "rsvp_confirmed", settings, NOW)
    with pytest.raises(Conflict) as unrendered:
        operators.resend(uow, stored(uow)[-1].id, settings, NOW)
    assert "never rendered" in unrendered.value.message
    assert stored(uow)[0].state == "failed"


# --- Unsubscribe and suppressions -------------------------------------------------------


def test_unsubscribe_suppresses_reminders_and_digests_for_the_tokens_address(uow, settings):
    token = uow.suppressions.token_for("ana.ruiz@example.org", NOW)
    answer = operators.unsubscribe(uow, token, NOW)
    assert answer == {"unsubscribed": True, "stops": ["reminder", "digest"]}
    operators.unsubscribe(uow, token, NOW + timedelta(days=1))  # repeating it is harmless
    assert uow.suppressions.rows == [{"recipient": "ana.ruiz@example.org", "reason": "unsubscribed",
                                      "created_at": NOW, "detail": "one-click unsubscribe"}]


@pytest.mark.parametrize("token", ["not-a-real-token", "short", "x" * 201, None])
def test_an_unknown_unsubscribe_link_is_not_found(uow, token):
    with pytest.raises(NotFound):
        operators.unsubscribe(uow, token, NOW)
    assert uow.suppressions.rows == []


def bounced_twice(uow, settings, address="sam.park@example.org"):
    for hours in (0, 1):
        queueing.queue_event(uow, event("application_declined"), settings, NOW + timedelta(hours=hours))
        for item in sending.claim_due(uow, "one", NOW + timedelta(hours=hours), settings.policy, 50)[0]:
            sending.record_outcome(uow, item, "one", Permanent("5.1.1 No such mailbox", 550, SmtpStage.RCPT),
                                   NOW + timedelta(hours=hours), settings.policy)
    assert uow.suppressions.reasons_for({address}) == {address: [delivery.SuppressionReason.HARD_BOUNCES]}


def test_removing_a_suppression_forgets_the_bounces_that_caused_it(uow, settings):
    bounced_twice(uow, settings)
    uow.suppressions.add("sam.park@example.org", delivery.SuppressionReason.UNSUBSCRIBED, NOW, "one-click")
    assert operators.remove_suppression(uow, "Sam.Park@Example.org") == 2
    assert uow.suppressions.rows == []
    assert uow.messages.hard_bounces("sam.park@example.org") == []


def test_lifting_only_an_unsubscribe_keeps_the_bounce_history(uow, settings):
    bounced_twice(uow, settings)
    uow.suppressions.add("sam.park@example.org", delivery.SuppressionReason.UNSUBSCRIBED, NOW, "one-click")
    assert operators.remove_suppression(uow, "sam.park@example.org", "unsubscribed") == 1
    assert [r["reason"] for r in uow.suppressions.rows] == ["hard_bounces"]
    assert len(uow.messages.hard_bounces("sam.park@example.org")) == 2


@pytest.mark.parametrize("recipient, reason, refusal, field", [
    ("sam.park@example.org", None, NotFound, "recipient"),
    ("sam.park@example.org", "bored", ValidationFailed, "reason"),
    ("not-an-address", None, ValidationFailed, "recipient"),
])
def test_removing_a_suppression_refuses(uow, recipient, reason, refusal, field):
    with pytest.raises(refusal) as refused:
        operators.remove_suppression(uow, recipient, reason)
    assert refused.value.field == field


# --- Account set-up mail --------------------------------------------------------------


def setup_mail(**overrides) -> dict:
    return {"email": "Dana.Diaz@PD.example.gov", "name": "Dana Diaz", "setup_path": "/account/setup?token=abc123",
            "expires_at": "2026-07-16T23:00:00+00:00", "dedupe_key": "account-setup:7:0123456789abcdef",
            **overrides}


def test_account_setup_mail_is_queued_once_per_key(uow, settings):
    first = account_setup.queue_account_setup(uow, **setup_mail(), settings=settings, now=NOW)
    again = account_setup.queue_account_setup(uow, **setup_mail(), settings=settings, now=NOW)
    [message] = stored(uow)
    assert first == {"queued": True, "delivery_id": message.id, "state": "queued"}
    assert again == {"queued": False, "delivery_id": message.id, "state": "queued"}
    assert (message.recipient, message.template, message.kind, message.unsubscribe_token) == \
        ("dana.diaz@pd.example.gov", "account_setup", "transactional", None)
    assert "https://network.niot.example.org/account/setup?token=abc123" in message.text_body
    other = account_setup.queue_account_setup(uow, **setup_mail(dedupe_key="account-setup:7:fedcba9876543210"),
                                              settings=settings, now=NOW)
    assert other["queued"] is True and other["delivery_id"] != message.id


def change_mail(**overrides) -> dict:
    return {"new_email": "dana@new.example.gov", "old_email": "dana.diaz@pd.example.gov", "name": "Dana Diaz",
            "confirm_path": "/account/email?token=xyz789", "expires_at": "2026-07-16T23:00:00+00:00",
            "dedupe_key": "email-change:3:0123456789abcdef", **overrides}


def test_an_email_change_sends_the_link_to_the_new_address_and_a_notice_without_it_to_the_old(uow, settings):
    first = account_setup.queue_email_change(uow, **change_mail(), settings=settings, now=NOW)
    again = account_setup.queue_email_change(uow, **change_mail(), settings=settings, now=NOW)
    link, notice = sorted(stored(uow), key=lambda m: m.template)
    assert first["queued"] is True and again["queued"] is False and first["delivery_id"] == link.id
    assert (link.recipient, link.template, notice.recipient, notice.template) == (
        "dana@new.example.gov", "email_change", "dana.diaz@pd.example.gov", "email_change_notice")
    assert "https://network.niot.example.org/account/email?token=xyz789" in link.text_body
    assert "token=" not in notice.text_body and "dana@new.example.gov" in notice.text_body
    with pytest.raises(ValidationFailed) as refused:
        account_setup.queue_email_change(uow, **change_mail(confirm_path="//evil.example/x"), settings=settings,
                                         now=NOW)
    assert refused.value.field == "confirm_path"
    assert len(stored(uow)) == 2


def test_account_setup_refuses_bad_arguments_naming_each_field_and_stores_nothing(uow, settings):
    with pytest.raises(ValidationFailed) as refused:
        account_setup.queue_account_setup(
            uow, **setup_mail(setup_path="https://evil.example/x", expires_at="2026-07-16T23:00:00",
                              dedupe_key=" "), settings=settings, now=NOW)
    assert {e["field"] for e in refused.value.errors} == {"setup_path", "expires_at", "dedupe_key"}
    assert stored(uow) == [] and uow.published == []


# --- The weekly digest ------------------------------------------------------------------


MONDAY_NOON = datetime(2026, 7, 6, 12, tzinfo=timezone.utc)


def test_the_next_digest_is_scheduled_once_for_monday_morning_on_the_programs_clock(uow, settings):
    assert digest.ensure_digest_scheduled(uow, MONDAY_NOON, settings) is True
    assert digest.ensure_digest_scheduled(uow, MONDAY_NOON, settings) is False
    due = datetime(2026, 7, 13, 12, tzinfo=timezone.utc)  # 08:00 EDT
    assert uow.jobs == [{"kind": "coverage_digest", "key": "2026-07-13", "due_at": due,
                         "payload": {"week_end": due.isoformat()}, "done": False}]


def test_a_digest_that_already_ran_is_not_scheduled_again(uow, settings):
    digest.ensure_digest_scheduled(uow, MONDAY_NOON, settings)
    uow.jobs[0]["done"] = True
    assert digest.ensure_digest_scheduled(uow, MONDAY_NOON, settings) is False
    assert len(uow.jobs) == 1


def test_the_digest_goes_to_every_manager_and_schedules_next_weeks(uow, settings):
    for event_type in ("application_approved", "rsvp_confirmed", "rsvp_confirmed", "mentorship_unanswered"):
        queueing.queue_event(uow, event(event_type), settings, NOW)
    week_end = datetime(2026, 7, 6, 12, tzinfo=timezone.utc)
    uow.jobs.append({"kind": "coverage_digest", "key": "2026-07-06", "due_at": week_end,
                     "payload": {"week_end": week_end.isoformat()}, "done": True})  # the job running now
    assert digest.send_coverage_digest(uow, {"week_end": week_end.isoformat()}, week_end, settings) == 2
    digests = stored(uow, template="coverage_digest")
    assert {m.recipient for m in digests} == set(settings.manager_emails)
    assert {m.kind for m in digests} == {"digest"} and all(m.unsubscribe_token for m in digests)
    assert "Applications approved                    1" in digests[0].text_body
    assert "RSVPs confirmed                          2" in digests[0].text_body
    assert [(job["key"], job["done"]) for job in uow.jobs] == [("2026-07-06", True), ("2026-07-13", False)]
    # The same week again (a job run twice) stores nothing more.
    assert digest.send_coverage_digest(uow, {"week_end": week_end.isoformat()}, week_end, settings) == 0


# --- Sending ----------------------------------------------------------------------------


def test_a_sent_message_is_announced_and_a_late_outcome_of_a_lost_lease_changes_nothing(uow, settings):
    queueing.queue_event(uow, event("rsvp_confirmed"), settings, NOW)
    [item], _ = sending.claim_due(uow, "crashed", NOW, settings.policy, 50)
    later = NOW + settings.policy.lease + timedelta(seconds=1)
    [again], _ = sending.claim_due(uow, "survivor", later, settings.policy, 50)
    assert again.attempts == 2 and again.mime == item.mime
    assert sending.record_outcome(uow, again, "survivor", Sent(), later, settings.policy) is MailState.SENT
    assert sending.record_outcome(uow, item, "crashed", Sent(), later, settings.policy) is None
    [announced] = uow.published
    assert isinstance(announced, MailSent) and announced.attempts == 2 and announced.sent_at == later
