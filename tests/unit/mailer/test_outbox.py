"""The mail outbox use cases against a real (SQLite) database with a scripted SMTP."""
from __future__ import annotations

import email
import email.policy
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from services.mailer import views
from services.mailer.app import digest, operators, queueing, sending
from services.mailer.delivery import Permanent, Sent, SmtpStage, Transient
from services.mailer.models import Message, Suppression
from services.runtime.db import OUTBOX, SCHEDULED_JOBS
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from .events import NOW, PAYLOADS, event


class ScriptedSmtp:
    def __init__(self, answers=None):
        self.answers = answers or {}
        self.sent: list[tuple[str, bytes]] = []

    def send(self, recipient, data):
        outcome = self.answers.get(recipient, Sent())
        if isinstance(outcome, Sent):
            self.sent.append((recipient, data))
        return outcome


def queue(db, settings, event_type, data=None, now=NOW):
    with db.unit_of_work() as uow:
        return queueing.queue_event(uow, event(event_type, data), settings, now)


def rows(db, **where):
    with db.transaction() as session:
        query = sa.select(Message).order_by(Message.id).execution_options(populate_existing=True)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return session.execute(query).scalars().all()


def outbox_types(db):
    with db.transaction() as session:
        return [json.loads(e)["data"] | {"type": t} for t, e in
                session.execute(sa.select(OUTBOX.c.type, OUTBOX.c.envelope).order_by(OUTBOX.c.id))]


def clock_at(moment):
    return lambda: moment


def test_sent_messages_are_recorded_and_announced(db, settings):
    queue(db, settings, "mentorship_accepted")
    smtp = ScriptedSmtp()
    assert sending.deliver_batch(db, smtp.send, settings, "one", clock_at(NOW)) == 2
    assert sending.deliver_batch(db, smtp.send, settings, "one", clock_at(NOW)) == 0
    assert {r.state for r in rows(db)} == {"sent"}
    assert all(r.attempts == 1 and r.sent_at == NOW for r in rows(db))
    events = outbox_types(db)
    assert [e["type"] for e in events] == ["mail_sent", "mail_sent"]
    assert {e["message_id"] for e in events} == {r.message_id for r in rows(db)}
    assert [data for _, data in smtp.sent] == [r.mime for r in rows(db)]


def test_two_senders_never_claim_the_same_message(db, settings):
    for _ in range(3):
        queue(db, settings, "rsvp_confirmed")
    with db.unit_of_work() as uow:
        first, _ = sending.claim_due(uow, "a", NOW, settings.policy, 2)
    with db.unit_of_work() as uow:
        second, _ = sending.claim_due(uow, "b", NOW, settings.policy, 10)
    assert len(first) == 2 and len(second) == 1
    assert not {m.id for m in first} & {m.id for m in second}
    with db.unit_of_work() as uow:
        assert sending.claim_due(uow, "c", NOW + timedelta(minutes=1), settings.policy, 10)[0] == []


def test_a_crashed_senders_message_is_sent_again_after_the_lease_with_the_same_bytes(db, settings):
    queue(db, settings, "rsvp_confirmed")
    with db.unit_of_work() as uow:
        [claimed], _ = sending.claim_due(uow, "crashed", NOW, settings.policy, 10)
    smtp = ScriptedSmtp()
    assert sending.deliver_batch(db, smtp.send, settings, "survivor", clock_at(NOW + timedelta(minutes=4))) == 0
    later = NOW + settings.policy.lease + timedelta(seconds=1)
    assert sending.deliver_batch(db, smtp.send, settings, "survivor", clock_at(later)) == 1
    [(_, data)] = smtp.sent
    assert data == claimed.mime
    [row] = rows(db)
    assert row.state == "sent" and row.attempts == 2
    # The crashed sender's late outcome changes nothing.
    with db.unit_of_work() as uow:
        assert sending.record_outcome(uow, claimed, "crashed", Sent(), later, settings.policy) is None


def test_a_5xx_recipient_fails_while_the_rest_go_through_and_repeat_bounces_suppress(db, settings):
    bad = "sam.park@example.org"
    queue(db, settings, "application_declined")
    queue(db, settings, "application_waitlisted")
    smtp = ScriptedSmtp({bad: Permanent("5.1.1 No such mailbox", 550, SmtpStage.RCPT)})
    sending.deliver_batch(db, smtp.send, settings, "one", clock_at(NOW))
    [failed] = rows(db, recipient=bad)
    assert failed.state == "failed" and "550" in failed.last_error and failed.hard_bounce_at == NOW
    assert rows(db, recipient="lee.chen@example.org")[0].state == "sent"
    assert [e["reason"] for e in outbox_types(db) if e["type"] == "mail_failed"] == ["rejected"]

    queue(db, settings, "application_declined")  # a second hard bounce reaches the threshold
    sending.deliver_batch(db, smtp.send, settings, "one", clock_at(NOW + timedelta(hours=1)))
    with db.transaction() as session:
        assert session.execute(sa.select(Suppression.reason).where(Suppression.recipient == bad)).scalars().all() \
            == ["hard_bounces"]
    queue(db, settings, "application_declined")
    sending.deliver_batch(db, smtp.send, settings, "one", clock_at(NOW + timedelta(hours=2)))
    assert rows(db, recipient=bad)[-1].state == "suppressed"
    assert len([r for r in smtp.sent if r[0] == bad]) == 0


def test_transient_failures_retry_later_with_growing_delays(db, settings):
    queue(db, settings, "rsvp_confirmed")
    queue(db, settings, "rsvp_waitlisted")
    down = ScriptedSmtp({"ana.ruiz@example.org": Transient("connection refused", None, SmtpStage.CONNECT)})
    sending.deliver_batch(db, down.send, settings, "one", clock_at(NOW))
    first, second = rows(db)
    assert first.state == "queued" and first.attempts == 1 and first.next_attempt_at == NOW + timedelta(seconds=30)
    # The server was unreachable, so the rest of the batch waited without using an attempt.
    assert second.state == "queued" and second.attempts == 0 and second.next_attempt_at == first.next_attempt_at
    sending.deliver_batch(db, down.send, settings, "one", clock_at(NOW + timedelta(seconds=31)))
    assert rows(db)[0].next_attempt_at == NOW + timedelta(seconds=31 + 120)
    up = ScriptedSmtp()
    sending.deliver_batch(db, up.send, settings, "one", clock_at(NOW + timedelta(minutes=3)))
    assert {r.state for r in rows(db)} == {"sent"}


def test_unsubscribe_stops_reminders_but_not_transactional_mail(db, settings):
    queue(db, settings, "screening_reminder_due")
    [reminder] = rows(db)
    with db.unit_of_work() as uow:
        assert operators.unsubscribe(uow, reminder.unsubscribe_token, NOW)["unsubscribed"] is True
        operators.unsubscribe(uow, reminder.unsubscribe_token, NOW)  # repeating is harmless
    queue(db, settings, "screening_reminder_due")
    queue(db, settings, "rsvp_confirmed")
    smtp = ScriptedSmtp()
    sending.deliver_batch(db, smtp.send, settings, "one", clock_at(NOW))
    assert [r.state for r in rows(db)] == ["suppressed", "suppressed", "sent"]
    with db.unit_of_work() as uow, pytest.raises(NotFound):
        operators.unsubscribe(uow, "not-a-real-token", NOW)


def test_operator_search_detail_and_resend(db, settings):
    queue(db, settings, "application_declined")
    smtp = ScriptedSmtp({"sam.park@example.org": Permanent("5.7.1 Rejected by policy", 554, SmtpStage.DATA)})
    sending.deliver_batch(db, smtp.send, settings, "one", clock_at(NOW))
    with db.unit_of_work() as uow:
        session = uow.session
        [found] = views.search_deliveries(session, recipient="Sam.Park@example.org", state="failed")
        detail = views.get_delivery(session, found["id"])
        assert "554" in detail["explanation"] and detail["hard_bounce"] is False
        assert views.search_deliveries(session, template="application_declined",
                                     since=(NOW + timedelta(days=1)).isoformat()) == []
        with pytest.raises(ValidationFailed) as invalid:
            views.search_deliveries(session, state="lost", limit=0, since="yesterday")
        assert {e["field"] for e in invalid.value.errors} == {"state", "limit", "since"}
        with pytest.raises(NotFound):
            views.get_delivery(session, 999)
        operators.resend(uow, found["id"], settings, NOW + timedelta(hours=1))
    sending.deliver_batch(db, ScriptedSmtp().send, settings, "one", clock_at(NOW + timedelta(hours=1)))
    [row] = rows(db)
    assert row.state == "sent"
    with db.unit_of_work() as uow:
        copy = operators.resend(uow, row.id, settings, NOW + timedelta(hours=2))
    assert copy["id"] != row.id and copy["message_id"] != row.message_id and copy["state"] == "queued"


def test_resend_refuses_a_suppressed_address_until_the_suppression_is_lifted(db, settings):
    queue(db, settings, "screening_reminder_due")
    [row] = rows(db)
    with db.unit_of_work() as uow:
        operators.unsubscribe(uow, row.unsubscribe_token, NOW)
    sending.deliver_batch(db, ScriptedSmtp().send, settings, "one", clock_at(NOW))
    with db.unit_of_work() as uow, pytest.raises(Conflict):
        operators.resend(uow, row.id, settings, NOW)
    with db.unit_of_work() as uow:
        assert views.list_suppressions(uow.session)[0]["reason"] == "unsubscribed"
        assert operators.remove_suppression(uow, "ana.ruiz@example.org") == 1
        assert operators.resend(uow, row.id, settings, NOW)["state"] == "queued"


def test_weekly_digest_counts_what_the_mailer_saw_and_schedules_the_next(db, settings):
    monday = datetime(2026, 7, 6, 12, tzinfo=timezone.utc)
    with db.unit_of_work() as uow:
        assert digest.ensure_digest_scheduled(uow, monday, settings)
        assert not digest.ensure_digest_scheduled(uow, monday, settings)
        job = uow.session.execute(sa.select(SCHEDULED_JOBS)).one()
    assert job.due_at == datetime(2026, 7, 13, 12, tzinfo=timezone.utc)  # Monday 08:00 EDT
    for event_type in ("application_approved", "rsvp_confirmed", "rsvp_confirmed", "mentorship_unanswered"):
        queue(db, settings, event_type, now=NOW)
    with db.unit_of_work() as uow:
        queued = digest.send_coverage_digest(uow, {"week_end": "2026-07-06T12:00:00+00:00"}, monday, settings)
    assert queued == 2
    digests = rows(db, template="coverage_digest")
    assert {r.recipient for r in digests} == {"programs@niot.example.org", "deputy@niot.example.org"}
    text = digests[0].text_body
    assert "Applications approved                    1" in text
    assert "RSVPs confirmed                          2" in text
    assert "Great Lakes" in text and "IL: 2" in text and "OH: 1" in text
    assert digests[0].kind == "digest" and digests[0].unsubscribe_token
    parsed = email.message_from_bytes(digests[0].mime, policy=email.policy.default.clone(raise_on_defect=True))
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
