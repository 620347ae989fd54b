"""The program managers' use cases (assign, close unanswered) and the re-routing when a
leader goes away, on the in-memory unit of work."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.contracts.rpc.common import Actor as Caller
from services.leaders.mentorship.app.leader import accept_offer
from services.leaders.mentorship.app.manager import assign, close_unanswered
from services.leaders.mentorship.app.requester import confirm_request, submit_request
from services.leaders.mentorship.app.routing import reroute_if_unavailable
from services.leaders.mentorship.app.store import OFFER_EXPIRY, OFFER_REMINDER
from services.leaders.mentorship.domain.lifecycle import OfferState, RequestState
from services.leaders.settings import LeadersSettings
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .builders import MONDAY_MORNING as T
from .fakes import OLIVIA, OMAR, TOM, UMA, FakeUnitOfWork, details, links, roster

SETTINGS = LeadersSettings()
LATER = T + timedelta(hours=3)
MANAGER = {"role": "manager", "account_id": 3}


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return roster(FakeUnitOfWork())


def offered(uow, **overrides) -> int:
    request_id = submit_request(uow, details(**overrides), now=T)["id"]
    confirm_request(uow, links(uow, request_id)[0], now=T, settings=SETTINGS)
    return request_id


def snapshot(uow, request_id):
    return uow.requests.get(request_id), list(uow.published), dict(uow.jobs)


# -- assign -----------------------------------------------------------------------------

def test_assign_takes_back_the_pending_offer_and_offers_the_chosen_leader(uow):
    request_id = offered(uow)
    record = assign(uow, request_id, TOM, MANAGER, now=LATER, settings=SETTINGS)
    assert [(o["leader_id"], o["leader_name"], o["state"]) for o in record["offers"]] == [
        (OLIVIA, "Olivia Hart", "withdrawn"), (TOM, "Tom Diaz", "pending")]
    assert [(e["action"], e["actor"], e["note"]) for e in record["audit"][-2:]] == [
        ("withdraw", "manager:3", "re-assigned by manager 3"),
        ("offer", "manager:3", f"assigned to leader {TOM} by manager 3")]
    assert (record["leader"], record["region"]) == ({"id": TOM, "name": "Tom Diaz"}, "region-5")
    offered_event, rerouted = uow.published[-2:]
    assert (offered_event.leader_id, offered_event.match_reasons) == (TOM, ("assigned by a program manager",))
    assert (rerouted.reason, rerouted.from_leader_id, rerouted.to_leader_id, rerouted.attempt) == (
        "manager", OLIVIA, TOM, 2)
    assert uow.kinds() == {(OFFER_REMINDER, f"{request_id}:2"), (OFFER_EXPIRY, f"{request_id}:2")}


def test_assign_may_offer_a_leader_the_router_would_not(uow):
    for leader_id in (OLIVIA, 2, 3, TOM):
        uow.mentors.change(leader_id, status="inactive")
    request_id = offered(uow)
    assert uow.published[-1].event_type == "mentorship_unanswered"
    record = assign(uow, request_id, UMA, Caller(role="manager", account_id=3), now=LATER, settings=SETTINGS)
    assert (record["state"], record["audit"][-1]["actor"]) == ("offered", "manager:3")
    assert uow.types()[-1] == "mentorship_offered"  # nobody to tell about a re-routing


@pytest.mark.parametrize("leader_id, actor, error, field", [
    (OLIVIA, MANAGER, Conflict, "leader_id"),  # the request already waits on her
    (999, MANAGER, NotFound, "leader_id"),
    (OMAR, None, ValidationFailed, "actor"),
    (OMAR, {"role": "manager"}, ValidationFailed, "actor.account_id"),
    (OMAR, {"role": "leader", "leader_id": OMAR}, Forbidden, "actor"),
    (OMAR, "manager:3", ValidationFailed, "actor"),
])
def test_assign_refusals_change_nothing(uow, leader_id, actor, error, field):
    request_id = offered(uow)
    before = snapshot(uow, request_id)
    with pytest.raises(error) as refused:
        assign(uow, request_id, leader_id, actor, now=LATER, settings=SETTINGS)
    assert refused.value.field == field
    assert snapshot(uow, request_id) == before


def test_assign_refuses_an_inactive_leader_and_an_accepted_request(uow):
    request_id = offered(uow)
    uow.mentors.change(TOM, status="alumni")
    with pytest.raises(Conflict, match="Tom Diaz is alumni") as refused:
        assign(uow, request_id, TOM, MANAGER, now=LATER, settings=SETTINGS)
    assert refused.value.field == "leader_id"
    accept_offer(uow, request_id, OLIVIA, now=LATER, settings=SETTINGS)
    before = snapshot(uow, request_id)
    with pytest.raises(Conflict):
        assign(uow, request_id, OMAR, MANAGER, now=LATER, settings=SETTINGS)
    assert snapshot(uow, request_id) == before


# -- close unanswered -------------------------------------------------------------------

def test_close_unanswered_withdraws_the_offer_and_tells_the_requester(uow):
    request_id = offered(uow)
    record = close_unanswered(uow, request_id, MANAGER, "  The requester found help locally. ", now=LATER)
    assert (record["state"], record["closed_at"]) == ("closed_unanswered", LATER.isoformat())
    assert record["audit"][-1]["actor"] == "manager:3"
    closed = uow.published[-1]
    assert closed.event_type == "mentorship_closed"
    assert (closed.note, closed.requester_email) == ("The requester found help locally.", "dana.reyes@springfield.gov")
    assert uow.requests.get(request_id).offers[-1].state == OfferState.WITHDRAWN
    assert uow.jobs == {}


@pytest.mark.parametrize("actor, error", [
    ({"role": "leader", "leader_id": OLIVIA}, Forbidden),
    ({}, ValidationFailed),
])
def test_close_unanswered_is_for_managers_only(uow, actor, error):
    request_id = offered(uow)
    before = snapshot(uow, request_id)
    with pytest.raises(error):
        close_unanswered(uow, request_id, actor, now=LATER)
    assert snapshot(uow, request_id) == before


def test_an_accepted_mentorship_cannot_be_closed_unanswered(uow):
    request_id = offered(uow)
    accept_offer(uow, request_id, OLIVIA, now=LATER, settings=SETTINGS)
    before = snapshot(uow, request_id)
    with pytest.raises(Conflict):
        close_unanswered(uow, request_id, MANAGER, now=LATER)
    assert snapshot(uow, request_id) == before


# -- a leader goes away -----------------------------------------------------------------

@pytest.mark.parametrize("change, note", [
    ({"away_until": date(2024, 6, 1)}, f"leader {OLIVIA} is away until 2024-06-01"),
    ({"status": "inactive"}, f"leader {OLIVIA} is inactive"),
])
def test_offers_waiting_on_a_leader_who_goes_away_move_on(uow, change, note):
    first, second = offered(uow), offered(uow, email="second@springfield.gov")
    mentored = offered(uow, email="third@springfield.gov")
    accept_offer(uow, mentored, OLIVIA, now=LATER, settings=SETTINGS)
    uow.mentors.change(OLIVIA, **change)
    before = len(uow.published)

    assert reroute_if_unavailable(uow, OLIVIA, now=LATER, settings=SETTINGS) == [first, second]
    for request_id in (first, second):
        request = uow.requests.get(request_id)
        assert [(o.leader_id, o.state) for o in request.offers] == [(OLIVIA, OfferState.WITHDRAWN),
                                                                   (OMAR, OfferState.PENDING)]
        withdraw = request.audit[-2]
        assert (withdraw.action, str(withdraw.actor), withdraw.note) == ("withdraw", "system", note)
        assert (OFFER_EXPIRY, f"{request_id}:1") not in uow.jobs and (OFFER_EXPIRY, f"{request_id}:2") in uow.jobs
    rerouted = [p for p in uow.published[before:] if p.event_type == "mentorship_rerouted"]
    assert [(e.request_id, e.reason, e.from_leader_id, e.to_leader_id) for e in rerouted] == [
        (first, "away", OLIVIA, OMAR), (second, "away", OLIVIA, OMAR)]
    assert uow.requests.get(mentored).state == RequestState.ACCEPTED


@pytest.mark.parametrize("away_until", [None, T.date()])  # back today: available again
def test_a_leader_still_available_keeps_their_offers(uow, away_until):
    request_id = offered(uow)
    uow.mentors.change(OLIVIA, away_until=away_until)
    before = snapshot(uow, request_id)
    assert reroute_if_unavailable(uow, OLIVIA, now=LATER, settings=SETTINGS) == []
    assert snapshot(uow, request_id) == before
