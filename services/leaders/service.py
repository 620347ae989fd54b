"""The `leaders` nameko service: entrypoints only, each a unit of work around a use case
(`app`) or a query (`views`).

The service is composed of one entrypoint class per area; a new area adds its own class
to `LeadersService`'s bases. Every class relies on the `db` and `settings` dependencies
declared once on `LeadersService`.
"""
from __future__ import annotations

from nameko.rpc import rpc as unchecked_rpc

from services.runtime import clock, timers
from services.runtime.dependencies import Database, Settings, every_tick
from services.runtime.health import HealthCheck
from services.runtime.rpc import rpc

from . import mentorship_app, views
from .app import applications, profiles, program, roster_import, training
from .repository import LeadersUnitOfWork
from .settings import from_config


def _publisher(uow):
    """mentorship_app's use cases still take a publish(session, payload) callback: this one
    records their events through the unit of work."""
    return lambda session, payload: uow.publish(payload)


def _mentorship_timer_handlers(settings):
    """mentorship_app's timer handlers, each publishing through the unit of work of its job."""

    def through_unit_of_work(kind):
        def handle(uow, payload, now):
            mentorship_app.timer_handlers(_publisher(uow), settings)[kind](uow, payload, now)
        return handle

    return {kind: through_unit_of_work(kind) for kind in mentorship_app.timer_handlers(None, settings)}


class ApplicationEntrypoints:
    """Joining the network: public applications and the program manager's decisions."""

    db: Database

    @rpc
    def submit_application(self, application):
        with self.db.unit_of_work() as uow:
            return applications.submit_application(uow, application, now=clock.now())

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
        with self.db.unit_of_work() as uow:
            return applications.approve_application(uow, application_id, confirm_over_target=confirm_over_target,
                                                    actor=actor, now=clock.now())

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
    # re-routed in the same transaction as the change.

    def _change_leader(self, change, leader_id, *args):
        now = clock.now()
        with self.db.unit_of_work() as uow:
            leader = change(uow, leader_id, *args, now=now)
            mentorship_app.reroute_if_unavailable(uow.session, _publisher(uow), leader["id"], now=now,
                                                  settings=self.settings)
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
    def directory(self, region=None, state=None, expertise=None, grouping=None, page=1, limit=50):
        with self.db.unit_of_work() as uow:
            return views.directory(uow.session, region=region, state=state, expertise=expertise,
                                   grouping=grouping, page=page, limit=limit)

    @rpc
    def roster(self, status=None, region=None, state=None, expertise=None, grouping=None, page=1, limit=50):
        with self.db.unit_of_work() as uow:
            return views.roster(uow.session, today=clock.now().date(), status=status, region=region,
                                state=state, expertise=expertise, grouping=grouping, page=page, limit=limit)

    @rpc
    def expertise_tags(self):
        return views.expertise_tags()

    @rpc
    def import_roster_csv(self, csv_text):
        with self.db.unit_of_work() as uow:
            return roster_import.import_roster_csv(uow, csv_text, now=clock.now())

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
                                          mentee_load=mentorship_app.mentee_load())


class TrainingEntrypoints:
    """Distance learning: the modules, each leader's completions, and the reminders to
    leaders who have not finished the mentoring modules (app.training.LEADER_PATHS)."""

    db: Database

    @rpc
    def training_modules(self):
        return views.training_modules()

    @rpc
    def leader_training(self, leader_id):
        with self.db.unit_of_work() as uow:
            return views.leader_training(uow.session, leader_id)

    @rpc
    def complete_training(self, leader_id, module):
        with self.db.unit_of_work() as uow:
            return training.complete_training(uow, leader_id, module, now=clock.now())

    @every_tick
    def run_training_timers(self):
        timers.run_due(self.db, training.timer_handlers(), clock.now())


class MentorshipEntrypoints:
    """Mentorship requests: the public requester (by link token), the leader it is offered
    to (the gateway passes the signed-in leader's id), program managers, and the deadline
    sweep. Link paths: mentorship_app.MENTORSHIP_PATHS."""

    db: Database

    @unchecked_rpc
    def submit_request(self, request):
        with self.db.unit_of_work() as uow:
            return mentorship_app.submit_request(uow.session, _publisher(uow), request, now=clock.now())

    @unchecked_rpc
    def confirm_request(self, token):
        with self.db.unit_of_work() as uow:
            return mentorship_app.confirm_request(uow.session, _publisher(uow), token, now=clock.now(),
                                                  settings=self.settings)

    @unchecked_rpc
    def request_status(self, token):
        with self.db.unit_of_work() as uow:
            return mentorship_app.request_status(uow.session, token, now=clock.now())

    @unchecked_rpc
    def cancel_request(self, token):
        with self.db.unit_of_work() as uow:
            return mentorship_app.cancel_request(uow.session, _publisher(uow), token, now=clock.now())

    @unchecked_rpc
    def accept_offer(self, request_id, leader_id, agreed_days=None):
        with self.db.unit_of_work() as uow:
            return mentorship_app.accept_offer(uow.session, _publisher(uow), request_id, leader_id, agreed_days,
                                               now=clock.now(), settings=self.settings)

    @unchecked_rpc
    def decline_offer(self, request_id, leader_id, reason=None):
        with self.db.unit_of_work() as uow:
            return mentorship_app.decline_offer(uow.session, _publisher(uow), request_id, leader_id, reason,
                                                now=clock.now(), settings=self.settings)

    @unchecked_rpc
    def complete_mentorship(self, request_id, leader_id, outcome_note):
        with self.db.unit_of_work() as uow:
            return mentorship_app.complete_mentorship(uow.session, _publisher(uow), request_id, leader_id,
                                                      outcome_note, now=clock.now(), settings=self.settings)

    @unchecked_rpc
    def leader_requests(self, leader_id):
        with self.db.unit_of_work() as uow:
            return mentorship_app.leader_requests(uow.session, leader_id)

    @unchecked_rpc
    def assign(self, request_id, leader_id, manager_id):
        with self.db.unit_of_work() as uow:
            return mentorship_app.assign(uow.session, _publisher(uow), request_id, leader_id, manager_id,
                                         now=clock.now(), settings=self.settings)

    @unchecked_rpc
    def close_unanswered(self, request_id, manager_id, note=None):
        with self.db.unit_of_work() as uow:
            return mentorship_app.close_unanswered(uow.session, _publisher(uow), request_id, manager_id, note,
                                                   now=clock.now())

    @unchecked_rpc
    def list_requests(self, state=None, region=None, state_code=None, overdue=None, grouping=None, page=1, limit=50):
        with self.db.unit_of_work() as uow:
            return mentorship_app.list_requests(uow.session, now=clock.now(), state=state, region=region,
                                                state_code=state_code, overdue=overdue, grouping=grouping,
                                                page=page, limit=limit)

    @unchecked_rpc
    def get_request(self, request_id):
        with self.db.unit_of_work() as uow:
            return mentorship_app.get_request(uow.session, request_id, now=clock.now())

    @unchecked_rpc
    def candidates(self, request_id, limit=10):
        with self.db.unit_of_work() as uow:
            return mentorship_app.candidates(uow.session, request_id, limit, now=clock.now(),
                                             settings=self.settings)

    @unchecked_rpc
    def coverage_mentorship(self, grouping=None, window_start=None, window_end=None):
        with self.db.unit_of_work() as uow:
            return mentorship_app.coverage_mentorship(uow.session, now=clock.now(), grouping=grouping,
                                                      window_start=window_start, window_end=window_end)

    @every_tick
    def run_mentorship_timers(self):
        timers.run_due(self.db, _mentorship_timer_handlers(self.settings), clock.now())


class LeadersService(ApplicationEntrypoints, RosterEntrypoints, RegionEntrypoints, TrainingEntrypoints,
                     MentorshipEntrypoints, HealthCheck):
    name = "leaders"
    db = Database(unit_of_work=LeadersUnitOfWork)
    settings = Settings(from_config)
