"""Transactional outbox (DESIGN.md §4.2).

`record(session, source, payload)` writes the event in the caller's transaction. The
relay publishes committed rows with publisher confirms and `mandatory`, then marks them
published, in two ways:

- right after the commit: the unit of work hands its rows to the relay of its own
  process. They were written already leased to that relay for a few seconds, so no other
  relay touches them and no query is needed to claim them;
- on a periodic sweep, which claims (leases) every row that is unpublished and whose
  lease has lapsed: what a crash between commit and publish left behind, or what the
  broker refused. Two relays (two instances of a service) never hold the same row at
  once; a relay that dies leaves leases that expire and are taken over.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from collections import deque
from datetime import timedelta
from typing import NamedTuple

import amqp
import sqlalchemy as sa
from kombu import Connection, Producer
from sqlalchemy.orm import Session

from services import contracts

from . import clock, topology
from .db import OUTBOX

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
# How long rows handed to the local relay stay its own; it publishes them within
# milliseconds, and a sweep anywhere takes them over if this process dies first.
HANDOVER_LEASE = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=5)

_INSERT = sa.insert(OUTBOX)
_MARK_PUBLISHED = (
    sa.update(OUTBOX).where(OUTBOX.c.event_id.in_(sa.bindparam("event_ids", expanding=True)))
    .values(published_at=sa.bindparam("now"), lease_owner=None, lease_until=None)
)


class Pending(NamedTuple):
    event_id: str
    type: str
    envelope: str
    attempts: int = 0


def record(session: Session, source: str, payload: contracts.Payload) -> contracts.Envelope:
    """Add an event to the outbox inside the caller's transaction. In a service, the
    session knows its process's relay (`session.info["outbox_relay"]`): the row is then
    leased to it and listed in `session.info["outbox_handover"]` for after the commit."""
    relay: OutboxRelay | None = session.info.get("outbox_relay")
    now = clock.now()
    envelope = contracts.build(source, payload, occurred_at=now)
    row = Pending(str(envelope.event_id), envelope.type, envelope.model_dump_json())
    session.connection().execute(_INSERT, {
        "event_id": row.event_id, "type": row.type, "envelope": row.envelope, "created_at": now,
        "lease_owner": relay.owner if relay else None, "lease_until": now + HANDOVER_LEASE if relay else None,
    })
    if relay is not None:
        session.info.setdefault("outbox_handover", []).append(row)
    return envelope


class Unroutable(Exception):
    """The broker returned a mandatory message: no queue is bound for it."""


class ConfirmingPublisher:
    """Publishes a batch of persistent, mandatory messages on a channel in confirm mode and
    then waits once for the broker's verdict on all of them, instead of one round trip
    per message. Returns, per message id, None (confirmed) or the reason it was not."""

    def __init__(self, amqp_uri: str, *, confirm_timeout: float = 30.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self.connection: Connection | None = None

    def _open(self):
        connection = Connection(self.amqp_uri, connect_timeout=10)
        connection.ensure_connection(max_retries=1)
        channel = connection.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self.connection, self.channel, self.last_tag = connection, channel, 0

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:
                pass
            self.connection = None

    def publish(self, messages: list[tuple[str, str, str, str]]) -> dict[str, str | None]:
        """`messages`: (exchange, routing_key, message_id, json body)."""
        if self.connection is None:
            self._open()
        self.pending: dict[int, str] = {}
        self.verdicts: dict[str, str | None] = {}
        try:
            for exchange, routing_key, message_id, body in messages:
                self.last_tag += 1
                self.pending[self.last_tag] = message_id
                self.channel.basic_publish(
                    amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                                 delivery_mode=2, message_id=message_id),
                    exchange=exchange, routing_key=routing_key, mandatory=True,
                )
            deadline = time.monotonic() + self.confirm_timeout
            while self.pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"broker did not confirm {len(self.pending)} message(s)")
                self.connection.drain_events(timeout=remaining)
        except Exception as exc:
            self.close()
            for message_id in self.pending.values():
                self.verdicts.setdefault(message_id, f"{type(exc).__name__}: {exc}")
        return self.verdicts

    def _settle(self, delivery_tag: int, multiple: bool, verdict: str | None) -> None:
        tags = [t for t in self.pending if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            message_id = self.pending.pop(tag, None)
            if message_id is not None:
                self.verdicts.setdefault(message_id, verdict)

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, "the broker refused the message (nack)")

    def _on_return(self, exc, exchange, routing_key, message):
        # A return precedes the ack of the same message; the ack must not clear it.
        message_id = message.properties.get("message_id")
        self.verdicts[message_id] = f"unroutable: no queue bound for {routing_key} on {exchange}"


class InProcessPublisher:
    """For the in-memory demo transport: publishing is a function call that either
    delivers or raises, so there is nothing to confirm."""

    def __init__(self, amqp_uri: str):
        self.connection = Connection(amqp_uri)
        self.producer = Producer(self.connection.default_channel)

    def close(self) -> None:
        self.connection.close()

    def publish(self, messages: list[tuple[str, str, str, str]]) -> dict[str, str | None]:
        verdicts: dict[str, str | None] = {}
        for exchange, routing_key, message_id, body in messages:
            try:
                self.producer.publish(body, exchange=exchange, routing_key=routing_key, message_id=message_id,
                                      content_type="application/json", content_encoding="utf-8",
                                      serializer=None, delivery_mode=2)
                verdicts[message_id] = None
            except Exception as exc:
                verdicts[message_id] = f"{type(exc).__name__}: {exc}"
        return verdicts


def publisher_for(amqp_uri: str) -> ConfirmingPublisher | InProcessPublisher:
    if Connection(amqp_uri).transport.driver_type == "amqp":
        return ConfirmingPublisher(amqp_uri)
    return InProcessPublisher(amqp_uri)


class OutboxRelay:
    def __init__(self, engine: sa.Engine, amqp_uri: str, *, batch_size: int = 500):
        self.engine = engine
        self.batch_size = batch_size
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.publisher = publisher_for(amqp_uri)
        self.handed: deque[Pending] = deque()
        self._claim_statement = (
            sa.update(OUTBOX)
            .where(OUTBOX.c.id.in_(
                sa.select(OUTBOX.c.id)
                .where(OUTBOX.c.published_at.is_(None),
                       sa.or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until < sa.bindparam("now")))
                .order_by(OUTBOX.c.id).limit(batch_size)
                .with_for_update(skip_locked=True)  # PostgreSQL: a second relay skips these rows
                .scalar_subquery()))
            .values(lease_owner=self.owner, lease_until=sa.bindparam("until"))
            .returning(OUTBOX.c.id, OUTBOX.c.event_id, OUTBOX.c.type, OUTBOX.c.envelope, OUTBOX.c.attempts)
        )

    def hand_over(self, rows: list[Pending]) -> None:
        """Rows committed by this process, leased to this relay, to publish next."""
        self.handed.extend(rows)

    def publish_handed(self) -> int:
        total = 0
        while self.handed:
            batch = [self.handed.popleft() for _ in range(min(self.batch_size, len(self.handed)))]
            published, failed = self._publish(batch)
            self._settle(published, failed)
            total += len(published)
        return total

    def publish_pending(self) -> int:
        """The sweep: publish every unpublished row whose lease has lapsed."""
        total = 0
        while True:
            rows = self._claim()
            if not rows:
                return total
            published, failed = self._publish(rows)
            self._settle(published, failed)
            total += len(published)
            if failed:
                return total  # the broker is unhappy: leave the rest to the next sweep

    def _claim(self) -> list[Pending]:
        now = clock.now()
        with self.engine.begin() as connection:
            rows = connection.execute(self._claim_statement, {"now": now, "until": now + LEASE}).all()
        return [Pending(row.event_id, row.type, row.envelope, row.attempts)
                for row in sorted(rows, key=lambda row: row.id)]

    def _publish(self, rows: list[Pending]) -> tuple[list[str], list[tuple[Pending, str]]]:
        verdicts = self.publisher.publish([
            (topology.events_exchange(contracts.spec(row.type).producer).name, row.type, row.event_id, row.envelope)
            for row in rows
        ])
        published: list[str] = []
        failed: list[tuple[Pending, str]] = []
        for row in rows:
            verdict = verdicts.get(row.event_id, "no confirmation from the broker")
            if verdict is None or (verdict.startswith("unroutable") and not contracts.spec(row.type).consumers):
                published.append(row.event_id)  # confirmed, or a type nobody subscribes to by design
            else:
                failed.append((row, verdict))
                log.warning("could not publish event %s (%s): %s", row.event_id, row.type, verdict)
        return published, failed

    def _settle(self, published: list[str], failed: list[tuple[Pending, str]]) -> None:
        now = clock.now()
        with self.engine.begin() as connection:
            if published:
                connection.execute(_MARK_PUBLISHED, {"event_ids": published, "now": now})
            for row, error in failed:
                backoff = min(timedelta(seconds=2 ** min(row.attempts, 10)), MAX_BACKOFF)
                connection.execute(
                    sa.update(OUTBOX).where(OUTBOX.c.event_id == row.event_id)
                    .values(attempts=row.attempts + 1, last_error=error[:2000], lease_owner=None,
                            lease_until=now + backoff)
                )

    def purge_published(self, older_than: timedelta) -> int:
        """Delete published rows older than `older_than` so the table stays small."""
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.delete(OUTBOX).where(OUTBOX.c.published_at < clock.now() - older_than)
            )
            return result.rowcount or 0
