"""Request and response models of the gateway's own routes (accounts, sessions, tokens).

Routes that pass through to a service validate here only what the gateway itself needs;
the service validates the rest and its ValidationFailed names the field."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                        pattern=r"^[^\r\n\x00]*$")]
SecretToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    email: Email
    password: Password


class SetupIn(Strict):
    token: SecretToken
    password: Password


class AccountIn(Strict):
    email: Email
    name: Name
    role: Literal["manager", "leader"] = "manager"
    leader_id: int | None = Field(default=None, ge=1, le=2147483647)


class AccountsQuery(Strict):
    role: Literal["manager", "leader"] | None = None


class TokenIn(Strict):
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


ACCOUNT_SCHEMA = {
    "type": "object",
    "required": ["id", "email", "name", "role", "leader_id", "active", "password_set"],
    "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
        "role": {"enum": ["manager", "leader"]}, "leader_id": {"type": ["integer", "null"]},
        "active": {"type": "boolean"}, "password_set": {"type": "boolean"},
        "created_at": {"type": "string"}, "deactivated_at": {"type": ["string", "null"]},
    },
}

SESSION_SCHEMA = {
    "type": "object", "required": ["account"],
    "properties": {"account": ACCOUNT_SCHEMA, "csrf_token": {"type": ["string", "null"]}},
}

TOKEN_SCHEMA = {
    "type": "object", "required": ["id", "label", "prefix"],
    "properties": {
        "id": {"type": "integer"}, "label": {"type": "string"}, "prefix": {"type": "string"},
        "created_at": {"type": "string"}, "last_used_at": {"type": ["string", "null"]},
        "revoked_at": {"type": ["string", "null"]},
        "token": {"type": "string", "description": "the secret, shown only when created"},
    },
}


def list_of(schema: dict) -> dict:
    return {"type": "array", "items": schema}
