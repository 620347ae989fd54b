"""The `leaders` nameko service: RPC entrypoints only, each a transaction around a use case.

The service is composed of one entrypoint class per area; a new area (e.g. mentorship
requests) adds its own class to `LeadersService`'s bases. Every class relies on the
`db` dependency declared once on `LeadersService`.
"""
from __future__ import annotations

from nameko.rpc import rpc

from services.runtime import clock
from services.runtime.dependencies import Database

from . import app


class ApplicationEntrypoints:
    """Joining the network: public applications and the program manager's decisions."""

    db: Database

    @rpc
    def submit_application(self, application):
        with self.db.transaction() as session:
            return app.submit_application(session, self.db.publish, application, now=clock.now())

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
            return app.approve_application(session, self.db.publish, application_id,
                                           confirm_over_target=confirm_over_target,
                                           manager_id=manager_id, now=clock.now())

    @rpc
    def decline_application(self, application_id, reason=None, manager_id=None):
        with self.db.transaction() as session:
            return app.decline_application(session, self.db.publish, application_id,
                                           reason=reason, manager_id=manager_id, now=clock.now())

    @rpc
    def waitlist_application(self, application_id, manager_id=None):
        with self.db.transaction() as session:
            return app.waitlist_application(session, self.db.publish, application_id,
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

    @rpc
    def update_leader(self, leader_id, changes):
        with self.db.transaction() as session:
            return app.update_leader(session, self.db.publish, leader_id, changes, now=clock.now())

    @rpc
    def set_availability(self, leader_id, away_until=None):
        with self.db.transaction() as session:
            return app.set_availability(session, self.db.publish, leader_id, away_until, now=clock.now())

    @rpc
    def set_status(self, leader_id, status):
        with self.db.transaction() as session:
            return app.set_status(session, self.db.publish, leader_id, status, now=clock.now())

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
            return app.import_roster_csv(session, self.db.publish, csv_text, now=clock.now())

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
    def settings(self):
        with self.db.transaction() as session:
            return app.get_settings(session)

    @rpc
    def set_region_grouping(self, grouping):
        with self.db.transaction() as session:
            return app.set_region_grouping(session, self.db.publish, grouping, now=clock.now())

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
            return app.coverage_leaders(session, grouping=grouping, as_of=as_of, today=clock.now().date())


class TrainingEntrypoints:
    """Distance learning: the modules and each leader's completions."""

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
            return app.complete_training(session, self.db.publish, leader_id, module, now=clock.now())


class LeadersService(ApplicationEntrypoints, RosterEntrypoints, RegionEntrypoints, TrainingEntrypoints):
    name = "leaders"
    db = Database()
