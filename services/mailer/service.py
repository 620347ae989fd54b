"""The mailer service: turns events into stored mail and delivers it (DESIGN.md §4.6, §5).

Each handler stores the mail its event causes in the event's own transaction (so the
same event delivered again stores nothing more) and wakes the delivery loop after the
commit. The timer retries due messages and runs the weekly digest.
"""
from __future__ import annotations

from nameko.rpc import rpc

from services.runtime import clock, timers
from services.runtime.dependencies import Database, every_tick
from services.runtime.messaging import handles
from services.runtime.health import HealthCheck

from . import app
from .dispatch import Dispatcher


class MailerService(HealthCheck):
    name = "mailer"
    db = Database()
    dispatcher = Dispatcher()

    def _queue(self, uow, event) -> int:
        queued = app.queue_event(uow.session, event, self.dispatcher.settings, clock.now())
        self.dispatcher.wake_after_commit(uow.session)
        return queued

    # -- leaders --------------------------------------------------------------------------

    @handles("application_submitted")
    def on_application_submitted(self, uow, event):
        return self._queue(uow, event)

    @handles("application_approved")
    def on_application_approved(self, uow, event):
        return self._queue(uow, event)

    @handles("application_declined")
    def on_application_declined(self, uow, event):
        return self._queue(uow, event)

    @handles("application_waitlisted")
    def on_application_waitlisted(self, uow, event):
        return self._queue(uow, event)

    @handles("training_completed")
    def on_training_completed(self, uow, event):
        return self._queue(uow, event)

    @handles("training_reminder_due")
    def on_training_reminder_due(self, uow, event):
        return self._queue(uow, event)

    # -- mentorship -----------------------------------------------------------------------

    @handles("mentorship_requested")
    def on_mentorship_requested(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_confirmed")
    def on_mentorship_confirmed(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_offered")
    def on_mentorship_offered(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_offer_reminder_due")
    def on_mentorship_offer_reminder_due(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_offer_expired")
    def on_mentorship_offer_expired(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_rerouted")
    def on_mentorship_rerouted(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_declined")
    def on_mentorship_declined(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_accepted")
    def on_mentorship_accepted(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_completed")
    def on_mentorship_completed(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_cancelled")
    def on_mentorship_cancelled(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_unanswered")
    def on_mentorship_unanswered(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_closed")
    def on_mentorship_closed(self, uow, event):
        return self._queue(uow, event)

    @handles("mentorship_overdue")
    def on_mentorship_overdue(self, uow, event):
        return self._queue(uow, event)

    # -- screenings -----------------------------------------------------------------------

    @handles("screening_submitted")
    def on_screening_submitted(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_approved")
    def on_screening_approved(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_scheduled")
    def on_screening_scheduled(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_sent_back")
    def on_screening_sent_back(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_rescheduled")
    def on_screening_rescheduled(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_venue_changed")
    def on_screening_venue_changed(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_cancelled")
    def on_screening_cancelled(self, uow, event):
        return self._queue(uow, event)

    @handles("rsvp_confirmed")
    def on_rsvp_confirmed(self, uow, event):
        return self._queue(uow, event)

    @handles("rsvp_waitlisted")
    def on_rsvp_waitlisted(self, uow, event):
        return self._queue(uow, event)

    @handles("rsvp_promoted")
    def on_rsvp_promoted(self, uow, event):
        return self._queue(uow, event)

    @handles("rsvp_cancelled")
    def on_rsvp_cancelled(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_reminder_due")
    def on_screening_reminder_due(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_report_due")
    def on_screening_report_due(self, uow, event):
        return self._queue(uow, event)

    @handles("screening_report_filed")
    def on_screening_report_filed(self, uow, event):
        return self._queue(uow, event)

    # -- delivery and the weekly digest ---------------------------------------------------

    @every_tick
    def tick(self):
        settings = self.dispatcher.settings
        with self.db.transaction() as session:
            app.ensure_digest_scheduled(session, clock.now(), settings)
        timers.run_due(self.db, {app.DIGEST_JOB: self._digest}, clock.now())
        self.dispatcher.deliver_due(self.db)

    def _digest(self, uow, payload, now):
        app.send_coverage_digest(uow.session, payload, now, self.dispatcher.settings)
        self.dispatcher.wake_after_commit(uow.session)

    # -- RPC for the gateway ---------------------------------------------------------------

    @rpc
    def send_account_setup(self, email, name, setup_path, expires_at, dedupe_key):
        with self.db.transaction() as session:
            result = app.queue_account_setup(session, email=email, name=name, setup_path=setup_path,
                                             expires_at=expires_at, dedupe_key=dedupe_key,
                                             settings=self.dispatcher.settings, now=clock.now())
            self.dispatcher.wake_after_commit(session)
        return result

    @rpc
    def search_deliveries(self, recipient=None, state=None, template=None, since=None, limit=50):
        with self.db.transaction() as session:
            return app.search_deliveries(session, recipient=recipient, state=state,
                                         template=template, since=since, limit=limit)

    @rpc
    def get_delivery(self, delivery_id):
        with self.db.transaction() as session:
            return app.get_delivery(session, delivery_id)

    @rpc
    def resend(self, delivery_id):
        with self.db.transaction() as session:
            result = app.resend(session, delivery_id, self.dispatcher.settings, clock.now())
            self.dispatcher.wake_after_commit(session)
        return result

    @rpc
    def list_suppressions(self, recipient=None, limit=100):
        with self.db.transaction() as session:
            return app.list_suppressions(session, recipient, limit)

    @rpc
    def remove_suppression(self, recipient, reason=None):
        with self.db.transaction() as session:
            return app.remove_suppression(session, recipient, reason)

    @rpc
    def unsubscribe(self, token):
        with self.db.transaction() as session:
            return app.unsubscribe(session, token, clock.now())
