"""The mailer service: turns events into stored mail and delivers it (DESIGN.md §4.6, §5).

Each handler stores the mail its event causes in the event's own transaction (so the
same event delivered again stores nothing more) and wakes the delivery loop after the
commit. The timer retries due messages and runs the weekly digest; RPC serves the gateway.
"""
from __future__ import annotations

from nameko.rpc import rpc

from services.runtime import clock, timers
from services.runtime.dependencies import Database, Settings, every_tick
from services.runtime.health import HealthCheck
from services.runtime.messaging import handles

from . import views
from .app import account_setup, digest, operators, queueing
from .dispatch import Dispatcher
from .repository import MailerUnitOfWork
from .settings import from_config


class MailerService(HealthCheck):
    name = "mailer"
    db = Database(unit_of_work=MailerUnitOfWork)
    settings = Settings(from_config)
    dispatcher = Dispatcher()

    def queue_mail(self, uow, event) -> None:
        queueing.queue_event(uow, event, self.settings, clock.now())
        self.dispatcher.wake_after_commit(uow)

    # -- leaders --------------------------------------------------------------------------

    @handles("application_submitted")
    def on_application_submitted(self, uow, event):
        self.queue_mail(uow, event)

    @handles("application_approved")
    def on_application_approved(self, uow, event):
        self.queue_mail(uow, event)

    @handles("application_declined")
    def on_application_declined(self, uow, event):
        self.queue_mail(uow, event)

    @handles("application_waitlisted")
    def on_application_waitlisted(self, uow, event):
        self.queue_mail(uow, event)

    @handles("training_completed")
    def on_training_completed(self, uow, event):
        self.queue_mail(uow, event)

    @handles("training_reminder_due")
    def on_training_reminder_due(self, uow, event):
        self.queue_mail(uow, event)

    # -- mentorship -----------------------------------------------------------------------

    @handles("mentorship_requested")
    def on_mentorship_requested(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_confirmed")
    def on_mentorship_confirmed(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_offered")
    def on_mentorship_offered(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_offer_reminder_due")
    def on_mentorship_offer_reminder_due(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_offer_expired")
    def on_mentorship_offer_expired(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_rerouted")
    def on_mentorship_rerouted(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_declined")
    def on_mentorship_declined(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_accepted")
    def on_mentorship_accepted(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_completed")
    def on_mentorship_completed(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_cancelled")
    def on_mentorship_cancelled(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_unanswered")
    def on_mentorship_unanswered(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_closed")
    def on_mentorship_closed(self, uow, event):
        self.queue_mail(uow, event)

    @handles("mentorship_overdue")
    def on_mentorship_overdue(self, uow, event):
        self.queue_mail(uow, event)

    # -- screenings -----------------------------------------------------------------------

    @handles("screening_submitted")
    def on_screening_submitted(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_approved")
    def on_screening_approved(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_scheduled")
    def on_screening_scheduled(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_sent_back")
    def on_screening_sent_back(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_rescheduled")
    def on_screening_rescheduled(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_venue_changed")
    def on_screening_venue_changed(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_cancelled")
    def on_screening_cancelled(self, uow, event):
        self.queue_mail(uow, event)

    @handles("rsvp_confirmed")
    def on_rsvp_confirmed(self, uow, event):
        self.queue_mail(uow, event)

    @handles("rsvp_waitlisted")
    def on_rsvp_waitlisted(self, uow, event):
        self.queue_mail(uow, event)

    @handles("rsvp_promoted")
    def on_rsvp_promoted(self, uow, event):
        self.queue_mail(uow, event)

    @handles("rsvp_cancelled")
    def on_rsvp_cancelled(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_reminder_due")
    def on_screening_reminder_due(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_report_due")
    def on_screening_report_due(self, uow, event):
        self.queue_mail(uow, event)

    @handles("screening_report_filed")
    def on_screening_report_filed(self, uow, event):
        self.queue_mail(uow, event)

    # -- delivery and the weekly digest ---------------------------------------------------

    @every_tick
    def tick(self):
        with self.db.unit_of_work() as uow:
            digest.ensure_digest_scheduled(uow, clock.now(), self.settings)
        timers.run_due(self.db, {digest.DIGEST_JOB: self._digest}, clock.now())
        self.dispatcher.deliver_due(self.db)

    def _digest(self, uow, payload, now):
        digest.send_coverage_digest(uow, payload, now, self.settings)
        self.dispatcher.wake_after_commit(uow)

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
