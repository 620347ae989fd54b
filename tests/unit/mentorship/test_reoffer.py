"""Re-offer: a request handed to the managers goes to a leader as soon as one is eligible,
and to nobody it was already offered to."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from services.leaders.mentorship.app.leader import complete_mentorship, decline_offer
from services.leaders.mentorship.app.reoffer import leader_may_be_free, reoffer_handed_over
from services.leaders.mentorship.app.requester import confirm_request, submit_request
from services.leaders.mentorship.app.store import REOFFER_SWEEP, SWEEP_KEY
from services.leaders.mentorship.domain.lifecycle import RequestState
from services.leaders.mentorship.domain.matching import handed_to_managers
from services.leaders.settings import LeadersSettings

from .builders import MONDAY_MORNING as T, NEW_YORK, open_request
from .fakes import FakeUnitOfWork, details, links

SETTINGS = LeadersSettings(manager_emails=("programs@niot.example.org",))
OLIVIA, OMAR = 1, 2


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def handed_over(uow) -> int:
    request_id = submit_request(uow, details(), now=T)["id"]
    confirm_request(uow, links(uow, request_id)[0], now=T, settings=SETTINGS)
    assert handed_to_managers(uow.requests.get(request_id))
    return request_id


def sweep(uow, now):
    due, payload = uow.jobs[(REOFFER_SWEEP, SWEEP_KEY)]
    assert due <= now, "the sweep is not due yet"
    return reoffer_handed_over(uow, payload, now, settings=SETTINGS)


def test_the_domain_knows_a_handed_over_request():
    request = open_request()
    assert not handed_to_managers(request)  # open, not yet routed
    assert not handed_to_managers(request.offer(7, now=T + timedelta(hours=1)))


def test_a_leader_back_from_away_is_offered_the_request(uow):
    uow.mentors.add(OLIVIA, "Olivia Hart", "OH", away_until=date(2024, 5, 20))
    request_id = handed_over(uow)
    assert uow.types()[-1] == "mentorship_unanswered"
    # Away dates pass at midnight without anyone acting: the sweep is set for then.
    due, _ = uow.jobs[(REOFFER_SWEEP, SWEEP_KEY)]
    assert due == datetime(2024, 5, 7, tzinfo=NEW_YORK)

    assert sweep(uow, due) == []  # still away on the 7th: nothing happens, nothing is said
    assert uow.types()[-1] == "mentorship_unanswered"
    assert uow.jobs[(REOFFER_SWEEP, SWEEP_KEY)][0] == datetime(2024, 5, 8, tzinfo=NEW_YORK)

    back = datetime(2024, 5, 21, 9, tzinfo=NEW_YORK)
    uow.mentors.change(OLIVIA, away_until=None)
    leader_may_be_free(uow, now=back)
    assert sweep(uow, back) == [request_id]
    request = uow.requests.get(request_id)
    assert request.state == RequestState.OFFERED and request.current_offer.leader_id == OLIVIA
    offered = uow.published[-1]
    assert (offered.event_type, offered.leader_id, offered.request_id) == ("mentorship_offered", OLIVIA, request_id)
    assert uow.types().count("mentorship_unanswered") == 1
    assert sweep(uow, back) == []  # a second run (another instance) finds nothing to do


def test_finishing_the_training_makes_a_leader_eligible(uow):
    uow.mentors.add(OMAR, "Omar Reed", "OH", trained=False)
    request_id = handed_over(uow)
    uow.mentors.profiles[OMAR].trained = True
    leader_may_be_free(uow, now=T + timedelta(hours=3))
    assert sweep(uow, T + timedelta(hours=3)) == [request_id]
    assert uow.requests.get(request_id).current_offer.leader_id == OMAR


def test_a_leader_at_capacity_is_offered_it_once_a_mentorship_ends(uow):
    uow.mentors.add(OLIVIA, "Olivia Hart", "OH", max_mentees=1)
    first = submit_request(uow, details(), now=T)["id"]
    confirm_request(uow, links(uow, first)[0], now=T, settings=SETTINGS)
    from services.leaders.mentorship.app.leader import accept_offer
    accept_offer(uow, first, OLIVIA, now=T + timedelta(minutes=5), settings=SETTINGS)
    second = handed_over(uow)

    later = T + timedelta(days=3)
    complete_mentorship(uow, first, OLIVIA, "Talked through the case file.", now=later, settings=SETTINGS)
    leader_may_be_free(uow, now=later)
    assert sweep(uow, later) == [second]
    assert uow.requests.get(second).current_offer.leader_id == OLIVIA


def test_a_leader_who_declined_is_never_offered_it_again(uow):
    uow.mentors.add(OLIVIA, "Olivia Hart", "OH")
    request_id = submit_request(uow, details(), now=T)["id"]
    confirm_request(uow, links(uow, request_id)[0], now=T, settings=SETTINGS)
    decline_offer(uow, request_id, OLIVIA, "Not my field", now=T + timedelta(hours=1), settings=SETTINGS)
    assert handed_to_managers(uow.requests.get(request_id))

    leader_may_be_free(uow, now=T + timedelta(hours=2))
    assert sweep(uow, T + timedelta(hours=2)) == []
    assert uow.requests.get(request_id).state == RequestState.OPEN

    uow.mentors.add(OMAR, "Omar Reed", "IN")  # a new leader approved in the region
    leader_may_be_free(uow, now=T + timedelta(hours=4))
    assert sweep(uow, T + timedelta(hours=4)) == [request_id]
    assert uow.requests.get(request_id).current_offer.leader_id == OMAR


def test_nothing_is_scheduled_when_nothing_waits(uow):
    uow.mentors.add(OLIVIA, "Olivia Hart", "OH")
    leader_may_be_free(uow, now=T)
    assert (REOFFER_SWEEP, SWEEP_KEY) not in uow.jobs


def test_a_request_a_manager_closed_is_left_alone(uow):
    request_id = handed_over(uow)
    stored = uow.requests.stored[request_id]
    from services.leaders.mentorship.domain.lifecycle import Actor
    stored.request = stored.request.close_unanswered(Actor.manager(3), now=T + timedelta(hours=1))
    uow.mentors.add(OLIVIA, "Olivia Hart", "OH")
    assert reoffer_handed_over(uow, {}, T + timedelta(hours=2), settings=SETTINGS) == []
    assert replace(stored.request).state == RequestState.CLOSED_UNANSWERED
