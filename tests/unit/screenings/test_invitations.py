"""The invite use case and co-hosted leader feeds, on a throwaway SQLite database (no broker)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from services.contracts.rpc.common import Actor
from services.runtime.db import make_engine, session_factory
from services.runtime.errors import Forbidden
from services.screenings import feeds, views
from services.screenings.app import films, registering, rsvps
from services.screenings.models import Base, FeedVersionRow, LeaderRow, ScreeningCohostRow
from services.screenings.repository import ScreeningsUnitOfWork
from services.screenings.schemas import SearchFilters
from services.screenings.settings import ScreeningsSettings

UTC = timezone.utc
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
SETTINGS = ScreeningsSettings()
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
        films.seed_films(ScreeningsUnitOfWork(session))
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
        return registering.register_screening(ScreeningsUnitOfWork(session), leader(host), host, raw, now=NOW,
                                              settings=SETTINGS)


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
        registering.approve_screening(ScreeningsUnitOfWork(session), MANAGER, view["id"], now=NOW, settings=SETTINGS)
    cache = feeds.FeedCache()
    two_before, three_before = leader_feed(factory, cache, 2), leader_feed(factory, cache, 3)
    assert view["uid"] in two_before["body"] and view["uid"] not in three_before["body"]

    second = register(factory, 4, 12, cohost_ids=[2])
    with factory.begin() as session:
        uow = ScreeningsUnitOfWork(session)
        registering.send_back_screening(uow, MANAGER, second["id"], "Add a partner", now=NOW, settings=SETTINGS)
        registering.resubmit_screening(uow, leader(4), second["id"], {"cohost_ids": [3]}, now=NOW,
                                       settings=SETTINGS)
        registering.approve_screening(uow, MANAGER, second["id"], now=NOW, settings=SETTINGS)
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
            rsvps.invite(ScreeningsUnitOfWork(session), leader(3), view["id"], "Ana", "ana@example.org", now=NOW,
                         settings=SETTINGS)
    with factory.begin() as session:
        with pytest.raises(Forbidden, match="invitation only"):
            rsvps.rsvp(ScreeningsUnitOfWork(session), view["id"], "Ana", "ana@example.org", now=NOW, settings=SETTINGS)
    with factory.begin() as session:
        uow = ScreeningsUnitOfWork(session)
        ana = rsvps.invite(uow, leader(2), view["id"], "Ana", "ana@example.org", now=NOW, settings=SETTINGS)
        ben = rsvps.invite(uow, MANAGER, view["id"], "Ben", "ben@example.org", now=NOW, settings=SETTINGS)
    [confirmed] = outbox(factory, "rsvp_confirmed")
    [waitlisted] = outbox(factory, "rsvp_waitlisted")
    assert confirmed["invited"] is True and confirmed["rsvp_id"] == ana["rsvp_id"]
    assert confirmed["invitation_method"] == "REQUEST" and confirmed["cancel_path"] == ana["cancel_path"]
    assert waitlisted["invited"] is True and waitlisted["rsvp_id"] == ben["rsvp_id"]
    with factory.begin() as session:
        seen = views.attendee_view(session, ana["rsvp_id"], ana["cancel_path"].split("token=")[1])
        listed = views.attendees(session, leader(1), view["id"])
    assert seen["id"] == view["id"] and seen["rsvp"]["status"] == "confirmed"
    assert [(p["name"], p["invited"]) for p in listed] == [("Ana", True), ("Ben", True)]


def test_search_by_leader_and_a_co_hosts_own_view_include_co_hosted_events(factory):
    public = register(factory, 1, 10, cohost_ids=[2])
    private = register(factory, 1, 11, cohost_ids=[2], visibility="invitation_only")
    register(factory, 1, 12)
    filters = SearchFilters(leader_id=2)
    with factory.begin() as session:
        anonymous = views.search_screenings(session, filters, None)
        own = views.search_screenings(session, filters, leader(2))
        stranger = views.search_screenings(session, SearchFilters(), leader(3))
    assert [i["id"] for i in anonymous["items"]] == [public["id"]]
    assert [i["id"] for i in own["items"]] == [public["id"], private["id"]]
    assert private["id"] not in {i["id"] for i in stranger["items"]} and stranger["total"] == 2
