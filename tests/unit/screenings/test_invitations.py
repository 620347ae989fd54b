"""The invite use case and co-hosted leader feeds, on a throwaway SQLite database (no broker)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from services.runtime.db import make_engine, session_factory
from services.runtime.errors import Forbidden
from services.screenings import app, feeds
from services.screenings.schemas import Actor, SearchFilters
from services.screenings.models import Base, FeedVersionRow, LeaderRow, ScreeningCohostRow

UTC = timezone.utc
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
SETTINGS = app.Settings()
MANAGER = Actor(role="manager")


def leader(n: int) -> Actor:
    return Actor(role="leader", leader_id=n)


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'screenings.db'}")
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        session.add(FeedVersionRow(id=1, version=0))
        app.seed_films(session)
        for n, trusted in ((1, True), (2, False), (3, False), (4, False)):
            session.add(LeaderRow(leader_id=n, leader_version=1, name=f"Leader {n}", email=f"l{n}@pd.gov",
                                  agency="PD", title="Lt.", state="IL", region="region-5", region_grouping="federal",
                                  status="active", trusted_host=trusted, away_until=None, updated_at=NOW))
    yield factory
    engine.dispose()


def register(factory, host: int, day: int, **overrides) -> dict:
    raw = {
        "kind": "film_screening", "format": "community_screening", "film": "waking-in-oak-creek",
        "venue": {"name": "Lincoln Library", "address": "326 S 7th St", "city": "Springfield", "state": "IL"},
        "start": f"2026-07-{day:02d}T19:00", "end": f"2026-07-{day:02d}T21:00", "capacity": 50,
        "audiences": ["general_public"], "title": f"Event on the {day}th", **overrides,
    }
    with factory.begin() as session:
        return app.register_screening(session, SETTINGS, leader(host), host, raw, NOW)


def leader_feed(factory, cache, leader_id: int, **conditions) -> dict:
    with factory.begin() as session:
        return feeds.serve(session, cache, "leader", leader_id, now=NOW, past_days=90,
                           base_url=SETTINGS.public_base_url, **conditions)


def outbox(factory, event_type: str) -> list[dict]:
    with factory.begin() as session:
        envelopes = session.execute(sa.text("SELECT envelope FROM outbox WHERE type = :t ORDER BY id"),
                                    {"t": event_type}).scalars()
        return [json.loads(e)["data"] for e in envelopes]


def test_leader_feed_lists_hosted_and_co_hosted_events_but_not_others(factory):
    register(factory, 1, 10, cohost_ids=[2])
    register(factory, 1, 11)
    register(factory, 1, 12, cohost_ids=[3])
    cache = feeds.FeedCache()
    feed_two = leader_feed(factory, cache, 2)["body"]
    feed_one = leader_feed(factory, cache, 1)["body"]
    assert "Event on the 10th" in feed_two and "11th" not in feed_two and "12th" not in feed_two
    assert feed_one.count("BEGIN:VEVENT") == 3
    assert "co-hosted by Leader 2" in feed_two


def test_changing_co_hosts_moves_the_event_between_cached_leader_feeds(factory):
    view = register(factory, 4, 10, cohost_ids=[2])
    with factory.begin() as session:
        app.approve_screening(session, SETTINGS, MANAGER, view["id"], NOW)
    cache = feeds.FeedCache()
    two_before, three_before = leader_feed(factory, cache, 2), leader_feed(factory, cache, 3)
    assert view["uid"] in two_before["body"] and view["uid"] not in three_before["body"]

    second = register(factory, 4, 12, cohost_ids=[2])
    with factory.begin() as session:
        app.send_back_screening(session, SETTINGS, MANAGER, second["id"], "Add a partner", NOW)
        app.resubmit_screening(session, SETTINGS, leader(4), second["id"], {"cohost_ids": [3]}, NOW)
        app.approve_screening(session, SETTINGS, MANAGER, second["id"], NOW)
        rows = session.execute(sa.select(ScreeningCohostRow.leader_id)
                               .where(ScreeningCohostRow.screening_id == second["id"])).scalars().all()
    assert rows == [3]
    two_after = leader_feed(factory, cache, 2, if_none_match=two_before["etag"])
    three_after = leader_feed(factory, cache, 3, if_none_match=three_before["etag"])
    assert two_after["not_modified"] is True
    assert three_after["not_modified"] is False and second["uid"] in three_after["body"]
    assert view["uid"] not in three_after["body"]


def test_only_organisers_and_managers_invite_and_the_invitation_is_marked(factory):
    view = register(factory, 1, 10, cohost_ids=[2], visibility="invitation_only", capacity=1)
    with factory.begin() as session:
        with pytest.raises(Forbidden):
            app.invite(session, SETTINGS, leader(3), view["id"], "Ana", "ana@example.org", NOW)
    with factory.begin() as session:
        with pytest.raises(Forbidden, match="invitation only"):
            app.rsvp(session, SETTINGS, view["id"], "Ana", "ana@example.org", NOW)
    with factory.begin() as session:
        ana = app.invite(session, SETTINGS, leader(2), view["id"], "Ana", "ana@example.org", NOW)
        ben = app.invite(session, SETTINGS, MANAGER, view["id"], "Ben", "ben@example.org", NOW)
    [confirmed] = outbox(factory, "rsvp_confirmed")
    [waitlisted] = outbox(factory, "rsvp_waitlisted")
    assert confirmed["invited"] is True and confirmed["rsvp_id"] == ana["rsvp_id"]
    assert confirmed["invitation_method"] == "REQUEST" and confirmed["cancel_path"] == ana["cancel_path"]
    assert waitlisted["invited"] is True and waitlisted["rsvp_id"] == ben["rsvp_id"]
    with factory.begin() as session:
        seen = app.attendee_view(session, SETTINGS, ana["rsvp_id"], ana["cancel_path"].split("token=")[1])
        listed = app.attendees(session, leader(1), view["id"])
    assert seen["id"] == view["id"] and seen["rsvp"]["status"] == "confirmed"
    assert [(p["name"], p["invited"]) for p in listed] == [("Ana", True), ("Ben", True)]


def test_search_by_leader_and_a_co_hosts_own_view_include_co_hosted_events(factory):
    public = register(factory, 1, 10, cohost_ids=[2])
    private = register(factory, 1, 11, cohost_ids=[2], visibility="invitation_only")
    register(factory, 1, 12)
    filters = SearchFilters(leader_id=2)
    with factory.begin() as session:
        anonymous = app.search_screenings(session, filters, None)
        own = app.search_screenings(session, filters, leader(2))
        stranger = app.search_screenings(session, SearchFilters(), leader(3))
    assert [i["id"] for i in anonymous["items"]] == [public["id"]]
    assert [i["id"] for i in own["items"]] == [public["id"], private["id"]]
    assert private["id"] not in {i["id"] for i in stranger["items"]} and stranger["total"] == 2
