"""Feed caching and the use cases' pure helpers, on a throwaway SQLite database (no broker)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import sqlalchemy as sa

from services.contracts.rpc.common import Actor
from services.runtime.db import make_engine, session_factory
from services.screenings import calendar, feeds
from services.screenings.app import changes, films, registering
from services.screenings.app.payloads import link_token
from services.screenings.app.timers import reminder_times
from services.screenings.domain.zones import local_label
from services.screenings.models import Base, FeedVersionRow, LeaderRow, ScreeningRow
from services.screenings.repository import ScreeningsUnitOfWork, screening_from_row
from services.screenings.settings import ScreeningsSettings

UTC = timezone.utc
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
HOST = Actor(role="leader", leader_id=1)
SETTINGS = ScreeningsSettings()


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'screenings.db'}")
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        session.add(FeedVersionRow(id=1, version=0))
        films.seed_films(ScreeningsUnitOfWork(session))
        session.add(LeaderRow(leader_id=1, leader_version=1, name="Chief Lee", email="lee@pd.gov", agency="PD",
                              title="Chief", state="IL", region="region-5", region_grouping="federal",
                              status="active", trusted_host=True, away_until=None, updated_at=NOW))
    yield factory
    engine.dispose()


def register(factory, day: int, **overrides) -> dict:
    raw = {
        "kind": "film_screening", "format": "community_screening", "film": "waking-in-oak-creek",
        "venue": {"name": "Lincoln Library", "address": "326 S 7th St", "city": "Springfield", "state": "IL"},
        "start": f"2026-07-{day:02d}T19:00", "end": f"2026-07-{day:02d}T21:00", "capacity": 50,
        "audiences": ["general_public"], **overrides,
    }
    with factory.begin() as session:
        return registering.register_screening(ScreeningsUnitOfWork(session), HOST, 1, raw, now=NOW, settings=SETTINGS)


def serve(factory, cache, **kwargs):
    with factory.begin() as session:
        return feeds.serve(session, cache, "national", None, now=NOW, past_days=90,
                           base_url=SETTINGS.public_base_url, **kwargs)


def test_the_warm_path_renders_nothing_and_a_change_renders_only_the_changed_event(factory):
    for day in (10, 11, 12):
        register(factory, day)
    cache = feeds.FeedCache()
    first = serve(factory, cache)
    assert cache.renders == 3 and first["body"].count("BEGIN:VEVENT") == 3
    again = serve(factory, cache)
    assert cache.renders == 3 and again["etag"] == first["etag"]

    target = register(factory, 13)
    assert serve(factory, cache)["body"].count("BEGIN:VEVENT") == 4 and cache.renders == 4
    with factory.begin() as session:
        changes.cancel_screening(ScreeningsUnitOfWork(session), HOST, target["id"], "Flooded", now=NOW,
                                 settings=SETTINGS)
    changed = serve(factory, cache)
    assert cache.renders == 5 and "STATUS:CANCELLED" in changed["body"]


def test_an_instance_never_serves_a_feed_older_than_another_instances_change(factory):
    view = register(factory, 10)
    instance_a, instance_b = feeds.FeedCache(), feeds.FeedCache()
    before = serve(factory, instance_a)
    serve(factory, instance_b)
    with factory.begin() as session:  # the change arrives through instance B's worker
        changes.change_venue(ScreeningsUnitOfWork(session), HOST, view["id"], venue={
            "name": "Springfield High", "address": "101 S Lewis St", "city": "Springfield", "state": "IL"}, now=NOW,
            settings=SETTINGS)
    after = serve(factory, instance_a)
    assert after["etag"] != before["etag"] and "Springfield High" in after["body"]
    assert serve(factory, instance_b)["etag"] == after["etag"]


def test_the_assembled_feed_is_byte_for_byte_the_naive_rebuild(factory):
    for day in (10, 11):
        register(factory, day)
    register(factory, 12, time_zone=None, venue={"name": "City Hall", "address": "1 Main", "city": "Fresno",
                                                  "state": "CA"})
    body = serve(factory, feeds.FeedCache())["body"].encode()
    with factory.begin() as session:
        rows = session.execute(sa.select(ScreeningRow).order_by(ScreeningRow.start_at, ScreeningRow.id)).scalars()
        events = [calendar.CalendarEvent.from_screening(screening_from_row(r), url=SETTINGS.url(f"/screenings/{r.id}"))
                  for r in rows]
    naive = calendar.naive_feed(events, name=f"{feeds.NETWORK} screenings",
                                description="Public film screenings and guided discussions across the network")
    assert body == naive


def test_conditional_requests(factory):
    register(factory, 10)
    cache = feeds.FeedCache()
    feed = serve(factory, cache)
    assert serve(factory, cache, if_none_match=feed["etag"])["not_modified"] is True
    assert serve(factory, cache, if_none_match=f'"x", W/{feed["etag"]}')["not_modified"] is True
    assert serve(factory, cache, if_none_match="*")["not_modified"] is True
    assert serve(factory, cache, if_none_match='"stale"')["not_modified"] is False
    # If-None-Match decides when both are sent.
    assert serve(factory, cache, if_none_match='"stale"', if_modified_since=feed["last_modified"])[
        "not_modified"] is False
    assert serve(factory, cache, if_modified_since=feed["last_modified"])["not_modified"] is True
    earlier = format_datetime(NOW - timedelta(days=400), usegmt=True)
    assert serve(factory, cache, if_modified_since=earlier)["not_modified"] is False
    assert serve(factory, cache, if_modified_since="yesterday-ish")["not_modified"] is False


def test_unlisted_events_stay_out_of_feeds(factory):
    register(factory, 10, visibility="invitation_only")
    with factory.begin() as session:
        session.execute(sa.update(LeaderRow).values(trusted_host=False))
    register(factory, 11)  # awaits approval
    body = serve(factory, feeds.FeedCache())["body"]
    assert "BEGIN:VEVENT" not in body and "BEGIN:VTIMEZONE" not in body


def test_reminders_follow_the_venue_clock_in_summer_and_winter(factory):
    view = register(factory, 15)
    with factory.begin() as session:
        screening = screening_from_row(session.get(ScreeningRow, view["id"]))
    times = reminder_times(screening.details)
    assert times["day_before"] == datetime(2026, 7, 14, 14, 0, tzinfo=UTC)  # 09:00 CDT
    assert times["day_of"] == datetime(2026, 7, 15, 13, 0, tzinfo=UTC)  # 08:00 CDT
    winter = reminder_times(screening.details.__class__(**{
        **screening.details.__dict__, "local_start": datetime(2026, 12, 3, 9, 0),
        "local_end": datetime(2026, 12, 3, 10, 0)}))
    assert winter["day_before"] == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 09:00 CST
    assert winter["day_of"] == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # two hours before a 09:00 start


def test_local_label_names_the_zone():
    assert local_label(datetime(2026, 7, 15, 19, 0), datetime(2026, 7, 15, 21, 0), "America/Chicago") == \
        "Wed, Jul 15, 2026, 7:00 PM - 9:00 PM CDT"
    assert local_label(datetime(2026, 12, 31, 22, 0), datetime(2027, 1, 1, 1, 0), "America/New_York") == \
        "Thu, Dec 31, 2026, 10:00 PM EST - Fri, Jan 1, 2027, 1:00 AM EST"


def test_cancel_links_are_stable_and_unforgeable():
    token = link_token("kept secret", "abc", "nonce-1")
    assert token == link_token("kept secret", "abc", "nonce-1") != link_token("kept secret", "abd", "nonce-1")
    assert link_token("kept secret", "abc", "nonce-2") != token  # another RSVP's nonce
    assert link_token("another secret", "abc", "nonce-1") != token
