"""Listing and replaying dead letters without the management plugin.

Listing takes every message off the queue without acking, then gives each back
(reject with requeue). Replaying re-publishes the chosen messages to their home queue
with the attempt count reset and only then acks them; the others are given back.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

from kombu import Connection, Producer
from kombu.message import Message as KombuMessage

from . import topology
from .messaging import ATTEMPT_HEADER, ERROR_HEADER, FAILED_AT_HEADER, QUEUE_HEADER


@dataclass
class DeadLetter:
    service: str
    message_id: str | None
    event_type: str | None
    home_queue: str
    attempts: int
    failed_at: str | None
    error: str
    body: str

    def to_dict(self) -> dict:
        return asdict(self)


def _describe(service: str, message) -> DeadLetter:
    headers = message.headers or {}
    raw = message.body if isinstance(message.body, (bytes, bytearray)) else str(message.body).encode()
    text = raw.decode("utf-8", errors="replace")
    try:
        event_type = json.loads(text).get("type")
    except (ValueError, AttributeError):
        event_type = None
    error, failed_at = str(headers.get(ERROR_HEADER, "")), headers.get(FAILED_AT_HEADER)
    deaths = headers.get("x-death") or []
    if not error and deaths:
        # Rejected by the consumer without requeue (it could not even re-publish it): the
        # broker's record says where from and when; the consumer's log says why.
        death = deaths[0]
        error = (f"{death.get('reason', 'rejected')} by the consumer of {death.get('queue')}: "
                 f"it could not re-publish this message (see that service's log)")
        failed_at = failed_at or (str(death["time"]) if death.get("time") else None)
    return DeadLetter(
        service=service, message_id=message.properties.get("message_id"), event_type=event_type,
        home_queue=headers.get(QUEUE_HEADER, topology.consumer_queue_name(service)),
        attempts=int(headers.get(ATTEMPT_HEADER, 0)), failed_at=failed_at, error=error, body=text,
    )


def _drain(channel, queue_name: str) -> list:
    messages = []
    while True:
        message = channel.basic_get(queue_name, no_ack=False)
        if message is None:
            return messages
        messages.append(message)


def list_dead_letters(amqp_uri: str, services: Iterable[str] | None = None) -> list[DeadLetter]:
    found: list[DeadLetter] = []
    with Connection(amqp_uri) as connection:
        for service in services or topology.consuming_services():
            channel = connection.channel()
            try:
                messages = [_as_message(channel, raw)
                            for raw in _drain(channel, topology.dead_letter_queue_name(service))]
                found.extend(_describe(service, message) for message in messages)
                for message in messages:
                    message.requeue()
            finally:
                channel.close()
    return found


def replay(amqp_uri: str, service: str, message_ids: Iterable[str] | None = None) -> list[str]:
    """Send dead letters of `service` home (all, or those with the given message ids)."""
    wanted = set(message_ids) if message_ids is not None else None
    replayed: list[str] = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = Producer(channel)
        try:
            for raw in _drain(channel, topology.dead_letter_queue_name(service)):
                message = _as_message(channel, raw)
                letter = _describe(service, message)
                if wanted is not None and letter.message_id not in wanted:
                    message.requeue()
                    continue
                headers = {k: v for k, v in (message.headers or {}).items()
                           if k not in (ATTEMPT_HEADER, ERROR_HEADER, FAILED_AT_HEADER, QUEUE_HEADER, "x-death")}
                producer.publish(
                    message.body, exchange="", routing_key=letter.home_queue, headers=headers,
                    content_type=message.content_type, content_encoding=message.content_encoding,
                    serializer=None, message_id=letter.message_id, delivery_mode=2,
                )
                message.ack()
                replayed.append(letter.message_id or "")
        finally:
            channel.close()
    return replayed


def _as_message(channel, raw):
    # py-amqp hands back its own message type; kombu's in-memory transport a kombu one.
    return raw if isinstance(raw, KombuMessage) else channel.message_to_python(raw)
