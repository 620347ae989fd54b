"""Use cases of answers from the calendar: apply a reply the inbound listener read, list
the replies kept (for program managers and operators)."""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from services.contracts.rpc.calendar_replies import CalendarReplyData
from services.contracts.rpc.common import Actor
from services.runtime.errors import ValidationFailed

from ..access import require_manager
from ..app.common import load
from ..app.rsvps import publish_cancellation, publish_place
from ..settings import ScreeningsSettings
from .domain import CalendarReply, Outcome, ReplyAttendee, answer, match, rsvp_of_token

MAX_LISTED = 200


def _reply(raw: Any) -> CalendarReplyData:
    try:
        return CalendarReplyData.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ValidationFailed(first["msg"], field="reply." + ".".join(str(p) for p in first["loc"])) from None


def _stamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("must be an ISO 8601 time", field="reply.dtstamp") from None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def dedupe_key(token: str, data: CalendarReplyData) -> str:
    """The same mail delivered again (a relay's retry) has the same key: its Message-ID,
    its reply address and everything read from its calendar."""
    text = json.dumps([token.lower(), data.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_reply(uow, token: Any, raw: Any, *, now: datetime, settings: ScreeningsSettings) -> dict:
    """Match the reply to the invitation its token names and apply it: ACCEPTED keeps (or
    takes again) a place and mails the usual confirmation, DECLINED gives it up and
    promotes the waitlist, TENTATIVE is recorded. A refused reply changes nothing. Every
    reply is kept with its outcome; the same mail again only reports the first outcome."""
    if not isinstance(token, str):
        raise ValidationFailed("must be text", field="token")
    data = _reply(raw)
    key = dedupe_key(token, data)
    before = uow.calendar_replies.find(key)
    if before is not None:
        return _result(before, duplicate=True)

    reply = CalendarReply(
        method=data.method, uid=data.uid, sequence=data.sequence, dtstamp=_stamp(data.dtstamp),
        attendees=tuple(ReplyAttendee(a.email, a.partstat) for a in data.attendees), problem=data.problem)
    rsvp_id = rsvp_of_token(uow.link_secret, token)
    seat = uow.rsvps.get(rsvp_id) if rsvp_id else None
    screening = load(uow, seat.screening_id) if seat is not None else None
    verdict = match(reply, seat=seat, screening=screening)
    outcome, reason = verdict.outcome, verdict.reason
    if verdict.outcome is Outcome.APPLIED:
        attendees = uow.rsvps.attendee_list(screening.id)
        applied = answer(attendees, screening, seat, verdict.answer, stamp=reply.dtstamp, now=now)
        outcome, reason = applied.outcome, applied.reason
        if applied.outcome is Outcome.APPLIED:
            uow.rsvps.save(attendees)
            if applied.cancelled:
                publish_cancellation(uow, settings, screening, applied.seat, was_confirmed=applied.was_confirmed,
                                     promoted=applied.promoted, now=now)
            elif verdict.answer.value == "ACCEPTED":
                publish_place(uow, settings, screening, applied.seat, now=now)
    kept = {
        "id": str(uuid.uuid4()), "dedupe_key": key, "received_at": now, "outcome": outcome.value,
        "reason": reason, "rsvp_id": seat.id if seat is not None else None,
        "screening_id": screening.id if screening is not None else None,
        "answer": verdict.answer.value if verdict.answer else None, "method": _short(data.method, 20),
        "uid": _short(data.uid, 300), "attendee": _short(_attendees(data), 300), "client": _short(data.client, 300),
        "message_id": _short(data.message_id, 300),
    }
    uow.calendar_replies.add(kept)
    return _result(kept, duplicate=False)


def _attendees(data: CalendarReplyData) -> str | None:
    return ", ".join(f"{a.email} ({a.partstat})" for a in data.attendees) or None


def _short(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]


def _result(kept: dict, *, duplicate: bool) -> dict:
    return {"reply_id": kept["id"], "outcome": kept["outcome"], "reason": kept["reason"], "answer": kept["answer"],
            "duplicate": duplicate}


def list_replies(uow, actor: Actor, outcome: Any, limit: Any) -> list[dict]:
    """The replies kept, newest first: what came in and what became of each."""
    require_manager(actor)
    if outcome is not None and outcome not in {o.value for o in Outcome}:
        raise ValidationFailed("must be applied, unchanged or refused", field="outcome")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LISTED:
        raise ValidationFailed(f"must be a whole number from 1 to {MAX_LISTED}", field="limit")
    return [{
        "reply_id": r["id"], "received_at": r["received_at"].isoformat(), "outcome": r["outcome"],
        "reason": r["reason"], "answer": r["answer"], "method": r["method"], "uid": r["uid"],
        "attendee": r["attendee"], "client": r["client"], "screening_id": r["screening_id"], "rsvp_id": r["rsvp_id"],
    } for r in uow.calendar_replies.latest(outcome, limit)]
