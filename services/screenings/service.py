"""The `screenings` nameko service: entrypoints only, each a unit of work around a use case
(commands) or a view (queries).

Callers pass `actor` (services.contracts.rpc.common.Actor) as the gateway authenticated
them; the use cases check it per object. Public calls take none.
"""
from __future__ import annotations

from services.runtime import clock, request_keys, timers
from services.runtime.dependencies import Database, Settings, every_tick
from services.runtime.health import HealthCheck
from services.runtime.messaging import handles
from services.runtime.rpc import rpc

from . import coverage, feeds, schemas, views
from .app import changes, films, leaders, registering, reports, rsvps
from .app.timers import timer_handlers
from .dependencies import FeedCacheProvider
from .materials.service import MaterialEntrypoints
from .library.service import LibraryEntrypoints
from .replies.service import ReplyEntrypoints
from .partners.service import PartnerEntrypoints
from .repository import ScreeningsUnitOfWork
from .settings import ScreeningsSettings, from_config


def _actor(raw):
    return None if raw is None else schemas.actor(raw)


class LeaderProjection:
    db: Database

    @handles("application_approved")
    def on_application_approved(self, uow, event):
        leaders.apply_leader_snapshot(uow, event.data, now=clock.now())

    @handles("leader_updated")
    def on_leader_updated(self, uow, event):
        leaders.apply_leader_snapshot(uow, event.data, now=clock.now())

    @handles("leader_availability_changed")
    def on_leader_availability_changed(self, uow, event):
        leaders.apply_leader_snapshot(uow, event.data, now=clock.now())

    @handles("leader_deactivated")
    def on_leader_deactivated(self, uow, event):
        leaders.apply_leader_snapshot(uow, event.data, now=clock.now())

    @rpc
    def projected_leader(self, leader_id):
        with self.db.unit_of_work() as uow:
            return views.get_leader(uow.session, leader_id)


class FilmEntrypoints:
    db: Database

    @rpc
    def list_films(self):
        with self.db.unit_of_work() as uow:
            return views.list_films(uow.session)

    @rpc
    def get_film(self, slug):
        with self.db.unit_of_work() as uow:
            return views.get_film(uow.session, slug)

    @rpc
    def add_film(self, actor, film):
        with self.db.unit_of_work() as uow:
            return films.add_film(uow, schemas.actor(actor), film, now=clock.now())


class SchedulingEntrypoints:
    db: Database
    settings: ScreeningsSettings

    @rpc
    def register_screening(self, actor, host_id, details, request_key=None):
        return request_keys.once(self.db, "register_screening", request_key, lambda uow: registering.register_screening(
            uow, schemas.actor(actor), host_id, details, now=clock.now(), settings=self.settings))

    @rpc
    def approve_screening(self, actor, screening_id):
        with self.db.unit_of_work() as uow:
            return registering.approve_screening(uow, schemas.actor(actor), screening_id, now=clock.now(),
                                                 settings=self.settings)

    @rpc
    def send_back_screening(self, actor, screening_id, note):
        with self.db.unit_of_work() as uow:
            return registering.send_back_screening(uow, schemas.actor(actor), screening_id, note, now=clock.now(),
                                                   settings=self.settings)

    @rpc
    def resubmit_screening(self, actor, screening_id, changes=None):
        with self.db.unit_of_work() as uow:
            return registering.resubmit_screening(uow, schemas.actor(actor), screening_id, changes, now=clock.now(),
                                                  settings=self.settings)

    @rpc
    def reschedule_screening(self, actor, screening_id, start, end, time_zone=None, message=None):
        with self.db.unit_of_work() as uow:
            return changes.reschedule_screening(uow, schemas.actor(actor), screening_id, start=start, end=end,
                                                time_zone=time_zone, message=message, now=clock.now(),
                                                settings=self.settings)

    @rpc
    def change_venue(self, actor, screening_id, venue=None, join_url=None, state=None, time_zone=None, message=None):
        with self.db.unit_of_work() as uow:
            return changes.change_venue(uow, schemas.actor(actor), screening_id, venue=venue, join_url=join_url,
                                        state=state, time_zone=time_zone, message=message, now=clock.now(),
                                        settings=self.settings)

    @rpc
    def change_capacity(self, actor, screening_id, capacity):
        with self.db.unit_of_work() as uow:
            return rsvps.change_capacity(uow, schemas.actor(actor), screening_id, capacity, now=clock.now(),
                                         settings=self.settings)

    @rpc
    def cancel_screening(self, actor, screening_id, message=None):
        with self.db.unit_of_work() as uow:
            return changes.cancel_screening(uow, schemas.actor(actor), screening_id, message, now=clock.now(),
                                            settings=self.settings)

    @rpc
    def message_attendees(self, actor, screening_id, subject, message, request_key=None):
        return request_keys.once(self.db, "message_attendees", request_key, lambda uow: changes.message_attendees(
            uow, schemas.actor(actor), screening_id, subject, message, now=clock.now(), settings=self.settings))

    @rpc
    def get_screening(self, screening_id, actor=None):
        with self.db.unit_of_work() as uow:
            return views.get_screening(uow.session, screening_id, _actor(actor))

    @rpc
    def search_screenings(self, filters=None, actor=None):
        with self.db.unit_of_work() as uow:
            return views.search_screenings(
                uow.session, schemas.parse(schemas.SearchFilters, filters, prefix="filters"), _actor(actor))

    @rpc
    def coverage_screenings(self, window_start, window_end, grouping=None):
        window = schemas.parse(schemas.CoverageWindow, {
            "window_start": window_start, "window_end": window_end, "grouping": grouping})
        with self.db.unit_of_work() as uow:
            return coverage.coverage_screenings(uow.session, window, clock.now())


class AttendanceEntrypoints:
    db: Database
    settings: ScreeningsSettings

    @rpc
    def rsvp(self, screening_id, name, email, request_key=None):
        return request_keys.once(self.db, "rsvp", request_key, lambda uow: rsvps.rsvp(
            uow, screening_id, name, email, now=clock.now(), settings=self.settings))

    @rpc
    def invite(self, actor, screening_id, name, email, request_key=None):
        return request_keys.once(self.db, "invite", request_key, lambda uow: rsvps.invite(
            uow, schemas.actor(actor), screening_id, name, email, now=clock.now(), settings=self.settings))

    @rpc
    def cancel_rsvp(self, rsvp_id, token):
        with self.db.unit_of_work() as uow:
            return rsvps.cancel_rsvp(uow, rsvp_id, token, now=clock.now(), settings=self.settings)

    @rpc
    def attendee_view(self, rsvp_id, token):
        with self.db.unit_of_work() as uow:
            return views.attendee_view(uow.session, rsvp_id, token)

    @rpc
    def attendees(self, actor, screening_id):
        with self.db.unit_of_work() as uow:
            return views.attendees(uow.session, schemas.actor(actor), screening_id)

    @rpc
    def attendees_csv(self, actor, screening_id):
        with self.db.unit_of_work() as uow:
            return views.attendees_csv(uow.session, schemas.actor(actor), screening_id)

    @rpc
    def add_walk_in(self, actor, screening_id, name, email=None, request_key=None):
        return request_keys.once(self.db, "add_walk_in", request_key, lambda uow: rsvps.add_walk_in(
            uow, schemas.actor(actor), screening_id, name, email, now=clock.now()))

    @rpc
    def file_report(self, actor, screening_id, report):
        with self.db.unit_of_work() as uow:
            return reports.file_report(uow, schemas.actor(actor), screening_id, report, now=clock.now(),
                                       settings=self.settings)

    @rpc
    def give_feedback(self, rsvp_id, token, rating, comment=None):
        with self.db.unit_of_work() as uow:
            return reports.give_feedback(uow, rsvp_id, token, rating, comment, now=clock.now())


class CalendarEntrypoints:
    db: Database
    settings: ScreeningsSettings
    feed_cache: feeds.FeedCache

    @rpc
    def event_ics(self, screening_id):
        with self.db.unit_of_work() as uow:
            return views.event_ics(uow.session, self.settings, screening_id)

    @rpc
    def rsvp_ics(self, rsvp_id, token):
        with self.db.unit_of_work() as uow:
            return views.rsvp_ics(uow.session, self.settings, rsvp_id, token)

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
        with self.db.unit_of_work() as uow:
            plan = feeds.plan(uow.session, self.feed_cache, kind, key, now=clock.now(),
                              past_days=self.settings.feed_past_days, base_url=self.settings.public_base_url)
        # Rendering happens after the transaction, so no database lock is held meanwhile.
        return feeds.complete(self.feed_cache, plan, if_none_match=if_none_match,
                              if_modified_since=if_modified_since)


class ScreeningsService(HealthCheck, LeaderProjection, FilmEntrypoints, SchedulingEntrypoints,
                        AttendanceEntrypoints, CalendarEntrypoints, MaterialEntrypoints, LibraryEntrypoints,
                        ReplyEntrypoints, PartnerEntrypoints):
    name = "screenings"
    db = Database(unit_of_work=ScreeningsUnitOfWork)
    settings = Settings(from_config)
    feed_cache = FeedCacheProvider()

    @every_tick
    def run_timers(self):
        timers.run_due(self.db, timer_handlers(self.settings), clock.now())
