"""Shapes several services' RPC contracts share."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Actor(BaseModel):
    """Who acts, as the gateway authenticated them: a program manager or a leader. Every
    RPC method that acts for someone takes it as its `actor` parameter, in this one shape.
    `account_id` is the signed-in account (what an audit trail records); `leader_id` the
    roster id of a leader acting on their own records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["manager", "leader"]
    leader_id: int | None = Field(None, gt=0)
    account_id: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _leader_has_id(self) -> Actor:
        if self.role == "leader" and self.leader_id is None:
            raise ValueError("a leader actor needs a leader_id")
        return self

    @property
    def manager(self) -> bool:
        return self.role == "manager"

    @property
    def audit_name(self) -> str:
        """How the actor is written in an audit trail: "manager:7", "leader:12", "manager"."""
        ident = self.leader_id if self.role == "leader" else self.account_id
        return self.role if ident is None else f"{self.role}:{ident}"


# An id as the caller got it (from a URL or a JSON body); the service validates it.
AnyId = int | str


# The key that makes a creating call safe to send again (services.runtime.requests): the
# gateway's digest of the client's Idempotency-Key and its caller.
RequestKey = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None
