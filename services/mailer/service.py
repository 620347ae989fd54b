"""The mailer service: turns events into stored mail and delivers it (DESIGN.md §4.6, §5).

Every event type the registry says the mailer consumes gets a handler (`on_<type>`),
which stores the mail its event causes in the event's own transaction (so the same event
delivered again stores nothing more) and wakes the delivery loop after the commit. The
timer retries due messages and says when the weekly digest and the managers' daily
summary are due; RPC serves the gateway, which hands back what they report.
"""
from __future__ import annotations

from typing import Callable

from services import contracts
from services.runtime import clock, timers
from services.runtime.dependencies import Database, Settings, every_tick
from services.runtime.health import HealthCheck
from services.runtime.messaging import handles
from services.runtime.rpc import rpc

from . import views
from .app import account_setup, daily_summary, digest, operators, queueing
from .dispatch import Dispatcher
from .repository import MailerUnitOfWork
from .settings import from_config


def _queueing_handler(event_type: str) -> Callable:
    def handle(self, uow, event):
        self.queue_mail(uow, event)

    handle.__name__ = handle.__qualname__ = f"on_{event_type}"
    return handles(event_type)(handle)


def handles_consumed_events(cls: type) -> type:
    """Give the service class a handler, `on_<type>`, for each event type the registry
    says it consumes (nameko finds entrypoints on the class)."""
    for spec in contracts.consumed_by(cls.name):
        setattr(cls, f"on_{spec.type}", _queueing_handler(spec.type))
    return cls


@handles_consumed_events
class MailerService(HealthCheck):
    name = "mailer"
    db = Database(unit_of_work=MailerUnitOfWork)
    settings = Settings(from_config)
    dispatcher = Dispatcher()

    def queue_mail(self, uow, event) -> None:
        queueing.queue_event(uow, event, self.settings, clock.now())
        self.dispatcher.wake_after_commit(uow)

    # -- delivery and the weekly digest ---------------------------------------------------

    @every_tick
    def tick(self):
        with self.db.unit_of_work() as uow:
            digest.ensure_digest_scheduled(uow, clock.now(), self.settings)
            daily_summary.ensure_summary_scheduled(uow, clock.now(), self.settings)
        timers.run_due(self.db, {digest.DIGEST_JOB: self._digest, daily_summary.SUMMARY_JOB: self._summary},
                       clock.now())
        self.dispatcher.deliver_due(self.db)

    def _digest(self, uow, payload, now):
        digest.digest_due(uow, payload, now, self.settings)

    def _summary(self, uow, payload, now):
        daily_summary.summary_due(uow, payload, now, self.settings)

    # -- RPC for the gateway ---------------------------------------------------------------

    @rpc
    def send_account_setup(self, email, name, setup_path, expires_at, dedupe_key):
        with self.db.unit_of_work() as uow:
            result = account_setup.queue_account_setup(
                uow, email=email, name=name, setup_path=setup_path, expires_at=expires_at,
                dedupe_key=dedupe_key, settings=self.settings, now=clock.now())
            self.dispatcher.wake_after_commit(uow)
        return result

    @rpc
    def send_email_change(self, new_email, old_email, name, confirm_path, expires_at, dedupe_key):
        with self.db.unit_of_work() as uow:
            result = account_setup.queue_email_change(
                uow, new_email=new_email, old_email=old_email, name=name, confirm_path=confirm_path,
                expires_at=expires_at, dedupe_key=dedupe_key, settings=self.settings, now=clock.now())
            self.dispatcher.wake_after_commit(uow)
        return result

    @rpc
    def send_coverage_digest(self, week_end, regions, gap_weeks):
        with self.db.unit_of_work() as uow:
            queued = digest.send_coverage_digest(uow, {"week_end": week_end}, clock.now(), self.settings,
                                                 regions=regions, gap_weeks=gap_weeks)
            self.dispatcher.wake_after_commit(uow)
        return {"queued": queued}

    @rpc
    def send_managers_summary(self, day, items):
        with self.db.unit_of_work() as uow:
            queued = daily_summary.send_daily_summary(uow, day, items, clock.now(), self.settings)
            self.dispatcher.wake_after_commit(uow)
        return {"queued": queued}

    @rpc
    def search_deliveries(self, recipient=None, state=None, template=None, since=None, limit=50):
        with self.db.unit_of_work() as uow:
            return views.search_deliveries(uow.session, recipient=recipient, state=state,
                                           template=template, since=since, limit=limit)

    @rpc
    def get_delivery(self, delivery_id):
        with self.db.unit_of_work() as uow:
            return views.get_delivery(uow.session, delivery_id)

    @rpc
    def resend(self, delivery_id):
        with self.db.unit_of_work() as uow:
            result = operators.resend(uow, delivery_id, self.settings, clock.now())
            self.dispatcher.wake_after_commit(uow)
        return result

    @rpc
    def list_suppressions(self, recipient=None, limit=100):
        with self.db.unit_of_work() as uow:
            return views.list_suppressions(uow.session, recipient, limit)

    @rpc
    def remove_suppression(self, recipient, reason=None):
        with self.db.unit_of_work() as uow:
            return operators.remove_suppression(uow, recipient, reason)

    @rpc
    def unsubscribe(self, token):
        with self.db.unit_of_work() as uow:
            return operators.unsubscribe(uow, token, clock.now())
