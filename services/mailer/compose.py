"""Build outgoing messages: MIME structure, headers and calendar invitations.

Plain Python with no I/O. Everything that reaches a header passes through here, so this
is where header injection is stopped: free text (display names, subjects) has its control
characters neutralised and addresses are validated before the `email` package sees them.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlsplit

from services.runtime.errors import ValidationFailed

from .delivery import MailKind, checked_address

CALENDAR_METHODS = frozenset({"REQUEST", "CANCEL"})


class _UnfoldedHeader(UnstructuredHeader):
    """A header written on one line as given.

    The standard folder turns a long word such as a URL into RFC 2047 encoded-words,
    which breaks List-Unsubscribe. RFC 5322 allows lines up to 998 characters, and the
    values using this class are validated ASCII well below that.
    """

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


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
    registry = _CachedHeaderRegistry()
    registry.map_to_type("list-unsubscribe", _UnfoldedHeader)
    return SMTP.clone(header_factory=registry)


# email.policy.SMTP (CRLF line endings) with its own header registry, so the change above
# does not leak into every other user of the shared default registry.
POLICY = _policy()

_MAX_HEADER_TEXT = 500
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
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value)
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


def _text_cte(text: str) -> str | None:
    # Quoted-printable keeps non-ASCII text 7-bit clean, so delivery never depends on the
    # server offering 8BITMIME; ASCII is left to the library's 7bit/qp choice.
    return None if text.isascii() else "quoted-printable"


def compose(draft: Draft, settings: MailSettings, *, now: datetime | None = None) -> EmailMessage:
    """The complete message for `draft`, ready for `as_bytes()`.

    Structure: text/plain alone, or multipart/alternative of text, HTML and the
    text/calendar part (the iMIP convention), wrapped in multipart/mixed with an
    application/ics copy when the invitation is also attached as a file.
    """
    if not draft.text or not draft.text.strip():
        raise ValidationFailed("a plain-text body is required", field="text")
    method = _checked_invite(draft.calendar) if draft.calendar else None
    sender = mailbox(settings.from_address, settings.from_name, field_name="from_address")
    recipient = mailbox(draft.to_address, draft.to_name, field_name="recipient")
    sent_at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)

    msg = EmailMessage(policy=POLICY)
    msg["Date"] = format_datetime(sent_at)
    msg["From"] = sender
    if settings.reply_to:
        msg["Reply-To"] = mailbox(settings.reply_to, settings.from_name, field_name="reply_to")
    msg["To"] = recipient
    msg["Subject"] = header_text(draft.subject, field_name="subject")
    msg["Message-ID"] = message_id(draft.dedupe_key, settings.message_id_domain or sender.domain)
    msg["Auto-Submitted"] = "auto-generated"
    if draft.kind.is_list_type:
        msg["List-Unsubscribe"] = (
            f"<{unsubscribe_link(settings.unsubscribe_url, draft.unsubscribe_token)}>"
        )
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    msg.set_content(draft.text, cte=_text_cte(draft.text))
    if draft.html:
        msg.add_alternative(draft.html, subtype="html", cte=_text_cte(draft.html))
    if draft.calendar:
        msg.add_alternative(
            draft.calendar.body,
            subtype="calendar",
            charset="UTF-8",
            cte=_text_cte(draft.calendar.body),
            params={"method": method},
        )
        if draft.calendar.attach_file:
            msg.add_attachment(
                draft.calendar.body.encode("utf-8"),
                maintype="application",
                subtype="ics",
                filename=header_text(draft.calendar.filename, field_name="calendar.filename"),
            )
    # The library stamps MIME-Version on every part it creates; it belongs on the top only.
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]
    return msg
