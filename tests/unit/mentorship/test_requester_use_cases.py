"""The requester's use cases (submit, confirm, cancel) on the in-memory unit of work."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.leaders.mentorship.app.requester import cancel_request, confirm_request, submit_request
from services.leaders.mentorship.app.store import MENTORSHIP_OVERDUE, OFFER_EXPIRY, OFFER_REMINDER, REOFFER_SWEEP
from services.leaders.mentorship.domain.lifecycle import OfferState, RequestState
from services.leaders.settings import LeadersSettings
from services.runtime.errors import Conflict, Forbidden, ValidationFailed

from .builders import MONDAY_MORNING as T
from .fakes import MIA, OLIVIA, OMAR, TOM, FakeUnitOfWork, details, links, roster

SETTINGS = LeadersSettings()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return roster(FakeUnitOfWork())


def submitted(uow, **overrides) -> tuple[int, str, str]:
    request_id = submit_request(uow, details(**overrides), now=T)["id"]
    return (request_id, *links(uow, request_id))


def test_submit_stores_an_unconfirmed_request_and_mails_its_links(uow):
    answer = submit_request(uow, details(email=" Dana.Reyes@Springfield.GOV "), now=T)
    assert answer == {"id": 1, "state": "unconfirmed", "confirm_expires_at": (T + timedelta(days=7)).isoformat()}
    request = uow.requests.get(1)
    assert (request.state, request.details.email) == (RequestState.UNCONFIRMED, "dana.reyes@springfield.gov")
    assert [e.action for e in request.audit] == ["submit"]
    [event] = uow.published
    assert event.event_type == "mentorship_requested"
    assert (event.request_id, event.requester_email, event.requested_at) == (1, "dana.reyes@springfield.gov", T)
    confirm, status = links(uow, 1)
    assert (event.confirm_path, event.status_path) == (f"/mentorship/confirm/{confirm}",
                                                       f"/mentorship/status/{status}")
    # Only digests are kept.
    stored = uow.requests.stored[1]
    assert confirm not in (stored.confirm.digest, stored.status.digest)
    assert uow.jobs == {}


@pytest.mark.parametrize("data, fields", [
    (details(topic="juggling", email="nope"), {"topic", "email"}),
    ("please help", {"request"}),
])
def test_submit_refuses_bad_details_and_stores_nothing(uow, data, fields):
    with pytest.raises(ValidationFailed) as refused:
        submit_request(uow, data, now=T)
    assert {e["field"] for e in refused.value.errors} == fields
    assert uow.requests.stored == {} and uow.published == []


def test_confirm_opens_the_request_and_offers_it_to_the_best_leader(uow):
    request_id, confirm, _status = submitted(uow)
    view = confirm_request(uow, confirm, now=T + timedelta(minutes=5), settings=SETTINGS)
    assert (view["state"], view["leader"]) == ("offered", {"first_name": "Olivia"})
    assert uow.types()[1:] == ["mentorship_confirmed", "mentorship_offered"]
    offered = uow.published[-1]
    assert (offered.leader_id, offered.attempt, offered.leader_email) == (OLIVIA, 1, "olivia.hart@pd.example.gov")
    assert offered.match_reasons == ("same state (OH)", "expertise: Hate crime investigation", "load 0 of 2")
    request = uow.requests.get(request_id)
    offer = request.current_offer
    assert request.confirmed_at == T + timedelta(minutes=5)
    assert uow.jobs == {
        (OFFER_REMINDER, f"{request_id}:1"): (offer.reminder_at, {"request_id": request_id, "attempt": 1}),
        (OFFER_EXPIRY, f"{request_id}:1"): (offer.deadline, {"request_id": request_id, "attempt": 1}),
    }
    assert uow.requests.stored[request_id].confirm.used_at == T + timedelta(minutes=5)


def test_confirm_with_nobody_eligible_hands_the_request_to_the_managers(uow):
    for leader_id in (OLIVIA, OMAR, MIA, TOM):
        uow.mentors.change(leader_id, status="inactive")
    request_id, confirm, _ = submitted(uow, state="GU")
    view = confirm_request(uow, confirm, now=T, settings=SETTINGS)
    assert (view["state"], view["leader"]) == ("open", None)
    unanswered = uow.published[-1]
    assert unanswered.event_type == "mentorship_unanswered"
    assert (unanswered.region, unanswered.attempts) == ("Region 9 (San Francisco)", 0)
    assert unanswered.manager_emails == SETTINGS.manager_emails
    assert uow.requests.get(request_id).audit[-1].action == "escalate"
    assert {kind for kind, _key in uow.jobs} == {REOFFER_SWEEP}  # looked at again at midnight


@pytest.mark.parametrize("token", ["forged-token", None, "x" * 5000])
def test_confirm_refuses_an_unknown_link(uow, token):
    submitted(uow)
    before = list(uow.published)
    with pytest.raises(Forbidden) as refused:
        confirm_request(uow, token, now=T, settings=SETTINGS)
    assert refused.value.field == "token"
    assert uow.published == before and uow.requests.get(1).state == RequestState.UNCONFIRMED


def test_confirm_refuses_a_used_or_expired_link_naming_the_token(uow):
    _, confirm, status = submitted(uow)
    with pytest.raises(Forbidden):
        confirm_request(uow, status, now=T, settings=SETTINGS)  # a status link confirms nothing
    confirm_request(uow, confirm, now=T, settings=SETTINGS)
    with pytest.raises(Conflict) as reused:
        confirm_request(uow, confirm, now=T, settings=SETTINGS)
    assert reused.value.field == "token"

    _, late, _ = submitted(uow, email="late@springfield.gov")
    with pytest.raises(Forbidden) as expired:
        confirm_request(uow, late, now=T + timedelta(days=8), settings=SETTINGS)
    assert (expired.value.field, uow.requests.get(2).state) == ("token", RequestState.UNCONFIRMED)


def test_cancel_withdraws_the_pending_offer_and_tells_the_leader(uow):
    request_id, confirm, status = submitted(uow)
    confirm_request(uow, confirm, now=T, settings=SETTINGS)
    view = cancel_request(uow, status, now=T + timedelta(hours=1))
    assert (view["state"], view["can_cancel"], view["leader"]) == ("cancelled", False, None)
    cancelled = uow.published[-1]
    assert cancelled.event_type == "mentorship_cancelled"
    assert (cancelled.previous_state, cancelled.leader_id, cancelled.leader_email) == (
        "offered", OLIVIA, "olivia.hart@pd.example.gov")
    request = uow.requests.get(request_id)
    assert (request.state, request.offers[-1].state) == (RequestState.CANCELLED, OfferState.WITHDRAWN)
    assert uow.jobs == {}


def test_cancel_of_an_unrouted_request_names_no_leader(uow):
    _, _, status = submitted(uow)
    cancel_request(uow, status, now=T)
    assert (uow.published[-1].previous_state, uow.published[-1].leader_id) == ("unconfirmed", None)


def test_cancel_of_an_accepted_mentorship_stops_its_overdue_timer(uow):
    from services.leaders.mentorship.app.leader import accept_offer

    request_id, confirm, status = submitted(uow)
    confirm_request(uow, confirm, now=T, settings=SETTINGS)
    accept_offer(uow, request_id, OLIVIA, now=T + timedelta(hours=1), settings=SETTINGS)
    assert (MENTORSHIP_OVERDUE, str(request_id)) in uow.jobs
    view = cancel_request(uow, status, now=T + timedelta(days=2))
    assert view["leader"] == {"name": "Olivia Hart", "agency": "OH Police", "title": "Sergeant"}
    assert uow.published[-1].previous_state == "accepted"
    assert uow.jobs == {}


def test_cancel_refuses_twice_and_forged_links(uow):
    _, _, status = submitted(uow)
    cancel_request(uow, status, now=T)
    published = list(uow.published)
    with pytest.raises(Conflict):
        cancel_request(uow, status, now=T)
    with pytest.raises(Forbidden) as forged:
        cancel_request(uow, "forged-token", now=T)
    assert forged.value.field == "token"
    assert uow.published == published
