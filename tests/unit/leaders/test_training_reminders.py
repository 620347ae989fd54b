"""The training reminder schedule: 7 days after approval, then every 14 days, three at
most, only while the leader is active and still misses a mentoring module."""
from datetime import datetime, timedelta, timezone

import pytest

from services.contracts.leaders import TrainingModuleDue, TrainingReminderDue
from services.leaders.domain.training import (
    MENTORING_MODULES,
    TRAINING_MODULES,
    TRAINING_REMINDER_LIMIT,
    is_last_training_reminder,
    next_training_reminder_at,
)

APPROVED = datetime(2025, 3, 10, 15, 30, tzinfo=timezone.utc)
OPTIONAL_MODULES = tuple(m.slug for m in TRAINING_MODULES if not m.required_for_mentoring)


def due(reminders_sent=0, completed=(), **more):
    return next_training_reminder_at(approved_at=APPROVED, reminders_sent=reminders_sent,
                                     completed_slugs=completed, **more)


def test_reminders_fall_on_days_7_21_and_35_after_approval():
    assert [due(sent) for sent in range(3)] == [
        APPROVED + timedelta(days=7), APPROVED + timedelta(days=21), APPROVED + timedelta(days=35)]


def test_no_more_than_three_reminders():
    assert TRAINING_REMINDER_LIMIT == 3
    assert due(3) is None
    assert due(4) is None


def test_only_the_last_reminder_says_so():
    assert [is_last_training_reminder(n) for n in (1, 2, 3)] == [False, False, True]


def test_completing_the_mentoring_modules_stops_the_reminders():
    assert due(0, MENTORING_MODULES) is None
    assert due(1, [*MENTORING_MODULES, *OPTIONAL_MODULES]) is None


@pytest.mark.parametrize("completed", [
    (), ("mentoring-peers",), ("responding-to-requests",), OPTIONAL_MODULES,
])
def test_a_missing_mentoring_module_keeps_them_going(completed):
    assert due(1, completed) == APPROVED + timedelta(days=21)


def test_a_leader_no_longer_active_is_not_reminded():
    assert due(0, active=False) is None


def test_a_late_reminder_pushes_the_next_one_a_full_interval_away():
    sent_late = APPROVED + timedelta(days=19)
    assert due(1, last_sent_at=sent_late) == sent_late + timedelta(days=14)
    on_time = APPROVED + timedelta(days=7)
    assert due(1, last_sent_at=on_time) == APPROVED + timedelta(days=21)


def test_times_must_be_aware_and_counts_not_negative():
    with pytest.raises(ValueError):
        next_training_reminder_at(approved_at=APPROVED.replace(tzinfo=None), reminders_sent=0, completed_slugs=())
    with pytest.raises(ValueError):
        due(0, last_sent_at=APPROVED.replace(tzinfo=None))
    with pytest.raises(ValueError):
        due(-1)


def test_the_event_lists_what_is_missing_and_refuses_an_empty_list():
    module = TrainingModuleDue(slug="mentoring-peers", title="Mentoring peers", minutes=45)
    fields = dict(leader_id=3, name="Maria Lopez", email="maria@oakcreekpd.gov", reminder_number=3,
                  final=True, approved_at=APPROVED, training_path="/leader/training")
    assert TrainingReminderDue(**fields, missing_modules=(module,)).missing_modules[0].minutes == 45
    with pytest.raises(ValueError):
        TrainingReminderDue(**fields, missing_modules=())
    with pytest.raises(ValueError):
        TrainingReminderDue(**{**fields, "training_path": "https://elsewhere.example/"}, missing_modules=(module,))
