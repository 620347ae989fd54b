"""Broker topology, derived from the event registry (DESIGN.md §4.1).

- `{producer}.events`: a durable topic exchange per producing service; the routing key is
  the event type.
- `{service}.events`: one durable queue per consuming service, bound to every event type
  the registry says it consumes, so events wait there even while the service is down.
- `{service}.dead-letters`: where a message goes after its last retry, with the error;
  also the dead-letter target of `{service}.events`, so a message the consumer rejects
  (one it could not even re-publish) lands there rather than coming straight back.
- `niot.retry.{n}s`: a fanout exchange and a queue whose TTL is n seconds and whose
  dead-letter exchange is the default one. A message published there with the routing key
  of its home queue comes back to that queue after n seconds.
"""
from __future__ import annotations

from typing import Any, Iterable

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Producer, Queue, binding

from services import contracts

RETRY_PREFIX = "niot.retry"


def events_exchange(producer: str) -> Exchange:
    return Exchange(f"{producer}.events", type="topic", durable=True, auto_delete=False)


def _queue_arguments(quorum: bool) -> dict[str, Any]:
    return {"x-queue-type": "quorum"} if quorum else {}


def consumer_queue_name(service: str) -> str:
    return f"{service}.events"


def dead_letter_queue_name(service: str) -> str:
    return f"{service}.dead-letters"


def consumer_queue(service: str, *, quorum: bool = False) -> Queue:
    specs = contracts.consumed_by(service)
    arguments = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead_letter_queue_name(service),
                 **_queue_arguments(quorum)}
    return Queue(
        consumer_queue_name(service),
        bindings=[binding(events_exchange(s.producer), routing_key=s.type) for s in specs],
        durable=True, auto_delete=False, queue_arguments=arguments,
    )


def dead_letter_queue(service: str, *, quorum: bool = False) -> Queue:
    return Queue(
        dead_letter_queue_name(service), durable=True, auto_delete=False, queue_arguments=_queue_arguments(quorum),
    )


def retry_exchange(delay_seconds: int) -> Exchange:
    return Exchange(f"{RETRY_PREFIX}.{delay_seconds}s", type="fanout", durable=True, auto_delete=False)


def retry_queue(delay_seconds: int, *, quorum: bool = False) -> Queue:
    arguments = {
        "x-message-ttl": int(delay_seconds * 1000),
        "x-dead-letter-exchange": "",  # back to the home queue named by the routing key
        **_queue_arguments(quorum),
    }
    return Queue(
        f"{RETRY_PREFIX}.{delay_seconds}s", exchange=retry_exchange(delay_seconds), routing_key="#",
        durable=True, auto_delete=False, queue_arguments=arguments,
    )


def consuming_services() -> list[str]:
    return sorted({c for s in contracts.REGISTRY.values() for c in s.consumers})


def producing_services() -> list[str]:
    return sorted({s.producer for s in contracts.REGISTRY.values()})


def declare(
    amqp_uri: str, *, retry_delays: Iterable[int], quorum: bool = False,
    services: Iterable[str] | None = None,
) -> list[str]:
    """Declare every exchange and queue; safe to run again. Returns what was declared."""
    declared: list[str] = []
    consumers = list(services) if services is not None else consuming_services()
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for producer in producing_services():
            events_exchange(producer)(channel).declare()
            declared.append(f"exchange {producer}.events")
        for delay in retry_delays:
            retry_exchange(delay)(channel).declare()
            retry_queue(delay, quorum=quorum)(channel).declare()
            declared.append(f"retry queue {RETRY_PREFIX}.{delay}s")
        for service in consumers:
            dead_letter_queue(service, quorum=quorum)(channel).declare()
            queue = consumer_queue(service, quorum=quorum)
            try:
                queue(channel).declare()
            except PreconditionFailed:
                # Declared before with other arguments (no dead-letter exchange, or the
                # other queue type): the broker cannot change them in place.
                channel = connection.channel()
                migrate_queue(connection, queue)
                declared.append(f"queue {queue.name} declared again with its new arguments, messages kept")
            declared.append(f"queues {service}.events, {service}.dead-letters")
    return declared


class QueueInUse(RuntimeError):
    pass


def _move(connection, source: str, target: str) -> int:
    """Every message of `source` onto `target` (published with confirms before each ack)."""
    channel = connection.channel()
    producer = Producer(channel)
    moved = 0
    try:
        while (raw := channel.basic_get(source, no_ack=False)) is not None:
            message = channel.message_to_python(raw)
            producer.publish(message.body, exchange="", routing_key=target, headers=message.headers,
                             content_type=message.content_type, content_encoding=message.content_encoding,
                             serializer=None, message_id=message.properties.get("message_id"), delivery_mode=2)
            message.ack()
            moved += 1
    finally:
        channel.close()
    return moved


def migrate_queue(connection, queue: Queue) -> int:
    """Declare `queue` again with its new arguments, keeping its messages: they wait on a
    temporary queue with the same bindings meanwhile, so events published during the move
    are kept too (a message may then arrive twice; consumers are idempotent). Refused
    while a consumer is attached: stop the service first. Returns the messages moved."""
    channel = connection.channel()
    _, _, consumers = channel.queue_declare(queue.name, passive=True)
    if consumers:
        channel.close()
        raise QueueInUse(
            f"queue {queue.name} exists with other arguments and {consumers} consumer(s) attached: "
            "stop that service, then declare the topology again to move its messages to the new queue")
    holding = Queue(f"{queue.name}.migrating", bindings=queue.bindings, durable=True, auto_delete=False)
    holding(channel).declare()
    moved = _move(connection, queue.name, holding.name)
    channel.queue_delete(queue.name)
    queue(channel).declare()
    _move(connection, holding.name, queue.name)
    channel.queue_delete(holding.name)
    channel.close()
    return moved
