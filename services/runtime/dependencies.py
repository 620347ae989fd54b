"""nameko extensions of the kit: the database dependency (with its outbox relay), the
settings dependency and a timer whose interval comes from config. Services use these;
the domain never does."""
from __future__ import annotations

import contextlib
import logging
import os
import time
from typing import Any, Callable, Iterator

from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from . import outbox
from .config import db_uri, messaging
from .db import Transactions, make_engine, session_factory
from .migrate import upgrade
from .uow import UnitOfWork
from .wake import Waker

log = logging.getLogger(__name__)


class WorkerTransactions(Transactions):
    """A worker's transactions: events recorded in one are handed, after its commit, to
    the relay of this process; `unit_of_work()` wraps a transaction in the service's
    unit of work (its repositories, `publish`, `schedule`)."""

    def __init__(self, factory, source: str, relay: outbox.OutboxRelay, relay_kick: Callable[[], None],
                 unit_of_work: type[UnitOfWork] = UnitOfWork):
        super().__init__(factory, after_commit=[self._after_commit])
        self.source = source
        self._relay = relay
        self._relay_kick = relay_kick
        self._unit_of_work = unit_of_work

    @contextlib.contextmanager
    def transaction(self):
        session = self.session
        session.info["outbox_relay"] = self._relay
        # Rows of an earlier block that rolled back were never committed: forget them.
        session.info.pop("outbox_handover", None)
        with super().transaction() as session:
            yield session

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Any]:
        with self.transaction() as session:
            yield self._unit_of_work(session, self.source)

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
    applied at start-up, and the outbox relay running beside the workers. Entrypoints
    get `WorkerTransactions`; `unit_of_work` is the service's UnitOfWork class."""

    def __init__(self, *, migrate: bool = True, unit_of_work: type[UnitOfWork] = UnitOfWork):
        self.migrate = migrate
        self.unit_of_work = unit_of_work
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
        self.waker = Waker(float(settings["outbox_linger_ms"]) / 1000)
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
        self.waker.kick()

    def _relay_loop(self) -> None:
        next_sweep = 0.0
        while self._running:
            try:
                self.relay.publish_handed()
                if time.monotonic() >= next_sweep:
                    self.relay.publish_pending()
                    next_sweep = time.monotonic() + self.sweep_seconds
            except Exception:
                log.exception("outbox relay failed; retrying in %ss", self.sweep_seconds)
            self.waker.wait(next_sweep - time.monotonic())

    def transactions(self) -> WorkerTransactions:
        """Transactions outside any worker (a background loop); close them after use."""
        return WorkerTransactions(self.factory, self.service, self.relay, self.kick, self.unit_of_work)

    def get_dependency(self, worker_ctx):
        unit = self.units[worker_ctx] = self.transactions()
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self.units.pop(worker_ctx, None)
        if unit is not None:
            unit.close()


class Settings(DependencyProvider):
    """The service's settings, read once from config at start-up by `load(cfg)` (the
    service's `settings.from_config`)."""

    def __init__(self, load: Callable[[dict], Any]):
        self.load = load

    def setup(self):
        self.value = self.load(dict(config))

    def get_dependency(self, worker_ctx):
        return self.value


class ConfiguredTimer(Timer):
    """A nameko timer whose interval is read from MESSAGING.timer_seconds at start-up."""

    def __init__(self, **kwargs):
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = float(messaging(dict(config))["timer_seconds"])
        super().setup()


every_tick = ConfiguredTimer.decorator
