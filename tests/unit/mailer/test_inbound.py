"""The inbound listener's rules: which addresses it takes, how each client's REPLY is read
(fixtures in tests/fixtures/imip/), and what SMTP answer each outcome gets."""
from __future__ import annotations

import asyncio
import email
import email.policy
from types import SimpleNamespace

import pytest

from services.mailer.inbound.listener import ReplyHandler, from_config
from services.mailer.inbound.parsing import ReplyMailbox, read_reply
from tests.support.imip import CLIENTS, reply_mail

MAILBOX = ReplyMailbox("replies", "niot.example.org")
TOKEN = "a" * 26 + "b" * 16
ORGANIZER = f"replies+{TOKEN}@niot.example.org"
UID = "3f1c2b9a-0d4e-4c5f-9a8b-7e6d5c4b3a21@niot.example.org"


@pytest.mark.parametrize("address, token", [
    (ORGANIZER, TOKEN),
    (f"<Replies+{TOKEN.upper()}@NIOT.example.org>", TOKEN),  # case is not the token's
    (f"replies+{TOKEN}@niot.example.org.", TOKEN),
    ("replies@niot.example.org", None),
    (f"replies+{TOKEN}@elsewhere.example.org", None),
    (f"network+{TOKEN}@niot.example.org", None),
    (f"replies+{TOKEN[:-1]}@niot.example.org", None),
    (f"replies+{TOKEN[:-1]}1@niot.example.org", None),  # outside base32
    ("", None),
    ("no-at-sign", None),
])
def test_only_reply_addresses_with_a_well_formed_token_are_taken(address, token):
    assert MAILBOX.token_of(address) == token


@pytest.mark.parametrize("client", CLIENTS)
def test_every_clients_reply_is_read_the_same(client):
    data = reply_mail(client, uid=UID, attendee="ann@example.org", organizer=ORGANIZER, partstat="DECLINED",
                      sequence=2, message_id="m1")
    email.message_from_bytes(data, policy=email.policy.strict)  # the fixture is a well-formed mail
    read = read_reply(data)
    assert read.problem is None
    assert (read.method, read.uid, read.sequence, read.dtstamp) == ("REPLY", UID, 2, "2027-03-05T15:00:00+00:00")
    assert [(e.lower(), p) for e, p in read.attendees] == [("ann@example.org", "DECLINED")]
    assert read.message_id.startswith("<m1@") and read.client.startswith(("-//", "Microsoft"))


def test_the_calendar_comes_from_the_text_calendar_part_before_any_attachment():
    data = reply_mail("gmail", uid=UID, attendee="ann@example.org", organizer=ORGANIZER)
    assert read_reply(data).client == "-//Google Inc//Google Calendar 70.9054//EN"
    # Outlook writes the attendee's address as Exchange holds it.
    outlook = read_reply(reply_mail("outlook", uid=UID, attendee="ann@example.org", organizer=ORGANIZER))
    assert outlook.attendees == (("ANN@EXAMPLE.ORG", "ACCEPTED"),)


@pytest.mark.parametrize("mail, problem", [
    (b"From: a@example.org\r\nTo: x@y.org\r\nSubject: hi\r\n\r\nJust text.\r\n", "the mail has no calendar part"),
    (b"Content-Type: text/calendar; method=REPLY\r\n\r\nnot a calendar at all\r\n",
     "the calendar part is not iCalendar"),
    (b"Content-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n",
     "the calendar has no event"),
])
def test_what_cannot_be_read_is_the_problem_and_never_an_exception(mail, problem):
    read = read_reply(mail)
    assert read.problem.startswith(problem) and read.method is None


def test_a_calendar_without_a_method_is_read_as_having_none():
    calendar = (b"Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD: \r\nBEGIN:VEVENT\r\nUID:x\r\n"
                b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    read = read_reply(calendar)
    assert read.problem is None and read.method is None and read.uid == "x" and read.attendees == ()


class RemoteError(Exception):
    def __init__(self, exc_type: str, message: str):
        super().__init__(message)
        self.exc_type = exc_type


def run_smtp(handler: ReplyHandler, rcpts: list[str], data: bytes) -> tuple[list[str], str | None]:
    envelope = SimpleNamespace(rcpt_tos=[], original_content=data)

    async def session():
        answers = [await handler.handle_RCPT(None, None, envelope, rcpt, []) for rcpt in rcpts]
        final = await handler.handle_DATA(None, None, envelope) if envelope.rcpt_tos else None
        return answers, final

    return asyncio.run(session())


def test_each_reply_is_handed_over_with_its_token_and_the_answer_says_what_became_of_it():
    handed = []

    def apply(token, reply):
        handed.append((token, reply))
        return {"reply_id": "r1", "outcome": "applied", "reason": None, "answer": "ACCEPTED", "duplicate": False}

    data = reply_mail("apple", uid=UID, attendee="ann@example.org", organizer=ORGANIZER)
    answers, final = run_smtp(ReplyHandler(MAILBOX, apply), [ORGANIZER, "someone@niot.example.org"], data)
    assert answers[0].startswith("250") and answers[1].startswith("550")
    assert final == "250 2.0.0 Calendar reply received (applied)"
    [(token, reply)] = handed
    assert token == TOKEN and reply["uid"] == UID and reply["attendees"] == [
        {"email": "ann@example.org", "partstat": "ACCEPTED"}]


def test_a_service_that_cannot_be_reached_gets_the_relay_to_retry_and_a_refusal_does_not():
    data = reply_mail("rfc6047", uid=UID, attendee="ann@example.org", organizer=ORGANIZER)

    def unreachable(token, reply):
        raise TimeoutError("no answer")

    def refuses(token, reply):
        raise RemoteError("ValidationFailed", "reply.dtstamp: must be an ISO 8601 time")

    assert run_smtp(ReplyHandler(MAILBOX, unreachable), [ORGANIZER], data)[1].startswith("451 4.3.0")
    assert run_smtp(ReplyHandler(MAILBOX, refuses), [ORGANIZER], data)[1].startswith("554 5.6.0")


def test_the_listener_is_configured_from_the_mailer_section_on_loopback_by_default():
    settings = from_config({"SMTP": {"from": "NIOT <network@niot.example.org>"}, "AMQP_URI": "amqp://x/"})
    assert (settings.host, settings.port) == ("127.0.0.1", 2525)
    assert settings.mailbox == ReplyMailbox("replies", "niot.example.org")
    custom = from_config({"MAILER": {"inbound": {"host": "0.0.0.0", "port": 2600,
                                                 "reply_address": "rsvp@Calendar.Example.org"}}})
    assert (custom.port, custom.mailbox) == (2600, ReplyMailbox("rsvp", "calendar.example.org"))
    with pytest.raises(ValueError, match="reply_address"):
        from_config({"MAILER": {"inbound": {"reply_address": "rsvp+x@example.org"}}})
