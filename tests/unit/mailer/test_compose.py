from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone

import icalendar
import pytest

from services.mailer.compose import (
    CalendarInvite,
    Draft,
    MailSettings,
    calendar_method,
    compose,
    message_id,
)
from services.mailer.delivery import MailKind
from services.runtime.errors import ValidationFailed

STRICT = email.policy.default.clone(raise_on_defect=True)
NOW = datetime(2024, 5, 1, 16, 30, tzinfo=timezone.utc)
SETTINGS = MailSettings(
    from_address="network@niot.example.org",
    from_name="NIOT Law Enforcement Network",
    reply_to="help@niot.example.org",
    unsubscribe_url="https://niot.example.org/unsubscribe",
)


def invitation(method: str = "REQUEST", summary: str = "Waking in Oak Creek — screening") -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//NIOT Network//Screenings//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", "screening-42@niot.example.org")
    event.add("sequence", 3)
    event.add("dtstamp", NOW)
    event.add("dtstart", datetime(2024, 5, 9, 1, 0, tzinfo=timezone.utc))
    event.add("summary", summary)
    event.add("location", "Salle des fêtes, Montréal")
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")


def draft(**overrides) -> Draft:
    values = dict(
        to_address="officer.garcia@example.org",
        to_name="Officer Garcia",
        subject="Your RSVP is confirmed",
        text="See you at the screening.\n",
        dedupe_key="a" * 64,
    )
    values.update(overrides)
    return Draft(**values)


def parse_back(msg) -> email.message.EmailMessage:
    data = msg.as_bytes()
    parsed = email.message_from_bytes(data, policy=STRICT)
    for part in parsed.walk():
        assert part.defects == [], (part.get_content_type(), part.defects)
    return parsed


def content(part) -> str:
    return part.get_content().replace("\r\n", "\n")


def header_names(parsed) -> list[str]:
    return [name.lower() for name in parsed.keys()]


def test_plain_text_message_has_the_required_headers():
    parsed = parse_back(compose(draft(), SETTINGS, now=NOW))

    assert parsed.get_content_type() == "text/plain"
    assert content(parsed) == "See you at the screening.\n"
    assert parsed["From"].addresses[0].addr_spec == "network@niot.example.org"
    assert parsed["From"].addresses[0].display_name == "NIOT Law Enforcement Network"
    assert parsed["Reply-To"].addresses[0].addr_spec == "help@niot.example.org"
    assert parsed["To"].addresses[0].addr_spec == "officer.garcia@example.org"
    assert parsed["Subject"] == "Your RSVP is confirmed"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"].datetime == NOW
    assert parsed["Message-ID"] == message_id("a" * 64, "niot.example.org")


def test_wire_format_uses_crlf_only():
    data = compose(draft(html="<p>See you</p>"), SETTINGS, now=NOW).as_bytes()
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_html_makes_multipart_alternative_with_text_first():
    parsed = parse_back(compose(draft(html="<p>See you <b>there</b></p>"), SETTINGS, now=NOW))

    assert parsed.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in parsed.iter_parts()]
    assert types == ["text/plain", "text/html"]


def test_non_ascii_names_subject_and_bodies_round_trip():
    msg = compose(
        draft(
            to_name="José Müller-Øberg",
            subject="Rappel : projection demain — « Light in the Darkness »",
            text="Bonjour José, à demain à 19 h (heure de Montréal).\n",
            html="<p>Bonjour José, à demain</p>",
        ),
        SETTINGS,
        now=NOW,
    )
    data = msg.as_bytes()
    assert data.isascii()

    parsed = parse_back(msg)
    assert parsed["To"].addresses[0].display_name == "José Müller-Øberg"
    assert parsed["Subject"] == "Rappel : projection demain — « Light in the Darkness »"
    assert parsed.get_body(("plain",)).get_content().startswith("Bonjour José, à demain")
    assert parsed.get_body(("html",)).get_content().startswith("<p>Bonjour José")


def test_idn_domains_are_sent_as_punycode():
    parsed = parse_back(compose(draft(to_address="leader@bücher.example"), SETTINGS, now=NOW))
    assert parsed["To"].addresses[0].addr_spec == "leader@xn--bcher-kva.example"


def test_message_id_is_stable_per_dedupe_key():
    first = compose(draft(dedupe_key="key-1"), SETTINGS, now=NOW)
    again = compose(draft(dedupe_key="key-1", subject="Changed"), SETTINGS,
                    now=datetime(2025, 1, 1, tzinfo=timezone.utc))
    other = compose(draft(dedupe_key="key-2"), SETTINGS, now=NOW)

    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].endswith("@niot.example.org>")


def test_message_id_domain_can_be_configured():
    settings = MailSettings(from_address="network@niot.example.org",
                            message_id_domain="mail.niot.example.org")
    assert compose(draft(), settings, now=NOW)["Message-ID"].endswith("@mail.niot.example.org>")


@pytest.mark.parametrize(
    "evil",
    [
        "Officer\r\nBcc: attacker@evil.example",
        "Officer\nBcc: attacker@evil.example",
        "Officer\rBcc: attacker@evil.example",
        "Officer\x0bBcc: attacker@evil.example",
        "Officer\x85Bcc: attacker@evil.example",
        "Officer\u2028Bcc: attacker@evil.example",
        "Officer\x00\x1b[31m\r\n\r\nInjected body",
    ],
)
def test_control_characters_in_name_or_subject_cannot_add_headers(evil):
    msg = compose(draft(to_name=evil, subject=evil), SETTINGS, now=NOW)
    parsed = parse_back(msg)

    assert "bcc" not in header_names(parsed)
    assert header_names(parsed).count("to") == 1
    assert header_names(parsed).count("subject") == 1
    assert [a.addr_spec for a in parsed["To"].addresses] == ["officer.garcia@example.org"]
    assert content(parsed) == "See you at the screening.\n"
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
    assert "attacker" in parsed["Subject"] or "Injected" in parsed["Subject"]


def test_name_that_looks_like_an_address_list_stays_one_display_name():
    name = 'Garcia, "x" <attacker@evil.example>, other@evil.example'
    parsed = parse_back(compose(draft(to_name=name), SETTINGS, now=NOW))

    addresses = parsed["To"].addresses
    assert len(addresses) == 1
    assert addresses[0].addr_spec == "officer.garcia@example.org"
    assert addresses[0].display_name == name


@pytest.mark.parametrize(
    "address",
    ["not-an-address", "a@b", "officer@example.org\r\nBcc: x@evil.example",
     "josé@example.org", "", "two@example.org, three@example.org"],
)
def test_invalid_recipient_is_refused(address):
    with pytest.raises(ValidationFailed) as raised:
        compose(draft(to_address=address), SETTINGS, now=NOW)
    assert raised.value.field == "recipient"


def test_subject_of_only_control_characters_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        compose(draft(subject="\r\n\t"), SETTINGS, now=NOW)
    assert raised.value.field == "subject"


def test_plain_text_body_is_required():
    with pytest.raises(ValidationFailed):
        compose(draft(text="  \n"), SETTINGS, now=NOW)


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_calendar_part_method_equals_body_method(method):
    msg = compose(
        draft(html="<p>Invitation</p>", calendar=CalendarInvite(invitation(method), method)),
        SETTINGS,
        now=NOW,
    )
    parsed = parse_back(msg)

    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = list(parsed.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    parts = list(alternative.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html", "text/calendar"]

    calendar_part = parts[-1]
    assert calendar_part.get_param("method") == method
    assert calendar_part.get_content_charset() == "utf-8"
    body = calendar_part.get_content()
    assert calendar_method(body) == method
    assert icalendar.Calendar.from_ical(body)["METHOD"] == method
    assert "Salle des fêtes" in icalendar.Calendar.from_ical(body).walk("VEVENT")[0]["LOCATION"]

    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    assert calendar_method(attachment.get_content().decode("utf-8")) == method


def test_calendar_without_attachment_stays_multipart_alternative():
    msg = compose(draft(calendar=CalendarInvite(invitation(), "request", attach_file=False)),
                  SETTINGS, now=NOW)
    parsed = parse_back(msg)

    assert parsed.get_content_type() == "multipart/alternative"
    calendar_part = list(parsed.iter_parts())[-1]
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "REQUEST"


def test_calendar_method_mismatch_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        compose(draft(calendar=CalendarInvite(invitation("CANCEL"), "REQUEST")), SETTINGS, now=NOW)
    assert raised.value.field == "calendar.method"


def test_unsupported_calendar_method_is_refused():
    with pytest.raises(ValidationFailed):
        compose(draft(calendar=CalendarInvite(invitation("PUBLISH"), "PUBLISH")), SETTINGS, now=NOW)


def test_calendar_method_reads_only_the_calendar_level_property():
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETH\r\n OD:CANCEL\r\n"
        "BEGIN:VEVENT\r\nUID:x\r\nMETHOD:REQUEST\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert calendar_method(body) == "CANCEL"


@pytest.mark.parametrize(
    "body",
    [
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n",
        "METHOD:REQUEST\r\n",
    ],
)
def test_calendar_without_exactly_one_method_is_refused(body):
    with pytest.raises(ValidationFailed):
        calendar_method(body)


def test_transactional_mail_has_no_unsubscribe_headers():
    parsed = parse_back(compose(draft(unsubscribe_token="tok-" + "x" * 40), SETTINGS, now=NOW))
    assert "list-unsubscribe" not in header_names(parsed)
    assert "list-unsubscribe-post" not in header_names(parsed)


@pytest.mark.parametrize("kind", [MailKind.REMINDER, MailKind.DIGEST])
def test_list_mail_has_one_click_unsubscribe(kind):
    token = "Zx9_" + "k" * 60
    parsed = parse_back(compose(draft(kind=kind, unsubscribe_token=token), SETTINGS, now=NOW))

    assert parsed["List-Unsubscribe"] == f"<https://niot.example.org/unsubscribe/{token}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_long_unsubscribe_url_is_not_encoded_or_broken():
    token = "t" * 150
    data = compose(draft(kind=MailKind.DIGEST, unsubscribe_token=token), SETTINGS,
                   now=NOW).as_bytes()
    assert f"List-Unsubscribe: <https://niot.example.org/unsubscribe/{token}>\r\n".encode() in data


@pytest.mark.parametrize("token", [None, "", "short", "has space" * 3, "bad>token" * 3,
                                   "x" * 20 + "\r\nBcc: a@evil.example"])
def test_list_mail_needs_a_url_safe_token(token):
    with pytest.raises(ValidationFailed):
        compose(draft(kind=MailKind.REMINDER, unsubscribe_token=token), SETTINGS, now=NOW)


@pytest.mark.parametrize(
    ("base", "ok"),
    [
        ("https://niot.example.org/u", True),
        ("http://localhost:8000/unsubscribe/", True),
        ("http://niot.example.org/u", False),
        ("https://niot.example.org/u?x=1", False),
        ("ftp://niot.example.org/u", False),
        (None, False),
    ],
)
def test_unsubscribe_url_must_be_https_except_on_loopback(base, ok):
    settings = MailSettings(from_address="network@niot.example.org", unsubscribe_url=base)
    list_mail = draft(kind=MailKind.REMINDER, unsubscribe_token="t" * 32)
    if ok:
        assert compose(list_mail, settings, now=NOW)["List-Unsubscribe"].endswith("/" + "t" * 32 + ">")
    else:
        with pytest.raises(ValidationFailed):
            compose(list_mail, settings, now=NOW)


def test_message_parts_do_not_repeat_mime_version():
    msg = compose(draft(html="<p>x</p>", calendar=CalendarInvite(invitation(), "REQUEST")),
                  SETTINGS, now=NOW)
    assert msg.as_bytes().count(b"MIME-Version:") == 1


def test_long_ascii_subject_is_folded_and_reads_back_whole():
    subject = "Your RSVP is confirmed: " + " ".join(["Waking in Oak Creek screening and discussion"] * 4)
    data = compose(draft(subject=subject), SETTINGS, now=NOW).as_bytes()
    header_block = data.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in header_block.split(b"\r\n"))
    assert parse_back(compose(draft(subject=subject), SETTINGS, now=NOW))["Subject"] == subject


@pytest.mark.parametrize("name", ["Dr. Ana Ruiz", 'Ana "the host" Ruiz', "Back\\slash Ruiz",
                                  "James O'Brien", "Ana" * 40])
def test_display_names_read_back_exactly(name):
    parsed = parse_back(compose(draft(to_name=name), SETTINGS, now=NOW))
    assert parsed["To"].addresses[0].display_name == name
    assert parsed["To"].addresses[0].addr_spec == "officer.garcia@example.org"


def test_ascii_text_with_long_lines_is_quoted_printable_and_round_trips():
    text = "word " * 60 + "\nshort line\n"
    parsed = parse_back(compose(draft(text=text), SETTINGS, now=NOW))
    assert parsed["Content-Transfer-Encoding"] == "quoted-printable"
    assert content(parsed) == text
