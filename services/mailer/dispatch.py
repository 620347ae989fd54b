"""The delivery loop as a nameko dependency: one SMTP connection per instance, woken
right after a handler commits new mail and driven by the service's timer otherwise.

Claims are leases in the database (app.sending.claim_due), so several instances share
the queue without sending any message twice.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid

import sqlalchemy as sa
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from services.runtime import clock
from services.runtime.dependencies import Database, Settings
from services.runtime.wake import Waker

from .app import sending
from .settings import MailerSettings
from .smtp import SmtpClient

log = logging.getLogger(__name__)


class Dispatcher(DependencyProvider):
    """Uses the service's `Database` and its `Settings` (settings.from_config)."""

    def setup(self):
        self.owner = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # Handlers may wake the loop before it starts; the kick is kept until it waits.
        self.waker = Waker(0, max_lingers=1)
        self.smtp: SmtpClient | None = None
        self._pass = Semaphore(1)
        self._again = False
        self._running = False

    def start(self):
        # Every dependency has been set up by now, the settings read from config included.
        self.settings: MailerSettings = self._dependency(Settings).value
        self._database = self._dependency(Database)
        # After a wake-up, let the commits of a burst gather so one claim takes them all;
        # one linger is enough, since a claim takes every message due.
        self.waker.linger_seconds = self.settings.linger_seconds
        self.smtp = SmtpClient(self.settings.smtp)
        self._running = True
        self.container.spawn_managed_thread(self._loop, identifier="mailer delivery loop")

    def stop(self):
        self._running = False
        self.wake()
        if self.smtp is not None:
            self.smtp.close()

    def kill(self):
        self._running = False
        self.wake()

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
        """Send everything due now. If a pass is already running in this instance, it is
        asked to look again instead of running a second one beside it."""
        if not self._pass.acquire(blocking=False):
            self._again = True
            return 0
        total = 0
        try:
            while True:
                self._again = False
                handled = sending.deliver_batch(db, self.smtp.send, self.settings, self.owner, clock.now)
                total += handled
                if not handled and not self._again:
                    return total
        finally:
            self._pass.release()

    # -- the loop -----------------------------------------------------------------------

    def _loop(self) -> None:
        while self._running:
            self.waker.wait()
            if not self._running:
                return
            unit = self._database.transactions()
            try:
                self.deliver_due(unit)
            except Exception:
                log.exception("delivery pass failed; the timer will try again")
            finally:
                unit.close()
