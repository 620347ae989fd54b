from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.leaders.mentorship.domain.aggregates import median_time_to_acceptance, share_answered_within_deadline

START = datetime(2024, 5, 6, 14, tzinfo=timezone.utc)
DEADLINE = START + timedelta(days=2)


def offer(accepted_after: timedelta | None, *, start: datetime = START, within: timedelta = timedelta(days=2)):
    return (start, start + within, None if accepted_after is None else start + accepted_after)


def test_median_over_an_odd_count():
    records = [offer(timedelta(hours=h)) for h in (5, 1, 30)]
    assert median_time_to_acceptance(records) == timedelta(hours=5)


def test_median_over_an_even_count_is_the_midpoint():
    records = [offer(timedelta(hours=h)) for h in (1, 4, 10, 50)]
    assert median_time_to_acceptance(records) == timedelta(hours=7)


def test_median_ignores_unaccepted_offers():
    records = [offer(timedelta(hours=2)), offer(None), offer(None)]
    assert median_time_to_acceptance(records) == timedelta(hours=2)


def test_median_of_nothing_is_none():
    assert median_time_to_acceptance([]) is None
    assert median_time_to_acceptance([offer(None)]) is None


def test_median_accepts_a_generator():
    assert median_time_to_acceptance(offer(timedelta(hours=h)) for h in (3, 9)) == timedelta(hours=6)


def test_share_answered_within_deadline():
    now = START + timedelta(days=10)
    records = [
        offer(timedelta(hours=3)),  # on time
        offer(timedelta(days=2)),  # exactly at the deadline counts
        offer(timedelta(days=2, seconds=1)),  # late
        offer(None),  # lapsed
    ]
    assert share_answered_within_deadline(records, now=now) == pytest.approx(0.5)


def test_pending_offers_inside_their_deadline_are_undecided():
    now = START + timedelta(hours=5)
    records = [offer(timedelta(hours=1)), offer(None), offer(None, start=START - timedelta(days=3))]
    assert share_answered_within_deadline(records, now=now) == pytest.approx(0.5)


def test_share_of_nothing_is_none():
    assert share_answered_within_deadline([], now=START) is None
    assert share_answered_within_deadline([offer(None)], now=START + timedelta(hours=1)) is None


def test_share_requires_an_aware_now():
    with pytest.raises(ValueError):
        share_answered_within_deadline([], now=datetime(2024, 5, 6))
