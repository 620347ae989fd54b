"""Reminders, completion and report chasers with two instances of the service."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from services.runtime import clock, timers
from services.screenings.service import ScreeningsService

from tests.integration.kit.helpers import wait_for

from .conftest import details, move_clock_to_local_noon


class TimerTicks:
    """Counts the times each service instance looks for due timer work, so a test can
    wait until every instance has looked a few times since the clock last moved."""

    def __init__(self, monkeypatch):
        self.counts: Counter = Counter()
        run_due = timers.run_due

        def counting(db, handlers, now, **kwargs):
            try:
                return run_due(db, handlers, now, **kwargs)
            finally:
                self.counts[id(db._relay)] += 1  # each instance has one outbox relay

        monkeypatch.setattr(timers, "run_due", counting)

    def wait(self, instances: int, looks: int = 3) -> None:
        """Until each of `instances` has looked `looks` times from now on: the first may
        have read the clock before it moved, the others read it after."""
        start = Counter(self.counts)
        wait_for(lambda: len(self.counts) >= instances
                 and all(self.counts[key] - start[key] >= looks for key in self.counts))


@pytest.fixture
def ticks(monkeypatch):
    return TimerTicks(monkeypatch)


def published(harness, event_type: str) -> int:
    """Events of the type the service has committed (mail may still be on its way)."""
    return harness.scalar("SELECT count(*) FROM outbox WHERE type = :t", t=event_type)


def test_two_instances_fire_each_reminder_and_chaser_once(harness, container_factory, ticks):
    container_factory(ScreeningsService, harness.config).start()  # a second instance, same database
    move_clock_to_local_noon()
    host = {"role": "leader", "leader_id": 1}
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        view = client.screenings.register_screening(host, 1, details(days=2, hour=19))
        client.screenings.rsvp(view["id"], "Ana", "ana@example.org")
        harness.wait_for_mail("rsvp_confirmed", 1)

        clock.advance(timedelta(days=1, hours=12))  # past 09:00 the day before
        before = harness.wait_for_mail("screening_reminder_due", 2)
        clock.advance(timedelta(hours=18))  # past 08:00 on the day
        harness.wait_for_mail("screening_reminder_due", 4)
        clock.advance(timedelta(days=1))  # the event is over
        wait_for(lambda: client.screenings.get_screening(view["id"])["status"] == "completed")
        clock.advance(timedelta(days=1))
        harness.wait_for_mail("screening_report_due", 1)
        clock.advance(timedelta(days=7))
        chasers = harness.wait_for_mail("screening_report_due", 2)
        clock.advance(timedelta(days=30))
        ticks.wait(instances=2)  # each instance gets several chances to misbehave

    assert published(harness, "screening_reminder_due") == 4 and published(harness, "screening_report_due") == 2

    reminders = harness.mail("screening_reminder_due")
    assert Counter((m["reminder"], m["recipient"]["email"]) for m in reminders) == {
        ("day_before", "leader1@pd.example.gov"): 1, ("day_before", "ana@example.org"): 1,
        ("day_of", "leader1@pd.example.gov"): 1, ("day_of", "ana@example.org"): 1,
    }
    assert {m["recipient_role"] for m in before} == {"host", "attendee"}
    chasers = harness.mail("screening_report_due")
    assert [(c["chaser"], c["final"]) for c in chasers] == [(1, False), (2, True)]
    assert harness.scalar("SELECT count(*) FROM scheduled_jobs WHERE done_at IS NULL") == 0


def test_a_filed_report_stops_the_chasers(harness, ticks):
    host = {"role": "leader", "leader_id": 1}
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        view = client.screenings.register_screening(host, 1, details(days=1, hour=10))
        # An hour after the end: completed, and the first chaser (a day after the end) not yet due.
        clock.advance(datetime.fromisoformat(view["end_utc"]) + timedelta(hours=1) - clock.now())
        wait_for(lambda: client.screenings.get_screening(view["id"])["status"] == "completed")
        client.screenings.file_report(host, view["id"], {"head_count": 12, "audiences": ["law_enforcement"]})
        harness.wait_for_mail("screening_report_filed", 1)
        clock.advance(timedelta(days=10))
        ticks.wait(instances=1)
    assert published(harness, "screening_report_due") == 0
    assert harness.mail("screening_report_due") == []


def test_attendees_are_asked_for_feedback_once_with_two_instances(harness, container_factory, ticks):
    container_factory(ScreeningsService, harness.config).start()  # a second instance, same database
    host = {"role": "leader", "leader_id": 1}
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        view = client.screenings.register_screening(host, 1, details(days=1, hour=10))
        ana = client.screenings.rsvp(view["id"], "Ana", "ana@example.org")
        client.screenings.rsvp(view["id"], "Ben", "ben@example.org")
        harness.wait_for_mail("rsvp_confirmed", 2)
        clock.advance(datetime.fromisoformat(view["end_utc"]) + timedelta(hours=1) - clock.now())
        wait_for(lambda: client.screenings.get_screening(view["id"])["status"] == "completed")
        ticks.wait(instances=2)
        assert published(harness, "screening_feedback_requested") == 0  # two hours after the end, not one
        clock.advance(timedelta(hours=1, minutes=1))
        asked = harness.wait_for_mail("screening_feedback_requested", 2)
        # The link in the mail is the attendee's own: it takes their rating.
        [anas] = [m for m in asked if m["recipient"]["email"] == "ana@example.org"]
        token = anas["feedback_path"].split("token=")[1]
        assert anas["feedback_path"] == f"/rsvps/{ana['rsvp_id']}/feedback?token={token}"
        assert client.screenings.give_feedback(ana["rsvp_id"], token, 5, "Moving.")["rating"] == 5
        clock.advance(timedelta(days=3))
        ticks.wait(instances=2)
    assert published(harness, "screening_feedback_requested") == 2
    assert sorted(m["recipient"]["email"] for m in harness.mail("screening_feedback_requested")) == [
        "ana@example.org", "ben@example.org"]
