"""The mail delivery log, suppressions and one-click unsubscribe (the mailer service), and
dead letters of every consuming service (the reliability kit, through the broker)."""
from __future__ import annotations

from typing import Annotated, Literal

from nameko import config
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.gateway.errors import ApiError
from services.gateway.http import Call
from services.gateway.routing import MANAGER
from services.gateway.schemas import list_of
from services.runtime import deadletters, topology

from .table import ROUTES

route = ROUTES.route
MAIL, OPS = "Mail", "Operations"
OBJECT = {"type": "object"}
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


class DeliveriesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: Address | None = None
    state: Annotated[str, StringConstraints(max_length=30)] | None = None
    template: Annotated[str, StringConstraints(max_length=80)] | None = None
    since: Annotated[str, StringConstraints(max_length=40)] | None = Field(None, description="ISO date-time")
    limit: int = Field(50, ge=1, le=500)


class SuppressionsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: Address | None = None
    limit: int = Field(100, ge=1, le=1000)


class SuppressionRemoval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: Address
    reason: Literal["unsubscribed", "hard_bounces"] | None = None


class DeadLetterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Annotated[str, StringConstraints(max_length=40)] | None = None


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        None, description="replay only these; all of the service's dead letters when omitted")


@route("GET", "/api/deliveries", access=MANAGER, tag=MAIL, query=DeliveriesQuery, response=list_of(OBJECT),
       summary="Search the mail delivery log")
def search_deliveries(call: Call):
    return call.rpc("mailer", "search_deliveries", **call.query.model_dump(exclude_none=True))


@route("GET", "/api/deliveries/{delivery_id:int}", access=MANAGER, tag=MAIL, response=OBJECT,
       summary="One message: its state, attempts and why it failed")
def get_delivery(call: Call):
    return call.rpc("mailer", "get_delivery", call.path["delivery_id"])


@route("POST", "/api/deliveries/{delivery_id:int}/resend", access=MANAGER, tag=MAIL, response=OBJECT,
       summary="Send a message again")
def resend_delivery(call: Call):
    return call.rpc("mailer", "resend", call.path["delivery_id"])


@route("GET", "/api/suppressions", access=MANAGER, tag=MAIL, query=SuppressionsQuery, response=list_of(OBJECT),
       summary="Addresses that get no mail (or no reminders): unsubscribes and hard bounces")
def list_suppressions(call: Call):
    return call.rpc("mailer", "list_suppressions", call.query.recipient, call.query.limit)


@route("POST", "/api/suppressions/remove", access=MANAGER, tag=MAIL, body=SuppressionRemoval, response=OBJECT,
       summary="Lift a suppression")
def remove_suppression(call: Call):
    return call.rpc("mailer", "remove_suppression", call.body.recipient, call.body.reason)


def _services(name: str | None) -> list[str]:
    known = topology.consuming_services()
    if name is None:
        return known
    if name not in known:
        raise ApiError(422, "validation_failed", f"service: one of {', '.join(known)}", field="service")
    return [name]


@route("GET", "/api/dead-letters", access=MANAGER, tag=OPS, query=DeadLetterQuery, response=list_of(OBJECT),
       summary="Events that failed for good, with the error")
def list_dead_letters(call: Call):
    return dead_letters(call.query.service)


def dead_letters(service: str | None = None) -> list[dict]:
    """Every consuming service's dead letters (or one service's), oldest first per service."""
    return [letter.to_dict() for letter in deadletters.list_dead_letters(config["AMQP_URI"], _services(service))]


@route("POST", "/api/dead-letters/{service:str}/replay", access=MANAGER, tag=OPS, body=Replay, response=OBJECT,
       summary="Send a service's dead letters back to its queue")
def replay_dead_letters(call: Call):
    return replay(call.path["service"], call.body.message_ids)


def replay(service: str, message_ids: list[str] | None = None) -> dict:
    """Send a service's dead letters (all, or those named) back to its queue."""
    known = _services(service)[0]
    return {"service": known, "replayed": deadletters.replay(config["AMQP_URI"], known, message_ids)}
