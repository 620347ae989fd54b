from __future__ import annotations

from datetime import date, datetime, timezone
from time import perf_counter

import pytest

from services.leaders.mentorship.domain.matching import (
    Candidate, MatchRequest, PlaceTier, ineligibility, is_available, rank_candidates,
)

from .builders import TOPICS, offered_request

TODAY = date(2024, 5, 6)
HATE_CRIME = "hate-crime-investigation"


def leader(leader_id: int, state: str = "OH", region: str = "Region 5", expertise=(HATE_CRIME,),
           **changes) -> Candidate:
    values = dict(leader_id=leader_id, name=f"Leader {leader_id}", state=state, region=region,
                  expertise=frozenset(expertise), status="active", available=True, trained_for_mentoring=True,
                  max_mentees=3, current_load=0)
    values.update(changes)
    return Candidate(**values)


REQUEST = MatchRequest(state="OH", region="Region 5", topics=frozenset({HATE_CRIME}))


def ids(ranked) -> list[int]:
    return [r.leader_id for r in ranked]


def test_place_ranks_before_expertise_and_load():
    candidates = [
        leader(1, state="TX", region="Region 6"),
        leader(2, state="MI", expertise=()),
        leader(3, state="OH", expertise=(), current_load=2),
        leader(4, state="MI"),
    ]
    assert ids(rank_candidates(REQUEST, candidates, today=TODAY)) == [3, 4, 2, 1]


def test_expertise_ranks_before_load():
    candidates = [leader(1, expertise=("prosecution",)), leader(2, current_load=2)]
    assert ids(rank_candidates(REQUEST, candidates, today=TODAY)) == [2, 1]


def test_more_matching_topics_rank_higher():
    request = MatchRequest("OH", "Region 5", frozenset({HATE_CRIME, "prosecution"}))
    candidates = [leader(1), leader(2, expertise=(HATE_CRIME, "prosecution"))]
    assert ids(rank_candidates(request, candidates, today=TODAY)) == [2, 1]


def test_load_is_relative_to_capacity():
    candidates = [
        leader(1, current_load=1, max_mentees=2),  # half full
        leader(2, current_load=2, max_mentees=5),  # 40%
        leader(3, current_load=0, max_mentees=1),  # empty
    ]
    assert ids(rank_candidates(REQUEST, candidates, today=TODAY)) == [3, 2, 1]


def test_ties_go_to_the_least_recently_offered_then_the_lowest_id():
    long_ago = datetime(2024, 1, 1, tzinfo=timezone.utc)
    lately = datetime(2024, 5, 1, tzinfo=timezone.utc)
    candidates = [
        leader(5, last_offered_at=lately),
        leader(4, last_offered_at=long_ago),
        leader(9),
        leader(2),
        leader(1, current_load=1, max_mentees=3),
    ]
    assert ids(rank_candidates(REQUEST, candidates, today=TODAY)) == [2, 9, 4, 5, 1]


def test_ranking_does_not_depend_on_input_order():
    places = [("OH", "Region 5"), ("MI", "Region 5"), ("OH", "Region 5"), ("TX", "Region 6"), ("MI", "Region 5"),
              ("OH", "Region 5")]
    candidates = [leader(i, state=s, region=r) for i, (s, r) in enumerate(places, start=1)]
    forward = ids(rank_candidates(REQUEST, candidates, today=TODAY, limit=None))
    backward = ids(rank_candidates(REQUEST, list(reversed(candidates)), today=TODAY, limit=None))
    assert forward == backward == [1, 3, 6, 2, 5, 4]


@pytest.mark.parametrize("changes, why", [
    ({"status": "inactive"}, "status is inactive"),
    ({"status": "alumni"}, "status is alumni"),
    ({"available": False}, "away"),
    ({"available": date(2024, 5, 6)}, "away until 2024-05-06"),
    ({"available": date(2024, 6, 1)}, "away until 2024-06-01"),
    ({"trained_for_mentoring": False}, "has not completed the mentoring training"),
    ({"current_load": 3, "max_mentees": 3}, "at capacity (3 of 3)"),
    ({"max_mentees": 0}, "at capacity (0 of 0)"),
])
def test_ineligible_leaders_are_left_out(changes, why):
    candidate = leader(1, **changes)
    assert ineligibility(candidate, REQUEST, TODAY) == why
    assert rank_candidates(REQUEST, [candidate, leader(2)], today=TODAY)[0].leader_id == 2
    assert ids(rank_candidates(REQUEST, [candidate], today=TODAY)) == []


def test_a_leader_back_from_away_is_eligible():
    candidate = leader(1, available=date(2024, 5, 5))
    assert is_available(candidate.available, TODAY)
    assert ineligibility(candidate, REQUEST, TODAY) is None
    assert ids(rank_candidates(REQUEST, [candidate], today=TODAY)) == [1]


def test_leaders_already_offered_this_request_are_excluded():
    request = MatchRequest("OH", "Region 5", frozenset({HATE_CRIME}), exclude=frozenset({1, 2}))
    assert ineligibility(leader(1), request, TODAY) == "already offered this request"
    assert ids(rank_candidates(request, [leader(1), leader(2), leader(3)], today=TODAY)) == [3]


def test_exclusions_come_from_the_request_history():
    request = offered_request(leader_id=7)
    match = MatchRequest.for_request(request, region="Region 5")
    assert match == MatchRequest("OH", "Region 5", frozenset({HATE_CRIME}), frozenset({7}))


def test_no_candidates_gives_an_empty_list():
    assert rank_candidates(REQUEST, [], today=TODAY) == []
    assert rank_candidates(REQUEST, [leader(1, status="inactive")], today=TODAY) == []


def test_reasons_explain_the_ranking():
    candidates = [
        leader(1, current_load=1),
        leader(2, state="MI", expertise=("prosecution",), max_mentees=2),
        leader(3, state="TX", region="Region 6", current_load=2),
    ]
    ranked = rank_candidates(REQUEST, candidates, today=TODAY, labels=TOPICS)
    assert [r.reasons for r in ranked] == [
        ("same state (OH)", "expertise: hate-crime investigation", "load 1 of 3"),
        ("same region (Region 5)", "no expertise in hate-crime investigation", "load 0 of 2"),
        ("national (TX, Region 6)", "expertise: hate-crime investigation", "load 2 of 3"),
    ]
    assert [r.place for r in ranked] == [PlaceTier.SAME_STATE, PlaceTier.SAME_REGION, PlaceTier.NATIONAL]


def test_reasons_fall_back_to_the_slug_without_labels():
    (ranked,) = rank_candidates(REQUEST, [leader(1)], today=TODAY)
    assert ranked.reasons[1] == f"expertise: {HATE_CRIME}"


def test_score_is_the_sort_key():
    ranked = rank_candidates(REQUEST, [leader(1, current_load=1), leader(2, state="MI")], today=TODAY)
    assert ranked[0].score == (0, -1, 1 / 3, float("-inf"), 1)
    assert ranked[1].score == (1, -1, 0.0, float("-inf"), 2)
    assert [r.score for r in ranked] == sorted(r.score for r in ranked)


def test_limit_keeps_the_best():
    candidates = [leader(i, current_load=i % 3) for i in range(1, 31)]
    full = rank_candidates(REQUEST, candidates, today=TODAY, limit=None)
    assert len(full) == 30
    assert rank_candidates(REQUEST, candidates, today=TODAY, limit=5) == full[:5]


def test_ranking_a_large_roster_completes():
    # A smoke check that ranking stays linear; bench/matching reports the real figures.
    candidates = [leader(i, state=("OH", "MI", "TX")[i % 3], current_load=i % 4, max_mentees=4)
                  for i in range(1, 5001)]
    started = perf_counter()
    ranked = rank_candidates(REQUEST, candidates, today=TODAY)
    assert perf_counter() - started < 1.0
    assert ids(ranked[:3]) == [12, 24, 36]
