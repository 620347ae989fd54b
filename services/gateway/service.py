"""The gateway: the only HTTP entry of the system (DESIGN.md §2, §8).

It owns accounts, sessions and API tokens; everything else it asks the services for over
RPC. Entry points stay thin: HTTP requests go to the route table (services/gateway/api),
events and timers to the use cases in app.py.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from nameko.rpc import ClusterRpc

from services.runtime import clock, timers
from services.runtime.dependencies import Database, Settings, every_tick
from services.runtime.messaging import handles

from . import app, auth, digest, email_change, idempotency, summary
from .api.coverage import CoverageReports
from .http import call_service, dispatch, http_gateway
from .routes import ROUTES
from .settings import from_config

log = logging.getLogger(__name__)


class GatewayService:
    name = "gateway"

    db = Database()
    settings = Settings(from_config)
    rpc = ClusterRpc()
    reports = CoverageReports()

    @http_gateway
    def serve(self, request):
        return dispatch(self, request, ROUTES)

    @handles("application_approved")
    def on_application_approved(self, uow, event):
        leader = event.data
        app.ensure_leader_account(uow.session, leader_id=leader.leader_id, email=leader.email, name=leader.name,
                                  now=clock.now())

    @handles("leader_updated")
    def on_leader_updated(self, uow, event):
        leader = event.data
        email_change.follow_leader(uow.session, leader.leader_id, leader.email, leader.leader_version)

    @handles("leader_deactivated")
    def on_leader_deactivated(self, uow, event):
        app.deactivate_leader(uow.session, event.data.leader_id, clock.now())

    @handles("coverage_digest_due")
    def on_coverage_digest_due(self, uow, event):
        # The calls are bounded by the RPC timeout; a failure leaves the event to the
        # kit's retries, and the mailer stores the week's digest once however often asked.
        digest.hand_over(self, event.data.week_start, event.data.week_end)

    @handles("managers_summary_due")
    def on_managers_summary_due(self, uow, event):
        # As the digest: bounded calls, the kit's retries, one summary a day at the mailer.
        summary.hand_over(self, event.data.day, event.data.since, clock.now())

    @every_tick
    def run_timers(self):
        now = clock.now()
        timers.run_due(self.db, {app.SETUP_MAIL_JOB: self._send_setup_mail,
                                 email_change.EMAIL_CHANGE_MAIL_JOB: self._send_email_change_mail}, now)
        with self.db.transaction() as session:
            auth.purge_rate_limits(session, now - timedelta(days=1))
            idempotency.purge(session, now)

    def _send_setup_mail(self, uow, payload, now):
        lifetime = timedelta(hours=self.settings.setup_link_hours)
        mail = app.setup_mail_request(uow.session, payload["account_id"], now, lifetime)
        if mail is not None:
            self._hand_to_mailer("send_account_setup", mail)

    def _send_email_change_mail(self, uow, payload, now):
        lifetime = timedelta(hours=self.settings.setup_link_hours)
        mail = email_change.mail_request(uow.session, payload["change_id"], now, lifetime)
        if mail is not None:
            self._hand_to_mailer("send_email_change", mail)

    def _hand_to_mailer(self, method: str, mail: dict) -> None:
        """Within the job's transaction, which a failure rolls back (the new link with it),
        leaving the job due again with a growing delay. Bounded by the RPC timeout: on
        SQLite the open transaction holds every other write of the gateway back, so a
        mailer that is down or slow must not hold it for longer."""
        call_service(self, "mailer", method, **mail)
