"""Registering and reviewing screenings, the film catalog and the leader projection,
through the use cases on an in-memory unit of work."""
from __future__ import annotations

from datetime import date, timedelta

import dataclasses

import pytest

from services.contracts import leaders as leader_events
from services.contracts import screenings as events
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.screenings.app import films, leaders, registering
from services.screenings.app.timers import COMPLETE, REMINDER
from services.screenings.domain.screening import Status

from .factories import NOW, raw_details
from .fakes import FakeUnitOfWork, stored
from .scenarios import END, MANAGER, SETTINGS, START, answered, as_leader, network, registered


def register(uow, actor, host_id, **overrides):
    return registering.register_screening(uow, actor, host_id, raw_details(**overrides), now=NOW, settings=SETTINGS)


# --- registering ----------------------------------------------------------------------


def test_a_trusted_hosts_event_is_scheduled_with_its_invitation_and_reminders():
    uow = network()
    view = answered("register_screening", register(uow, as_leader(1), 1, cohost_ids=[2]))

    assert view["status"] == "scheduled" and view["host"] == {"leader_id": 1, "name": "Leader 1"}
    assert view["region"] == "region-5" and view["state"] == "IL" and view["report_filed"] is False
    saved = stored(uow, view["id"])
    assert saved.status is Status.SCHEDULED and saved.published and saved.region_grouping == "federal"
    [scheduled] = uow.published
    assert isinstance(scheduled, events.ScreeningScheduled)
    assert scheduled.screening.host.email == "leader1@pd.example.gov"
    assert [c.email for c in scheduled.screening.cohosts] == ["leader2@pd.example.gov"]
    assert scheduled.invitation_method == "REQUEST" and "leader2@pd.example.gov" in scheduled.invitation_ics
    assert scheduled.screening.film_title == "Waking in Oak Creek"
    assert uow.jobs[(COMPLETE, view["id"])] == (END, {"screening_id": view["id"]})
    assert {key for kind, key in uow.jobs if kind == REMINDER} == {f"{view['id']}:day_before", f"{view['id']}:day_of"}
    assert uow.store.feed_version == 1


def test_an_untrusted_hosts_event_waits_for_review_and_the_managers_are_asked():
    uow = network()
    view = answered("register_screening", register(uow, as_leader(2), 2))
    assert view["status"] == "submitted"
    [submitted] = uow.published
    assert isinstance(submitted, events.ScreeningSubmitted) and submitted.resubmission is False
    assert submitted.manager_emails == SETTINGS.manager_emails
    assert submitted.review_path == f"/manage/screenings/{view['id']}/review"
    assert uow.jobs == {}


def test_a_manager_registers_for_any_host():
    uow = network()
    view = answered("register_screening", register(uow, MANAGER, 2))
    assert view["host"]["leader_id"] == 2 and view["review_note"] is None


@pytest.mark.parametrize("actor, host_id, error, field", [
    (as_leader(2), 1, Forbidden, None),  # a leader registers only as their own host
    (as_leader(2), True, ValidationFailed, "host_id"),
    (MANAGER, 0, ValidationFailed, "host_id"),
    (as_leader(4), 4, Forbidden, "host"),  # not an active leader
    (MANAGER, 99, Forbidden, "host"),  # unknown to the projection
])
def test_registering_is_refused(actor, host_id, error, field):
    uow = network()
    with pytest.raises(error) as refused:
        register(uow, actor, host_id)
    assert getattr(refused.value, "field", None) == field
    assert uow.store.screenings == {} and uow.published == [] and uow.jobs == {}


def test_registering_refuses_details_that_are_not_an_object_or_an_inactive_co_host():
    uow = network()
    with pytest.raises(ValidationFailed) as refused:
        registering.register_screening(uow, as_leader(1), 1, ["not", "an", "object"], now=NOW, settings=SETTINGS)
    assert refused.value.field == "details"
    with pytest.raises(ValidationFailed, match="co-host 4 is not an active"):
        register(uow, as_leader(1), 1, cohost_ids=[4])
    assert uow.store.screenings == {} and uow.published == []


def test_a_host_cannot_be_in_two_places_at_once():
    uow = network()
    registered(uow, 1)
    with pytest.raises(Conflict, match="already has an event"):
        register(uow.next(), as_leader(1), 1, start="2026-07-15T20:00", end="2026-07-15T22:00")
    assert len(uow.store.screenings) == 1


# --- reviewing ------------------------------------------------------------------------


def test_approving_puts_the_event_on_the_calendar():
    uow = network()
    view = registered(uow, 2, approve=False)
    uow = uow.next()
    approved = answered("approve_screening",
                        registering.approve_screening(uow, MANAGER, view["id"], now=NOW, settings=SETTINGS))
    assert approved["status"] == "scheduled" and approved["sequence"] == 1
    saved = stored(uow, view["id"])
    assert saved.status is Status.SCHEDULED and saved.reviewed_by == "manager" and saved.listed_in_feeds
    [mail] = uow.published
    assert isinstance(mail, events.ScreeningApproved) and mail.invitation_method == "REQUEST"
    assert mail.screening.host.email == "leader2@pd.example.gov" and mail.screening.sequence == 1
    assert (COMPLETE, view["id"]) in uow.jobs


def test_only_a_manager_approves_and_only_what_awaits_review():
    uow = network()
    view = registered(uow, 2, approve=False)
    with pytest.raises(Forbidden):
        registering.approve_screening(uow.next(), as_leader(2), view["id"], now=NOW, settings=SETTINGS)
    assert stored(uow, view["id"]).status is Status.SUBMITTED
    registering.approve_screening(uow.next(), MANAGER, view["id"], now=NOW, settings=SETTINGS)
    again = uow.next()
    with pytest.raises(Conflict):
        registering.approve_screening(again, MANAGER, view["id"], now=NOW, settings=SETTINGS)
    assert again.published == []
    with pytest.raises(NotFound):
        registering.approve_screening(uow.next(), MANAGER, "no-such-screening", now=NOW, settings=SETTINGS)


def test_sending_back_tells_the_host_what_to_change():
    uow = network()
    view = registered(uow, 2, approve=False)
    uow = uow.next()
    sent_back = answered("send_back_screening", registering.send_back_screening(
        uow, MANAGER, view["id"], "Please add a partner school.", now=NOW, settings=SETTINGS))
    assert sent_back["status"] == "sent_back" and sent_back["review_note"] == "Please add a partner school."
    [mail] = uow.published
    assert isinstance(mail, events.ScreeningSentBack) and mail.note == "Please add a partner school."
    assert mail.manage_path == f"/manage/screenings/{view['id']}"


def test_sending_back_needs_a_manager_and_a_note():
    uow = network()
    view = registered(uow, 2, approve=False)
    with pytest.raises(Forbidden):
        registering.send_back_screening(uow.next(), as_leader(2), view["id"], "No.", now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as refused:
        registering.send_back_screening(uow.next(), MANAGER, view["id"], "  ", now=NOW, settings=SETTINGS)
    assert refused.value.errors[0]["field"] == "note"
    assert stored(uow, view["id"]).status is Status.SUBMITTED


def test_resubmitting_applies_the_changes_and_asks_for_review_again():
    uow = network()
    view = registered(uow, 2, approve=False)
    registering.send_back_screening(uow.next(), MANAGER, view["id"], "Add a partner.", now=NOW, settings=SETTINGS)
    uow = uow.next()
    again = answered("resubmit_screening", registering.resubmit_screening(
        uow, as_leader(2), view["id"], {"partners": ["Lanphier High School"], "cohost_ids": [3]}, now=NOW,
        settings=SETTINGS))
    assert again["status"] == "resubmitted" and again["partners"] == ["Lanphier High School"]
    assert again["cohost_ids"] == [3] and stored(uow, view["id"]).details.cohost_ids == ("3",)
    [mail] = uow.published
    assert isinstance(mail, events.ScreeningSubmitted) and mail.resubmission is True


def test_resubmitting_is_for_the_organisers_with_an_object_of_changes():
    uow = network()
    view = registered(uow, 2, approve=False)
    registering.send_back_screening(uow.next(), MANAGER, view["id"], "Add a partner.", now=NOW, settings=SETTINGS)
    with pytest.raises(Forbidden):
        registering.resubmit_screening(uow.next(), as_leader(3), view["id"], None, now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as refused:
        registering.resubmit_screening(uow.next(), as_leader(2), view["id"], "later", now=NOW, settings=SETTINGS)
    assert refused.value.field == "changes"
    with pytest.raises(ValidationFailed, match="co-host 4"):
        registering.resubmit_screening(uow.next(), as_leader(2), view["id"], {"cohost_ids": [4]}, now=NOW,
                                       settings=SETTINGS)
    assert stored(uow, view["id"]).status is Status.SENT_BACK


# --- films ----------------------------------------------------------------------------


FILM = {"slug": "a-new-film", "title": "A New Film", "description": "About a town that stood up.",
        "audiences": ["general_public"], "kit": [{"kind": "flyer", "title": "Flyer", "url": "https://example.org/new/flyer.pdf"}]}


def test_a_manager_adds_a_film_to_the_catalog():
    uow = FakeUnitOfWork()
    film = answered("add_film", films.add_film(uow, MANAGER, FILM, now=NOW))
    assert film["slug"] == "a-new-film" and film["kit"][0]["url"] == "https://example.org/new/flyer.pdf"
    assert uow.store.films["a-new-film"].title == "A New Film" and uow.store.films_added_at["a-new-film"] == NOW


def test_adding_a_film_is_for_managers_and_checks_it():
    uow = FakeUnitOfWork()
    held = dict(uow.store.films)
    with pytest.raises(Forbidden):
        films.add_film(uow, as_leader(1), FILM, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        films.add_film(uow, MANAGER, "a film", now=NOW)
    assert refused.value.field == "film"
    with pytest.raises(ValidationFailed):
        films.add_film(uow, MANAGER, {**FILM, "slug": "waking-in-oak-creek"}, now=NOW)  # already held
    assert uow.store.films == held


def test_seeding_adds_only_the_films_not_held():
    uow = FakeUnitOfWork()
    catalog = dict(uow.store.films)
    del uow.store.films["waking-in-oak-creek"]
    assert films.seed_films(uow) == 1 and uow.store.films == catalog
    assert films.seed_films(uow.next()) == 0


def test_seeding_brings_seeded_films_up_to_the_catalog_and_leaves_added_ones():
    uow = FakeUnitOfWork()
    catalog = dict(uow.store.films)
    stale = dataclasses.replace(catalog["waking-in-oak-creek"], description="A guessed synopsis.", kit=())
    uow.store.films["waking-in-oak-creek"] = stale
    films.add_film(uow, MANAGER, FILM, now=NOW)
    added = uow.store.films["a-new-film"]
    assert films.seed_films(uow.next()) == 1
    assert uow.store.films["waking-in-oak-creek"] == catalog["waking-in-oak-creek"]
    assert uow.store.films["a-new-film"] == added


# --- the leader projection ------------------------------------------------------------


def snapshot(version: int, **overrides) -> leader_events.LeaderSnapshot:
    data = {"leader_id": 7, "leader_version": version, "name": "Lt. Maria Lopez", "email": "maria@pd.example.gov",
            "agency": "Springfield PD", "title": "Lieutenant", "state": "IL", "region": "region-5",
            "region_grouping": "federal", "status": "active", "trusted_host": False, "expertise": [],
            "away_until": None, **overrides}
    return leader_events.LeaderSnapshot(**data)


def test_the_newest_leader_snapshot_wins_and_stale_ones_are_ignored():
    uow = FakeUnitOfWork()
    assert leaders.apply_leader_snapshot(uow, snapshot(1), now=NOW) is True
    assert leaders.apply_leader_snapshot(uow, snapshot(3, trusted_host=True, away_until=date(2026, 3, 1)),
                                         now=NOW + timedelta(hours=1)) is True
    assert uow.store.feed_version == 2  # a leader's name is in their feed's title
    assert leaders.apply_leader_snapshot(uow, snapshot(2, name="Stale Name"), now=NOW) is False
    assert leaders.apply_leader_snapshot(uow, snapshot(3, name="Same Version"), now=NOW) is False
    kept = uow.leaders.get(7)
    assert kept.name == "Lt. Maria Lopez" and kept.trusted and uow.store.leader_versions[7] == 3
    assert uow.store.leader_away[7] == date(2026, 3, 1) and uow.store.feed_version == 2


def test_a_projected_leader_can_host_once_active():
    uow = FakeUnitOfWork()
    leaders.apply_leader_snapshot(uow, snapshot(1, status="alumni"), now=NOW)
    with pytest.raises(Forbidden):
        register(uow.next(), as_leader(7), 7)
    leaders.apply_leader_snapshot(uow.next(), snapshot(2), now=NOW)
    assert register(uow.next(), as_leader(7), 7)["host"] == {"leader_id": 7, "name": "Lt. Maria Lopez"}


def test_the_registered_times_are_the_venues():
    view = registered(network(), 1)
    assert (view["start_utc"], view["end_utc"]) == (START.isoformat(), END.isoformat())
    assert view["local_label"] == "Wed, Jul 15, 2026, 7:00 PM - 9:00 PM CDT"
