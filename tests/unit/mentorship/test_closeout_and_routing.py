from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from services.leaders.mentorship.domain.lifecycle import (
    DEFAULT_AGREED_DAYS, SYSTEM, Actor, MentorshipRequest, OfferState, RequestState, is_overdue,
)
from services.leaders.mentorship.domain.matching import Candidate, pending_offers_for, route_next, withdraw_for_away
from services.runtime.errors import Conflict

from .builders import LEADER, MONDAY_MORNING as T, TOPICS, accepted_request, make_details, offered_request, open_request


def leader(leader_id: int, state: str = "OH", region: str = "Region 5", **changes) -> Candidate:
    values = dict(leader_id=leader_id, name=f"Leader {leader_id}", state=state, region=region,
                  expertise=frozenset({"hate-crime-investigation"}), trained_for_mentoring=True, max_mentees=2)
    values.update(changes)
    return Candidate(**values)


# -- overdue ----------------------------------------------------------------------------------


def test_is_overdue_after_the_agreed_length():
    accepted_at = datetime(2024, 5, 6, 14, tzinfo=timezone.utc)
    assert not is_overdue(accepted_at, 90, accepted_at + timedelta(days=90))
    assert is_overdue(accepted_at, 90, accepted_at + timedelta(days=90, seconds=1))
    assert not is_overdue(accepted_at, 30, accepted_at + timedelta(days=29))


def test_default_agreed_length():
    request = accepted_request()
    assert request.agreed_days == DEFAULT_AGREED_DAYS == 90
    assert request.due_at == request.accepted_at + timedelta(days=90)


def test_only_open_mentorships_are_flagged():
    request = accepted_request()
    late = request.due_at + timedelta(days=1)
    assert request.is_overdue(late)
    assert not request.is_overdue(request.due_at)
    completed = request.complete(LEADER, now=late, outcome_note="Finished late")
    assert not completed.is_overdue(late + timedelta(days=1))
    assert not open_request().is_overdue(late)


def test_open_requests_have_no_due_date():
    assert open_request().due_at is None


# -- routing ----------------------------------------------------------------------------------


def test_route_next_offers_to_the_best_candidate():
    request = open_request()
    now = T + timedelta(hours=1)
    result = route_next(request, [leader(1, state="MI"), leader(2)], region="Region 5", now=now, labels=TOPICS)
    assert not result.exhausted
    assert result.chosen.leader_id == 2
    assert result.request.state == RequestState.OFFERED
    assert result.request.current_offer.leader_id == 2
    assert result.request.audit[-1].note == (
        "offered to leader 2: same state (OH); expertise: hate-crime investigation; load 0 of 2")


def test_route_next_skips_leaders_already_tried():
    request = offered_request(leader_id=2).decline(Actor.leader(2), now=T + timedelta(hours=1))
    result = route_next(request, [leader(1, state="MI"), leader(2)], region="Region 5", now=T + timedelta(hours=2))
    assert result.chosen.leader_id == 1


def test_route_next_when_candidates_run_out():
    request = offered_request(leader_id=2)
    request = request.expire_offer(now=request.current_offer.deadline)
    result = route_next(request, [leader(2), leader(3, status="inactive")], region="Region 5",
                        now=request.offers[-1].deadline)
    assert result.exhausted
    assert result.request == request


def test_route_next_uses_the_local_date_for_availability():
    # 01:00 UTC on 11 May is still 10 May in New York, when this leader is away.
    now = datetime(2024, 5, 11, 1, 0, tzinfo=timezone.utc)
    away_today = leader(1, available=date(2024, 5, 10))
    assert route_next(open_request(), [away_today], region="Region 5", now=now).exhausted


def test_route_next_refuses_requests_that_are_not_open():
    with pytest.raises(Conflict):
        route_next(offered_request(), [leader(1)], region="Region 5", now=T + timedelta(hours=1))


# -- away re-route -----------------------------------------------------------------------------


def replace_id(request: MentorshipRequest, new_id: int) -> MentorshipRequest:
    return replace(request, id=new_id)


def test_away_withdraws_every_pending_offer_to_that_leader():
    mine_1 = offered_request(leader_id=7)
    mine_2 = replace_id(offered_request(T + timedelta(hours=1), leader_id=7), 42)
    someone_else = replace_id(offered_request(leader_id=8), 43)
    accepted = replace_id(accepted_request(), 44)
    unrouted = replace_id(open_request(), 45)
    requests = [mine_1, mine_2, someone_else, accepted, unrouted]

    assert pending_offers_for(7, requests) == [mine_1, mine_2]
    now = T + timedelta(hours=3)
    rerouted = withdraw_for_away(7, requests, now=now, away_until=date(2024, 5, 20))
    assert [r.id for r in rerouted] == [41, 42]
    for request in rerouted:
        assert request.state == RequestState.OPEN
        assert request.offers[-1].state == OfferState.WITHDRAWN
        assert request.audit[-1].actor == SYSTEM
        assert request.audit[-1].note == "leader 7 is away until 2024-05-20"
        assert request.audit[-1].at == now


def test_away_with_no_pending_offers_changes_nothing():
    assert withdraw_for_away(7, [accepted_request(), open_request()], now=T) == []


def test_withdrawn_requests_route_to_someone_else():
    (request,) = withdraw_for_away(7, [offered_request(leader_id=7)], now=T + timedelta(hours=3))
    result = route_next(request, [leader(7), leader(9)], region="Region 5", now=T + timedelta(hours=3))
    assert result.chosen.leader_id == 9


def test_submitted_request_starts_unconfirmed():
    request = MentorshipRequest.submit(make_details(), now=T)
    assert request.state == RequestState.UNCONFIRMED
    assert request.created_at == T
