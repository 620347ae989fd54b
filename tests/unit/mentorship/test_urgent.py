"""Rapid response rules: validation, distance ranking across state lines, rounds of
three, first acceptor wins, expiry."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.leaders.mentorship.domain.matching import Candidate
from services.leaders.mentorship.domain.urgent import (
    Located, UrgentOfferState, UrgentRequest, UrgentState, nearest_leaders, validate_urgent,
)
from services.runtime.errors import Conflict, Forbidden, ValidationFailed
from services.runtime.places import zip_place

from .builders import MONDAY_MORNING as T

TODAY = date(2024, 5, 6)
CINCINNATI = zip_place("45202")


def located(leader_id: int, zip_code: str, **changes) -> Located:
    place = zip_place(zip_code)
    values = dict(leader_id=leader_id, name=f"Leader {leader_id}", state=place.state, region="",
                  expertise=frozenset(), trained_for_mentoring=True, max_mentees=2)
    values.update(changes)
    return Located(Candidate(**values), place.latitude, place.longitude)


ROSTER = [
    located(1, "44114"),  # Cleveland, OH: same state, 220 miles away
    located(2, "43215"),  # Columbus, OH: same state, 100 miles away
    located(3, "41011"),  # Covington, KY: across the river
    located(4, "47025"),  # Lawrenceburg, IN: across the state line
    located(5, "41071"),  # Newport, KY
]


def filed(**changes) -> dict:
    return {"requester_name": "Sgt. Dana Reyes", "organisation": "Cincinnati Police Department", "role": "officer",
            "email": "Dana.Reyes@cincinnati-oh.gov", "phone": "(513) 555-0100", "postal_code": "45202-1234",
            "what_happened": "Swastikas were painted on a synagogue's doors overnight; the congregation is afraid.",
            "help_needed": "Advice on the community meeting tonight and on the hate-crime report.", **changes}


def test_a_filed_request_is_checked_and_placed():
    details = validate_urgent(filed(), locate_zip=zip_place)
    assert (details.postal_code, details.state, details.email) == ("45202", "OH", "dana.reyes@cincinnati-oh.gov")
    assert details.place.city == "Cincinnati"


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ValidationFailed) as caught:
        validate_urgent(filed(postal_code="00000", role="mayor", what_happened="short", email="nope", extra="x"),
                        locate_zip=zip_place)
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"postal_code", "role", "what_happened", "email", "extra"}
    with pytest.raises(ValidationFailed, match="five-digit"):
        validate_urgent(filed(postal_code="ABCDE"), locate_zip=zip_place)
    with pytest.raises(ValidationFailed, match="single line"):
        validate_urgent(filed(requester_name="Dana\r\nBcc: x@example.org"), locate_zip=zip_place)


def test_the_nearest_leaders_win_across_state_lines():
    nearest = nearest_leaders(CINCINNATI, ROSTER, today=TODAY)
    assert [n.leader_id for n in nearest] == [3, 5, 4]
    assert [n.state for n in nearest] == ["KY", "KY", "IN"]
    assert nearest[0].miles < 5 < nearest[2].miles < 25
    # The next round goes further: the Ohio leaders, nearest first.
    assert [n.leader_id for n in nearest_leaders(CINCINNATI, ROSTER, today=TODAY, exclude=frozenset({3, 4, 5}))] \
        == [2, 1]


def test_only_eligible_leaders_are_ranked():
    roster = [located(3, "41011", status="inactive"), located(5, "41071", available=date(2024, 5, 6)),
              located(4, "47025", trained_for_mentoring=False), located(2, "43215", current_load=2),
              located(1, "44114", available=date(2024, 5, 5))]  # back on the 6th
    assert [n.leader_id for n in nearest_leaders(CINCINNATI, roster, today=TODAY)] == [1]


def new_request() -> UrgentRequest:
    return UrgentRequest(validate_urgent(filed(), locate_zip=zip_place), created_at=T, id=9)


def offered() -> UrgentRequest:
    return new_request().offer_round(nearest_leaders(CINCINNATI, ROSTER, today=TODAY), now=T, hours=4)


def test_a_round_offers_three_at_once_with_hours_to_answer():
    request = offered()
    assert request.state == UrgentState.OFFERED and request.round == 1
    assert [(o.leader_id, o.state) for o in request.offers] == [(3, "pending"), (5, "pending"), (4, "pending")]
    assert request.deadline == T + timedelta(hours=4)


def test_the_first_to_accept_takes_it_and_the_others_are_withdrawn():
    request = offered().decline(5, now=T + timedelta(minutes=5))
    taken = request.accept(4, now=T + timedelta(minutes=10))
    assert (taken.state, taken.taken_by) == (UrgentState.TAKEN, 4)
    assert {o.leader_id: o.state for o in taken.offers} == {
        3: UrgentOfferState.WITHDRAWN, 5: UrgentOfferState.DECLINED, 4: UrgentOfferState.ACCEPTED}
    with pytest.raises(Conflict, match="another leader already took"):
        taken.accept(3, now=T + timedelta(minutes=11))
    with pytest.raises(Conflict, match="you already took"):
        taken.accept(4, now=T + timedelta(minutes=11))
    with pytest.raises(Forbidden):
        offered().accept(1, now=T)


def test_an_expired_round_gives_way_to_the_next_nearest():
    request = offered()
    with pytest.raises(Conflict, match="expired"):
        request.accept(3, now=T + timedelta(hours=4))
    expired = request.expire_round(now=T + timedelta(hours=4))
    assert expired.pending == () and {o.state for o in expired.offers} == {UrgentOfferState.EXPIRED}
    later = T + timedelta(hours=4)
    second = expired.offer_round(nearest_leaders(CINCINNATI, ROSTER, today=TODAY, exclude=expired.offered_leader_ids),
                                 now=later, hours=4)
    assert second.round == 2 and [o.leader_id for o in second.pending] == [2, 1]
    third = second.expire_round(now=later + timedelta(hours=4)).offer_round([], now=later + timedelta(hours=4),
                                                                            hours=4)
    assert third.state == UrgentState.WAITING  # nobody left: with the managers
    with pytest.raises(Conflict, match="still waiting"):
        second.offer_round([], now=later, hours=4)


def test_nobody_is_offered_twice():
    request = offered()
    again = replace(request.expire_round(now=T + timedelta(hours=5)))
    nearest = nearest_leaders(CINCINNATI, ROSTER, today=TODAY, limit=5)
    assert {o.leader_id for o in again.offer_round(nearest, now=T + timedelta(hours=5), hours=4).pending} == {1, 2}
