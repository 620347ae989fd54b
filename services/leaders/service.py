"""The `leaders` nameko service: entrypoints only, each a unit of work around a use case
(`app`) or a query (`views`).

The service is composed of one entrypoint class per area; a new area adds its own class
to `LeadersService`'s bases. Every class relies on the `db` and `settings` dependencies
declared once on `LeadersService`.
"""
from __future__ import annotations

from services.runtime import clock, request_keys, timers
from services.runtime.dependencies import Database, Settings, every_tick
from services.runtime.health import HealthCheck
from services.runtime.rpc import rpc

from . import views
from .app import applications, profiles, program, roster_import, training
from .mentorship import views as mentorship_views
from .mentorship.app.reoffer import leader_may_be_free
from .mentorship.app.routing import reroute_if_unavailable
from .mentorship.repository import MentorshipRepositories
from .mentorship.service import MentorshipEntrypoints
from .repository import LeadersUnitOfWork
from .settings import from_config


class ApplicationEntrypoints:
    """Joining the network: public applications and the program manager's decisions."""

    db: Database

    @rpc
    def submit_application(self, application, request_key=None):
        return request_keys.once(self.db, "submit_application", request_key,
                                 lambda uow: applications.submit_application(uow, application, now=clock.now()))

    @rpc
    def list_applications(self, status=None, page=1, limit=50):
        with self.db.unit_of_work() as uow:
            return views.list_applications(uow.session, status=status, page=page, limit=limit)

    @rpc
    def get_application(self, application_id):
        with self.db.unit_of_work() as uow:
            return views.get_application(uow.session, application_id)

    @rpc
    def approve_application(self, application_id, confirm_over_target=False, actor=None):
        now = clock.now()
        with self.db.unit_of_work() as uow:
            approved = applications.approve_application(uow, application_id, confirm_over_target=confirm_over_target,
                                                        actor=actor, now=now)
            leader_may_be_free(uow, now=now)
            return approved

    @rpc
    def decline_application(self, application_id, reason=None, actor=None):
        with self.db.unit_of_work() as uow:
            return applications.decline_application(uow, application_id, reason=reason, actor=actor,
                                                    now=clock.now())

    @rpc
    def waitlist_application(self, application_id, actor=None):
        with self.db.unit_of_work() as uow:
            return applications.waitlist_application(uow, application_id, actor=actor, now=clock.now())


class RosterEntrypoints:
    """Leader profiles, the public directory, the manager's roster and its CSV."""

    db: Database

    @rpc
    def get_leader(self, leader_id):
        with self.db.unit_of_work() as uow:
            return views.get_leader(uow.session, leader_id, today=clock.now().date())

    @rpc
    def find_leader_by_email(self, email):
        with self.db.unit_of_work() as uow:
            return views.find_leader_by_email(uow.session, email, today=clock.now().date())

    @rpc
    def public_leader(self, leader_id):
        with self.db.unit_of_work() as uow:
            return views.public_leader(uow.session, leader_id)

    # A leader who goes away or stops being active has their pending mentorship offers
    # re-routed in the same transaction as the change; one who comes back (or gets more
    # capacity) may take a request handed to the managers.

    def _change_leader(self, change, leader_id, *args):
        now = clock.now()
        with self.db.unit_of_work() as uow:
            leader = change(uow, leader_id, *args, now=now)
            reroute_if_unavailable(uow, leader["id"], now=now, settings=self.settings)
            leader_may_be_free(uow, now=now)
            return leader

    @rpc
    def update_leader(self, leader_id, changes):
        return self._change_leader(profiles.update_leader, leader_id, changes)

    @rpc
    def set_availability(self, leader_id, away_until=None):
        return self._change_leader(profiles.set_availability, leader_id, away_until)

    @rpc
    def set_status(self, leader_id, status):
        return self._change_leader(profiles.set_status, leader_id, status)

    @rpc
    def directory(self, region=None, state=None, expertise=None, grouping=None, page=1, limit=50,
                  near_latitude=None, near_longitude=None, radius_miles=50):
        with self.db.unit_of_work() as uow:
            return views.directory(uow.session, region=region, state=state, expertise=expertise,
                                   grouping=grouping, page=page, limit=limit, near_latitude=near_latitude,
                                   near_longitude=near_longitude, radius_miles=radius_miles)

    @rpc
    def roster(self, status=None, region=None, state=None, expertise=None, grouping=None, page=1, limit=50,
               name=None):
        with self.db.unit_of_work() as uow:
            return views.roster(uow.session, today=clock.now().date(), status=status, region=region,
                                state=state, expertise=expertise, grouping=grouping, page=page, limit=limit,
                                name=name)

    @rpc
    def expertise_tags(self):
        return views.expertise_tags()

    @rpc
    def import_roster_csv(self, csv_text, dry_run=False):
        with self.db.unit_of_work() as uow:
            return roster_import.import_roster_csv(uow, csv_text, now=clock.now(), dry_run=dry_run)

    @rpc
    def export_roster_csv(self):
        with self.db.unit_of_work() as uow:
            return views.export_roster_csv(uow.session, today=clock.now().date())


class RegionEntrypoints:
    """Regions, program settings and leader coverage."""

    db: Database

    @rpc
    def regions(self, grouping=None):
        with self.db.unit_of_work() as uow:
            return views.list_regions(uow.session, grouping)

    @rpc
    def program_settings(self):
        with self.db.unit_of_work() as uow:
            return views.settings(uow.session)

    @rpc
    def set_region_grouping(self, grouping):
        with self.db.unit_of_work() as uow:
            return program.set_region_grouping(uow, grouping, now=clock.now())

    @rpc
    def set_roster_target(self, target):
        with self.db.unit_of_work() as uow:
            return program.set_roster_target(uow, target, now=clock.now())

    @rpc
    def set_coverage_target(self, region, target, grouping=None):
        with self.db.unit_of_work() as uow:
            return program.set_coverage_target(uow, region, target, grouping=grouping)

    @rpc
    def coverage_leaders(self, grouping=None, as_of=None):
        with self.db.unit_of_work() as uow:
            return views.coverage_leaders(uow.session, grouping=grouping, as_of=as_of, today=clock.now().date(),
                                          mentee_load=mentorship_views.mentee_load())


class TrainingEntrypoints:
    """Distance learning: the modules and their knowledge checks, each leader's completions
    (a passed check), progress per region, and the reminders to leaders who have not
    finished the mentoring modules (app.training.LEADER_PATHS)."""

    db: Database

    @rpc
    def training_modules(self):
        return views.training_modules()

    @rpc
    def leader_training(self, leader_id):
        with self.db.unit_of_work() as uow:
            return views.leader_training(uow.session, leader_id)

    @rpc
    def training_module(self, module):
        return views.training_module(module)

    @rpc
    def submit_training_answers(self, leader_id, module, answers):
        now = clock.now()
        with self.db.unit_of_work() as uow:
            result = training.submit_answers(uow, leader_id, module, answers, now=now)
            leader_may_be_free(uow, now=now)
            return result

    @rpc
    def training_progress(self, grouping=None):
        with self.db.unit_of_work() as uow:
            return views.training_progress(uow.session, grouping=grouping)

    @every_tick
    def run_training_timers(self):
        timers.run_due(self.db, training.timer_handlers(), clock.now())


class ServiceUnitOfWork(MentorshipRepositories, LeadersUnitOfWork):
    """The roster's repositories and the mentorship room's, in one transaction: a leader
    who goes away has their offers re-routed in the same unit of work."""


class LeadersService(ApplicationEntrypoints, RosterEntrypoints, RegionEntrypoints, TrainingEntrypoints,
                     MentorshipEntrypoints, HealthCheck):
    name = "leaders"
    db = Database(unit_of_work=ServiceUnitOfWork)
    settings = Settings(from_config)
