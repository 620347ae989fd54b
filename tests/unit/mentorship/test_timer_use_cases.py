"""The timers' use cases (offer reminder, expiry with re-offer, overdue mentorship) on the
in-memory unit of work, called as services.runtime.timers.run_due calls them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.leaders.mentorship.app.leader import accept_offer, complete_mentorship
from services.leaders.mentorship.app.requester import confirm_request, submit_request
from services.leaders.mentorship.app.store import MENTORSHIP_OVERDUE, OFFER_EXPIRY, OFFER_REMINDER, REOFFER_SWEEP
from services.leaders.mentorship.app.timers import timer_handlers
from services.leaders.mentorship.domain.lifecycle import OfferState, RequestState
from services.leaders.settings import LeadersSettings

from .builders import MONDAY_MORNING as T
from .fakes import MIA, OLIVIA, OMAR, TOM, FakeUnitOfWork, details, links, roster

SETTINGS = LeadersSettings(manager_emails=("programs@niot.example.org",))
HANDLERS = timer_handlers(SETTINGS)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return roster(FakeUnitOfWork())


def offered(uow) -> int:
    request_id = submit_request(uow, details(), now=T)["id"]
    confirm_request(uow, links(uow, request_id)[0], now=T, settings=SETTINGS)
    return request_id


def run(uow, kind: str, key: str, now) -> None:
    """The job as the timer sweep runs it: its handler with the payload it was scheduled with."""
    _due, payload = uow.jobs[(kind, key)]
    HANDLERS[kind](uow, payload, now)


# -- the reminder -----------------------------------------------------------------------

def test_the_reminder_is_sent_once_half_way_to_the_deadline(uow):
    request_id = offered(uow)
    offer = uow.requests.get(request_id).current_offer
    assert uow.jobs[(OFFER_REMINDER, f"{request_id}:1")][0] == offer.reminder_at
    before = len(uow.published)

    run(uow, OFFER_REMINDER, f"{request_id}:1", offer.reminder_at - MINUTE)  # early: nothing yet
    assert len(uow.published) == before
    run(uow, OFFER_REMINDER, f"{request_id}:1", offer.reminder_at + MINUTE)
    reminder = uow.published[-1]
    assert reminder.event_type == "mentorship_offer_reminder_due"
    assert (reminder.request_id, reminder.leader_id, reminder.attempt, reminder.deadline) == (
        request_id, OLIVIA, 1, offer.deadline)
    assert reminder.accept_path == f"/leader/mentorship/{request_id}/accept"
    assert uow.requests.get(request_id).current_offer.reminder_sent_at == offer.reminder_at + MINUTE

    run(uow, OFFER_REMINDER, f"{request_id}:1", offer.reminder_at + 2 * MINUTE)  # a second run sends nothing
    assert len(uow.published) == before + 1


def test_a_reminder_for_an_answered_or_older_offer_does_nothing(uow):
    request_id = offered(uow)
    offer = uow.requests.get(request_id).current_offer
    HANDLERS[OFFER_REMINDER](uow, {"request_id": request_id, "attempt": 2}, offer.reminder_at + MINUTE)
    accept_offer(uow, request_id, OLIVIA, now=T + MINUTE, settings=SETTINGS)
    before = (uow.requests.get(request_id), len(uow.published))
    HANDLERS[OFFER_REMINDER](uow, {"request_id": request_id, "attempt": 1}, offer.reminder_at + MINUTE)
    assert (uow.requests.get(request_id), len(uow.published)) == before
    assert uow.types().count("mentorship_offer_reminder_due") == 0


# -- expiry and the re-offer ------------------------------------------------------------

def test_an_expired_offer_goes_to_the_next_candidate(uow):
    request_id = offered(uow)
    offer = uow.requests.get(request_id).current_offer
    run(uow, OFFER_EXPIRY, f"{request_id}:1", offer.deadline + MINUTE)

    assert uow.types()[-3:] == ["mentorship_offer_expired", "mentorship_offered", "mentorship_rerouted"]
    expired, offered_next, rerouted = uow.published[-3:]
    assert (expired.leader_id, expired.attempt, expired.deadline, expired.expired_at) == (
        OLIVIA, 1, offer.deadline, offer.deadline + MINUTE)
    assert expired.manager_emails == ("programs@niot.example.org",)
    assert (offered_next.leader_id, offered_next.attempt) == (OMAR, 2)
    assert (rerouted.reason, rerouted.from_leader_id, rerouted.to_leader_id) == ("expired", OLIVIA, OMAR)
    request = uow.requests.get(request_id)
    assert [(o.leader_id, o.state) for o in request.offers] == [(OLIVIA, OfferState.EXPIRED),
                                                               (OMAR, OfferState.PENDING)]
    assert [e.action for e in request.audit[-2:]] == ["expire", "offer"]
    second = request.current_offer
    assert uow.jobs == {
        (OFFER_REMINDER, f"{request_id}:2"): (second.reminder_at, {"request_id": request_id, "attempt": 2}),
        (OFFER_EXPIRY, f"{request_id}:2"): (second.deadline, {"request_id": request_id, "attempt": 2}),
    }


def test_expiry_before_the_deadline_or_of_an_older_offer_does_nothing(uow):
    request_id = offered(uow)
    offer = uow.requests.get(request_id).current_offer
    before = (uow.requests.get(request_id), list(uow.published), dict(uow.jobs))
    HANDLERS[OFFER_EXPIRY](uow, {"request_id": request_id, "attempt": 1}, offer.deadline - MINUTE)
    HANDLERS[OFFER_EXPIRY](uow, {"request_id": request_id, "attempt": 2}, offer.deadline + MINUTE)
    assert (uow.requests.get(request_id), list(uow.published), dict(uow.jobs)) == before


def test_when_every_candidate_let_their_offer_expire_the_managers_are_told(uow):
    request_id = offered(uow)
    for attempt, leader_id in enumerate((OLIVIA, OMAR, MIA, TOM), start=1):
        offer = uow.requests.get(request_id).current_offer
        assert offer.leader_id == leader_id
        run(uow, OFFER_EXPIRY, f"{request_id}:{attempt}", offer.deadline + MINUTE)
    assert uow.types()[-2:] == ["mentorship_offer_expired", "mentorship_unanswered"]
    assert uow.published[-1].attempts == 4
    request = uow.requests.get(request_id)
    assert (request.state, request.audit[-1].action) == (RequestState.OPEN, "escalate")
    assert {kind for kind, _key in uow.jobs} == {REOFFER_SWEEP}  # looked at again at midnight


# -- overdue mentorships ----------------------------------------------------------------

def test_a_mentorship_past_its_agreed_length_is_flagged(uow):
    request_id = offered(uow)
    accept_offer(uow, request_id, OLIVIA, 30, now=T + MINUTE, settings=SETTINGS)
    due_at = T + MINUTE + timedelta(days=30)
    assert uow.jobs[(MENTORSHIP_OVERDUE, str(request_id))][0] == due_at
    run(uow, MENTORSHIP_OVERDUE, str(request_id), due_at + MINUTE)

    overdue = uow.published[-1]
    assert overdue.event_type == "mentorship_overdue"
    assert (overdue.leader_id, overdue.agreed_days, overdue.due_at) == (OLIVIA, 30, due_at)
    assert overdue.complete_path == f"/leader/mentorship/{request_id}/complete"
    request = uow.requests.get(request_id)
    assert (request.state, request.audit[-1].action, str(request.audit[-1].actor)) == (
        RequestState.ACCEPTED, "overdue", "system")


def test_a_mentorship_on_time_or_completed_is_not_flagged(uow):
    request_id = offered(uow)
    accept_offer(uow, request_id, OLIVIA, 30, now=T, settings=SETTINGS)
    before = (uow.requests.get(request_id), len(uow.published))
    HANDLERS[MENTORSHIP_OVERDUE](uow, {"request_id": request_id}, T + timedelta(days=29))
    assert (uow.requests.get(request_id), len(uow.published)) == before
    complete_mentorship(uow, request_id, OLIVIA, "Done.", now=T + timedelta(days=29), settings=SETTINGS)
    before = (uow.requests.get(request_id), len(uow.published))
    HANDLERS[MENTORSHIP_OVERDUE](uow, {"request_id": request_id}, T + timedelta(days=31))
    assert (uow.requests.get(request_id), len(uow.published)) == before
