"""The delivery pool as a nameko dependency: a few SMTP connections, one message in flight
on each, fed from the outbox by one claimer and woken right after a handler commits new
mail (the service's timer wakes it otherwise).

- Claims are leases in the database (app.sending.claim_due), taken a few at a time (at
  most four per connection), renewed by a heartbeat while this instance works, so a slow
  sender keeps them and a dead one's are taken over once its lease has run out.
- Every outcome is recorded on its own, and recording is retried with the outcome held
  in memory: a database blip after the relay's 250 never sends the message again. A
  crash re-sends at most the message in flight on each connection, with the same bytes.
- A relay's throttling replies (delivery.is_throttled) pause that connection, doubling
  while they last, and the message goes back to the queue without using an attempt.
- The sending rate per relay is shared by every instance through the database
  (app.sending.take_send_slot).
- Stopping (SIGTERM) drains: claims not yet tried are given back at once, the messages
  in flight finish and are recorded.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Callable

import eventlet
import sqlalchemy as sa
from eventlet.green.threading import Event as GreenEvent
from eventlet.queue import LightQueue
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from services.runtime import clock
from services.runtime.dependencies import Database, Settings
from services.runtime.wake import Waker

from . import delivery
from .app import sending
from .messages import Outgoing
from .settings import MailerSettings
from .smtp import SmtpClient

log = logging.getLogger(__name__)

_STOP = object()
# Claims that wait or fly per connection: the next message is at hand when a connection
# frees and one claim serves several messages, while a crash leaves few claims to wait
# out their lease.
CLAIMS_PER_CONNECTION = 4
# How long stop() waits for the messages in flight (the process must be gone in 10 s).
DRAIN_SECONDS = 7.0


class Dispatcher(DependencyProvider):
    """Uses the service's `Database` and its `Settings` (settings.from_config)."""

    def setup(self):
        self.owner = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # Handlers may wake the loop before it starts; the kick is kept until it waits.
        self.waker = Waker(0, max_lingers=1)
        self._running = False
        self._claimed: dict[int, Outgoing] = {}  # claimed and not yet settled
        self._tasks: LightQueue = LightQueue()
        self._workers: list = []
        self._feeder = None
        self._paused_until = 0.0  # monotonic; the relay refused sessions
        self._next_deferred = None  # monotonic time a throttled message is due again
        self._units: dict = {}  # green thread -> its transactions
        self._hungry = GreenEvent()  # the connections have taken every claim at hand
        self._stopping_at = 0.0  # monotonic; when a stop's drain ends

    def start(self):
        # Every dependency has been set up by now, the settings read from config included.
        self.settings: MailerSettings = self._dependency(Settings).value
        self._database = self._dependency(Database)
        self.waker.linger_seconds = self.settings.linger_seconds
        self.relay = f"{self.settings.smtp.host}:{self.settings.smtp.port}"
        self.connections = [SmtpClient(self.settings.smtp) for _ in range(self.settings.connections)]
        self._room = Semaphore(CLAIMS_PER_CONNECTION * len(self.connections))
        self._running = True
        spawn = self.container.spawn_managed_thread
        self._workers = [spawn(lambda c=c: self._work(c), identifier=f"mailer connection {n}")
                         for n, c in enumerate(self.connections)]
        self._feeder = spawn(self._feed, identifier="mailer claims")
        spawn(self._heartbeat, identifier="mailer lease heartbeat")

    def stop(self):
        """Drain: no new claims, unsent claims given back, the messages in flight finished
        and recorded (up to DRAIN_SECONDS), connections closed."""
        if not self._running:
            return
        deadline = self._stopping_at = time.monotonic() + DRAIN_SECONDS
        self._running = False
        self.waker.kick()
        if self._feeder is not None:
            with eventlet.Timeout(1, False):
                self._feeder.wait()
        self._release(self._take_waiting(), deadline)
        for _ in self._workers:
            self._tasks.put(_STOP)
        for worker in self._workers:
            with eventlet.Timeout(max(0.0, deadline - time.monotonic()), False):
                worker.wait()
        for connection in self.connections:
            connection.close()
        for unit in self._units.values():
            unit.close()

    def kill(self):
        self._running = False
        self.waker.kick()

    def get_dependency(self, worker_ctx):
        return self

    def _dependency(self, kind: type):
        return next(d for d in self.container.dependencies if isinstance(d, kind))

    # -- used by the service ------------------------------------------------------------

    def wake(self) -> None:
        self.waker.kick()

    def wake_after_commit(self, uow) -> None:
        """Start delivering as soon as the unit of work has committed the mail it queued."""
        if uow.messages.queued:
            uow.messages.queued = False
            sa.event.listen(uow.session, "after_commit", lambda _session: self.wake(), once=True)

    def deliver_due(self, db) -> int:
        """The timer's call: look for due messages now (claims run in the pool's own
        claimer, never beside it). Returns 0: the pool reports nothing synchronously."""
        self.wake()
        return 0

    # -- the claimer ----------------------------------------------------------------------

    def _feed(self) -> None:
        while self._running:
            room = self._take_room()
            if not room:
                continue
            items: list[Outgoing] = []
            try:
                items = self._unit(lambda uow: sending.claim_due(
                    uow, self.owner, clock.now(), self.settings.policy, room)[0])
            except Exception:
                log.exception("claiming mail failed; trying again")
                eventlet.sleep(1)
            for _ in range(room - len(items)):
                self._room.release()
            for item in items:
                self._claimed[item.id] = item
                self._tasks.put(item)
            if not self._running:
                return  # stop() gives back what was just claimed
            if len(items) < room:
                self.waker.wait(self._idle_wait())

    def _take_room(self) -> int:
        """Wait until the connections have taken every claim at hand (or stop); how many
        more they can take. Claiming only then makes one claim serve several messages."""
        taken = 0
        while self._running and not taken:
            if not self._tasks.qsize():
                while self._room.acquire(blocking=False):
                    taken += 1
            if not taken:
                self._hungry.wait(0.5)
            self._hungry.clear()
        if not self._running or time.monotonic() < self._paused_until:
            for _ in range(taken):
                self._room.release()
            if self._running:
                self.waker.wait(self._paused_until - time.monotonic())
            return 0
        return taken

    def _idle_wait(self) -> float:
        """Until a kick, a throttled message due again, or the next look for claims a
        dead instance left (its lease running out)."""
        wait = self.settings.policy.renew_every.total_seconds()
        if self._next_deferred is not None:
            wait = min(wait, max(0.0, self._next_deferred - time.monotonic()))
            self._next_deferred = None
        return wait

    def _take_waiting(self) -> list[Outgoing]:
        waiting = []
        while True:
            try:
                item = self._tasks.get_nowait()
            except eventlet.queue.Empty:
                return waiting
            if item is not _STOP:
                waiting.append(item)

    def _release(self, items: list[Outgoing], deadline: float) -> None:
        if not items:
            return
        self._unit(lambda uow: sending.release_unsent(uow, items, self.owner, clock.now()), deadline)
        for item in items:
            self._settled(item)
        log.info("gave back %d claimed message(s) not yet tried", len(items))

    def _settled(self, item: Outgoing) -> None:
        self._claimed.pop(item.id, None)
        self._room.release()
        if not self._tasks.qsize():
            self._hungry.set()

    # -- one connection ---------------------------------------------------------------------

    def _work(self, connection: SmtpClient) -> None:
        throttled = 0
        backoff = self.settings.backoff
        while True:
            item = self._tasks.get()
            if item is _STOP:
                return
            if not self._tasks.qsize():
                self._hungry.set()
            try:
                self._wait_for_slot(connection)
                outcome = connection.send(item.recipient, item.mime)
                if delivery.is_throttled(outcome):
                    throttled += 1
                    pause = backoff.pause(throttled)
                    if delivery.must_reconnect(outcome):
                        connection.close()
                    self._unit(lambda uow: sending.defer_throttled(
                        uow, item, self.owner, outcome, clock.now(), pause), None)
                    log.warning("relay throttling (%s): connection paused %.2f s",
                                delivery.describe(outcome), pause)
                    self._next_deferred = time.monotonic() + pause
                    self._settled(item)
                    self.waker.kick()
                    self._sleep(pause)
                    continue
                throttled = 0
                self._unit(lambda uow: sending.record_outcome(
                    uow, item, self.owner, outcome, clock.now(), self.settings.policy), None)
                self._settled(item)
                if isinstance(outcome, delivery.Transient) and outcome.stage in sending.SESSION_STAGES:
                    self._relay_unavailable(item, outcome)
            except Exception:
                # Only an outcome that could not be recorded before the drain ended gets
                # here: the lease runs out and another sender tries the message again.
                log.exception("message %s: outcome not recorded", item.id)
                self._settled(item)

    def _relay_unavailable(self, item: Outgoing, outcome) -> None:
        """The relay refuses sessions: the waiting claims go back, and no more are taken
        until the message's retry delay has passed."""
        delay = self.settings.policy.delay_after(item.attempts).total_seconds()
        self._paused_until = time.monotonic() + delay
        self._release(self._take_waiting(), None)
        log.warning("SMTP relay unavailable (%s); sending resumes in %.0f s", delivery.describe(outcome), delay)

    def _wait_for_slot(self, connection: SmtpClient) -> None:
        """Under a rate limit, take the relay's next shared slot and wait for it."""
        rate = self.settings.rate_per_second
        if rate <= 0:
            return
        connection.prepare()
        for _ in range(3):
            at = self._unit(lambda uow: sending.take_send_slot(uow, self.relay, time.time(), rate), None)
            eventlet.sleep(max(0.0, at - time.time()))
            # Woken well after its slot (a busy process), a send would crowd the next
            # slot's: that slot is given up and another taken, up to twice.
            if time.time() - at <= 0.5 / rate:
                return

    def _sleep(self, seconds: float) -> None:
        """A pause that a stop cuts short (the drain must end in time)."""
        until = time.monotonic() + seconds
        while self._running and time.monotonic() < until:
            eventlet.sleep(min(0.2, until - time.monotonic()))

    # -- the heartbeat ------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        every = self.settings.policy.renew_every.total_seconds()
        while self._running or self._claimed:
            eventlet.sleep(every)
            ids = list(self._claimed)
            if not ids:
                continue
            try:
                self._unit(lambda uow: sending.renew_claims(uow, self.owner, ids, clock.now(),
                                                            self.settings.policy))
            except Exception:
                log.exception("renewing the leases of %d claim(s) failed", len(ids))

    # -- transactions ------------------------------------------------------------------------

    def _unit(self, work: Callable, deadline: float | None = 0.0):
        """Run `work(uow)` in a transaction of its own. With a deadline (None: while the
        pool runs, then DRAIN_SECONDS more), a failure is retried with growing pauses and
        `work`'s inputs kept in memory; deadline 0 tries once."""
        pause = 0.05
        thread = eventlet.getcurrent()
        while True:
            # One session per green thread of the pool, kept between transactions.
            unit = self._units.get(thread) or self._units.setdefault(thread, self._database.transactions())
            try:
                with unit.unit_of_work() as uow:
                    return work(uow)
            except Exception:
                self._units.pop(thread, None)
                unit.close()
                limit = deadline if deadline is not None else self._drain_deadline()
                if time.monotonic() + pause > limit:
                    raise
                log.warning("database error; trying again in %.2f s", pause, exc_info=True)
            eventlet.sleep(pause)
            pause = min(2.0, pause * 2)

    def _drain_deadline(self) -> float:
        return float("inf") if self._running else self._stopping_at
