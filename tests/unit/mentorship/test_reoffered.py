"""A leader whose offer ended, answering after the request moved on to someone else."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.leaders.mentorship.domain.lifecycle import SYSTEM, Actor
from services.runtime.errors import Conflict, Forbidden

from .builders import LEADER, OTHER_LEADER, offered_request


def reoffered_after(end):
    request = end(offered_request())
    moment = request.offers[-1].decided_at + timedelta(minutes=1)
    return request.offer(OTHER_LEADER.id, now=moment), moment


def test_an_expired_leader_is_told_their_offer_expired():
    offered = offered_request()
    deadline = offered.current_offer.deadline
    request = offered.expire_offer(now=deadline).offer(OTHER_LEADER.id, now=deadline)
    with pytest.raises(Conflict, match="your offer expired at"):
        request.accept(LEADER, now=deadline + timedelta(minutes=1))
    assert request.current_offer.leader_id == OTHER_LEADER.id


@pytest.mark.parametrize("end, word", [
    (lambda r: r.decline(LEADER, now=r.current_offer.offered_at + timedelta(hours=1)), "declined"),
    (lambda r: r.withdraw_offer(SYSTEM, now=r.current_offer.offered_at + timedelta(hours=1)), "withdrawn"),
])
def test_a_leader_whose_offer_ended_otherwise_is_told_how(end, word):
    request, moment = reoffered_after(end)
    with pytest.raises(Conflict, match=f"your offer was {word}"):
        request.accept(LEADER, now=moment)


def test_a_leader_never_offered_the_request_is_still_forbidden():
    request, moment = reoffered_after(lambda r: r.decline(LEADER, now=r.current_offer.offered_at + timedelta(hours=1)))
    with pytest.raises(Forbidden):
        request.accept(Actor.leader(99), now=moment)
