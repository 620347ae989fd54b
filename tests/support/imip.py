"""iMIP REPLY mails as calendar clients send them, from the templates in
tests/fixtures/imip/: `<client>.eml` is the mail (its MIME structure and headers as that
client writes them) and `<client>.ics` its calendar (that client's PRODID and
properties). The calendar is folded at 75 octets as RFC 5545 asks and put into the mail
in the part's own transfer encoding (${CALENDAR} 7bit, ${CALENDAR_QP}, ${CALENDAR_BASE64}).

Clients: rfc6047 (the RFC's example: a single text/calendar part), outlook
(multipart/alternative, base64 text/calendar; method=REPLY, upper-case attendee address),
gmail (multipart/mixed: alternative with text/calendar, plus application/ics invite.ics),
apple (multipart/mixed with iCal.ics, quoted-printable), apple_single (one text/calendar
part, from iOS), thunderbird (text/calendar and an invite.ics attachment).
"""
from __future__ import annotations

import base64
import quopri
import uuid
from pathlib import Path
from string import Template

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imip"
CLIENTS = ("rfc6047", "outlook", "gmail", "apple", "apple_single", "thunderbird")


def _fold(line: str) -> str:
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def reply_calendar(client: str, **values: str) -> str:
    text = Template((FIXTURES / f"{client}.ics").read_text()).substitute(values)
    return "".join(_fold(line) + "\r\n" for line in text.splitlines())


def reply_mail(client: str, *, uid: str, attendee: str, organizer: str, partstat: str = "ACCEPTED",
               name: str = "Ann Invitee", host: str = "Alex Able", sequence: int = 0,
               dtstamp: str = "20270305T150000Z", summary: str = "Waking in Oak Creek",
               message_id: str | None = None) -> bytes:
    """The REPLY `client` sends when `attendee` answers `partstat` to the invitation of
    event `uid` whose ORGANIZER is `organizer`."""
    values = {"UID": uid, "ATTENDEE": attendee, "ATTENDEE_UPPER": attendee.upper(), "ORGANIZER": organizer,
              "PARTSTAT": partstat, "NAME": name, "HOST": host, "SEQUENCE": str(sequence), "DTSTAMP": dtstamp,
              "SUMMARY": summary, "MESSAGE_ID": message_id or uuid.uuid4().hex}
    calendar = reply_calendar(client, **values)
    raw = calendar.encode("utf-8")
    values["CALENDAR"] = calendar.rstrip("\r\n")
    values["CALENDAR_QP"] = quopri.encodestring(raw).decode("ascii").replace("\r\n", "\n").rstrip("\n")
    values["CALENDAR_BASE64"] = base64.encodebytes(raw).decode("ascii").rstrip("\n")
    mail = Template((FIXTURES / f"{client}.eml").read_text()).substitute(values)
    return "\r\n".join(mail.splitlines()).encode("utf-8") + b"\r\n"
