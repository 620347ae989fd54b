"""The offered leader's use cases (accept, decline, complete) on the in-memory unit of work."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.leaders.mentorship.app.leader import accept_offer, complete_mentorship, decline_offer
from services.leaders.mentorship.app.requester import confirm_request, submit_request
from services.leaders.mentorship.app.store import MENTORSHIP_OVERDUE, OFFER_EXPIRY, OFFER_REMINDER, REOFFER_SWEEP
from services.leaders.mentorship.domain.lifecycle import OfferState, RequestState
from services.leaders.settings import LeadersSettings
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .builders import MONDAY_MORNING as T
from .fakes import MIA, OLIVIA, OMAR, TOM, FakeUnitOfWork, details, links, roster

SETTINGS = LeadersSettings()
LATER = T + timedelta(hours=2)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return roster(FakeUnitOfWork())


def offered(uow, **overrides) -> int:
    """A request confirmed at T and offered to Olivia."""
    request_id = submit_request(uow, details(**overrides), now=T)["id"]
    confirm_request(uow, links(uow, request_id)[0], now=T, settings=SETTINGS)
    assert uow.requests.get(request_id).current_offer.leader_id == OLIVIA
    return request_id


def unchanged(uow, request_id):
    """A snapshot to compare with after a refusal."""
    return uow.requests.get(request_id), list(uow.published), dict(uow.jobs)


def test_accept_starts_the_mentorship_and_its_overdue_timer(uow):
    request_id = offered(uow)
    view = accept_offer(uow, request_id, OLIVIA, 30, now=LATER, settings=SETTINGS)
    assert (view["state"], view["agreed_days"], view["requester"]["email"]) == (
        "accepted", 30, "dana.reyes@springfield.gov")
    accepted = uow.published[-1]
    assert accepted.event_type == "mentorship_accepted"
    assert (accepted.leader_id, accepted.requester_email, accepted.agreed_days, accepted.due_at) == (
        OLIVIA, "dana.reyes@springfield.gov", 30, LATER + timedelta(days=30))
    assert (accepted.leader_title, accepted.leader_phone) == ("Sergeant", None)
    assert uow.jobs == {(MENTORSHIP_OVERDUE, str(request_id)): (LATER + timedelta(days=30),
                                                                 {"request_id": request_id})}


def test_accept_without_a_length_takes_the_programs_default(uow):
    request_id = offered(uow)
    accept_offer(uow, request_id, OLIVIA, now=LATER, settings=LeadersSettings(agreed_days=45))
    assert uow.requests.get(request_id).agreed_days == 45


@pytest.mark.parametrize("call, error, field", [
    (lambda uow, r: accept_offer(uow, r, OMAR, now=LATER, settings=SETTINGS), Forbidden, None),
    (lambda uow, r: accept_offer(uow, r, OLIVIA, 0, now=LATER, settings=SETTINGS), ValidationFailed, "agreed_days"),
    (lambda uow, r: accept_offer(uow, r, "olivia", now=LATER, settings=SETTINGS), ValidationFailed, "leader_id"),
    (lambda uow, r: accept_offer(uow, 999, OLIVIA, now=LATER, settings=SETTINGS), NotFound, "request_id"),
    (lambda uow, r: accept_offer(uow, r, OLIVIA, now=T + timedelta(days=30), settings=SETTINGS), Conflict, None),
    (lambda uow, r: decline_offer(uow, r, OMAR, now=LATER, settings=SETTINGS), Forbidden, None),
    (lambda uow, r: decline_offer(uow, r, OLIVIA, "r" * 1001, now=LATER, settings=SETTINGS), ValidationFailed,
     "reason"),
    (lambda uow, r: complete_mentorship(uow, r, OLIVIA, "done", now=LATER, settings=SETTINGS), Conflict, None),
])
def test_refused_answers_change_nothing(uow, call, error, field):
    request_id = offered(uow)
    before = unchanged(uow, request_id)
    with pytest.raises(error) as refused:
        call(uow, request_id)
    assert refused.value.field == field
    assert unchanged(uow, request_id) == before


def test_decline_offers_the_request_to_the_next_candidate(uow):
    request_id = offered(uow)
    view = decline_offer(uow, request_id, OLIVIA, "  On leave at a training course. ", now=LATER, settings=SETTINGS)
    assert (view["state"], view["offer"]["state"]) == ("offered", "declined")
    assert "email" not in view["requester"]
    assert uow.types()[-3:] == ["mentorship_declined", "mentorship_offered", "mentorship_rerouted"]
    declined, offered_next, rerouted = uow.published[-3:]
    assert (declined.leader_id, declined.reason, declined.attempt) == (OLIVIA, "On leave at a training course.", 1)
    assert (offered_next.leader_id, offered_next.attempt) == (OMAR, 2)
    assert (rerouted.reason, rerouted.from_leader_id, rerouted.from_leader_name, rerouted.to_leader_id) == (
        "declined", OLIVIA, "Olivia Hart", OMAR)
    request = uow.requests.get(request_id)
    assert [(o.leader_id, o.state) for o in request.offers] == [(OLIVIA, OfferState.DECLINED),
                                                               (OMAR, OfferState.PENDING)]
    # The first offer's timers are gone, the second offer has its own.
    assert uow.kinds() == {(OFFER_REMINDER, f"{request_id}:2"), (OFFER_EXPIRY, f"{request_id}:2")}


def test_decline_by_the_last_candidate_goes_to_the_managers(uow):
    request_id = offered(uow)
    for leader_id in (OLIVIA, OMAR, MIA):
        decline_offer(uow, request_id, leader_id, now=LATER, settings=SETTINGS)
    decline_offer(uow, request_id, TOM, now=LATER, settings=SETTINGS)
    assert uow.types()[-2:] == ["mentorship_declined", "mentorship_unanswered"]
    assert uow.published[-2].reason is None
    assert uow.published[-1].attempts == 4
    assert uow.requests.get(request_id).state == RequestState.OPEN
    # No offer timers are left; the re-offer sweep looks again at the next local midnight.
    assert {kind for kind, _key in uow.jobs} == {REOFFER_SWEEP}


def test_complete_ends_the_mentorship_and_its_overdue_timer(uow):
    request_id = offered(uow)
    accept_offer(uow, request_id, OLIVIA, now=LATER, settings=SETTINGS)
    done = T + timedelta(days=20)
    view = complete_mentorship(uow, request_id, OLIVIA, "Walked through the bias indicators.", now=done,
                               settings=SETTINGS)
    assert (view["state"], view["completed_at"]) == ("completed", done.isoformat())
    completed = uow.published[-1]
    assert completed.event_type == "mentorship_completed"
    assert (completed.leader_id, completed.accepted_at, completed.completed_at) == (OLIVIA, LATER, done)
    assert uow.requests.get(request_id).outcome_note == "Walked through the bias indicators."
    assert uow.jobs == {}


@pytest.mark.parametrize("leader_id, note, error", [
    (OLIVIA, "   ", ValidationFailed),
    (OMAR, "done", Forbidden),
])
def test_complete_refuses_an_empty_note_or_another_leader(uow, leader_id, note, error):
    request_id = offered(uow)
    accept_offer(uow, request_id, OLIVIA, now=LATER, settings=SETTINGS)
    before = unchanged(uow, request_id)
    with pytest.raises(error):
        complete_mentorship(uow, request_id, leader_id, note, now=LATER, settings=SETTINGS)
    assert unchanged(uow, request_id) == before
