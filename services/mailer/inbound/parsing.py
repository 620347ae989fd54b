"""Reading calendar replies from inbound mail: plain Python without I/O.

Calendar clients answer an invitation with an iTIP REPLY (RFC 5546) carried by iMIP
(RFC 6047), in several shapes: Outlook sends multipart/alternative with a
`text/calendar; method=REPLY` part, Gmail adds the same calendar as an `invite.ics`
attachment (application/ics), Apple Calendar sends a single text/calendar body or
multipart/mixed with `iCal.ics`, Thunderbird multipart/alternative. Whatever the shape,
the first text/calendar part (else the first .ics attachment) is the reply.

What is read here is only reported: whether the reply names the right event and the
right person is for the screenings service to judge against the invitation.
"""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.message import EmailMessage

from icalendar import Calendar

TOKEN = re.compile(r"^[a-z2-7]{42}$")
MAX_FIELD = 300


@dataclass(frozen=True)
class ReplyMailbox:
    """Where replies come: `local+<token>@domain`."""

    local: str
    domain: str

    def token_of(self, address: str) -> str | None:
        """The token of a reply address, or None for any other address."""
        local, at, domain = (address or "").strip().strip("<>").rpartition("@")
        if not at or domain.lower().rstrip(".") != self.domain.lower():
            return None
        base, plus, token = local.partition("+")
        token = token.lower()
        if not plus or base.lower() != self.local.lower() or not TOKEN.match(token):
            return None
        return token


@dataclass(frozen=True)
class ReadReply:
    """What one mail says, in the shape of the `apply_calendar_reply` contract's `reply`."""

    message_id: str | None = None
    method: str | None = None
    uid: str | None = None
    sequence: int | None = None
    dtstamp: str | None = None
    attendees: tuple[tuple[str, str], ...] = ()
    client: str | None = None
    problem: str | None = None

    def as_contract(self) -> dict:
        return {
            "message_id": self.message_id, "method": self.method, "uid": self.uid, "sequence": self.sequence,
            "dtstamp": self.dtstamp, "attendees": [{"email": e, "partstat": p} for e, p in self.attendees],
            "client": self.client, "problem": self.problem,
        }


def _short(value, limit: int = MAX_FIELD) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def calendar_part(message: EmailMessage) -> str | None:
    """The text of the reply's calendar: the first text/calendar part, else the first
    application/ics (or any part named *.ics)."""
    attachments = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/calendar":
            return _text(part)
        name = (part.get_filename() or "").lower()
        if kind in ("application/ics", "application/x-ics") or name.endswith(".ics"):
            attachments.append(part)
    return _text(attachments[0]) if attachments else None


def _text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return payload.decode("utf-8", "replace")


def _utc_text(value) -> str | None:
    moment = getattr(value, "dt", value)
    if isinstance(moment, datetime):
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat()
    if isinstance(moment, date):
        return datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc).isoformat()
    return None


def _attendee(value) -> tuple[str, str]:
    address = str(value)
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:"):]
    partstat = str(getattr(value, "params", {}).get("PARTSTAT", "")).upper()
    return _short(address, 320) or "", _short(partstat, 40) or ""


def read_calendar(text: str) -> dict:
    """The iTIP fields of a calendar object: METHOD, PRODID, and the first VEVENT's UID,
    SEQUENCE, DTSTAMP and ATTENDEEs with their PARTSTAT. Raises ValueError when it is not
    an iCalendar object with an event."""
    try:
        calendar = Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and others on bad input
        raise ValueError(f"the calendar part is not iCalendar ({type(exc).__name__})") from None
    events = calendar.walk("VEVENT")
    if not events:
        raise ValueError("the calendar has no event")
    event = events[0]
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    sequence = event.get("SEQUENCE")
    try:
        sequence = int(sequence) if sequence is not None else None
    except (TypeError, ValueError):
        sequence = None
    return {
        "method": (_short(calendar.get("METHOD"), 40) or "").upper() or None,
        "client": _short(calendar.get("PRODID")),
        "uid": _short(event.get("UID")),
        "sequence": sequence,
        "dtstamp": _utc_text(event.get("DTSTAMP")),
        "attendees": tuple(_attendee(a) for a in attendees[:50]),
    }


def read_reply(data: bytes) -> ReadReply:
    """What a mail to a reply address says: never raises; what cannot be read is the
    `problem` (the reply is kept with it as the reason)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    message_id = _short(message.get("Message-ID"))
    try:
        text = calendar_part(message)
    except Exception as exc:  # a malformed MIME structure
        return ReadReply(message_id=message_id, problem=f"the mail could not be read ({type(exc).__name__})")
    if text is None:
        return ReadReply(message_id=message_id, problem="the mail has no calendar part")
    try:
        fields = read_calendar(text)
    except ValueError as exc:
        return ReadReply(message_id=message_id, problem=str(exc))
    return ReadReply(message_id=message_id, **fields)
