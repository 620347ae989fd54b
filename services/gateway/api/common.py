"""Helpers shared by the route modules: who is acting (as the services expect it), pass-
through bodies, and the scrubbing of personal data from public responses."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, RootModel, StringConstraints

from services.gateway.errors import forbidden
from services.gateway.http import Call

RecordId = Annotated[int, Field(ge=1, le=2147483647)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Page = Annotated[int, Field(ge=1, le=100_000)]

# Keys that carry a person's contact details; public responses never include them.
PRIVATE_KEYS = frozenset({"email", "phone", "work_email", "work_phone", "requester_email", "contact",
                          "join_url", "reference_email", "reference_phone"})


class JsonObject(RootModel[dict[str, Any]]):
    """A JSON object passed to the service, which validates it and names any bad field."""


def actor(call: Call) -> dict[str, Any]:
    """The caller as every service's RPC takes it (services.contracts.rpc.common.Actor)."""
    caller = call.require_caller()
    if caller.is_manager:
        return {"role": "manager", "account_id": caller.account_id}
    return {"role": "leader", "leader_id": caller.leader_id, "account_id": caller.account_id}


def leader_id_from_path(call: Call) -> int:
    return call.path["leader_id"]


def own_leader_or_manager(call: Call, leader_id: int) -> None:
    caller = call.require_caller()
    if not (caller.is_manager or caller.owns(leader_id)):
        raise forbidden("you may act only on your own records")


def scrub(value: Any) -> Any:
    """A copy of `value` without personal contact details, at any depth."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in PRIVATE_KEYS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def query_args(call: Call) -> dict[str, Any]:
    return call.query.model_dump(exclude_none=True) if call.query is not None else {}
