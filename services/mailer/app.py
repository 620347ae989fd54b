"""The mailer's use cases: queue the mail an event causes, deliver due messages, and the
operator and unsubscribe queries. Functions take a session (or a unit of work for the
delivery loop, which needs several transactions) and `now`; rules come from delivery.py,
message structure from compose.py, wording from notifications.py and the templates.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from functools import lru_cache
from typing import Any, Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.contracts.mailer import MailFailed, MailSent
from services.runtime import outbox, timers
from services.runtime.db import SCHEDULED_JOBS, UTCDateTime
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from . import delivery, render
from .compose import CalendarInvite, Draft, MailSettings, compose, message_id
from .delivery import (
    DeliveryPolicy,
    MailKind,
    MailState,
    Permanent,
    SendOutcome,
    SmtpStage,
    SuppressionReason,
    Transient,
)
from .models import Activity, Message, Suppression, UnsubscribeToken
from .notifications import MAILER_PATHS, Notification, RenderContext, notifications_for, region_of, state_of
from .smtp import SmtpSettings

log = logging.getLogger(__name__)

SOURCE = "mailer"
DIGEST_JOB = "coverage_digest"
_DIGEST_NAMESPACE = uuid.UUID("6f1f3c56-4c2b-4f0e-9a59-3d7f0f2b8a11")
# An SMTP failure at one of these stages says the server is unreachable or refuses the
# session, whatever the message: the rest of a batch waits instead of trying one by one.
_SESSION_STAGES = frozenset({SmtpStage.CONNECT, SmtpStage.HELO, SmtpStage.STARTTLS, SmtpStage.AUTH})


# --- Settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class MailerSettings:
    base_url: str
    manager_emails: tuple[str, ...]
    mail: MailSettings
    smtp: SmtpSettings
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    batch_size: int = 50
    digest_time_zone: str = "America/New_York"
    digest_weekday: int = 0  # Monday
    digest_hour: int = 8

    def render_context(self) -> RenderContext:
        return RenderContext(self.base_url, self.manager_emails)


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def settings_from(cfg: dict[str, Any]) -> MailerSettings:
    """Read the mailer's settings from the nameko config (see config.yml)."""
    smtp = cfg.get("SMTP") or {}
    mailer = cfg.get("MAILER") or {}
    from_name, from_address = parseaddr(str(smtp.get("from") or "network@niot.example.org"))
    base_url = str(cfg.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    managers = tuple(a.strip() for a in str(cfg.get("PROGRAM_MANAGER_EMAILS")
                                            or "programs@niot.example.org").split(",") if a.strip())
    defaults = DeliveryPolicy()
    delays = mailer.get("retry_delays")
    policy = DeliveryPolicy(
        retry_delays=tuple(timedelta(seconds=float(d)) for d in delays) if delays else defaults.retry_delays,
        max_attempts=int(mailer.get("max_attempts") or defaults.max_attempts),
        max_age=timedelta(hours=float(mailer["max_age_hours"])) if mailer.get("max_age_hours") else defaults.max_age,
        lease=timedelta(seconds=float(mailer["lease_seconds"])) if mailer.get("lease_seconds") else defaults.lease,
        bounce_threshold=int(mailer.get("bounce_threshold") or defaults.bounce_threshold),
    )
    return MailerSettings(
        base_url=base_url,
        manager_emails=managers,
        mail=MailSettings(
            from_address=from_address, from_name=from_name,
            reply_to=str(smtp.get("reply_to") or "") or None,
            message_id_domain=str(mailer.get("message_id_domain") or "") or None,
            unsubscribe_url=base_url + MAILER_PATHS["unsubscribe"].split("/{", 1)[0],
        ),
        smtp=SmtpSettings(
            host=str(smtp.get("host") or "127.0.0.1"), port=int(smtp.get("port") or 25),
            envelope_from=str(smtp.get("envelope_from") or from_address),
            starttls=_flag(smtp.get("starttls")),
            username=str(smtp.get("username") or "") or None,
            password=str(smtp.get("password") or "") or None,
            timeout=float(smtp.get("timeout") or 30),
        ),
        policy=policy,
        batch_size=int(mailer.get("batch_size") or 50),
        digest_time_zone=str(mailer.get("digest_time_zone") or "America/New_York"),
        digest_weekday=int(mailer.get("digest_weekday") if mailer.get("digest_weekday") is not None else 0),
        digest_hour=int(mailer.get("digest_hour") if mailer.get("digest_hour") is not None else 8),
    )


# --- Queueing --------------------------------------------------------------------------


def _insert(session: Session, table):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database {dialect}")


@lru_cache(maxsize=64)
def _insert_ignoring_statement(table: sa.Table, unique_column: str, columns: tuple[str, ...]):
    # SQLAlchemy cannot cache the dialects' on_conflict_do_nothing() constructs (their
    # cache key is None), so each use was compiled afresh: a large part of queueing a
    # message. The same statement as text is built and compiled once; SQLite and
    # PostgreSQL both read this ON CONFLICT clause, and the bind types keep the columns'
    # conversions (UTC datetimes, bytes).
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(f":{name}" for name in columns)
    return sa.text(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({values}) ON CONFLICT ("{unique_column}") DO NOTHING'
    ).bindparams(*(sa.bindparam(name, type_=table.c[name].type) for name in columns))


def _insert_ignoring(session: Session, table: sa.Table, unique_column: str, values: dict[str, Any]) -> int:
    """Insert a row unless one with the same `unique_column` exists; returns rows inserted."""
    statement = _insert_ignoring_statement(table, unique_column, tuple(values))
    return session.execute(statement, values).rowcount or 0


_MESSAGES = Message.__table__


def queue_event(session: Session, event, settings: MailerSettings, now: datetime) -> int:
    """Store the mail an event causes (and note the activity for the digest). Returns
    how many new messages were queued."""
    data = event.data
    _insert_ignoring(session, Activity.__table__, "event_id", dict(
        event_id=str(event.event_id), event_type=event.type, region=region_of(data),
        state=state_of(data), occurred_at=event.occurred_at,
    ))
    notes = notifications_for(event.type, data, settings.render_context())
    return sum(store(session, note, str(event.event_id), event.type, settings, now) for note in notes)


def _invalid_key(event_id: str, raw: str, template: str, sequence: int | None) -> str:
    material = json.dumps(["mail/1-invalid", event_id, raw.strip().lower(), template, sequence])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def store(session: Session, note: Notification, event_id: str, event_type: str,
          settings: MailerSettings, now: datetime) -> int:
    """Render and store one message, once per dedupe key. Returns 1 if it is new."""
    raw_address = str(note.to_address)
    try:
        recipient = delivery.normalise_recipient(raw_address)
    except ValidationFailed as error:
        return _store_invalid(session, note, event_id, event_type, raw_address, str(error), now)
    # A key stored already (the event's processed_events row was purged, a job ran again)
    # is rendered for nothing and then ignored by the insert; looking it up first would
    # cost every message a query.
    key = delivery.dedupe_key(event_id, recipient, note.template, note.sequence)
    token = unsubscribe_token(session, recipient, now) if note.kind.is_list_type else None
    context = {
        **note.context,
        "greeting": f"Hello {note.to_name}," if note.to_name else "Hello,",
        "unsubscribe_url": (settings.mail.unsubscribe_url + "/" + token) if token else None,
        "kind_label": "digest" if note.kind is MailKind.DIGEST else "reminder",
    }
    parts = render.render(note.template, note.subject, context)
    draft = Draft(
        to_address=recipient, to_name=note.to_name, subject=parts.subject, text=parts.text,
        html=parts.html, calendar=note.calendar, kind=note.kind, unsubscribe_token=token,
        dedupe_key=key,
    )
    mime = compose(draft, settings.mail, now=now)
    inserted = _insert_ignoring(session, _MESSAGES, "dedupe_key", dict(
        dedupe_key=key, message_id=mime["Message-ID"], source_event_id=event_id,
        source_event_type=event_type, recipient=recipient, recipient_name=note.to_name or "",
        template=note.template, kind=note.kind.value, subject=parts.subject,
        text_body=parts.text, html_body=parts.html,
        calendar_body=note.calendar.body if note.calendar else None,
        calendar_method=note.calendar.method if note.calendar else None,
        calendar_sequence=note.sequence, unsubscribe_token=token, mime=mime.as_bytes(),
        state=MailState.QUEUED.value, attempts=0, next_attempt_at=now,
        created_at=now, queued_at=now,
    ))
    if inserted:
        session.info["mail_queued"] = True
    return inserted


def _store_invalid(session, note, event_id, event_type, raw_address, error, now) -> int:
    key = _invalid_key(event_id, raw_address, note.template, note.sequence)
    domain = raw_address.rsplit("@", 1)[-1] if "@" in raw_address else "invalid.invalid"
    try:
        msg_id = message_id(key, domain.encode("idna").decode("ascii"))
    except (ValidationFailed, UnicodeError):
        msg_id = message_id(key, "invalid.invalid")
    inserted = session.execute(_insert(session, Message.__table__).values(
        dedupe_key=key, message_id=msg_id, source_event_id=event_id, source_event_type=event_type,
        recipient=raw_address.strip().lower()[:320], recipient_name=note.to_name or "",
        template=note.template, kind=note.kind.value, subject="(not rendered)", text_body="",
        mime=b"", state=MailState.FAILED.value, attempts=0, last_error=f"invalid address: {error}",
        created_at=now, queued_at=now,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Message.id)).scalar()
    if inserted is not None:
        log.warning("mail for %s not queued: invalid address", event_type)
        _publish_failed(session, session.get(Message, inserted), "invalid", now)
    return 0


def unsubscribe_token(session: Session, recipient: str, now: datetime) -> str:
    """The address's one-click token, created on first use. Concurrent creators agree:
    the loser's insert does nothing and both read the winner's row."""
    session.execute(_insert(session, UnsubscribeToken.__table__).values(
        token=secrets.token_urlsafe(24), recipient=recipient, created_at=now,
    ).on_conflict_do_nothing(index_elements=["recipient"]))
    return session.execute(
        sa.select(UnsubscribeToken.token).where(UnsubscribeToken.recipient == recipient)
    ).scalar_one()


# --- Delivery --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A claimed message: what the sender needs outside any transaction."""

    id: int
    recipient: str
    mime: bytes
    attempts: int
    queued_at: datetime


def _due_clause(now: datetime):
    return sa.or_(
        sa.and_(Message.state == MailState.QUEUED.value,
                sa.or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)),
        sa.and_(Message.state == MailState.SENDING.value, Message.lease_expires_at <= now),
    )


def _suppressions(session: Session, recipients: set[str]) -> dict[str, list[SuppressionReason]]:
    found: dict[str, list[SuppressionReason]] = {}
    if not recipients:
        return found
    rows = session.execute(sa.select(Suppression.recipient, Suppression.reason)
                           .where(Suppression.recipient.in_(recipients)))
    for recipient, reason in rows:
        found.setdefault(recipient, []).append(SuppressionReason(reason))
    return found


def claim_due(session: Session, owner: str, now: datetime, policy: DeliveryPolicy,
              limit: int) -> tuple[list[Outgoing], int]:
    """Take up to `limit` due messages for this sender under a lease. Suppressed and
    exhausted ones are settled here instead. Returns (to send, rows settled or claimed)."""
    # Core statements and only the columns the rules need: this runs for every batch,
    # and the stored bodies are read once, by the claiming UPDATE, for the rows sent.
    due = session.execute(
        sa.select(_MESSAGES.c.id, _MESSAGES.c.recipient, _MESSAGES.c.kind, _MESSAGES.c.state,
                  _MESSAGES.c.attempts, _MESSAGES.c.queued_at)
        .where(_due_clause(now)).order_by(_MESSAGES.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        return [], 0
    suppressed = _suppressions(session, {row.recipient for row in due})
    unsendable, to_claim, lease_expires_at = [], [], None
    for row in due:
        if delivery.suppression_applies(MailKind(row.kind), suppressed.get(row.recipient, ())) \
                or delivery.give_up_before_sending(row.attempts, row.queued_at, now, policy):
            unsendable.append(row.id)
            continue
        claimed = delivery.claim(MailState(row.state), row.attempts, now, policy)
        lease_expires_at = claimed.lease_expires_at
        to_claim.append(row.id)
    if unsendable:
        _settle_unsendable(session, unsendable, suppressed, now, policy)
    outgoing: list[Outgoing] = []
    if to_claim:
        # The same change delivery.claim describes: SENDING, one more attempt, our lease.
        claimed_rows = session.execute(
            sa.update(_MESSAGES).where(_MESSAGES.c.id.in_(to_claim))
            .values(state=MailState.SENDING.value, attempts=_MESSAGES.c.attempts + 1,
                    lease_owner=owner, lease_expires_at=lease_expires_at)
            .returning(_MESSAGES.c.id, _MESSAGES.c.recipient, _MESSAGES.c.mime,
                       _MESSAGES.c.attempts, _MESSAGES.c.queued_at)
        ).all()
        outgoing = sorted((Outgoing(row.id, row.recipient, row.mime, row.attempts, row.queued_at)
                           for row in claimed_rows), key=lambda item: item.id)
    return outgoing, len(due)


def _settle_unsendable(session: Session, ids: list[int], suppressed: dict[str, list[SuppressionReason]],
                       now: datetime, policy: DeliveryPolicy) -> None:
    """Due messages that must not be attempted: to a suppressed address, or out of
    attempts or time."""
    for row in session.execute(sa.select(Message).where(Message.id.in_(ids)).order_by(Message.id)).scalars():
        state = MailState(row.state)
        if delivery.suppression_applies(MailKind(row.kind), suppressed.get(row.recipient, ())):
            # A message whose sender died (lease expired) is waiting again, like a queued one.
            waiting = MailState.QUEUED if state is MailState.SENDING else state
            row.state = delivery.transition(waiting, MailState.SUPPRESSED).value
            row.last_error = "address suppressed: " + ", ".join(r.value for r in suppressed[row.recipient])
            row.lease_owner = row.lease_expires_at = row.next_attempt_at = None
            _publish_failed(session, row, "suppressed", now)
            continue
        row.state = delivery.transition(state, MailState.FAILED).value
        row.last_error = f"gave up after {row.attempts} attempts" + (
            f": {row.last_error}" if row.last_error else "")
        row.lease_owner = row.lease_expires_at = row.next_attempt_at = None
        _publish_failed(session, row, "gave_up", now)


# One Core statement, built once (no ORM identity map, no loading of the stored MIME):
# it runs once per message sent.
_RECORD_OUTCOME = (
    sa.update(_MESSAGES)
    .where(_MESSAGES.c.id == sa.bindparam("item_id"), _MESSAGES.c.lease_owner == sa.bindparam("owner"),
           _MESSAGES.c.state == MailState.SENDING.value)
    .values(state=sa.bindparam("new_state"), next_attempt_at=sa.bindparam("retry_at", type_=UTCDateTime),
            last_error=sa.bindparam("error", type_=sa.Text), lease_owner=None, lease_expires_at=None,
            sent_at=sa.bindparam("sent_at", type_=UTCDateTime), sent_by=sa.bindparam("owner"),
            hard_bounce_at=sa.bindparam("bounced_at", type_=UTCDateTime))
    .returning(_MESSAGES.c.id, _MESSAGES.c.message_id, _MESSAGES.c.template, _MESSAGES.c.recipient,
               _MESSAGES.c.source_event_id, _MESSAGES.c.source_event_type, _MESSAGES.c.attempts,
               _MESSAGES.c.last_error)
)


def record_outcome(session: Session, item: Outgoing, owner: str, outcome: SendOutcome,
                   now: datetime, policy: DeliveryPolicy) -> MailState | None:
    """Store how an attempt ended. Does nothing (returns None) if this sender no longer
    holds the message's lease."""
    result = delivery.after_attempt(outcome, attempts=item.attempts, created_at=item.queued_at,
                                    now=now, policy=policy)
    row = session.connection().execute(_RECORD_OUTCOME, {
        "item_id": item.id, "owner": owner, "new_state": result.state.value,
        "retry_at": result.next_attempt_at, "error": result.last_error,
        "sent_at": now if result.state is MailState.SENT else None,
        "bounced_at": now if result.hard_bounce else None,
    }).first()
    if row is None:
        log.warning("message %s: lease lost before its outcome was recorded", item.id)
        return None
    if result.state is MailState.SENT:
        outbox.record(session, SOURCE, MailSent(
            delivery_id=row.id, message_id=row.message_id, template=row.template,
            recipient=row.recipient, source_event_id=uuid.UUID(row.source_event_id),
            source_event_type=row.source_event_type, attempts=row.attempts, sent_at=now))
    elif result.state is MailState.FAILED:
        _publish_failed(session, row, "rejected" if isinstance(outcome, Permanent) else "gave_up", now)
    if result.hard_bounce:
        _suppress_if_bouncing(session, row.recipient, now, policy)
    return result.state


def _suppress_if_bouncing(session: Session, recipient: str, now: datetime, policy: DeliveryPolicy) -> None:
    bounces = session.execute(
        sa.select(Message.hard_bounce_at).where(Message.recipient == recipient,
                                                Message.hard_bounce_at.is_not(None))
    ).scalars().all()
    if delivery.should_suppress_after_bounces(bounces, now, policy):
        session.execute(_insert(session, Suppression.__table__).values(
            recipient=recipient, reason=SuppressionReason.HARD_BOUNCES.value, created_at=now,
            detail=f"{len(bounces)} hard bounces",
        ).on_conflict_do_nothing(index_elements=["recipient", "reason"]))


def _publish_failed(session: Session, row, reason: str, now: datetime) -> None:
    """`row`: a Message or a row with the same column names."""
    try:
        payload = MailFailed(
            delivery_id=row.id, message_id=row.message_id, template=row.template,
            recipient=row.recipient, source_event_id=uuid.UUID(row.source_event_id),
            source_event_type=row.source_event_type, attempts=row.attempts, reason=reason,
            error=(row.last_error or "")[:2000] or None, failed_at=now)
    except ValueError:
        log.warning("message %s failed (%s); no mail_failed event for an invalid address", row.id, reason)
        return
    outbox.record(session, SOURCE, payload)


def release(session: Session, items: list[Outgoing], owner: str, retry_at: datetime) -> None:
    """Give back claimed messages that were not attempted, without counting an attempt."""
    for item in items:
        session.execute(
            sa.update(Message)
            .where(Message.id == item.id, Message.lease_owner == owner,
                   Message.state == MailState.SENDING.value)
            .values(state=MailState.QUEUED.value, attempts=item.attempts - 1, lease_owner=None,
                    lease_expires_at=None, next_attempt_at=retry_at)
        )


def deliver_batch(db, send: Callable[[str, bytes], SendOutcome], settings: MailerSettings,
                  owner: str, now: Callable[[], datetime]) -> int:
    """Claim one batch and send it, recording each outcome in its own transaction so a
    crash repeats at most the message in flight. Returns the rows handled (0 = idle)."""
    with db.transaction() as session:
        outgoing, handled = claim_due(session, owner, now(), settings.policy, settings.batch_size)
    for position, item in enumerate(outgoing):
        outcome = send(item.recipient, item.mime)
        with db.transaction() as session:
            record_outcome(session, item, owner, outcome, now(), settings.policy)
            if isinstance(outcome, Transient) and outcome.stage in _SESSION_STAGES:
                rest = outgoing[position + 1:]
                retry_at = delivery.next_attempt_at(item.attempts, now(), settings.policy)
                release(session, rest, owner, retry_at)
                log.warning("SMTP server unavailable (%s); %d message(s) wait until %s",
                            delivery.describe(outcome), len(rest) + 1, retry_at.isoformat())
                break
    return handled


# --- Operators -------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def _summary(row: Message) -> dict[str, Any]:
    return {
        "id": row.id, "recipient": row.recipient, "template": row.template, "kind": row.kind,
        "subject": row.subject, "state": row.state, "attempts": row.attempts,
        "last_error": row.last_error, "message_id": row.message_id,
        "source_event_type": row.source_event_type, "source_event_id": row.source_event_id,
        "created_at": _iso(row.created_at), "sent_at": _iso(row.sent_at),
        "next_attempt_at": _iso(row.next_attempt_at) if row.state == MailState.QUEUED.value else None,
    }


def _parse_since(since: Any) -> datetime | None:
    if since in (None, ""):
        return None
    if isinstance(since, datetime):
        value = since
    else:
        try:
            value = datetime.fromisoformat(str(since))
        except ValueError:
            raise ValidationFailed("since must be an ISO 8601 date-time", field="since") from None
    if value.tzinfo is None:
        raise ValidationFailed("since must carry a UTC offset", field="since")
    return value


def search_deliveries(session: Session, *, recipient: str | None = None, state: str | None = None,
                      template: str | None = None, since: Any = None, limit: int = 50) -> list[dict]:
    errors = []
    query = sa.select(Message)
    if recipient:
        try:
            query = query.where(Message.recipient == delivery.normalise_recipient(recipient))
        except ValidationFailed:
            errors.append({"field": "recipient", "message": "not a valid email address"})
    if state:
        if state not in {s.value for s in MailState}:
            errors.append({"field": "state", "message": f"one of {', '.join(s.value for s in MailState)}"})
        query = query.where(Message.state == state)
    if template:
        query = query.where(Message.template == template)
    try:
        since_at = _parse_since(since)
    except ValidationFailed as error:
        errors.extend(error.errors)
        since_at = None
    if since_at:
        query = query.where(Message.created_at >= since_at)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 500:
        errors.append({"field": "limit", "message": "a whole number from 1 to 500"})
    if errors:
        raise ValidationFailed(errors)
    rows = session.execute(query.order_by(Message.id.desc()).limit(limit)).scalars().all()
    return [_summary(row) for row in rows]


def _message(session: Session, delivery_id: Any) -> Message:
    if isinstance(delivery_id, bool) or not isinstance(delivery_id, int):
        raise ValidationFailed("a delivery id is a whole number", field="id")
    row = session.get(Message, delivery_id)
    if row is None:
        raise NotFound(f"no delivery {delivery_id}", field="id")
    return row


def get_delivery(session: Session, delivery_id: int) -> dict[str, Any]:
    """One message in full, with why it is where it is."""
    row = _message(session, delivery_id)
    reasons = [r.value for r in _suppressions(session, {row.recipient}).get(row.recipient, [])]
    detail = _summary(row)
    detail.update({
        "recipient_name": row.recipient_name, "text": row.text_body, "html": row.html_body,
        "calendar_method": row.calendar_method, "calendar_sequence": row.calendar_sequence,
        "hard_bounce": row.hard_bounce_at is not None, "suppressions": reasons,
        "queued_at": _iso(row.queued_at), "resent_from_id": row.resent_from_id,
        "explanation": _explain(row, reasons),
    })
    return detail


def _explain(row: Message, reasons: list[str]) -> str:
    state = MailState(row.state)
    if state is MailState.SENT:
        return f"accepted by the SMTP server after {row.attempts} attempt(s)"
    if state is MailState.FAILED:
        return f"failed: {row.last_error}"
    if state is MailState.SUPPRESSED:
        return f"not sent: the address is suppressed ({', '.join(reasons) or 'since lifted'})"
    if state is MailState.SENDING:
        return "being sent now (or its sender stopped; it is retried when the lease expires)"
    if row.last_error:
        return f"waiting to retry after: {row.last_error}"
    return "waiting to be sent"


def resend(session: Session, delivery_id: int, settings: MailerSettings, now: datetime) -> dict[str, Any]:
    """Queue a failed or suppressed message again; a sent one is copied as a new message
    (new Message-ID, since receivers drop a repeated one)."""
    row = _message(session, delivery_id)
    state = MailState(row.state)
    if not row.mime:
        raise Conflict("this message was never rendered (invalid address); it cannot be sent", field="id")
    reasons = _suppressions(session, {row.recipient}).get(row.recipient, [])
    if delivery.suppression_applies(MailKind(row.kind), reasons):
        raise Conflict("the address is suppressed (" + ", ".join(r.value for r in reasons)
                       + "); remove the suppression first", field="id")
    if state is MailState.SENT:
        return _summary(_copy_for_resend(session, row, settings, now))
    delivery.transition(state, MailState.QUEUED)
    row.state = MailState.QUEUED.value
    row.attempts = 0
    row.next_attempt_at = now
    row.queued_at = now
    row.last_error = None
    row.hard_bounce_at = None
    session.info["mail_queued"] = True
    return _summary(row)


def _copy_for_resend(session: Session, row: Message, settings: MailerSettings, now: datetime) -> Message:
    copies = session.execute(sa.select(sa.func.count()).select_from(Message)
                             .where(Message.resent_from_id == row.id)).scalar_one()
    event_id = uuid.uuid5(_DIGEST_NAMESPACE, f"resend:{row.dedupe_key}:{copies + 1}")
    key = delivery.dedupe_key(event_id, row.recipient, row.template, row.calendar_sequence)
    calendar = (CalendarInvite(body=row.calendar_body, method=row.calendar_method, attach_file=False)
                if row.calendar_body else None)
    draft = Draft(to_address=row.recipient, to_name=row.recipient_name, subject=row.subject,
                  text=row.text_body, html=row.html_body, calendar=calendar, kind=MailKind(row.kind),
                  unsubscribe_token=row.unsubscribe_token, dedupe_key=key)
    mime = compose(draft, settings.mail, now=now)
    copy = Message(
        dedupe_key=key, message_id=mime["Message-ID"], source_event_id=row.source_event_id,
        source_event_type=row.source_event_type, recipient=row.recipient,
        recipient_name=row.recipient_name, template=row.template, kind=row.kind, subject=row.subject,
        text_body=row.text_body, html_body=row.html_body, calendar_body=row.calendar_body,
        calendar_method=row.calendar_method, calendar_sequence=row.calendar_sequence,
        unsubscribe_token=row.unsubscribe_token, mime=mime.as_bytes(), state=MailState.QUEUED.value,
        attempts=0, next_attempt_at=now, created_at=now, queued_at=now, resent_from_id=row.id,
    )
    session.add(copy)
    session.flush()
    session.info["mail_queued"] = True
    return copy


def list_suppressions(session: Session, recipient: str | None = None, limit: int = 100) -> list[dict]:
    query = sa.select(Suppression).order_by(Suppression.id.desc())
    if recipient:
        query = query.where(Suppression.recipient == delivery.normalise_recipient(recipient))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationFailed("a whole number from 1 to 1000", field="limit")
    return [{"recipient": s.recipient, "reason": s.reason, "created_at": _iso(s.created_at),
             "detail": s.detail} for s in session.execute(query.limit(limit)).scalars()]


def remove_suppression(session: Session, recipient: str, reason: str | None = None) -> int:
    """Lift a suppression (one reason, or all). For bounces the address's bounce history is
    forgotten too, so a single new bounce does not suppress it again at once."""
    address = delivery.normalise_recipient(recipient)
    if reason is not None and reason not in {r.value for r in SuppressionReason}:
        raise ValidationFailed(f"one of {', '.join(r.value for r in SuppressionReason)}", field="reason")
    query = sa.delete(Suppression).where(Suppression.recipient == address)
    if reason:
        query = query.where(Suppression.reason == reason)
    removed = session.execute(query).rowcount or 0
    if not removed:
        raise NotFound("no such suppression", field="recipient")
    if reason in (None, SuppressionReason.HARD_BOUNCES.value):
        session.execute(sa.update(Message).where(Message.recipient == address)
                        .values(hard_bounce_at=None))
    return removed


def unsubscribe(session: Session, token: str, now: datetime) -> dict[str, Any]:
    """One-click unsubscribe: the token's address gets no more reminders or digests.
    Repeating it is harmless."""
    if not isinstance(token, str) or not 8 <= len(token) <= 200:
        raise NotFound("unknown unsubscribe link", field="token")
    recipient = session.execute(
        sa.select(UnsubscribeToken.recipient).where(UnsubscribeToken.token == token)
    ).scalar_one_or_none()
    if recipient is None:
        raise NotFound("unknown unsubscribe link", field="token")
    session.execute(_insert(session, Suppression.__table__).values(
        recipient=recipient, reason=SuppressionReason.UNSUBSCRIBED.value, created_at=now,
        detail="one-click unsubscribe",
    ).on_conflict_do_nothing(index_elements=["recipient", "reason"]))
    return {"unsubscribed": True, "stops": [MailKind.REMINDER.value, MailKind.DIGEST.value]}


# --- Weekly coverage digest ------------------------------------------------------------

DIGEST_SECTIONS = (
    ("Recruitment and training", (
        ("application_submitted", "Applications received"),
        ("application_approved", "Applications approved"),
        ("application_waitlisted", "Applications waitlisted"),
        ("application_declined", "Applications declined"),
        ("training_completed", "Training modules completed"),
    )),
    ("Mentorship", (
        ("mentorship_confirmed", "Requests confirmed by the requester"),
        ("mentorship_offered", "Offers made to leaders"),
        ("mentorship_accepted", "Requests accepted"),
        ("mentorship_declined", "Offers declined"),
        ("mentorship_offer_expired", "Offers that lapsed"),
        ("mentorship_unanswered", "Requests with no leader left"),
        ("mentorship_overdue", "Mentorships past their agreed length"),
        ("mentorship_completed", "Mentorships completed"),
    )),
    ("Screenings and discussions", (
        ("screening_submitted", "Submitted for approval"),
        ("screening_approved", "Approved"),
        ("screening_scheduled", "Scheduled by trusted hosts"),
        ("screening_report_filed", "Post-event reports filed"),
    )),
)
# One row per recipient in these events, so they count people rather than events.
DIGEST_PER_PERSON = (
    ("rsvp_confirmed", "RSVPs confirmed"),
    ("rsvp_waitlisted", "RSVPs waitlisted"),
)


def next_digest_at(now: datetime, settings: MailerSettings) -> datetime:
    zone = ZoneInfo(settings.digest_time_zone)
    local = now.astimezone(zone)
    days_ahead = (settings.digest_weekday - local.weekday()) % 7
    candidate = datetime(local.year, local.month, local.day, settings.digest_hour, tzinfo=zone) \
        + timedelta(days=days_ahead)
    if candidate <= local:
        candidate += timedelta(days=7)
    # Recompute the wall time in the zone so a clock change in between keeps 08:00 local.
    candidate = datetime(candidate.year, candidate.month, candidate.day, settings.digest_hour, tzinfo=zone)
    return candidate.astimezone(timezone.utc)


def ensure_digest_scheduled(session: Session, now: datetime, settings: MailerSettings) -> bool:
    """Schedule the next weekly digest unless one is already pending. Returns True when
    this call scheduled it."""
    if timers.pending(session, DIGEST_JOB):
        return False
    due = next_digest_at(now, settings)
    key = due.date().isoformat()
    exists = session.execute(sa.select(SCHEDULED_JOBS.c.id).where(
        SCHEDULED_JOBS.c.kind == DIGEST_JOB, SCHEDULED_JOBS.c.key == key)).first()
    if exists:
        return False
    timers.schedule(session, DIGEST_JOB, key, due, {"week_end": due.isoformat()})
    return True


def digest_figures(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Counts of the events the mailer consumed in [start, end), computed in SQL."""
    in_week = sa.and_(Activity.occurred_at >= start, Activity.occurred_at < end)
    by_type = dict(session.execute(
        sa.select(Activity.event_type, sa.func.count()).where(in_week).group_by(Activity.event_type)
    ).all())
    sections = []
    for title, rows in DIGEST_SECTIONS:
        sections.append({"title": title, "rows": [(label, by_type.get(t, 0)) for t, label in rows]})
    sections[-1]["rows"] += [(label, by_type.get(t, 0)) for t, label in DIGEST_PER_PERSON]
    regions = session.execute(
        sa.select(Activity.region, sa.func.count()).where(
            in_week, Activity.event_type == "application_approved", Activity.region.is_not(None))
        .group_by(Activity.region).order_by(Activity.region)
    ).all()
    if regions:
        sections.append({"title": "New leaders by region",
                         "rows": [(region.replace("-", " ").title(), n) for region, n in regions]})
    states = session.execute(
        sa.select(Activity.state, sa.func.count()).where(
            in_week, Activity.state.is_not(None),
            sa.or_(*(Activity.event_type.like(f"{prefix}_%") for prefix in ("screening", "rsvp", "mentorship"))))
        .group_by(Activity.state).order_by(Activity.state)
    ).all()
    return {"sections": sections, "states": [tuple(s) for s in states], "quiet": not by_type}


def send_coverage_digest(session: Session, payload: dict[str, Any], now: datetime,
                         settings: MailerSettings) -> int:
    """The timer job: queue the week's digest to every program manager, then schedule
    next week's."""
    week_end = datetime.fromisoformat(payload["week_end"])
    week_start = week_end - timedelta(days=7)
    figures = digest_figures(session, week_start, week_end)
    zone = settings.digest_time_zone
    context = {**figures, "week_start": week_start.astimezone(ZoneInfo(zone)).date(),
               "week_end": (week_end - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date(),
               "coverage_url": settings.base_url + MAILER_PATHS["coverage"]}
    event_id = str(uuid.uuid5(_DIGEST_NAMESPACE, f"coverage_digest:{week_end.isoformat()}"))
    queued = 0
    for address in settings.manager_emails:
        note = Notification("coverage_digest", "Network activity for the week to {{ week_end | long_date }}",
                            address, context, to_name="Program managers", kind=MailKind.DIGEST)
        queued += store(session, note, event_id, DIGEST_JOB, settings, now)
    ensure_digest_scheduled(session, now, settings)
    return queued


# --- Account set-up links (asked for by the gateway over RPC) ---------------------------

ACCOUNT_SETUP_TEMPLATE = "account_setup"
_ACCOUNT_SETUP_NAMESPACE = uuid.UUID("0b8e4a57-2f7d-4c57-9f0a-6f5d8f2e4c19")


def queue_account_setup(session: Session, *, email: str, name: str, setup_path: str, expires_at: str,
                        dedupe_key: str, settings: MailerSettings, now: datetime) -> dict[str, Any]:
    """Store the transactional mail carrying an account set-up link, once per dedupe key;
    the delivery loop sends it. The gateway mints the link and gives only its path."""
    problems = []
    if not isinstance(setup_path, str) or not setup_path.startswith("/") or setup_path.startswith("//"):
        problems.append({"field": "setup_path", "message": "give the link as a path on the gateway, e.g. /account/setup?token=..."})
    if not isinstance(dedupe_key, str) or not dedupe_key.strip() or len(dedupe_key) > 200:
        problems.append({"field": "dedupe_key", "message": "give a key of 1 to 200 characters"})
    try:
        expires = datetime.fromisoformat(expires_at) if isinstance(expires_at, str) else None
    except ValueError:
        expires = None
    if expires is None or expires.tzinfo is None:
        problems.append({"field": "expires_at", "message": "give the link's expiry as an ISO 8601 time with its offset"})
    if problems:
        raise ValidationFailed(problems)
    # The key names one minted link; the message's own key is derived from it as for events.
    source_id = str(uuid.uuid5(_ACCOUNT_SETUP_NAMESPACE, dedupe_key.strip()))
    note = Notification(ACCOUNT_SETUP_TEMPLATE, "Choose your password for the NIOT Law Enforcement Network",
                        email, {"setup_url": settings.base_url + setup_path, "expires_at": expires},
                        to_name=name or "")
    queued = store(session, note, source_id, ACCOUNT_SETUP_TEMPLATE, settings, now)
    row = session.execute(sa.select(Message.id, Message.state).where(
        Message.source_event_id == source_id, Message.template == ACCOUNT_SETUP_TEMPLATE)).first()
    return {"queued": bool(queued), "delivery_id": row.id if row else None, "state": row.state if row else None}
