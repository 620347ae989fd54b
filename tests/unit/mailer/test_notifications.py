"""Every notification rendered from a real event payload, stored, and parsed back."""
from __future__ import annotations

import email
import email.policy
import inspect
import re

import pytest
import sqlalchemy as sa

from services import contracts
from services.mailer import notifications, render
from services.mailer.app import queueing
from services.mailer.compose import calendar_method
from services.mailer.delivery import MailKind
from services.mailer.models import Activity, Message
from services.mailer.service import MailerService

from .events import NOW, PAYLOADS, event

STRICT = email.policy.default.clone(raise_on_defect=True)
MAILER_EVENTS = sorted(s.type for s in contracts.consumed_by("mailer"))


def handled_types() -> set[str]:
    found = set()
    for _, member in inspect.getmembers(MailerService):
        for provider in getattr(member, "nameko_entrypoints", ()):
            if hasattr(provider, "event_type"):
                found.add(provider.event_type)
    return found


def test_code_and_registry_agree_on_what_the_mailer_consumes():
    assert handled_types() == set(MAILER_EVENTS)
    assert set(notifications.NOTIFIERS) == set(MAILER_EVENTS)
    assert set(PAYLOADS) == set(MAILER_EVENTS)


def test_every_template_has_text_and_html():
    text = {p.name[:-len(".txt.j2")] for p in render.TEMPLATES_DIR.glob("*.txt.j2")}
    html = {p.name[:-len(".html.j2")] for p in render.TEMPLATES_DIR.glob("*.html.j2")}
    assert {t for t in text if not t.startswith("_")} == {t for t in html if not t.startswith("_")}


def queued(db, settings, event_type, data=None, event_id=None) -> list[Message]:
    ev = event(event_type, data, event_id=event_id)
    with db.unit_of_work() as uow:
        queueing.queue_event(uow, ev, settings, NOW)
    with db.transaction() as session:
        return session.execute(sa.select(Message).where(Message.source_event_id == str(ev.event_id))
                               .order_by(Message.id)).scalars().all()


def parse(data: bytes):
    parsed = email.message_from_bytes(data, policy=STRICT)
    for part in parsed.walk():
        assert part.defects == [], part.defects
    return parsed


@pytest.mark.parametrize("event_type", MAILER_EVENTS)
def test_each_event_renders_messages_that_parse_strictly(db, settings, event_type):
    rows = queued(db, settings, event_type)
    assert rows, f"{event_type} produced no mail"
    for row in rows:
        parsed = parse(row.mime)
        assert parsed["Message-ID"] == row.message_id
        assert parsed["Auto-Submitted"] == "auto-generated"
        assert parsed["To"].addresses[0].addr_spec == row.recipient
        assert parsed["From"].addresses[0].addr_spec == "network@niot.example.org"
        assert parsed["Reply-To"].addresses[0].addr_spec == "program@niot.example.org"
        assert str(parsed["Subject"]).strip() == row.subject
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        assert text.strip() and html.strip()
        assert "{{" not in text and "{%" not in text and "{{" not in html
        assert row.text_body == text.replace("\r\n", "\n") or row.text_body.strip() in text.replace("\r\n", "\n")
        assert row.state == "queued" and row.attempts == 0 and row.next_attempt_at == NOW
        listed = MailKind(row.kind).is_list_type
        assert ("List-Unsubscribe" in parsed) is listed
        if listed:
            assert parsed["List-Unsubscribe"] == f"<https://network.niot.example.org/unsubscribe/{row.unsubscribe_token}>"
            assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert row.unsubscribe_token in text
        calendars = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
        if row.calendar_body:
            [part] = calendars
            body = part.get_content()
            assert part.get_param("method") == calendar_method(body) == row.calendar_method
            assert part.get_content_charset() == "utf-8"
            assert f"SEQUENCE:{row.calendar_sequence}" in body
            # ...and the same calendar as an invite.ics file, for clients that only save files
            [attached] = [p for p in parsed.walk() if p.get_filename() == "invite.ics"]
            assert attached.get_content_type() == "application/ics" and attached.is_attachment()
            assert attached.get_content().decode("utf-8") == body
        else:
            assert calendars == []
            assert not any(p.get_filename() for p in parsed.walk())


@pytest.mark.parametrize("event_type, method", [
    ("rsvp_confirmed", "REQUEST"), ("rsvp_promoted", "REQUEST"), ("screening_rescheduled", "REQUEST"),
    ("screening_cancelled", "CANCEL"), ("rsvp_cancelled", "CANCEL"), ("screening_approved", "REQUEST"),
])
def test_invitations_carry_the_method_of_their_calendar(db, settings, event_type, method):
    for row in queued(db, settings, event_type):
        part = next(p for p in parse(row.mime).walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == method
        assert calendar_method(part.get_content()) == method
        assert "UID:screening-3f2b8c1e" in part.get_content()


def test_venue_local_time_is_written_with_the_zone_in_words(db, settings):
    [row] = queued(db, settings, "rsvp_confirmed")
    expected = "Thursday 16 July 2026, 7:00 PM Central Daylight Time (America/Chicago)"
    assert expected in row.text_body
    assert expected in row.html_body
    assert "until 9:00 PM Central Daylight Time" in row.text_body


def test_offer_shows_links_and_the_deadline_in_the_leaders_zone(db, settings):
    [row] = queued(db, settings, "mentorship_offered")
    assert "https://network.niot.example.org/mentorship/offers/9/accept?token=a1" in row.text_body
    assert "https://network.niot.example.org/mentorship/offers/9/decline?token=d1" in row.text_body
    assert "Friday 3 July 2026, 10:00 AM Central Daylight Time (America/Chicago)" in row.text_body
    assert 'href="https://network.niot.example.org/mentorship/offers/9/accept?token=a1"' in row.html_body


def test_approval_explains_how_to_set_up_an_account(db, settings):
    [row] = queued(db, settings, "application_approved")
    assert "https://network.niot.example.org/account/setup" in row.text_body
    assert "Great Lakes" in row.text_body


def test_decline_reason_appears_only_when_given_and_is_escaped_in_html(db, settings):
    [with_reason] = queued(db, settings, "application_declined")
    assert "<command> experience & more" in with_reason.text_body
    assert "&lt;command&gt; experience &amp; more" in with_reason.html_body
    [without] = queued(db, settings, "application_declined", {**PAYLOADS["application_declined"], "reason": None})
    assert "note" not in without.text_body.lower()


def test_host_message_reaches_attendees_of_a_cancelled_screening(db, settings):
    [row] = queued(db, settings, "screening_cancelled")
    assert "The venue flooded" in row.text_body
    assert "A message from Maria López" in row.text_body


def test_managers_come_from_config_when_the_event_names_none(db, settings):
    rows = queued(db, settings, "mentorship_overdue")
    assert sorted(r.recipient for r in rows) == sorted(
        ["maria.lopez@chicagopd.example.org", "programs@niot.example.org", "deputy@niot.example.org"])
    rows = queued(db, settings, "mentorship_unanswered")
    assert sorted(r.recipient for r in rows) == ["coverage@niot.example.org", "programs@niot.example.org"]


def test_organisers_each_get_their_own_message(db, settings):
    rows = queued(db, settings, "screening_approved")
    assert sorted(r.recipient for r in rows) == ["james.obrien@cookcounty.example.org",
                                                 "maria.lopez@chicagopd.example.org"]
    assert len({r.message_id for r in rows}) == 2


def test_the_same_event_three_times_stores_one_message(db, settings):
    event_id = "0b6f7f1c-3a0e-4c55-8b8e-6c1d2e3f4a5b"
    for _ in range(3):
        rows = queued(db, settings, "rsvp_confirmed", event_id=event_id)
    assert len(rows) == 1
    with db.transaction() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one() == 1
        assert session.execute(sa.select(sa.func.count()).select_from(Activity)).scalar_one() == 1


@pytest.mark.parametrize("field, value", [
    ("name", "Sam Park\r\nBcc: victim@example.org"),
    ("name", "Sam Park\nSubject: free money"),
    ("name", "Sam \u2028Park\x00\x1b"),
])
def test_names_cannot_inject_headers(db, settings, field, value):
    [row] = queued(db, settings, "application_declined", {**PAYLOADS["application_declined"], field: value})
    parsed = parse(row.mime)
    assert "Bcc" not in parsed
    assert parsed.get_all("Subject") == [row.subject]
    assert len(parsed["To"].addresses) == 1
    name = parsed["To"].addresses[0].display_name
    assert not re.search(r"[\r\n\x00\x1b\u2028]", name)
    header_block = row.mime.split(b"\r\n\r\n", 1)[0]
    header_names = [line.split(b":", 1)[0] for line in header_block.split(b"\r\n") if not line[:1].isspace()]
    assert b"Bcc" not in header_names and header_names.count(b"Subject") == 1


def test_subjects_cannot_inject_headers(db, settings):
    data = PAYLOADS["rsvp_confirmed"]
    screening = {**data["screening"], "title": "Film night\r\nBcc: everyone@example.org"}
    [row] = queued(db, settings, "rsvp_confirmed", {**data, "screening": screening})
    parsed = parse(row.mime)
    assert "Bcc" not in parsed
    assert "\n" not in str(parsed["Subject"]) and "\r" not in str(parsed["Subject"])
    assert str(parsed["Subject"]).endswith("Film night Bcc: everyone@example.org")


def test_one_unsubscribe_token_per_address(db, settings):
    first = queued(db, settings, "screening_reminder_due")
    second = queued(db, settings, "screening_reminder_due")
    assert first[0].unsubscribe_token and first[0].unsubscribe_token == second[0].unsubscribe_token
    [transactional] = queued(db, settings, "rsvp_confirmed")
    assert transactional.unsubscribe_token is None


def test_zone_names_fall_back_to_the_offset_for_other_zones():
    from datetime import datetime, timezone
    moment = datetime(2026, 7, 16, 0, 0, tzinfo=timezone.utc)
    assert render.local_time(moment, "America/Chicago") == \
        "Wednesday 15 July 2026, 7:00 PM Central Daylight Time (America/Chicago)"
    assert render.local_time(moment, "Asia/Kolkata").endswith("5:30 AM UTC+05:30 (Asia/Kolkata)")
    assert render.local_time(datetime(2026, 1, 5, 17, tzinfo=timezone.utc), "Pacific/Honolulu") == \
        "Monday 5 January 2026, 7:00 AM Hawaii-Aleutian Standard Time (Pacific/Honolulu)"


def test_training_reminder_lists_the_missing_modules_and_can_be_unsubscribed(db, settings):
    [row] = queued(db, settings, "training_reminder_due")
    assert row.kind == MailKind.REMINDER.value and row.unsubscribe_token
    assert row.subject == "Reminder: finish your mentoring training (2 modules left)"
    assert "  - Responding to a request for assistance (about 30 minutes)" in row.text_body
    assert "about 75 minutes in all" in row.text_body
    assert "https://network.niot.example.org/leader/training" in row.text_body
    assert 'href="https://network.niot.example.org/leader/training"' in row.html_body
    last = {**PAYLOADS["training_reminder_due"], "reminder_number": 3, "final": True,
            "missing_modules": PAYLOADS["training_reminder_due"]["missing_modules"][:1]}
    [row] = queued(db, settings, "training_reminder_due", last)
    assert row.subject == "Last reminder: finish your mentoring training (1 module left)"
    assert "We will not remind you again" in row.text_body and "in all" not in row.text_body


def test_an_invitee_is_told_they_are_invited(db, settings):
    [invited] = queued(db, settings, "rsvp_confirmed", {**PAYLOADS["rsvp_confirmed"], "invited": True})
    [registered] = queued(db, settings, "rsvp_confirmed")
    assert invited.subject.startswith("You are invited: ")
    assert registered.subject.startswith("Your place is reserved: ")
