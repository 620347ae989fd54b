"""The registry of event types: who produces each one, who consumes it, its payload model.

Each service's contract module declares its events with `@event(...)`; importing
`services.contracts` loads them all. Topology is declared from this registry and the
tests check that producers and consumers in the code agree with it.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from .envelope import Envelope, Event, Payload


@dataclass(frozen=True)
class EventSpec:
    type: str
    producer: str
    consumers: tuple[str, ...]
    model: type[Payload]
    version: int = 1


REGISTRY: dict[str, EventSpec] = {}


class UnknownEvent(LookupError):
    pass


class InvalidEvent(ValueError):
    """A message that does not match its contract; never retried, dead-lettered at once."""


def event(producer: str, type_: str, *, consumers: tuple[str, ...] = (), version: int = 1):
    """Register the decorated payload model as the contract of `type_`."""

    def register(model: type[Payload]) -> type[Payload]:
        if type_ in REGISTRY:
            raise ValueError(f"event type {type_!r} registered twice")
        REGISTRY[type_] = EventSpec(type_, producer, tuple(consumers), model, version)
        model.event_type = type_  # type: ignore[attr-defined]
        return model

    return register


def spec(type_: str) -> EventSpec:
    try:
        return REGISTRY[type_]
    except KeyError:
        raise UnknownEvent(f"no contract for event type {type_!r}") from None


def consumed_by(service: str) -> list[EventSpec]:
    return [s for s in REGISTRY.values() if service in s.consumers]


def produced_by(service: str) -> list[EventSpec]:
    return [s for s in REGISTRY.values() if s.producer == service]


def build(source: str, payload: Payload, *, occurred_at: datetime | None = None) -> Envelope:
    """Wrap a payload in a fresh envelope, checking the source is its registered producer."""
    s = spec(payload.event_type)  # type: ignore[attr-defined]
    if s.producer != source:
        raise ValueError(f"{s.type} is produced by {s.producer}, not {source}")
    return Envelope(
        event_id=uuid.uuid4(),
        type=s.type,
        version=s.version,
        occurred_at=occurred_at or datetime.now(timezone.utc),
        source=source,
        data=payload.model_dump(mode="json"),
    )


def parse(body: str | bytes | dict) -> Event:
    """Validate a raw message against the envelope and its payload contract."""
    try:
        raw: Any = json.loads(body) if isinstance(body, (str, bytes)) else body
        envelope = Envelope.model_validate(raw)
    except (ValueError, ValidationError) as exc:
        raise InvalidEvent(f"malformed envelope: {_describe(exc)}") from None
    try:
        s = spec(envelope.type)
    except UnknownEvent as exc:
        raise InvalidEvent(str(exc)) from None
    if envelope.source != s.producer:
        raise InvalidEvent(f"{envelope.type} must come from {s.producer}, not {envelope.source}")
    if envelope.version != s.version:
        raise InvalidEvent(f"{envelope.type} version {envelope.version} is not supported (expected {s.version})")
    try:
        data = s.model.model_validate(envelope.data)
    except ValidationError as exc:
        raise InvalidEvent(f"invalid {envelope.type} payload: {_describe(exc)}") from None
    return Event(
        event_id=envelope.event_id, type=envelope.type, version=envelope.version,
        occurred_at=envelope.occurred_at, source=envelope.source, data=data,
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
    return str(exc)
