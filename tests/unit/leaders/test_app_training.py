"""Knowledge checks that complete training modules, and the training reminder timer, through
the use cases on an in-memory unit of work."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.contracts.leaders import TrainingCompleted, TrainingReminderDue
from services.leaders.app import profiles, training
from services.leaders.app.training import TRAINING_REMINDER, timer_handlers
from services.leaders.domain.leader import Leader
from services.leaders.domain.learning import answer_key
from services.runtime.errors import NotFound, ValidationFailed

from .builders import NOW, approved_leader
from .fakes import FakeUnitOfWork

WEEK = timedelta(days=7)
FORTNIGHT = timedelta(days=14)


@pytest.fixture
def uow():
    return FakeUnitOfWork()


@pytest.fixture
def leader_id(uow):
    leader_id = approved_leader(uow)["id"]
    uow.published.clear()
    return leader_id


def remind(uow, leader_id: int, now) -> None:
    """What the timer does when the leader's job is due."""
    timer_handlers()[TRAINING_REMINDER](uow, {"leader_id": leader_id}, now)


def job(uow, leader_id: int):
    return uow.jobs.get((TRAINING_REMINDER, str(leader_id)))


def pass_check(uow, leader_id, module: str, *, now):
    return training.submit_answers(uow, leader_id, module, answer_key(module.strip().lower()), now=now)


def failing_answers(module: str) -> dict[str, str]:
    answers = answer_key(module)
    for question in list(answers)[:2]:
        answers[question] = "a" if answers[question] != "a" else "b"
    return answers


def test_a_failed_check_records_nothing_and_names_the_questions_to_revisit(uow, leader_id):
    answers = failing_answers("mentoring-peers")
    del answers["mistrust"]  # left unanswered
    result = training.submit_answers(uow, leader_id, "mentoring-peers", answers, now=NOW)
    assert (result["passed"], result["correct"], result["total"], result["newly_completed"]) == (False, 1, 4, False)
    assert result["to_revisit"] == ["who-asks", "three-areas", "mistrust"]
    assert result["unanswered"] == ["mistrust"]
    assert set(result) == {  # the right answers are never told
        "leader_id", "modules", "mentoring_ready", "missing_for_mentoring", "module", "passed", "correct", "total",
        "pass_mark_percent", "to_revisit", "unanswered", "newly_completed"}
    assert uow.training.completions(leader_id) == {} and uow.published == []
    assert job(uow, leader_id) == (NOW + WEEK, {"leader_id": leader_id})  # still reminded

    retried = pass_check(uow, leader_id, "mentoring-peers", now=NOW + timedelta(minutes=5))
    assert retried["passed"] is True and retried["to_revisit"] == [] and retried["newly_completed"] is True
    assert uow.training.completions(leader_id) == {"mentoring-peers": NOW + timedelta(minutes=5)}


def test_bad_answers_are_refused_naming_the_question(uow, leader_id):
    with pytest.raises(ValidationFailed) as refused:
        training.submit_answers(uow, leader_id, "mentoring-peers", {"who-asks": "z", "nope": "a"}, now=NOW)
    assert {e["field"] for e in refused.value.errors} == {"answers.who-asks", "answers.nope"}
    with pytest.raises(ValidationFailed) as not_a_mapping:
        training.submit_answers(uow, leader_id, "mentoring-peers", ["b", "c"], now=NOW)
    assert not_a_mapping.value.field == "answers"
    assert uow.training.completed == {} and uow.published == []


def test_a_first_completion_is_recorded_and_announced_once(uow, leader_id):
    later = NOW + timedelta(days=1)
    answer = pass_check(uow, leader_id, " Mentoring-Peers ", now=later)
    assert answer["newly_completed"] is True and answer["mentoring_ready"] is False
    assert answer["missing_for_mentoring"] == ["responding-to-requests"]
    assert uow.training.completions(leader_id) == {"mentoring-peers": later}
    [event] = uow.published
    assert isinstance(event, TrainingCompleted)
    assert (event.leader_id, event.module, event.module_title, event.completed_at, event.mentoring_ready) == (
        leader_id, "mentoring-peers", "Mentoring peers", later, False)

    again = pass_check(uow, leader_id, "mentoring-peers", now=later + timedelta(days=1))
    assert again["newly_completed"] is False and len(uow.published) == 1
    assert uow.training.completions(leader_id) == {"mentoring-peers": later}  # the first time is kept


def test_finishing_the_mentoring_modules_makes_a_leader_ready_and_drops_the_reminder(uow, leader_id):
    assert job(uow, leader_id) == (NOW + WEEK, {"leader_id": leader_id})
    pass_check(uow, leader_id, "mentoring-peers", now=NOW)
    assert job(uow, leader_id) is not None
    answer = pass_check(uow, leader_id, "responding-to-requests", now=NOW)
    assert answer["mentoring_ready"] is True and answer["missing_for_mentoring"] == []
    assert uow.published[-1].mentoring_ready is True
    assert job(uow, leader_id) is None


def test_unknown_modules_and_leaders_are_refused(uow, leader_id):
    with pytest.raises(ValidationFailed) as refused:
        training.submit_answers(uow, leader_id, "juggling", {}, now=NOW)
    assert refused.value.field == "module"
    with pytest.raises(NotFound) as missing:
        pass_check(uow, 999, "mentoring-peers", now=NOW)
    assert missing.value.field == "leader_id"
    assert uow.training.completed == {} and uow.published == []


def test_a_due_reminder_is_sent_recorded_and_the_next_one_planned(uow, leader_id):
    pass_check(uow, leader_id, "hosting-a-screening", now=NOW)  # not a mentoring module
    uow.published.clear()
    remind(uow, leader_id, NOW + WEEK)

    [event] = uow.published
    assert isinstance(event, TrainingReminderDue)
    assert (event.leader_id, event.reminder_number, event.final, event.approved_at, event.training_path) == (
        leader_id, 1, False, NOW, "/leader/training")
    assert [(m.slug, m.minutes) for m in event.missing_modules] == [
        ("mentoring-peers", 45), ("responding-to-requests", 30)]
    assert uow.training.reminders[leader_id] == [(1, NOW + WEEK, ("mentoring-peers", "responding-to-requests"))]
    assert job(uow, leader_id)[0] == NOW + WEEK + FORTNIGHT


def test_a_reminder_that_went_out_late_keeps_a_full_interval_before_the_next(uow, leader_id):
    late = NOW + WEEK + timedelta(days=5)
    remind(uow, leader_id, late)
    assert job(uow, leader_id)[0] == late + FORTNIGHT


def test_a_reminder_not_yet_due_is_planned_again_and_not_sent(uow, leader_id):
    remind(uow, leader_id, NOW + WEEK - timedelta(hours=1))
    assert uow.published == [] and uow.training.reminders == {}
    assert job(uow, leader_id)[0] == NOW + WEEK


@pytest.mark.parametrize("meanwhile", ["finished", "inactive", "gone"])
def test_a_reminder_is_not_sent_when_it_no_longer_applies(uow, leader_id, meanwhile):
    if meanwhile == "finished":
        for module in ("mentoring-peers", "responding-to-requests"):
            uow.training.add_completion(leader_id, module, NOW)
    elif meanwhile == "inactive":
        leader = uow.leaders.get(leader_id)
        uow.leaders.save(replace(leader, status="inactive"), NOW)
    else:
        del uow.leaders.by_id[leader_id]
    uow.published.clear()
    remind(uow, leader_id, NOW + WEEK)
    assert uow.published == [] and uow.training.reminders == {}
    if meanwhile != "gone":
        assert job(uow, leader_id) is None


def test_the_third_reminder_is_the_last(uow, leader_id):
    for number, due in enumerate((NOW + WEEK, NOW + WEEK + FORTNIGHT, NOW + WEEK + 2 * FORTNIGHT), start=1):
        assert job(uow, leader_id)[0] == due
        remind(uow, leader_id, due)
        assert (uow.published[-1].reminder_number, uow.published[-1].final) == (number, number == 3)
    assert job(uow, leader_id) is None and len(uow.published) == 3


def test_leaders_who_did_not_join_through_an_application_are_not_reminded(uow):
    leader = uow.leaders.add(Leader(name="Kim Park", agency="Seattle PD", title="Officer",
                                    email="kim@spd.gov", state="WA"), NOW)
    pass_check(uow, leader.id, "hosting-a-screening", now=NOW)
    profiles.set_status(uow, leader.id, "inactive", now=NOW)
    remind(uow, leader.id, NOW + WEEK)
    assert job(uow, leader.id) is None and uow.training.reminders == {}
