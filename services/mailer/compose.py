"""Build outgoing messages: MIME structure, headers and calendar invitations.

Plain Python with no I/O. Everything that reaches a header passes through here, so this
is where header injection is stopped: free text (display names, subjects) has its control
characters neutralised and addresses are validated before the `email` package sees them.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address, HeaderRegistry
from email.policy import SMTP
from email.utils import format_datetime
from functools import lru_cache
from urllib.parse import quote, urlsplit

from services.runtime.errors import ValidationFailed

from .delivery import MailKind, checked_address

CALENDAR_METHODS = frozenset({"REQUEST", "CANCEL"})


class _CachedHeaderRegistry(HeaderRegistry):
    """The standard registry creates a new header class on every lookup, which is a large
    part of composing a message; each class is built once here instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._classes: dict[str, type] = {}

    def map_to_type(self, name, cls):
        super().map_to_type(name, cls)
        self._classes.pop(name.lower(), None)

    def __getitem__(self, name):
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


def _policy():
    return SMTP.clone(header_factory=_CachedHeaderRegistry())


# email.policy.SMTP (CRLF line endings) with its own header registry, for the headers the
# email package encodes (see _library_header).
POLICY = _policy()

_MAX_HEADER_TEXT = 500
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]*$")
_UNSUBSCRIBE_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{8,200}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                     r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class MailSettings:
    """The sender side of every message, from config."""

    from_address: str
    from_name: str = ""
    reply_to: str | None = None
    # Right-hand side of Message-IDs; the sender's domain when not set.
    message_id_domain: str | None = None
    # Base of one-click unsubscribe links; the token is appended.
    unsubscribe_url: str | None = None


@dataclass(frozen=True)
class CalendarInvite:
    """An iCalendar object sent as an iMIP invitation (RFC 6047)."""

    body: str
    method: str
    attach_file: bool = True
    filename: str = "invite.ics"


@dataclass(frozen=True)
class Draft:
    """What one message says and to whom, before it becomes MIME."""

    to_address: str
    subject: str
    text: str
    dedupe_key: str
    to_name: str = ""
    html: str | None = None
    calendar: CalendarInvite | None = None
    kind: MailKind = MailKind.TRANSACTIONAL
    unsubscribe_token: str | None = None


def header_text(value: str, *, field_name: str, required: bool = True) -> str:
    """Free text made safe for a header: every control or line-separator character
    becomes a space, whitespace runs collapse, and the result is bounded in length."""
    if value is None:
        value = ""
    value = str(value)
    if _PRINTABLE_ASCII.match(value):
        # Nothing to neutralise in printable ASCII; only whitespace runs collapse.
        cleaned = " ".join(value.split())
    else:
        cleaned = "".join(
            " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in value
        )
        cleaned = " ".join(cleaned.split())
    if len(cleaned) > _MAX_HEADER_TEXT:
        cleaned = cleaned[: _MAX_HEADER_TEXT - 1].rstrip() + "…"
    if required and not cleaned:
        raise ValidationFailed("must not be empty", field=field_name)
    return cleaned


def mailbox(address: str, name: str = "", *, field_name: str) -> Address:
    addr_spec = checked_address(address, field_name=field_name)
    return Address(
        display_name=header_text(name, field_name=field_name, required=False),
        addr_spec=addr_spec,
    )


def message_id(dedupe_key: str, domain: str) -> str:
    """A Message-ID that is the same every time the same message is (re)sent, so that
    receivers can drop a copy sent again after a crash."""
    if not dedupe_key:
        raise ValidationFailed("a dedupe key is required", field="dedupe_key")
    if not _DOMAIN.match(domain):
        raise ValidationFailed("not a valid domain for Message-ID", field="message_id_domain")
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain.lower()}>"


def unsubscribe_link(base_url: str | None, token: str | None) -> str:
    """The RFC 8058 one-click URL: HTTPS (plain HTTP is accepted for loopback development
    hosts only) with a URL-safe token."""
    if not base_url:
        raise ValidationFailed("list mail needs an unsubscribe URL", field="unsubscribe_url")
    if not token or not _UNSUBSCRIBE_TOKEN.match(token):
        raise ValidationFailed("a URL-safe unsubscribe token is required",
                               field="unsubscribe_token")
    parts = urlsplit(base_url)
    secure = parts.scheme == "https"
    local_dev = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
    if not (secure or local_dev) or not parts.hostname:
        raise ValidationFailed("unsubscribe URL must be https", field="unsubscribe_url")
    if not base_url.isascii() or any(ch in base_url for ch in " <>\"'") or parts.query \
            or parts.fragment or any(unicodedata.category(ch) == "Cc" for ch in base_url):
        raise ValidationFailed("unsubscribe URL must be a plain ASCII URL without query",
                               field="unsubscribe_url")
    return base_url.rstrip("/") + "/" + token


def calendar_method(body: str) -> str:
    """The METHOD property of a VCALENDAR, read from its text (RFC 5545).

    Only calendar-level properties count: a line inside a component is not the object's
    METHOD. Exactly one is required, as iTIP demands.
    """
    unfolded = re.sub(r"\r?\n[ \t]", "", body)
    depth = 0
    seen_calendar = False
    methods = []
    for line in unfolded.splitlines():
        name, sep, value = line.partition(":")
        if not sep:
            continue
        name = name.split(";", 1)[0].strip().upper()
        if name == "BEGIN":
            depth += 1
            seen_calendar = seen_calendar or value.strip().upper() == "VCALENDAR"
        elif name == "END":
            depth -= 1
        elif name == "METHOD" and depth == 1:
            methods.append(value.strip().upper())
    if not seen_calendar:
        raise ValidationFailed("calendar body is not a VCALENDAR", field="calendar")
    if len(methods) != 1:
        raise ValidationFailed("calendar body must have exactly one METHOD", field="calendar")
    return methods[0]


def _checked_invite(invite: CalendarInvite) -> str:
    method = (invite.method or "").upper()
    if method not in CALENDAR_METHODS:
        raise ValidationFailed(f"unsupported calendar method {invite.method!r}",
                               field="calendar.method")
    in_body = calendar_method(invite.body)
    if in_body != method:
        raise ValidationFailed(
            f"MIME method {method} differs from the calendar's METHOD {in_body}",
            field="calendar.method",
        )
    return method


# --- Writing the message ---------------------------------------------------------------
#
# The message is written as bytes here rather than assembled with EmailMessage: building
# it through the header registry and the generator took most of the time it takes to
# queue a mail. The email package still encodes what is not plain ASCII in headers, and
# the tests parse every structure back with it under a strict policy.

_CRLF = "\r\n"
_MAX_LINE = 78
# Display names made only of these need no quoting (RFC 5322 atext and spaces).
_ATOM_PHRASE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$")
_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9._ -]{1,100}$")


def _library_header(name: str, value) -> str:
    """A header folded and encoded by the email package (non-ASCII, very long lines)."""
    return POLICY.header_factory(name, value).fold(policy=POLICY)


def _fold_ascii(name: str, value: str) -> str:
    """An unstructured ASCII header, folded at spaces so lines stay within 78 characters
    where a word allows it; unfolding gives back `value` exactly."""
    line = f"{name}: {value}"
    if len(line) <= _MAX_LINE:
        return line + _CRLF
    lines, current = [], f"{name}:"
    for word in value.split(" "):
        if len(current) + 1 + len(word) > _MAX_LINE and current.strip() and current != f"{name}:":
            lines.append(current)
            current = ""
        current += " " + word
    lines.append(current)
    return _CRLF.join(lines) + _CRLF


def _unstructured(name: str, value: str) -> str:
    # "=?" would read as the start of an encoded word, so such text goes to the library.
    if value.isascii() and "=?" not in value:
        return _fold_ascii(name, value)
    return _library_header(name, value)


def _address_header(name: str, addr_spec: str, display: str) -> str:
    """`Name <address>` with the display name as an atom phrase or a quoted string when it
    is plain ASCII; anything else is encoded by the library. `addr_spec` is checked ASCII
    and `display` has been through header_text."""
    if "=?" in display:
        # It would read as an encoded word; the library quotes or encodes it properly.
        return _library_header(name, Address(display_name=display, addr_spec=addr_spec))
    if not display:
        line = f"{name}: {addr_spec}"
    elif _ATOM_PHRASE.match(display):
        line = f"{name}: {display} <{addr_spec}>"
    elif _PRINTABLE_ASCII.match(display):
        quoted = display.replace("\\", "\\\\").replace('"', '\\"')
        line = f'{name}: "{quoted}" <{addr_spec}>'
    else:
        line = ""
    if not line or len(line) > _MAX_LINE:
        return _library_header(name, Address(display_name=display, addr_spec=addr_spec))
    return line + _CRLF


@lru_cache(maxsize=64)
def _sender_headers(settings: MailSettings) -> tuple[str, str]:
    """The From and Reply-To lines and the Message-ID domain: the same for every
    message, so they are checked and written once per settings."""
    name = header_text(settings.from_name, field_name="from_address", required=False)
    sender = checked_address(settings.from_address, field_name="from_address")
    lines = _address_header("From", sender, name)
    if settings.reply_to:
        lines += _address_header("Reply-To", checked_address(settings.reply_to, field_name="reply_to"), name)
    return lines, settings.message_id_domain or sender.rsplit("@", 1)[1]


def _text_body(text: str) -> tuple[str, str]:
    """(Content-Transfer-Encoding, encoded body) for a text part.

    Quoted-printable keeps non-ASCII text 7-bit clean, so delivery never depends on the
    server offering 8BITMIME; ASCII stays 7bit unless a line is too long for it.
    """
    lines = text.splitlines()
    if text.isascii() and all(len(line) <= _MAX_LINE for line in lines):
        return "7bit", _CRLF.join(lines) + _CRLF
    encoded = binascii.b2a_qp(("\n".join(lines) + "\n").encode("utf-8"), istext=True)
    return "quoted-printable", encoded.decode("ascii").replace("\n", _CRLF)


def _text_part(subtype: str, text: str, charset: str = "utf-8", extra_params: str = "") -> str:
    cte, body = _text_body(text)
    return (f'Content-Type: text/{subtype}; charset="{charset}"{extra_params}{_CRLF}'
            f"Content-Transfer-Encoding: {cte}{_CRLF}{_CRLF}{body}")


def _ics_attachment(body: str, filename: str) -> str:
    if _SAFE_FILENAME.match(filename):
        disposition = f'attachment; filename="{filename}"'
    else:
        disposition = "attachment; filename*=utf-8''" + quote(filename, safe="")
    encoded = base64.encodebytes(body.encode("utf-8")).decode("ascii").replace("\n", _CRLF)
    return (f"Content-Type: application/ics{_CRLF}"
            f"Content-Transfer-Encoding: base64{_CRLF}"
            f"Content-Disposition: {disposition}{_CRLF}{_CRLF}{encoded}")


def _boundary(parts: list[str]) -> str:
    # "=_" never occurs in quoted-printable or base64 text; 7bit parts are checked.
    while True:
        boundary = "=_" + secrets.token_hex(16)
        if not any(boundary in part for part in parts):
            return boundary


def _multipart(subtype: str, parts: list[str]) -> str:
    boundary = _boundary(parts)
    body = "".join(f"--{boundary}{_CRLF}{part}{_CRLF}" for part in parts)
    return (f'Content-Type: multipart/{subtype}; boundary="{boundary}"{_CRLF}{_CRLF}'
            f"{body}--{boundary}--{_CRLF}")


class ComposedMessage:
    """A finished message: its wire bytes (CRLF line endings, 7-bit clean) and the values
    of its top-level headers, unfolded."""

    __slots__ = ("_data", "_headers")

    def __init__(self, data: bytes, headers: dict[str, str]):
        self._data = data
        self._headers = {name.lower(): value for name, value in headers.items()}

    def __getitem__(self, name: str) -> str | None:
        return self._headers.get(name.lower())

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name.lower(), default)

    @property
    def message_id(self) -> str:
        return self._headers["message-id"]

    def as_bytes(self) -> bytes:
        return self._data


def compose(draft: Draft, settings: MailSettings, *, now: datetime | None = None) -> ComposedMessage:
    """The complete message for `draft`.

    Structure: text/plain alone, or multipart/alternative of text, HTML and the
    text/calendar part (the iMIP convention), wrapped in multipart/mixed with an
    application/ics copy when the invitation is also attached as a file.
    """
    if not draft.text or not draft.text.strip():
        raise ValidationFailed("a plain-text body is required", field="text")
    method = _checked_invite(draft.calendar) if draft.calendar else None
    sender_lines, id_domain = _sender_headers(settings)
    to_address = checked_address(draft.to_address, field_name="recipient")
    to_name = header_text(draft.to_name, field_name="recipient", required=False)
    sent_at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    subject = header_text(draft.subject, field_name="subject")

    headers = {
        "Date": format_datetime(sent_at),
        "Message-ID": message_id(draft.dedupe_key, id_domain),
        "Auto-Submitted": "auto-generated",
    }
    if draft.kind.is_list_type:
        headers["List-Unsubscribe"] = (
            f"<{unsubscribe_link(settings.unsubscribe_url, draft.unsubscribe_token)}>"
        )
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    head = [
        f"Date: {headers['Date']}{_CRLF}",
        sender_lines,
        _address_header("To", to_address, to_name),
        _unstructured("Subject", subject),
        f"Message-ID: {headers['Message-ID']}{_CRLF}",
        f"Auto-Submitted: auto-generated{_CRLF}",
    ]
    if draft.kind.is_list_type:
        # One line as given: folding would break the URL (RFC 5322 allows 998 characters,
        # and the link is validated ASCII well below that).
        head.append(f"List-Unsubscribe: {headers['List-Unsubscribe']}{_CRLF}")
        head.append(f"List-Unsubscribe-Post: List-Unsubscribe=One-Click{_CRLF}")
    head.append(f"MIME-Version: 1.0{_CRLF}")

    body = _text_part("plain", draft.text)
    if draft.html or draft.calendar:
        alternatives = [body]
        if draft.html:
            alternatives.append(_text_part("html", draft.html))
        if draft.calendar:
            alternatives.append(_text_part("calendar", draft.calendar.body, charset="UTF-8",
                                           extra_params=f'; method="{method}"'))
        body = _multipart("alternative", alternatives)
        if draft.calendar and draft.calendar.attach_file:
            filename = header_text(draft.calendar.filename, field_name="calendar.filename")
            body = _multipart("mixed", [body, _ics_attachment(draft.calendar.body, filename)])
    headers["Subject"] = subject
    return ComposedMessage(("".join(head) + body).encode("ascii"), headers)
