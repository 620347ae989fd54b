"""RPC contracts of answers from the calendar (methods of the screenings service).

The mailer's inbound listener reads each mail sent to a reply address
(`replies+<token>@domain`) and hands over what it found: the token from the address, the
mail's Message-ID and the iTIP fields of its calendar part, or the problem that kept it
from reading one. Screenings matches the reply to the invitation the token names and
applies it, or keeps it with the reason it was refused.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import Params, Response, rpc_method
from .common import Actor

SERVICE = "screenings"
Outcome = Literal["applied", "unchanged", "refused"]


class ReplyAttendee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    partstat: str = Field(max_length=40)


class CalendarReplyData(BaseModel):
    """The iTIP fields of the mail's calendar part; `problem` says what could not be read."""

    model_config = ConfigDict(extra="forbid")

    message_id: str | None = Field(None, max_length=300)
    method: str | None = Field(None, max_length=40)
    uid: str | None = Field(None, max_length=300)
    sequence: int | None = None
    dtstamp: str | None = Field(None, max_length=40, description="ISO 8601, UTC")
    attendees: list[ReplyAttendee] = Field(default_factory=list, max_length=50)
    client: str | None = Field(None, max_length=300, description="the calendar's PRODID")
    problem: str | None = Field(None, max_length=300)


class ReplyResult(Response):
    reply_id: str
    outcome: Outcome
    reason: str | None
    answer: str | None
    duplicate: bool  # the same mail came before: this is what it did then


class KeptReply(Response):
    reply_id: str
    received_at: str
    outcome: Outcome
    reason: str | None
    answer: str | None
    method: str | None
    uid: str | None
    attendee: str | None
    client: str | None
    screening_id: str | None
    rsvp_id: str | None


@rpc_method(SERVICE, "apply_calendar_reply", response=ReplyResult)
class ApplyCalendarReply(Params):
    token: str = Field(max_length=100)
    reply: CalendarReplyData


@rpc_method(SERVICE, "calendar_replies", response=list[KeptReply])
class CalendarReplies(Params):
    actor: Actor
    outcome: Outcome | None = None
    limit: int = 50
