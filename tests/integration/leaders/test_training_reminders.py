"""Training reminders through the running leaders service on the real broker, with the
service's clock moved forward: approval -> a reminder 7 days later -> completing the
mentoring modules stops the reminders, while a leader who does not finish gets the
second and the last one and then no more."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.contracts import parse
from services.leaders.domain.learning import answer_key
from services.leaders.domain.training import MENTORING_MODULES, TRAINING_MODULES_BY_SLUG
from services.runtime import clock
from tests.integration.kit.helpers import wait_for

from .conftest import application, count, drain

A_LITTLE = timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock_back_to_now():
    clock.reset()
    yield
    clock.reset()


class Reminders:
    """The training_reminder_due events that reached the mailer's queue so far."""

    def __init__(self, amqp_uri: str, db_uri: str):
        self.amqp_uri, self.db_uri = amqp_uri, db_uri
        self.received: list = []

    def _collect(self) -> None:
        self.received += [parse(m) for m in drain(self.amqp_uri, "mailer.events") if m["type"] == "training_reminder_due"]

    def wait_for_count(self, expected: int) -> list:
        def arrived() -> bool:
            self._collect()
            return len(self.received) >= expected
        wait_for(arrived)
        assert len(self.received) == expected
        return self.received

    def to(self, leader_id: int) -> list:
        return [e.data for e in self.received if e.data.leader_id == leader_id]


def pending_reminder_jobs(db_uri: str) -> int:
    return count(db_uri, "SELECT count(*) FROM scheduled_jobs WHERE kind = 'training_reminder' AND done_at IS NULL")


def approve(leaders, email: str) -> tuple[int, datetime]:
    submitted = leaders.submit_application(application(email=email))["application"]
    approved = leaders.approve_application(submitted["id"])
    return approved["leader"]["id"], datetime.fromisoformat(approved["application"]["decided_at"])


def test_reminders_start_a_week_after_approval_and_stop_once_the_mentoring_modules_are_done(
        leaders, leaders_config, leaders_db):
    reminders = Reminders(leaders_config["AMQP_URI"], leaders_db)
    finisher, approved_at = approve(leaders, "finisher@oakcreekpd.gov")
    laggard, _ = approve(leaders, "laggard@oakcreekpd.gov")
    leaves, _ = approve(leaders, "leaves@oakcreekpd.gov")
    leaders.set_status(leaves, "inactive")
    assert pending_reminder_jobs(leaders_db) == 2

    clock.advance(timedelta(days=7) - A_LITTLE)
    leaders.submit_training_answers(laggard, "hosting-a-screening", answer_key("hosting-a-screening"))  # not a mentoring module: still reminded
    clock.advance(2 * A_LITTLE)
    reminders.wait_for_count(2)
    [first] = reminders.to(finisher)
    assert (first.reminder_number, first.final, first.name, first.email) == (
        1, False, "Maria Lopez", "finisher@oakcreekpd.gov")
    assert first.approved_at == approved_at and first.training_path == "/leader/training"
    assert [(m.slug, m.title, m.minutes) for m in first.missing_modules] == [
        ("mentoring-peers", "Mentoring peers", 45),
        ("responding-to-requests", "Responding to a request for assistance", 30)]
    assert [m.reminder_number for m in reminders.to(laggard)] == [1]
    assert reminders.to(leaves) == []

    partly = leaders.submit_training_answers(finisher, "mentoring-peers", answer_key("mentoring-peers"))
    assert partly["missing_for_mentoring"] == ["responding-to-requests"]
    assert pending_reminder_jobs(leaders_db) == 2
    leaders.submit_training_answers(finisher, "responding-to-requests", {})  # failed: still reminded
    assert pending_reminder_jobs(leaders_db) == 2
    leaders.submit_training_answers(finisher, "responding-to-requests", answer_key("responding-to-requests"))
    assert pending_reminder_jobs(leaders_db) == 1  # only the laggard's

    clock.advance(timedelta(days=14))
    reminders.wait_for_count(3)
    assert [(m.reminder_number, m.final) for m in reminders.to(laggard)] == [(1, False), (2, False)]
    # The laggard's second reminder ran at day 21; the finisher's would have been due then too.
    assert [m.reminder_number for m in reminders.to(finisher)] == [1]

    clock.advance(timedelta(days=14))
    reminders.wait_for_count(4)
    last = reminders.to(laggard)[-1]
    assert (last.reminder_number, last.final) == (3, True)
    assert [m.slug for m in last.missing_modules] == sorted(MENTORING_MODULES, key=list(TRAINING_MODULES_BY_SLUG).index)
    assert pending_reminder_jobs(leaders_db) == 0

    # A leader approved now is reminded once the clock has passed 60 more days: the timer
    # has run by then, and nobody else was reminded again.
    newcomer, _ = approve(leaders, "newcomer@oakcreekpd.gov")
    clock.advance(timedelta(days=60))
    reminders.wait_for_count(5)
    assert [m.reminder_number for m in reminders.to(newcomer)] == [1]
    assert count(leaders_db, "SELECT count(*) FROM training_reminders") == 5
    assert count(leaders_db, "SELECT count(*) FROM training_reminders WHERE leader_id = :id", id=laggard) == 3
    assert count(leaders_db, "SELECT count(*) FROM outbox WHERE type = 'training_reminder_due'") == 5


def test_a_leader_who_leaves_active_service_is_not_reminded_and_a_returning_one_is(
        leaders, leaders_config, leaders_db):
    reminders = Reminders(leaders_config["AMQP_URI"], leaders_db)
    leader_id, _ = approve(leaders, "pauses@oakcreekpd.gov")
    clock.advance(timedelta(days=3))
    leaders.set_status(leader_id, "inactive")
    assert pending_reminder_jobs(leaders_db) == 0

    clock.advance(timedelta(days=10))
    leaders.set_status(leader_id, "active")
    assert pending_reminder_jobs(leaders_db) == 1
    [first] = reminders.wait_for_count(1)
    assert (first.data.leader_id, first.data.reminder_number) == (leader_id, 1)
