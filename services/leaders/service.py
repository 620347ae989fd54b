"""The `leaders` nameko service: RPC entrypoints only, each a transaction around a use case.

The service is composed of one entrypoint class per area; a new area (e.g. mentorship
requests) adds its own class to `LeadersService`'s bases. Every class relies on the
`db` dependency declared once on `LeadersService`.
"""
from __future__ import annotations

from nameko.rpc import rpc

from services.runtime import clock, outbox, timers
from services.runtime.dependencies import Database, Settings, every_tick
from services.runtime.health import HealthCheck

from . import app
from .mentorship import views as mentorship_views
from .mentorship.app.routing import reroute_if_unavailable
from .mentorship.repository import MentorshipUnitOfWork
from .mentorship.service import MentorshipEntrypoints
from .settings import from_config


def publish(session, payload) -> None:
    outbox.record(session, LeadersService.name, payload)


class ApplicationEntrypoints:
    """Joining the network: public applications and the program manager's decisions."""

    db: Database

    @rpc
    def submit_application(self, application):
        with self.db.transaction() as session:
            return app.submit_application(session, publish, application, now=clock.now())

    @rpc
    def list_applications(self, status=None, page=1, limit=50):
        with self.db.transaction() as session:
            return app.list_applications(session, status=status, page=page, limit=limit)

    @rpc
    def get_application(self, application_id):
        with self.db.transaction() as session:
            return app.get_application(session, application_id)

    @rpc
    def approve_application(self, application_id, confirm_over_target=False, manager_id=None):
        with self.db.transaction() as session:
            return app.approve_application(session, publish, application_id,
                                           confirm_over_target=confirm_over_target,
                                           manager_id=manager_id, now=clock.now())

    @rpc
    def decline_application(self, application_id, reason=None, manager_id=None):
        with self.db.transaction() as session:
            return app.decline_application(session, publish, application_id,
                                           reason=reason, manager_id=manager_id, now=clock.now())

    @rpc
    def waitlist_application(self, application_id, manager_id=None):
        with self.db.transaction() as session:
            return app.waitlist_application(session, publish, application_id,
                                            manager_id=manager_id, now=clock.now())


class RosterEntrypoints:
    """Leader profiles, the public directory, the manager's roster and its CSV."""

    db: Database

    @rpc
    def get_leader(self, leader_id):
        with self.db.transaction() as session:
            return app.get_leader(session, leader_id, today=clock.now().date())

    @rpc
    def find_leader_by_email(self, email):
        with self.db.transaction() as session:
            return app.find_leader_by_email(session, email, today=clock.now().date())

    @rpc
    def public_leader(self, leader_id):
        with self.db.transaction() as session:
            return app.public_leader(session, leader_id)

    # A leader who goes away or stops being active has their pending mentorship offers
    # re-routed in the same transaction as the change.

    def _change_leader(self, change, leader_id, *args):
        now = clock.now()
        with self.db.unit_of_work() as uow:
            leader = change(uow.session, publish, leader_id, *args, now=now)
            reroute_if_unavailable(uow, leader["id"], now=now, settings=self.settings)
            return leader

    @rpc
    def update_leader(self, leader_id, changes):
        return self._change_leader(app.update_leader, leader_id, changes)

    @rpc
    def set_availability(self, leader_id, away_until=None):
        return self._change_leader(app.set_availability, leader_id, away_until)

    @rpc
    def set_status(self, leader_id, status):
        return self._change_leader(app.set_status, leader_id, status)

    @rpc
    def directory(self, region=None, state=None, expertise=None, grouping=None, page=1, limit=50):
        with self.db.transaction() as session:
            return app.directory(session, region=region, state=state, expertise=expertise,
                                 grouping=grouping, page=page, limit=limit)

    @rpc
    def roster(self, status=None, region=None, state=None, expertise=None, grouping=None, page=1, limit=50):
        with self.db.transaction() as session:
            return app.roster(session, today=clock.now().date(), status=status, region=region,
                              state=state, expertise=expertise, grouping=grouping, page=page, limit=limit)

    @rpc
    def expertise_tags(self):
        return app.expertise_tags()

    @rpc
    def import_roster_csv(self, csv_text):
        with self.db.transaction() as session:
            return app.import_roster_csv(session, publish, csv_text, now=clock.now())

    @rpc
    def export_roster_csv(self):
        with self.db.transaction() as session:
            return app.export_roster_csv(session, today=clock.now().date())


class RegionEntrypoints:
    """Regions, program settings and leader coverage."""

    db: Database

    @rpc
    def regions(self, grouping=None):
        with self.db.transaction() as session:
            return app.list_regions(session, grouping)

    @rpc
    def program_settings(self):
        with self.db.transaction() as session:
            return app.get_settings(session)

    @rpc
    def set_region_grouping(self, grouping):
        with self.db.transaction() as session:
            return app.set_region_grouping(session, publish, grouping, now=clock.now())

    @rpc
    def set_roster_target(self, target):
        with self.db.transaction() as session:
            return app.set_roster_target(session, target, now=clock.now())

    @rpc
    def set_coverage_target(self, region, target, grouping=None):
        with self.db.transaction() as session:
            return app.set_coverage_target(session, region, target, grouping=grouping)

    @rpc
    def coverage_leaders(self, grouping=None, as_of=None):
        with self.db.transaction() as session:
            return app.coverage_leaders(session, grouping=grouping, as_of=as_of, today=clock.now().date(),
                                        mentee_load=mentorship_views.mentee_load())


class TrainingEntrypoints:
    """Distance learning: the modules, each leader's completions, and the reminders to
    leaders who have not finished the mentoring modules (app.LEADER_PATHS)."""

    db: Database

    @rpc
    def training_modules(self):
        return app.training_modules()

    @rpc
    def leader_training(self, leader_id):
        with self.db.transaction() as session:
            return app.leader_training(session, leader_id)

    @rpc
    def complete_training(self, leader_id, module):
        with self.db.transaction() as session:
            return app.complete_training(session, publish, leader_id, module, now=clock.now())

    @every_tick
    def run_training_timers(self):
        timers.run_due(self.db, app.timer_handlers(publish), clock.now())


class LeadersService(ApplicationEntrypoints, RosterEntrypoints, RegionEntrypoints, TrainingEntrypoints,
                     MentorshipEntrypoints, HealthCheck):
    name = "leaders"
    db = Database(unit_of_work=MentorshipUnitOfWork)
    settings = Settings(from_config)
