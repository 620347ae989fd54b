"""Two small services that exercise the reliability kit on the real broker: `kitprobe`
records happenings and publishes `probe_happened` through the outbox; `kitsink` consumes
it. Their effects land in tables the tests count."""
from __future__ import annotations

import os
import threading
import time
import uuid
import weakref

import sqlalchemy as sa
from nameko.rpc import rpc

from services.contracts import Payload, event
from services.runtime import clock, outbox, timers
from services.runtime.db import add_kit_tables
from services.runtime.dependencies import Database, every_tick
from services.runtime.messaging import handles


@event("kitprobe", "probe_happened", consumers=("kitsink",))
class ProbeHappened(Payload):
    n: int
    behaviour: str = "succeed"
    sent_at: float = 0.0


metadata = sa.MetaData()
add_kit_tables(metadata)
happenings = sa.Table("happenings", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Integer))
effects = sa.Table(
    "effects", metadata, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.String(36)), sa.Column("n", sa.Integer), sa.Column("instance", sa.String(64)),
    # Wall-clock seconds: when the producer committed the event and when the handler ran.
    sa.Column("sent_at", sa.Float), sa.Column("handled_at", sa.Float),
    # Which database transaction the handler ran in (events of a batch share one).
    sa.Column("tx", sa.String(32)),
)
timer_effects = sa.Table(
    "timer_effects", metadata, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_key", sa.String(64)), sa.Column("instance", sa.String(64)),
)

RECORD_EFFECT = sa.insert(effects)

INSTANCE = f"pid-{os.getpid()}"

# In-process observations for the retry tests: (n, monotonic time) of every attempt.
attempts: list[tuple[int, float]] = []
refusing = threading.Event()
refusing.set()
# A "hold" event keeps its handler waiting until this is set.
released = threading.Event()
_transactions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Probe:
    name = "kitprobe"
    db = Database(migrate=False)

    @rpc
    def ping(self):
        return INSTANCE

    @rpc
    def happen(self, n, behaviour="succeed"):
        with self.db.transaction() as session:
            session.execute(sa.insert(happenings).values(n=n))
            outbox.record(session, self.name, ProbeHappened(n=n, behaviour=behaviour, sent_at=time.time()))
        return n

    @rpc
    def happen_then_fail(self, doomed, kept):
        """Record `doomed` in a block that then fails, and `kept` in the next one."""
        try:
            with self.db.transaction() as session:
                outbox.record(session, self.name, ProbeHappened(n=doomed))
                raise RuntimeError("the block fails after recording its event")
        except RuntimeError:
            pass
        return self.happen(kept)

    @rpc
    def schedule_ticks(self, count):
        with self.db.transaction() as session:
            for i in range(count):
                timers.schedule(session, "probe_tick", f"tick-{i}", clock.now(), {"key": f"tick-{i}"})
        return count

    @every_tick
    def tick(self):
        timers.run_due(self.db, {"probe_tick": self._on_tick}, clock.now())

    @staticmethod
    def _on_tick(uow, payload, now):
        time.sleep(0.01)  # widen the window in which a second instance could interfere
        uow.session.execute(sa.insert(timer_effects).values(job_key=payload["key"], instance=INSTANCE))


class Sink:
    name = "kitsink"
    db = Database(migrate=False)

    @rpc
    def ping(self):
        return INSTANCE

    @handles("probe_happened")
    def on_probe(self, uow, event):
        session = uow.session
        attempts.append((event.data.n, time.monotonic()))
        if event.data.behaviour == "fail" and refusing.is_set():
            raise RuntimeError(f"probe {event.data.n} refused on purpose")
        if event.data.behaviour == "hold":
            released.wait(30)
        session.execute(RECORD_EFFECT, {
            "event_id": str(event.event_id), "n": event.data.n, "instance": INSTANCE,
            "sent_at": event.data.sent_at, "handled_at": time.time(),
            "tx": _transactions.setdefault(session.get_transaction(), uuid.uuid4().hex),
        })
