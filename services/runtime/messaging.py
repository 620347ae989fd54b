"""Consuming events reliably (DESIGN.md §4.3, §4.4).

A service declares handlers with `@handles("event_type")`. All of a service's handlers
share one consumer on its `{service}.events` queue. For each message:

- it is validated against its contract; a message that does not validate (or has no
  handler) goes straight to the dead-letter queue with the reason, it is never retried;
- the handler runs in one database transaction that also records the `event_id` in
  `processed_events`, so a redelivered event has no second effect;
- events of one type that arrive while their worker cannot start yet (every worker is
  busy, or on SQLite the database is) wait for it, then run together in one transaction,
  each still claimed on its own. If one raises, that transaction is rolled back, that
  event counts as failed and each of the others runs again in a transaction of its own:
  one bad event neither holds back nor undoes the rest;
- if the handler raises, the message is re-published to the next retry tier (TTL queue
  that routes it home after the delay) and acked; after the last tier it is parked on
  `{service}.dead-letters` with the error. Other messages keep flowing meanwhile.
"""
from __future__ import annotations

import functools
import logging
import traceback
from functools import partial
from typing import Any, Callable

import eventlet
import sqlalchemy as sa
from kombu import Connection, Exchange
from nameko import config
from nameko.amqp.consume import Consumer as ConsumerCore
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_HEARTBEAT, HEARTBEAT_CONFIG_KEY, PREFETCH_COUNT_CONFIG_KEY
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint, ProviderCollector, SharedExtension

from services import contracts

from . import clock, topology
from .config import messaging
from .db import PROCESSED_EVENTS

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-niot-attempt"
ERROR_HEADER = "x-niot-error"
QUEUE_HEADER = "x-niot-queue"
FAILED_AT_HEADER = "x-niot-failed-at"
MAX_ERROR_CHARS = 4000


def retry_destination(attempt: int, delays: list[int]) -> int | None:
    """The delay tier for the retry after failed attempt number `attempt` (1-based), or
    None once the tiers are used up and the message belongs on the dead-letter queue."""
    return delays[attempt - 1] if attempt <= len(delays) else None


class EventQueue(SharedExtension, ProviderCollector):
    """The one consumer of `{service}.events`, dispatching by event type."""

    def setup(self):
        service = self.container.service_name
        settings = messaging(dict(config))
        self.retry_delays = [int(d) for d in settings["retry_delays"]]
        self.queue = topology.consumer_queue(service, quorum=bool(settings["quorum_queues"]))
        self.dead_letter_queue = topology.dead_letter_queue_name(service)
        self.amqp_uri = config[AMQP_URI_CONFIG_KEY]
        # Only a real broker can hold a message for a delay (TTL + dead-lettering); the
        # in-memory demo transport waits in this process instead.
        self.broker_delays = Connection(self.amqp_uri).transport.driver_type == "amqp"
        self.publisher = Publisher(self.amqp_uri, use_confirms=self.broker_delays)
        self.consumer = ConsumerCore(
            self.amqp_uri, queues=[self.queue], callbacks=[self.handle_message],
            heartbeat=config.get(HEARTBEAT_CONFIG_KEY, DEFAULT_HEARTBEAT),
            prefetch_count=config.get(PREFETCH_COUNT_CONFIG_KEY, 10),
            accept=["json"], on_decode_error=self.handle_undecodable,
        )

    def start(self):
        self.container.spawn_managed_thread(self.consumer.run, identifier=f"{self.queue.name} consumer")
        self.consumer.wait_until_consumer_ready()

    def stop(self):
        self.consumer.stop()
        self.wait_for_providers()

    def kill(self):
        self.consumer.stop()

    def unregister_provider(self, provider):
        super().unregister_provider(provider)
        if not self._providers:
            # Every handler has stopped: the service is stopping. Events that arrive while
            # its dependencies finish are requeued for another instance (the consumer
            # does that once stopped), not dead-lettered for want of a handler.
            self.consumer.stop()

    def handlers(self) -> dict[str, "EventHandler"]:
        return {p.event_type: p for p in self._providers}

    def handle_undecodable(self, message, exc):
        self.dead_letter(message, f"undecodable message: {exc}")

    def handle_message(self, body, message):
        try:
            event = contracts.parse(body)
        except contracts.InvalidEvent as exc:
            self.dead_letter(message, str(exc))
            return
        handler = self.handlers().get(event.type)
        if handler is None:
            self.dead_letter(message, f"{self.container.service_name} has no handler for {event.type}")
            return
        handler.handle(event, message)

    def settle(self, message, error: str | None) -> None:
        if error is None:
            self.consumer.ack_message(message)
        else:
            self.retry_or_dead_letter(message, error)

    def retry_or_dead_letter(self, message, error: str):
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        delay = retry_destination(attempt, self.retry_delays)
        try:
            if delay is None:
                self._republish(message, exchange="", routing_key=self.dead_letter_queue,
                                headers=self._failure_headers(message, attempt, error))
                log.error("event %s dead-lettered after %s attempts", message.properties.get("message_id"), attempt)
            elif self.broker_delays:
                self._republish(message, exchange=topology.retry_exchange(delay).name,
                                routing_key=self.queue.name,
                                headers=self._failure_headers(message, attempt, error))
            else:
                self.container.spawn_managed_thread(
                    partial(self._send_home_later, message, delay, self._failure_headers(message, attempt, error)),
                    identifier=f"retry {message.properties.get('message_id')} in {delay}s")
            if delay is not None:
                log.warning("event %s failed (attempt %s); retrying in %ss",
                            message.properties.get("message_id"), attempt, delay)
        except Exception as exc:  # noqa: BLE001
            # Could not hand it on: the broker dead-letters it (never a requeue, which
            # would bring it straight back in a loop).
            self.reject(message, f"{error}; then could not re-publish it: {exc!r}")
            return
        self.consumer.ack_message(message)

    def _send_home_later(self, message, delay: float, headers: dict[str, Any]) -> None:
        eventlet.sleep(delay)
        self._republish(message, exchange="", routing_key=self.queue.name, headers=headers)

    def dead_letter(self, message, reason: str):
        log.error("dead-lettering a message on %s: %s", self.queue.name, reason)
        try:
            self._republish(message, exchange="", routing_key=self.dead_letter_queue,
                            headers=self._failure_headers(message, 0, reason))
        except Exception as exc:  # noqa: BLE001
            self.reject(message, f"{reason}; then could not re-publish it: {exc!r}")
            return
        self.consumer.ack_message(message)

    def reject(self, message, reason: str) -> None:
        """Reject without requeue: the queue's dead-letter exchange takes the message to
        `{service}.dead-letters` (the broker's x-death header says so; the reason is
        logged here, and `niot dead-letters list` points to it)."""
        log.error("rejecting a message on %s into its dead-letter queue: %s", self.queue.name, reason)
        try:
            message.reject(requeue=False)
        except Exception:  # noqa: BLE001 (the channel is gone: the broker redelivers it later)
            log.exception("could not reject a message on %s", self.queue.name)

    def _failure_headers(self, message, attempt: int, error: str) -> dict[str, Any]:
        headers = {k: v for k, v in (message.headers or {}).items() if k != "x-death"}
        headers.update({
            ATTEMPT_HEADER: attempt,
            ERROR_HEADER: error[-MAX_ERROR_CHARS:],
            QUEUE_HEADER: self.queue.name,
            FAILED_AT_HEADER: clock.now().isoformat(),
        })
        return headers

    def _republish(self, message, *, exchange: str, routing_key: str, headers: dict[str, Any]):
        properties = message.properties or {}
        body = message.body
        if not isinstance(body, (bytes, bytearray)):
            # An empty or undecodable body can arrive as text; it goes on as the bytes it was.
            body = str(body).encode("utf-8", errors="surrogateescape")
        self.publisher.publish(
            bytes(body), exchange=Exchange(exchange) if exchange else "", routing_key=routing_key,
            headers=headers, content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary", serializer=None,
            message_id=properties.get("message_id"), mandatory=False,
        )


class EventHandler(Entrypoint):
    queue = EventQueue()

    def __init__(self, event_type: str, **kwargs):
        contracts.spec(event_type)  # an unregistered type is a programming error
        self.event_type = event_type
        super().__init__(**kwargs)

    def setup(self):
        self.queue.register_provider(self)
        self.batch_limit = max(1, int(config.get(PREFETCH_COUNT_CONFIG_KEY, 10)))
        self._waiting: list[tuple[Any, Any]] = []  # (event, message) no worker has taken yet
        self._requested = False  # a worker is on its way for them

    def stop(self):
        self.queue.unregister_provider(self)

    def handle(self, event, message):
        self._waiting.append((event, message))
        if not self._requested:
            self._request_worker()

    def _request_worker(self):
        self._requested = True
        batch = EventBatch(self)

        def spawn():
            try:
                self.container.spawn_worker(self, (batch,), {}, handle_result=batch.settle)
            except ContainerBeingKilled:
                self._requested = False
                waiting, self._waiting = self._waiting, []
                for _, message in waiting:
                    self.queue.consumer.requeue_message(message)

        # Waiting for a free worker must not block the consumer's heartbeats.
        self.container.spawn_managed_thread(spawn, identifier=f"wait_for_worker[{self.event_type}]")

    def take(self) -> list[tuple[Any, Any]]:
        """For the requested worker, once it can start: what waits (up to the prefetch
        count) is its batch; anything left, or arriving later, asks for another worker."""
        taken, self._waiting = self._waiting[:self.batch_limit], self._waiting[self.batch_limit:]
        self._requested = False
        if self._waiting:
            self._request_worker()
        return taken


class EventBatch:
    """The events one worker handles; settled one by one when it is done."""

    def __init__(self, handler: EventHandler):
        self.handler = handler
        self.items: list[tuple[Any, Any]] | None = None  # until taken

    @property
    def events(self) -> list:
        if self.items is None:
            self.items = self.handler.take()
        return [event for event, _ in self.items]

    def settle(self, worker_ctx, result=None, exc_info=None):
        """`result`: per event, None when it was handled, else the error."""
        items = self.items if self.items is not None else self.handler.take()
        if exc_info is not None:
            result = ["".join(traceback.format_exception(*exc_info))] * len(items)
        for (_, message), error in zip(items, result):
            self.handler.queue.settle(message, error)
        return result, exc_info


def handles(event_type: str) -> Callable:
    """Declare a handler for `event_type`. The method is called as
    `method(self, uow, event)` with a unit of work of the service's `db` dependency
    that other events of the type may share; it runs at most once per event_id."""

    def decorate(method: Callable) -> Callable:
        def handle_alone(service, consumer: str, event) -> str | None:
            try:
                with service.db.unit_of_work() as uow:
                    if claim_event(uow.session, consumer, str(event.event_id)):
                        method(service, uow, event)
            except Exception:
                return traceback.format_exc()
            return None

        @functools.wraps(method)
        def run_batch(self, batch: EventBatch) -> list[str | None]:
            consumer = f"{self.name}.{event_type}"
            failed = None
            try:
                with self.db.unit_of_work() as uow:
                    session = uow.session
                    # Begin first: on SQLite that waits for this process's turn, so the
                    # batch is taken as late as possible, with all that arrived meanwhile.
                    session.connection()
                    for event in batch.events:
                        failed = event
                        if claim_event(session, consumer, str(event.event_id)):
                            method(self, uow, event)
                            session.flush()  # an ORM write that fails, fails as this event's
                    failed = None
                return [None] * len(batch.items)
            except Exception:
                error = traceback.format_exc()
            return [error if event is failed else handle_alone(self, consumer, event) for event in batch.events]

        return EventHandler.decorator(event_type)(run_batch)

    return decorate


# Written as text: SQLAlchemy does not cache statements with on_conflict_do_nothing(),
# and this one runs for every event. Both SQLite and PostgreSQL speak this syntax.
_CLAIM_EVENT = sa.text(
    "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES (:consumer, :event_id, :processed_at) "
    "ON CONFLICT (consumer, event_id) DO NOTHING"
).bindparams(sa.bindparam("processed_at", type_=PROCESSED_EVENTS.c.processed_at.type))


def claim_event(session, consumer: str, event_id: str) -> bool:
    """Record the event as processed by `consumer` within the caller's transaction.
    False when it already was: the caller must then do nothing. A concurrent twin on
    PostgreSQL waits on the key here until the first commits, then inserts nothing."""
    result = session.execute(_CLAIM_EVENT, {"consumer": consumer, "event_id": event_id,
                                            "processed_at": clock.now()})
    return result.rowcount == 1
