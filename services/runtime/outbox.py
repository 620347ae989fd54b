"""Transactional outbox (DESIGN.md §4.2).

`record(session, source, payload)` writes the event in the caller's transaction. The
relay publishes committed rows with publisher confirms and `mandatory`, then marks them
published: right after each commit (woken by the unit of work) and on a periodic sweep
that picks up whatever a crash left behind. Rows are leased before publishing, so two
relays (two instances of a service) never publish the same row at the same time; a
relay that dies mid-batch leaves leases that expire and are taken over.
"""
from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import timedelta

import sqlalchemy as sa
from nameko.amqp.publish import Publisher, UndeliverableMessage
from sqlalchemy.orm import Session, sessionmaker

from services import contracts

from . import clock, topology
from .db import OUTBOX

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=5)


def record(session: Session, source: str, payload: contracts.Payload) -> contracts.Envelope:
    """Add an event to the outbox inside the caller's transaction."""
    envelope = contracts.build(source, payload, occurred_at=clock.now())
    session.execute(sa.insert(OUTBOX).values(
        event_id=str(envelope.event_id), type=envelope.type,
        envelope=envelope.model_dump_json(), created_at=envelope.occurred_at,
    ))
    session.info["outbox_dirty"] = True
    return envelope


class OutboxRelay:
    def __init__(self, factory: sessionmaker, amqp_uri: str, *, batch_size: int = 200):
        self.factory = factory
        self.batch_size = batch_size
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.publisher = Publisher(amqp_uri, use_confirms=True, mandatory=True, serializer="json")

    def publish_pending(self) -> int:
        """Publish every unpublished, unleased row; returns how many were published."""
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

    def _claim(self) -> list[sa.Row]:
        now = clock.now()
        with self.factory() as session, session.begin():
            due = (
                sa.select(OUTBOX.c.id)
                .where(OUTBOX.c.published_at.is_(None),
                       sa.or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until < now))
                .order_by(OUTBOX.c.id).limit(self.batch_size)
                .with_for_update(skip_locked=True)
            )
            ids = session.execute(due).scalars().all()
            if not ids:
                return []
            session.execute(
                sa.update(OUTBOX).where(OUTBOX.c.id.in_(ids))
                .values(lease_owner=self.owner, lease_until=now + LEASE)
            )
            return session.execute(
                sa.select(OUTBOX.c.id, OUTBOX.c.type, OUTBOX.c.event_id, OUTBOX.c.envelope, OUTBOX.c.attempts)
                .where(OUTBOX.c.id.in_(ids)).order_by(OUTBOX.c.id)
            ).all()

    def _publish(self, rows) -> tuple[list[int], list[tuple[int, int, str]]]:
        published: list[int] = []
        failed: list[tuple[int, int, str]] = []
        for row in rows:
            spec = contracts.spec(row.type)
            try:
                self.publisher.publish(
                    json.loads(row.envelope), exchange=topology.events_exchange(spec.producer),
                    routing_key=row.type, message_id=row.event_id,
                )
            except UndeliverableMessage:
                if not spec.consumers:
                    published.append(row.id)  # nobody subscribes to this type by design
                    continue
                failed.append((row.id, row.attempts, f"no queue bound for {row.type}: declare the topology"))
                log.error("event %s (%s) was unroutable; is the topology declared?", row.event_id, row.type)
            except Exception as exc:  # broker down, connection lost...
                failed.append((row.id, row.attempts, f"{type(exc).__name__}: {exc}"))
                log.warning("could not publish event %s (%s): %s", row.event_id, row.type, exc)
                break
            else:
                published.append(row.id)
        return published, failed

    def _settle(self, published: list[int], failed: list[tuple[int, int, str]]) -> None:
        now = clock.now()
        with self.factory() as session, session.begin():
            if published:
                session.execute(
                    sa.update(OUTBOX).where(OUTBOX.c.id.in_(published))
                    .values(published_at=now, lease_owner=None, lease_until=None)
                )
            for row_id, attempts, error in failed:
                backoff = min(timedelta(seconds=2 ** min(attempts, 10)), MAX_BACKOFF)
                session.execute(
                    sa.update(OUTBOX).where(OUTBOX.c.id == row_id)
                    .values(attempts=attempts + 1, last_error=error[:2000], lease_owner=None,
                            lease_until=now + backoff)
                )
            # Rows claimed but not reached (after a broker error) are released at once.
            session.execute(
                sa.update(OUTBOX).where(OUTBOX.c.lease_owner == self.owner, OUTBOX.c.published_at.is_(None))
                .values(lease_owner=None, lease_until=None)
            )

    def purge_published(self, older_than: timedelta) -> int:
        """Delete published rows older than `older_than` so the table stays small."""
        with self.factory() as session, session.begin():
            result = session.execute(
                sa.delete(OUTBOX).where(OUTBOX.c.published_at < clock.now() - older_than)
            )
            return result.rowcount or 0
