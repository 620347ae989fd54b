"""Broker topology, derived from the event registry (DESIGN.md §4.1).

- `{producer}.events`: a durable topic exchange per producing service; the routing key is
  the event type.
- `{service}.events`: one durable queue per consuming service, bound to every event type
  the registry says it consumes, so events wait there even while the service is down.
- `{service}.dead-letters`: where a message goes after its last retry, with the error.
- `niot.retry.{n}s`: a fanout exchange and a queue whose TTL is n seconds and whose
  dead-letter exchange is the default one. A message published there with the routing key
  of its home queue comes back to that queue after n seconds.
"""
from __future__ import annotations

from typing import Any, Iterable

from kombu import Connection, Exchange, Queue, binding

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
    return Queue(
        consumer_queue_name(service),
        bindings=[binding(events_exchange(s.producer), routing_key=s.type) for s in specs],
        durable=True, auto_delete=False, queue_arguments=_queue_arguments(quorum),
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
            consumer_queue(service, quorum=quorum)(channel).declare()
            dead_letter_queue(service, quorum=quorum)(channel).declare()
            declared.append(f"queues {service}.events, {service}.dead-letters")
    return declared
