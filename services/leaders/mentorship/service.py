"""Entrypoints of mentorship requests, composed into the leaders service (LeadersService):
the public requester (by link token), the leader a request is offered to (the gateway
passes the signed-in leader's id), program managers (as `actor`), and the deadline
sweep. Link paths: paths.MENTORSHIP_PATHS."""
from __future__ import annotations

from services.runtime import clock, request_keys, timers
from services.runtime.dependencies import Database, every_tick
from services.runtime.rpc import rpc

from ..settings import LeadersSettings
from . import views
from .app import leader, manager, requester, urgent
from .app.reoffer import leader_may_be_free
from .app.timers import timer_handlers


class MentorshipEntrypoints:
    db: Database
    settings: LeadersSettings

    # -- the requester ----------------------------------------------------------------

    @rpc
    def submit_request(self, request, request_key=None):
        return request_keys.once(self.db, "submit_request", request_key, lambda uow: requester.submit_request(
            uow, request, now=clock.now()))

    @rpc
    def confirm_request(self, token):
        with self.db.unit_of_work() as uow:
            return requester.confirm_request(uow, token, now=clock.now(), settings=self.settings)

    @rpc
    def request_status(self, token):
        with self.db.unit_of_work() as uow:
            return views.request_status(uow.session, token, now=clock.now())

    @rpc
    def cancel_request(self, token):
        with self.db.unit_of_work() as uow:
            return requester.cancel_request(uow, token, now=clock.now())

    # -- the leader -------------------------------------------------------------------

    @rpc
    def accept_offer(self, request_id, leader_id, agreed_days=None):
        with self.db.unit_of_work() as uow:
            return leader.accept_offer(uow, request_id, leader_id, agreed_days, now=clock.now(),
                                       settings=self.settings)

    @rpc
    def decline_offer(self, request_id, leader_id, reason=None):
        with self.db.unit_of_work() as uow:
            return leader.decline_offer(uow, request_id, leader_id, reason, now=clock.now(), settings=self.settings)

    @rpc
    def complete_mentorship(self, request_id, leader_id, outcome_note):
        now = clock.now()
        with self.db.unit_of_work() as uow:
            completed = leader.complete_mentorship(uow, request_id, leader_id, outcome_note, now=now,
                                                   settings=self.settings)
            leader_may_be_free(uow, now=now)  # the mentor has capacity again
            return completed

    @rpc
    def leader_requests(self, leader_id):
        with self.db.unit_of_work() as uow:
            return views.leader_requests(uow.session, leader_id)

    # -- program managers -------------------------------------------------------------

    @rpc
    def assign(self, request_id, leader_id, actor):
        with self.db.unit_of_work() as uow:
            return manager.assign(uow, request_id, leader_id, actor, now=clock.now(), settings=self.settings)

    @rpc
    def close_unanswered(self, request_id, actor, note=None):
        with self.db.unit_of_work() as uow:
            return manager.close_unanswered(uow, request_id, actor, note, now=clock.now())

    @rpc
    def list_requests(self, state=None, region=None, state_code=None, overdue=None, grouping=None, page=1, limit=50):
        with self.db.unit_of_work() as uow:
            return views.list_requests(uow.session, now=clock.now(), state=state, region=region,
                                       state_code=state_code, overdue=overdue, grouping=grouping,
                                       page=page, limit=limit)

    @rpc
    def get_request(self, request_id):
        with self.db.unit_of_work() as uow:
            return views.get_request(uow.session, request_id, now=clock.now())

    @rpc
    def candidates(self, request_id, limit=10):
        with self.db.unit_of_work() as uow:
            return views.candidates(uow.session, request_id, limit, now=clock.now(), settings=self.settings)

    @rpc
    def coverage_mentorship(self, grouping=None, window_start=None, window_end=None):
        with self.db.unit_of_work() as uow:
            return views.coverage_mentorship(uow.session, now=clock.now(), grouping=grouping,
                                             window_start=window_start, window_end=window_end)

    # -- rapid response ---------------------------------------------------------------

    @rpc
    def file_urgent_request(self, request, request_key=None):
        return request_keys.once(self.db, "file_urgent_request", request_key, lambda uow: urgent.file_urgent_request(
            uow, request, now=clock.now(), settings=self.settings))

    @rpc
    def accept_urgent(self, request_id, leader_id):
        with self.db.unit_of_work() as uow:
            return urgent.accept_urgent(uow, request_id, leader_id, now=clock.now(), settings=self.settings)

    @rpc
    def decline_urgent(self, request_id, leader_id):
        with self.db.unit_of_work() as uow:
            return urgent.decline_urgent(uow, request_id, leader_id, now=clock.now(), settings=self.settings)

    @rpc
    def leader_urgent_requests(self, leader_id):
        with self.db.unit_of_work() as uow:
            return views.leader_urgent_requests(uow.session, leader_id)

    @rpc
    def list_urgent_requests(self, open_only=False, limit=50):
        with self.db.unit_of_work() as uow:
            return views.list_urgent_requests(uow.session, open_only, limit)

    # -- deadlines --------------------------------------------------------------------

    @every_tick
    def run_mentorship_timers(self):
        timers.run_due(self.db, timer_handlers(self.settings), clock.now())
