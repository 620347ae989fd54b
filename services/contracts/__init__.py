"""Event contracts shared by every service: envelope, payload models, registry."""
from . import leaders, mailer, materials, mentorship, screenings, urgent  # noqa: F401  (registers the events)
from .envelope import Envelope, Event, Payload
from .registry import REGISTRY, EventSpec, InvalidEvent, build, consumed_by, event, parse, produced_by, spec

__all__ = [
    "Envelope", "Event", "Payload", "REGISTRY", "EventSpec", "InvalidEvent",
    "build", "consumed_by", "event", "parse", "produced_by", "spec",
]
