"""The delivery loop as a nameko dependency: one SMTP connection per instance, woken
right after a handler commits new mail and driven by the service's timer otherwise.

Claims are leases in the database (app.claim_due), so several instances share the queue
without sending any message twice.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid

import sqlalchemy as sa
from eventlet.semaphore import Semaphore
from nameko import config
from nameko.extensions import DependencyProvider

from services.runtime import clock
from services.runtime.dependencies import Database
from services.runtime.wake import Waker

from . import app
from .smtp import SmtpClient

log = logging.getLogger(__name__)


class Dispatcher(DependencyProvider):
    def setup(self):
        self.settings = app.settings_from(dict(config))
        # After a wake-up, let the commits of a burst gather so one claim takes them all;
        # one linger is enough, since a claim takes every message due.
        self.waker = Waker(float((config.get("MAILER") or {}).get("linger_ms", 5)) / 1000, max_lingers=1)
        self.owner = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.smtp = SmtpClient(self.settings.smtp)
        self._pass = Semaphore(1)
        self._again = False
        self._running = False

    def start(self):
        self._running = True
        self._database = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.container.spawn_managed_thread(self._loop, identifier="mailer delivery loop")

    def stop(self):
        self._running = False
        self.wake()
        self.smtp.close()

    def kill(self):
        self._running = False
        self.wake()

    def get_dependency(self, worker_ctx):
        return self

    # -- used by the service ------------------------------------------------------------

    def wake(self) -> None:
        self.waker.kick()

    def wake_after_commit(self, session) -> None:
        """Start delivering as soon as the caller's transaction has committed new mail."""
        if session.info.pop("mail_queued", False):
            sa.event.listen(session, "after_commit", lambda _session: self.wake(), once=True)

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
                handled = app.deliver_batch(db, self.smtp.send, self.settings, self.owner, clock.now)
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
