"""nameko extensions of the kit: the database dependency (with its outbox relay) and a
timer whose interval comes from config. Services use these; the domain never does."""
from __future__ import annotations

import contextlib
import logging
import os
import time

import eventlet
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from . import outbox
from .config import db_uri, messaging
from .db import UnitOfWork, make_engine, session_factory
from .migrate import upgrade

log = logging.getLogger(__name__)

# A steady stream of commits is published at least every MAX_LINGERS x outbox_linger_ms.
MAX_LINGERS = 20


class ServiceUnitOfWork(UnitOfWork):
    """A worker's unit of work that can also record events in the outbox; after the
    commit it hands them to the relay of this process."""

    def __init__(self, factory, source: str, relay: outbox.OutboxRelay, relay_kick):
        super().__init__(factory, after_commit=[self._after_commit])
        self.source = source
        self._relay = relay
        self._relay_kick = relay_kick

    def publish(self, session, payload) -> None:
        outbox.record(session, self.source, payload)

    @contextlib.contextmanager
    def transaction(self):
        session = self.session
        session.info["outbox_relay"] = self._relay
        # Rows of an earlier block that rolled back were never committed: forget them.
        session.info.pop("outbox_handover", None)
        with super().transaction() as session:
            yield session

    def _after_commit(self) -> None:
        rows = self.session.info.pop("outbox_handover", None)
        if rows:
            if os.environ.get("NIOT_FAULT") == "crash_after_commit":
                # Fault injection for the recovery tests: die after the commit, before any publish.
                os._exit(3)
            self._relay.hand_over(rows)
            self._relay_kick()


class Database(DependencyProvider):
    """One engine per container, one session per worker (closed on teardown), migrations
    applied at start-up, and the outbox relay running beside the workers."""

    def __init__(self, *, migrate: bool = True):
        self.migrate = migrate
        self.engine = self.relay = None  # until setup has run

    def setup(self):
        self.service = self.container.service_name
        self.uri = db_uri(self.service, dict(config))
        if self.migrate:
            upgrade(self.service, self.uri)
        self.engine = make_engine(self.uri)
        self.factory = session_factory(self.engine)
        self.relay = outbox.OutboxRelay(self.engine, config[AMQP_URI_CONFIG_KEY])
        settings = messaging(dict(config))
        self.sweep_seconds = float(settings["outbox_sweep_seconds"])
        self.linger_seconds = float(settings["outbox_linger_ms"]) / 1000
        self._wake = eventlet.event.Event()
        self._running = False
        self.units: dict = {}

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._relay_loop, identifier=f"{self.service} outbox relay")

    def stop(self):
        self._running = False
        if self.relay is not None:  # a failed setup leaves nothing to stop
            self.kick()
            self.relay.publisher.close()
        if self.engine is not None:
            self.engine.dispose()

    kill = stop

    def kick(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def _relay_loop(self) -> None:
        next_sweep = 0.0
        while self._running:
            # A fresh event before publishing: a commit meanwhile wakes the next round.
            self._wake = eventlet.event.Event()
            try:
                self.relay.publish_handed()
                if time.monotonic() >= next_sweep:
                    self.relay.publish_pending()
                    next_sweep = time.monotonic() + self.sweep_seconds
            except Exception:
                log.exception("outbox relay failed; retrying in %ss", self.sweep_seconds)
            with eventlet.Timeout(max(0.0, next_sweep - time.monotonic()), False):
                self._wake.wait()
                self._gather()

    def _gather(self) -> None:
        """Let the commits of a burst gather so they share one confirm round trip and one
        settling transaction: linger while more keep coming, up to MAX_LINGERS times."""
        seen, lingers = -1, 0
        while len(self.relay.handed) != seen and lingers < MAX_LINGERS and self._running:
            seen = len(self.relay.handed)
            eventlet.sleep(self.linger_seconds)
            lingers += 1

    def get_dependency(self, worker_ctx):
        unit = ServiceUnitOfWork(self.factory, self.service, self.relay, self.kick)
        self.units[worker_ctx] = unit
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self.units.pop(worker_ctx, None)
        if unit is not None:
            unit.close()


class ConfiguredTimer(Timer):
    """A nameko timer whose interval is read from MESSAGING.timer_seconds at start-up."""

    def __init__(self, **kwargs):
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = float(messaging(dict(config))["timer_seconds"])
        super().setup()


every_tick = ConfiguredTimer.decorator

