"""The `screenings` nameko service: entrypoints only, each a transaction around a use case.

Callers pass `actor` ({"role": "manager"} or {"role": "leader", "leader_id": n}) as the
gateway authenticated them; the use cases check it per object. Public calls take none.
"""
from __future__ import annotations

import logging

from nameko import config
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.runtime import clock, timers
from services.runtime.config import db_uri
from services.runtime.db import make_engine, session_factory
from services.runtime.dependencies import Database, every_tick
from services.runtime.health import HealthCheck
from services.runtime.messaging import handles

from . import app, feeds, schemas

log = logging.getLogger(__name__)


class ScreeningsContext(DependencyProvider):
    """Settings read from config, the process-wide feed cache, and the film catalog seeded
    (idempotently) once the migrations have run."""

    def setup(self):
        emails = str(config.get("PROGRAM_MANAGER_EMAILS") or "programs@niot.example.org")
        section = config.get("SCREENINGS") or {}
        self.settings = app.Settings(
            manager_emails=tuple(e.strip() for e in emails.split(",") if e.strip()),
            link_secret=str(section.get("link_secret") or app.Settings.link_secret),
            public_base_url=str(config.get("PUBLIC_BASE_URL") or app.Settings.public_base_url),
            uid_domain=str(section.get("uid_domain") or app.Settings.uid_domain),
            feed_past_days=int(section.get("feed_past_days") or app.Settings.feed_past_days),
        )
        self.cache = feeds.FeedCache(max_vevents=int(section.get("feed_cache_events") or 200_000))

    def start(self):
        engine = make_engine(db_uri(self.container.service_name, dict(config)))
        try:
            with session_factory(engine).begin() as session:
                app.seed_films(session)
        finally:
            engine.dispose()
        self.container.spawn_managed_thread(self._prewarm, identifier="screenings feed prewarm")

    def _prewarm(self):
        """Render the national feed once at start-up, so the first subscriber does not
        wait for every VEVENT to be rendered (later changes re-render one event each)."""
        engine = make_engine(db_uri(self.container.service_name, dict(config)))
        try:
            with session_factory(engine).begin() as session:
                plan = feeds.plan(session, self.cache, "national", None, now=clock.now(),
                                  past_days=self.settings.feed_past_days, base_url=self.settings.public_base_url)
            feeds.complete(self.cache, plan)
        except Exception:
            log.exception("could not prewarm the national feed; it will be built on first request")
        finally:
            engine.dispose()

    def get_dependency(self, worker_ctx):
        return self


def _actor(raw):
    return None if raw is None else schemas.actor(raw)


class LeaderProjection:
    db: Database

    @handles("application_approved")
    def on_application_approved(self, uow, event):
        app.apply_leader_snapshot(uow.session, event.data, clock.now())

    @handles("leader_updated")
    def on_leader_updated(self, uow, event):
        app.apply_leader_snapshot(uow.session, event.data, clock.now())

    @handles("leader_availability_changed")
    def on_leader_availability_changed(self, uow, event):
        app.apply_leader_snapshot(uow.session, event.data, clock.now())

    @handles("leader_deactivated")
    def on_leader_deactivated(self, uow, event):
        app.apply_leader_snapshot(uow.session, event.data, clock.now())

    @rpc
    def projected_leader(self, leader_id):
        with self.db.transaction() as session:
            return app.get_leader(session, leader_id)


class FilmEntrypoints:
    db: Database

    @rpc
    def list_films(self):
        with self.db.transaction() as session:
            return app.list_films(session)

    @rpc
    def get_film(self, slug):
        with self.db.transaction() as session:
            return app.get_film(session, slug)

    @rpc
    def add_film(self, actor, film):
        with self.db.transaction() as session:
            return app.add_film(session, schemas.actor(actor), film, clock.now())


class SchedulingEntrypoints:
    db: Database
    ctx: ScreeningsContext

    @rpc
    def register_screening(self, actor, host_id, details):
        with self.db.transaction() as session:
            return app.register_screening(session, self.ctx.settings, schemas.actor(actor), host_id, details,
                                          clock.now())

    @rpc
    def approve_screening(self, actor, screening_id):
        with self.db.transaction() as session:
            return app.approve_screening(session, self.ctx.settings, schemas.actor(actor), screening_id, clock.now())

    @rpc
    def send_back_screening(self, actor, screening_id, note):
        with self.db.transaction() as session:
            return app.send_back_screening(session, self.ctx.settings, schemas.actor(actor), screening_id, note,
                                           clock.now())

    @rpc
    def resubmit_screening(self, actor, screening_id, changes=None):
        with self.db.transaction() as session:
            return app.resubmit_screening(session, self.ctx.settings, schemas.actor(actor), screening_id, changes,
                                          clock.now())

    @rpc
    def reschedule_screening(self, actor, screening_id, start, end, time_zone=None, message=None):
        with self.db.transaction() as session:
            return app.reschedule_screening(session, self.ctx.settings, schemas.actor(actor), screening_id,
                                            start=start, end=end, time_zone=time_zone, message=message,
                                            now=clock.now())

    @rpc
    def change_venue(self, actor, screening_id, venue=None, join_url=None, state=None, time_zone=None, message=None):
        with self.db.transaction() as session:
            return app.change_venue(session, self.ctx.settings, schemas.actor(actor), screening_id, venue=venue,
                                    join_url=join_url, state=state, time_zone=time_zone, message=message,
                                    now=clock.now())

    @rpc
    def change_capacity(self, actor, screening_id, capacity):
        with self.db.transaction() as session:
            return app.change_capacity(session, self.ctx.settings, schemas.actor(actor), screening_id, capacity,
                                       clock.now())

    @rpc
    def cancel_screening(self, actor, screening_id, message=None):
        with self.db.transaction() as session:
            return app.cancel_screening(session, self.ctx.settings, schemas.actor(actor), screening_id, message,
                                        clock.now())

    @rpc
    def get_screening(self, screening_id, actor=None):
        with self.db.transaction() as session:
            return app.get_screening(session, screening_id, _actor(actor))

    @rpc
    def search_screenings(self, filters=None, actor=None):
        with self.db.transaction() as session:
            return app.search_screenings(session, schemas.parse(schemas.SearchFilters, filters, prefix="filters"),
                                         _actor(actor))

    @rpc
    def coverage_screenings(self, window_start, window_end, grouping=None):
        window = schemas.parse(schemas.CoverageWindow, {
            "window_start": window_start, "window_end": window_end, "grouping": grouping})
        with self.db.transaction() as session:
            return app.coverage_screenings(session, window, clock.now())


class AttendanceEntrypoints:
    db: Database
    ctx: ScreeningsContext

    @rpc
    def rsvp(self, screening_id, name, email):
        with self.db.transaction() as session:
            return app.rsvp(session, self.ctx.settings, screening_id, name, email, clock.now())

    @rpc
    def invite(self, actor, screening_id, name, email):
        with self.db.transaction() as session:
            return app.invite(session, self.ctx.settings, schemas.actor(actor), screening_id, name, email,
                              clock.now())

    @rpc
    def cancel_rsvp(self, rsvp_id, token):
        with self.db.transaction() as session:
            return app.cancel_rsvp(session, self.ctx.settings, rsvp_id, token, clock.now())

    @rpc
    def attendee_view(self, rsvp_id, token):
        with self.db.transaction() as session:
            return app.attendee_view(session, self.ctx.settings, rsvp_id, token)

    @rpc
    def attendees(self, actor, screening_id):
        with self.db.transaction() as session:
            return app.attendees(session, schemas.actor(actor), screening_id)

    @rpc
    def attendees_csv(self, actor, screening_id):
        with self.db.transaction() as session:
            return app.attendees_csv(session, schemas.actor(actor), screening_id)

    @rpc
    def add_walk_in(self, actor, screening_id, name, email=None):
        with self.db.transaction() as session:
            return app.add_walk_in(session, schemas.actor(actor), screening_id, name, email, clock.now())

    @rpc
    def file_report(self, actor, screening_id, report):
        with self.db.transaction() as session:
            return app.file_report(session, self.ctx.settings, schemas.actor(actor), screening_id, report,
                                   clock.now())

    @rpc
    def give_feedback(self, rsvp_id, token, rating, comment=None):
        with self.db.transaction() as session:
            return app.give_feedback(session, rsvp_id, token, rating, comment, clock.now())


class CalendarEntrypoints:
    db: Database
    ctx: ScreeningsContext

    @rpc
    def event_ics(self, screening_id):
        with self.db.transaction() as session:
            return app.event_ics(session, self.ctx.settings, screening_id)

    @rpc
    def rsvp_ics(self, rsvp_id, token):
        with self.db.transaction() as session:
            return app.rsvp_ics(session, self.ctx.settings, rsvp_id, token)

    @rpc
    def national_feed(self, if_none_match=None, if_modified_since=None):
        return self._feed("national", None, if_none_match, if_modified_since)

    @rpc
    def region_feed(self, region_id, if_none_match=None, if_modified_since=None):
        return self._feed("region", region_id, if_none_match, if_modified_since)

    @rpc
    def leader_feed(self, leader_id, if_none_match=None, if_modified_since=None):
        return self._feed("leader", leader_id, if_none_match, if_modified_since)

    def _feed(self, kind, key, if_none_match, if_modified_since):
        settings = self.ctx.settings
        with self.db.transaction() as session:
            plan = feeds.plan(session, self.ctx.cache, kind, key, now=clock.now(),
                              past_days=settings.feed_past_days, base_url=settings.public_base_url)
        # Rendering happens after the transaction, so no database lock is held meanwhile.
        return feeds.complete(self.ctx.cache, plan, if_none_match=if_none_match,
                              if_modified_since=if_modified_since)


class ScreeningsService(HealthCheck, LeaderProjection, FilmEntrypoints, SchedulingEntrypoints,
                        AttendanceEntrypoints, CalendarEntrypoints):
    name = "screenings"
    db = Database()
    ctx = ScreeningsContext()

    @every_tick
    def run_timers(self):
        timers.run_due(self.db, app.timer_handlers(self.ctx.settings), clock.now())
