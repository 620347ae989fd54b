from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from services.leaders.mentorship.domain.details import Urgency
from services.leaders.mentorship.domain.lifecycle import (
    REQUESTER, SYSTEM, Actor, ActorKind, MentorshipRequest, OfferState, RequestState,
)
from services.runtime.errors import Conflict, DomainError, Forbidden, ValidationFailed

from .builders import (
    LEADER, MANAGER, MONDAY_MORNING, OTHER_LEADER, accepted_request, make_details, offered_request, open_request,
)

T = MONDAY_MORNING


def test_happy_path_records_every_transition():
    request = MentorshipRequest.submit(make_details(), now=T, id=41)
    request = request.confirm(now=T + timedelta(minutes=5))
    request = request.offer(7, now=T + timedelta(minutes=10))
    request = request.accept(LEADER, now=T + timedelta(hours=3), agreed_days=60)
    request = request.complete(LEADER, now=T + timedelta(days=30), outcome_note="Walked through the case file.")

    assert request.state == RequestState.COMPLETED
    trail = [(e.action, e.from_state, e.to_state, str(e.actor), e.at) for e in request.audit]
    assert trail == [
        ("submit", "unconfirmed", "unconfirmed", "requester", T),
        ("confirm", "unconfirmed", "open", "requester", T + timedelta(minutes=5)),
        ("offer", "open", "offered", "system", T + timedelta(minutes=10)),
        ("accept", "offered", "accepted", "leader:7", T + timedelta(hours=3)),
        ("complete", "accepted", "completed", "leader:7", T + timedelta(days=30)),
    ]
    assert request.audit[-1].note == "Walked through the case file."
    assert request.confirmed_at == T + timedelta(minutes=5)
    assert request.accepted_at == T + timedelta(hours=3)
    assert request.agreed_days == 60
    assert request.outcome_note == "Walked through the case file."
    (offer,) = request.offers
    assert (offer.leader_id, offer.state, offer.decided_at) == (7, OfferState.ACCEPTED, T + timedelta(hours=3))
    assert request.accepted_offer == offer


def test_offer_sets_deadline_and_reminder():
    request = offered_request()
    offer = request.current_offer
    assert offer.offered_at == T + timedelta(minutes=10)
    assert offer.deadline == offer.offered_at + timedelta(days=2)
    assert offer.reminder_at == offer.offered_at + timedelta(days=1)
    assert offer.state == OfferState.PENDING
    assert request.audit[-1].note == "offered to leader 7"


def test_decline_reopens_the_request_with_the_reason():
    request = offered_request().decline(LEADER, now=T + timedelta(hours=1), reason="  On leave next week ")
    assert request.state == RequestState.OPEN
    assert request.current_offer is None
    assert request.offers[-1].state == OfferState.DECLINED
    assert request.offers[-1].note == "On leave next week"
    entry = request.audit[-1]
    assert (entry.action, entry.from_state, entry.to_state, str(entry.actor), entry.note) == (
        "decline", "offered", "open", "leader:7", "On leave next week")


def test_decline_without_reason_records_none():
    request = offered_request().decline(LEADER, now=T + timedelta(hours=1), reason="   ")
    assert request.offers[-1].note is None
    assert request.audit[-1].note is None


def test_after_a_decline_the_request_goes_to_the_next_leader():
    request = offered_request().decline(LEADER, now=T + timedelta(hours=1))
    request = request.offer(8, now=T + timedelta(hours=1, minutes=1))
    assert [o.leader_id for o in request.offers] == [7, 8]
    assert [o.state for o in request.offers] == [OfferState.DECLINED, OfferState.PENDING]
    assert request.offered_leader_ids == {7, 8}


def test_expiry_reopens_the_request():
    request = offered_request()
    deadline = request.current_offer.deadline
    expired = request.expire_offer(now=deadline)
    assert expired.state == RequestState.OPEN
    assert expired.offers[-1].state == OfferState.EXPIRED
    assert expired.offers[-1].decided_at == deadline
    entry = expired.audit[-1]
    assert (entry.action, entry.from_state, entry.to_state, entry.actor) == ("expire", "offered", "open", SYSTEM)
    assert "did not answer" in entry.note


def test_expiry_before_the_deadline_is_refused():
    request = offered_request()
    with pytest.raises(Conflict, match="not due until"):
        request.expire_offer(now=request.current_offer.deadline - timedelta(seconds=1))


def test_an_offer_is_never_expired_twice():
    request = offered_request()
    expired = request.expire_offer(now=request.current_offer.deadline)
    with pytest.raises(Conflict, match="no pending offer"):
        expired.expire_offer(now=request.current_offer.deadline + timedelta(minutes=1))


@pytest.mark.parametrize("actor", [SYSTEM, MANAGER, LEADER])
def test_withdraw_by_program_manager_or_offeree(actor):
    request = offered_request().withdraw_offer(actor, now=T + timedelta(hours=1), note="re-assigned")
    assert request.state == RequestState.OPEN
    assert request.offers[-1].state == OfferState.WITHDRAWN
    assert request.audit[-1].actor == actor
    assert request.audit[-1].note == "re-assigned"


@pytest.mark.parametrize("actor", [OTHER_LEADER, REQUESTER])
def test_withdraw_by_anyone_else_is_forbidden(actor):
    with pytest.raises(Forbidden):
        offered_request().withdraw_offer(actor, now=T + timedelta(hours=1))


@pytest.mark.parametrize("build", [
    lambda: MentorshipRequest.submit(make_details(), now=T), open_request, offered_request, accepted_request,
])
def test_requester_can_cancel_from_any_non_final_state(build):
    request = build()
    cancelled = request.cancel(REQUESTER, now=T + timedelta(days=1))
    assert cancelled.state == RequestState.CANCELLED
    assert cancelled.closed_at == T + timedelta(days=1)
    assert (cancelled.audit[-1].action, cancelled.audit[-1].from_state) == ("cancel", request.state)


def test_cancelling_an_offered_request_withdraws_the_offer():
    cancelled = offered_request().cancel(now=T + timedelta(hours=1))
    assert cancelled.offers[-1].state == OfferState.WITHDRAWN


def test_cancelling_an_accepted_request_keeps_the_offer_history():
    cancelled = accepted_request().cancel(now=T + timedelta(days=3))
    assert cancelled.offers[-1].state == OfferState.ACCEPTED


@pytest.mark.parametrize("actor", [LEADER, MANAGER, SYSTEM])
def test_only_the_requester_cancels(actor):
    with pytest.raises(Forbidden):
        open_request().cancel(actor, now=T + timedelta(hours=1))


@pytest.mark.parametrize("build", [lambda: MentorshipRequest.submit(make_details(), now=T), open_request,
                                   offered_request])
def test_manager_closes_unanswered(build):
    closed = build().close_unanswered(MANAGER, now=T + timedelta(days=5), note="No leader available in time")
    assert closed.state == RequestState.CLOSED_UNANSWERED
    assert closed.audit[-1].actor == MANAGER
    assert closed.audit[-1].note == "No leader available in time"
    assert all(o.state != OfferState.PENDING for o in closed.offers)


def test_only_a_manager_closes():
    with pytest.raises(Forbidden):
        open_request().close_unanswered(SYSTEM, now=T + timedelta(days=5))


def test_an_accepted_mentorship_cannot_be_closed_unanswered():
    with pytest.raises(Conflict):
        accepted_request().close_unanswered(MANAGER, now=T + timedelta(days=5))


def test_manager_can_complete_on_behalf_of_the_leader():
    done = accepted_request().complete(MANAGER, now=T + timedelta(days=10), outcome_note="Leader reported by phone")
    assert done.state == RequestState.COMPLETED
    assert done.audit[-1].actor == MANAGER


def test_manager_assigns_by_hand():
    request = open_request().offer(9, now=T + timedelta(hours=1), actor=MANAGER, note="assigned by hand")
    assert request.current_offer.leader_id == 9
    assert request.audit[-1].actor == MANAGER
    assert request.audit[-1].note == "assigned by hand"


def test_system_never_offers_to_the_same_leader_twice_but_a_manager_may():
    request = offered_request().decline(LEADER, now=T + timedelta(hours=1))
    with pytest.raises(Conflict, match="already been offered"):
        request.offer(7, now=T + timedelta(hours=2))
    again = request.offer(7, now=T + timedelta(hours=2), actor=MANAGER)
    assert again.current_offer.leader_id == 7


def test_leaders_and_requesters_cannot_make_offers():
    with pytest.raises(Forbidden):
        open_request().offer(7, now=T + timedelta(hours=1), actor=LEADER)


def test_urgent_requests_get_the_shorter_deadline():
    request = offered_request(urgency=Urgency.URGENT)
    offer = request.current_offer
    assert offer.deadline == offer.offered_at + timedelta(days=1)
    assert offer.reminder_at == offer.offered_at + timedelta(hours=12)


# -- refused transitions change nothing ----------------------------------------------------


def refused(request: MentorshipRequest, action, error: type[DomainError], match: str | None = None) -> None:
    before = replace(request)
    with pytest.raises(error, match=match):
        action(request)
    assert request == before


def test_second_accept_is_a_conflict():
    request = accepted_request()
    refused(request, lambda r: r.accept(LEADER, now=T + timedelta(hours=3)), Conflict, "already been accepted")
    refused(request, lambda r: r.accept(OTHER_LEADER, now=T + timedelta(hours=3)), Conflict)


def test_accept_after_the_deadline_but_before_the_sweep_is_a_conflict():
    request = offered_request()
    deadline = request.current_offer.deadline
    refused(request, lambda r: r.accept(LEADER, now=deadline), Conflict, "expired")


def test_accept_after_expiry_is_a_conflict():
    request = offered_request()
    expired = request.expire_offer(now=request.current_offer.deadline)
    refused(expired, lambda r: r.accept(LEADER, now=request.current_offer.deadline), Conflict,
            "your offer expired")


def test_accept_after_cancellation_is_a_conflict():
    cancelled = offered_request().cancel(now=T + timedelta(hours=1))
    refused(cancelled, lambda r: r.accept(LEADER, now=T + timedelta(hours=2)), Conflict, "cancelled")


def test_accept_by_a_leader_who_was_not_offered_is_forbidden():
    request = offered_request()
    refused(request, lambda r: r.accept(OTHER_LEADER, now=T + timedelta(hours=1)), Forbidden)
    refused(request, lambda r: r.accept(MANAGER, now=T + timedelta(hours=1)), Forbidden)
    refused(request, lambda r: r.decline(OTHER_LEADER, now=T + timedelta(hours=1)), Forbidden)


def test_decline_after_the_deadline_is_a_conflict():
    request = offered_request()
    refused(request, lambda r: r.decline(LEADER, now=r.current_offer.deadline), Conflict, "expired")


def test_confirming_twice_is_a_conflict():
    refused(open_request(), lambda r: r.confirm(now=T + timedelta(hours=1)), Conflict, "already confirmed")


def test_confirming_a_cancelled_request_says_so():
    cancelled = MentorshipRequest.submit(make_details(), now=T).cancel(now=T + timedelta(minutes=1))
    refused(cancelled, lambda r: r.confirm(now=T + timedelta(hours=1)), Conflict, "the request is cancelled")


def test_unconfirmed_requests_are_not_routed():
    request = MentorshipRequest.submit(make_details(), now=T)
    refused(request, lambda r: r.offer(7, now=T + timedelta(minutes=1)), Conflict, "not open")


def test_an_offered_request_cannot_be_offered_again():
    refused(offered_request(), lambda r: r.offer(8, now=T + timedelta(hours=1)), Conflict)


@pytest.mark.parametrize("agreed_days", [0, -5, 366, 30.5, True])
def test_agreed_length_is_validated(agreed_days):
    refused(offered_request(), lambda r: r.accept(LEADER, now=T + timedelta(hours=1), agreed_days=agreed_days),
            ValidationFailed)


def test_complete_requires_an_outcome_note():
    request = accepted_request()
    refused(request, lambda r: r.complete(LEADER, now=T + timedelta(days=1), outcome_note="   "),
            ValidationFailed, "outcome_note: is required")
    refused(request, lambda r: r.complete(LEADER, now=T + timedelta(days=1), outcome_note="x" * 2001),
            ValidationFailed, "at most 2000")


def test_complete_by_another_leader_is_forbidden():
    refused(accepted_request(), lambda r: r.complete(OTHER_LEADER, now=T + timedelta(days=1), outcome_note="done"),
            Forbidden)


def test_decline_reason_is_length_limited():
    refused(offered_request(), lambda r: r.decline(LEADER, now=T + timedelta(hours=1), reason="x" * 1001),
            ValidationFailed)


def test_naive_times_are_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        open_request().offer(7, now=datetime(2024, 5, 6, 12, 0))


# -- the whole transition table -------------------------------------------------------------

LATER = T + timedelta(hours=1)


def after_deadline(request: MentorshipRequest) -> datetime:
    return request.offers[-1].deadline if request.offers else LATER


ACTIONS = {
    "confirm": lambda r: r.confirm(now=LATER),
    "offer": lambda r: r.offer(9, now=LATER),
    "accept": lambda r: r.accept(LEADER, now=LATER),
    "decline": lambda r: r.decline(LEADER, now=LATER),
    "expire": lambda r: r.expire_offer(now=after_deadline(r)),
    "withdraw": lambda r: r.withdraw_offer(SYSTEM, now=LATER),
    "cancel": lambda r: r.cancel(REQUESTER, now=LATER),
    "close": lambda r: r.close_unanswered(MANAGER, now=LATER),
    "complete": lambda r: r.complete(LEADER, now=LATER, outcome_note="done"),
}

BUILDERS = {
    RequestState.UNCONFIRMED: lambda: MentorshipRequest.submit(make_details(), now=T),
    RequestState.OPEN: lambda: open_request(T - timedelta(hours=1)),
    RequestState.OFFERED: lambda: offered_request(T - timedelta(hours=1)),
    RequestState.ACCEPTED: lambda: accepted_request(T - timedelta(hours=3)),
    RequestState.COMPLETED: lambda: accepted_request(T - timedelta(hours=3)).complete(
        LEADER, now=T - timedelta(minutes=1), outcome_note="done"),
    RequestState.CANCELLED: lambda: open_request(T - timedelta(hours=1)).cancel(now=T),
    RequestState.CLOSED_UNANSWERED: lambda: open_request(T - timedelta(hours=1)).close_unanswered(MANAGER, now=T),
}

LEGAL = {
    RequestState.UNCONFIRMED: {"confirm": "open", "cancel": "cancelled", "close": "closed_unanswered"},
    RequestState.OPEN: {"offer": "offered", "cancel": "cancelled", "close": "closed_unanswered"},
    RequestState.OFFERED: {"accept": "accepted", "decline": "open", "expire": "open", "withdraw": "open",
                           "cancel": "cancelled", "close": "closed_unanswered"},
    RequestState.ACCEPTED: {"cancel": "cancelled", "complete": "completed"},
    RequestState.COMPLETED: {},
    RequestState.CANCELLED: {},
    RequestState.CLOSED_UNANSWERED: {},
}


@pytest.mark.parametrize("state", list(RequestState))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_table(state, action):
    request = BUILDERS[state]()
    assert request.state == state
    target = LEGAL[state].get(action)
    if target is None:
        refused(request, ACTIONS[action], Conflict)
        return
    moved = ACTIONS[action](request)
    assert moved.state == target
    assert len(moved.audit) == len(request.audit) + 1
    assert (moved.audit[-1].from_state, moved.audit[-1].to_state) == (state, target)


def test_actor_text_form_round_trips():
    for actor in (REQUESTER, SYSTEM, Actor.leader(12), Actor.manager(3)):
        assert Actor.parse(str(actor)) == actor
    assert str(Actor.leader(12)) == "leader:12"
    assert Actor.parse("manager:3").kind == ActorKind.MANAGER
    with pytest.raises(ValueError):
        Actor.parse("hacker:1")
    with pytest.raises(ValueError):
        Actor(ActorKind.LEADER)


def test_reminder_is_marked_once():
    request = offered_request()
    offer = request.current_offer
    with pytest.raises(Conflict):
        request.record_reminder_sent(now=offer.reminder_at - timedelta(seconds=1))
    assert offer.reminder_due(offer.reminder_at)
    reminded = request.record_reminder_sent(now=offer.reminder_at)
    assert reminded.current_offer.reminder_sent_at == offer.reminder_at
    assert not reminded.current_offer.reminder_due(offer.reminder_at + timedelta(minutes=1))
    with pytest.raises(Conflict):
        reminded.record_reminder_sent(now=offer.reminder_at + timedelta(minutes=1))
    assert reminded.audit == request.audit


def test_no_reminder_after_the_deadline():
    offer = offered_request().current_offer
    assert not offer.reminder_due(offer.deadline)

