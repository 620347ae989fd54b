"""An in-memory unit of work for the screenings use cases: the same repository methods as
services.screenings.repository, over a `Store` that outlives each unit of work.

What a unit of work saves is copied into the store, and each new unit of work
(`uow.next()`) starts from copies of it, so a use case that changes an object but
forgets to save it leaves the store as it was. `published` holds the events of one unit
of work; `jobs` (kind, key) -> (due_at, payload) the timer work scheduled so far.
"""
from __future__ import annotations

import secrets

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.contracts.leaders import LeaderSnapshot
from services.screenings.domain.reports import Feedback, Report
from services.screenings.domain.rsvps import AttendeeList, Rsvp
from services.screenings.domain.rules import HostRecord, Interval
from services.screenings.domain.screening import OPEN, Screening
from services.screenings.films import FILMS, Film
from services.screenings.materials.domain import MaterialOrder, OrderState
from services.screenings.partners.domain import Partner
from services.screenings.repository import leader_key, screening_key

from .fake_partners import FakePartners


@dataclass
class Store:
    leaders: dict[int, HostRecord] = field(default_factory=dict)
    leader_versions: dict[int, int] = field(default_factory=dict)
    leader_away: dict[int, date | None] = field(default_factory=dict)
    films: dict[str, Film] = field(default_factory=lambda: {film.slug: film for film in FILMS})
    films_added_at: dict[str, datetime | None] = field(default_factory=dict)
    screenings: dict[str, Screening] = field(default_factory=dict)
    rsvps: dict[str, Rsvp] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    feedback: dict[str, Feedback] = field(default_factory=dict)
    material_orders: dict[str, MaterialOrder] = field(default_factory=dict)
    jobs: dict[tuple[str, str], tuple[datetime, dict]] = field(default_factory=dict)
    calendar_replies: dict[str, dict] = field(default_factory=dict)
    partners: dict[int, Partner] = field(default_factory=dict)
    screening_partners: dict[str, list[int]] = field(default_factory=dict)
    report_partners: dict[str, list[int]] = field(default_factory=dict)
    feed_version: int = 0
    # As the migration generates it on a real database's first start: random, kept.
    link_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))


class FakeFeedVersion:
    def __init__(self, store: Store):
        self.store = store

    def bump(self) -> None:
        self.store.feed_version += 1


class FakeLeaders:
    def __init__(self, store: Store):
        self.store = store

    def get(self, leader_id: Any) -> HostRecord | None:
        return self.store.leaders.get(leader_key(leader_id))

    def version(self, leader_id: int) -> int | None:
        return self.store.leader_versions.get(leader_id)

    def keep(self, snapshot: LeaderSnapshot, now: datetime) -> None:
        self.store.leaders[snapshot.leader_id] = HostRecord(
            leader_id=str(snapshot.leader_id), status=snapshot.status, trusted=snapshot.trusted_host,
            name=snapshot.name, email=str(snapshot.email), state=snapshot.state, region=snapshot.region,
            region_grouping=snapshot.region_grouping)
        self.store.leader_versions[snapshot.leader_id] = snapshot.leader_version
        self.store.leader_away[snapshot.leader_id] = snapshot.away_until


class FakeFilms:
    def __init__(self, store: Store):
        self.store = store

    def all(self) -> dict[str, Film]:
        return dict(self.store.films)

    def get(self, slug: str) -> Film | None:
        return self.store.films.get(slug)

    def add(self, film: Film, *, added_at: datetime | None) -> None:
        self.store.films[film.slug] = film
        self.store.films_added_at[film.slug] = added_at

    def refresh_seeded(self, film: Film) -> bool:
        if self.store.films_added_at.get(film.slug) is not None or self.store.films.get(film.slug) == film:
            return False
        self.store.films[film.slug] = film
        return True


class FakeScreenings:
    def __init__(self, store: Store, feed_version: FakeFeedVersion):
        self.store = store
        self.feed_version = feed_version
        self._seen: dict[str, Screening] = {}

    def get(self, screening_id: Any, *, lock: bool = False) -> Screening | None:
        key = screening_key(screening_id)
        if key not in self._seen and key in self.store.screenings:
            self._seen[key] = copy.deepcopy(self.store.screenings[key])
        return self._seen.get(key)

    def add(self, screening: Screening) -> None:
        assert screening.id not in self.store.screenings, "added twice"
        self._seen[screening.id] = screening
        self.save(screening)

    def save(self, screening: Screening) -> None:
        self.store.screenings[screening.id] = copy.deepcopy(screening)
        self.feed_version.bump()

    def host_busy(self, host_id: Any, *, exclude: str | None, now: datetime) -> list[Interval]:
        return [(s.details.start, s.details.end) for s in self.store.screenings.values()
                if leader_key(s.host_id) == leader_key(host_id) and s.status in OPEN and s.details.end > now
                and s.id != exclude]


class FakeRsvps:
    def __init__(self, store: Store):
        self.store = store
        self._lists: dict[str, AttendeeList] = {}

    def get(self, rsvp_id: Any) -> Rsvp | None:
        stored = self.store.rsvps.get(screening_key(rsvp_id))
        if stored is None:
            return None
        return self.attendee_list(stored.screening_id).find(stored.id)

    def attendee_list(self, screening_id: str) -> AttendeeList:
        if screening_id not in self._lists:
            self._lists[screening_id] = AttendeeList(screening_id, [
                copy.deepcopy(r) for r in self.store.rsvps.values() if r.screening_id == screening_id])
        return self._lists[screening_id]

    def save(self, attendees: AttendeeList) -> None:
        for rsvp in attendees.rsvps:
            self.store.rsvps[rsvp.id] = copy.deepcopy(rsvp)

    def counts(self, screening_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rsvp in self.store.rsvps.values():
            if rsvp.screening_id == screening_id:
                counts[rsvp.status.value] = counts.get(rsvp.status.value, 0) + 1
        return counts


class FakeReports:
    def __init__(self, store: Store):
        self.store = store

    def filed(self, screening_id: str) -> bool:
        return screening_id in self.store.reports

    def add(self, report: Report) -> None:
        assert report.screening_id not in self.store.reports, "a second report"
        self.store.reports[report.screening_id] = report

    def feedback_given(self, rsvp_id: str) -> bool:
        return rsvp_id in self.store.feedback

    def add_feedback(self, feedback: Feedback) -> None:
        assert feedback.rsvp_id not in self.store.feedback, "a second feedback"
        self.store.feedback[feedback.rsvp_id] = feedback


class FakeMaterials:
    def __init__(self, store: Store):
        self.store = store

    def get(self, order_id: str, *, lock: bool = False) -> MaterialOrder | None:
        return self.store.material_orders.get(order_id)

    def for_screening(self, screening_id: str) -> list[MaterialOrder]:
        found = [o for o in self.store.material_orders.values() if o.screening_id == screening_id]
        return sorted(found, key=lambda o: o.ordered_at, reverse=True)

    def open_for(self, screening_id: str) -> MaterialOrder | None:
        return next((o for o in self.store.material_orders.values()
                     if o.screening_id == screening_id and o.state is OrderState.OPEN), None)

    def search(self, state: OrderState | None, *, limit: int, offset: int) -> tuple[list[MaterialOrder], int]:
        found = sorted((o for o in self.store.material_orders.values() if state is None or o.state is state),
                       key=lambda o: o.ordered_at)
        return found[offset:offset + limit], len(found)

    def save(self, order: MaterialOrder) -> None:
        self.store.material_orders[order.id] = order


class FakeCalendarReplies:
    def __init__(self, store: Store):
        self.store = store

    def find(self, dedupe_key: str) -> dict | None:
        return next((dict(r) for r in self.store.calendar_replies.values() if r["dedupe_key"] == dedupe_key), None)

    def add(self, kept: dict) -> None:
        assert self.find(kept["dedupe_key"]) is None, "the same reply kept twice"
        self.store.calendar_replies[kept["id"]] = dict(kept)

    def latest(self, outcome: str | None, limit: int) -> list[dict]:
        found = [dict(r) for r in self.store.calendar_replies.values() if outcome in (None, r["outcome"])]
        return sorted(found, key=lambda r: r["received_at"], reverse=True)[:limit]


class FakeUnitOfWork:
    def __init__(self, store: Store | None = None):
        self.store = store if store is not None else Store()
        self.feed_version = FakeFeedVersion(self.store)
        self.leaders = FakeLeaders(self.store)
        self.films = FakeFilms(self.store)
        self.screenings = FakeScreenings(self.store, self.feed_version)
        self.rsvps = FakeRsvps(self.store)
        self.reports = FakeReports(self.store)
        self.materials = FakeMaterials(self.store)
        self.calendar_replies = FakeCalendarReplies(self.store)
        self.partners = FakePartners(self.store)
        self.published: list = []
        self.link_secret = self.store.link_secret

    @property
    def jobs(self) -> dict[tuple[str, str], tuple[datetime, dict]]:
        return self.store.jobs

    def next(self) -> FakeUnitOfWork:
        """The next unit of work, over what this one saved."""
        return FakeUnitOfWork(self.store)

    def publish(self, payload) -> None:
        self.published.append(payload)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict | None = None) -> None:
        self.store.jobs[(kind, key)] = (due_at, payload or {})

    def cancel_job(self, kind: str, key: str) -> None:
        self.store.jobs.pop((kind, key), None)

    def of_type(self, model) -> list:
        return [p for p in self.published if isinstance(p, model)]


def leader(n: int, *, trusted: bool = False, status: str = "active", state: str = "IL") -> HostRecord:
    return HostRecord(leader_id=str(n), status=status, trusted=trusted, name=f"Leader {n}",
                      email=f"leader{n}@pd.example.gov", state=state, region="region-5", region_grouping="federal")


def with_leaders(*leaders: HostRecord) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    for record in leaders:
        uow.store.leaders[int(record.leader_id)] = record
        uow.store.leader_versions[int(record.leader_id)] = 1
    return uow


def stored(uow: FakeUnitOfWork, screening_id: str) -> Screening:
    """The screening as the store holds it (what was saved)."""
    return uow.store.screenings[screening_id]
