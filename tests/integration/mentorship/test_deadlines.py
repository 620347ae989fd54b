"""Reminders, expiry, re-routing and overdue mentorships, driven by moving the service's clock."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.runtime import clock
from services.runtime.errors import Conflict
from tests.integration.kit.helpers import wait_for

from .conftest import timer_ticks


def test_reminder_then_expiry_reroutes_until_candidates_run_out(mentorship):
    leaders = mentorship.add_roster()
    olivia, omar, mia, tom = (leaders[n] for n in ("Olivia Hart", "Omar Reed", "Mia Chen", "Tom Diaz"))
    request_id, _status = mentorship.open_request()
    offer = mentorship.pending_offer(request_id)
    assert offer["leader_id"] == olivia
    offered_at, reminder_at = (datetime.fromisoformat(offer[k]) for k in ("offered_at", "reminder_at"))
    assert reminder_at - offered_at >= timedelta(hours=12)  # one business day at least

    mentorship.advance_past(offer["reminder_at"])
    reminder = mentorship.wait_events("mentorship_offer_reminder_due", 1)[-1].data
    assert (reminder.request_id, reminder.leader_id, reminder.attempt) == (request_id, olivia, 1)
    assert mentorship.pending_offer(request_id)["reminder_sent_at"] is not None
    timer_ticks(mentorship.container, 3)  # several more sweeps: the reminder is not sent again
    assert len(mentorship.events("mentorship_offer_reminder_due")) == 1

    # Olivia answers too late: the deadline passed, even before the sweep noticed.
    mentorship.advance_past(offer["deadline"])
    expected_next = [omar, mia, tom]
    for attempt, next_leader in enumerate(expected_next, start=1):
        expired = mentorship.wait_events("mentorship_offer_expired", attempt)[-1].data
        assert expired.attempt == attempt
        rerouted = mentorship.wait_events("mentorship_rerouted", attempt)[-1].data
        assert (rerouted.reason, rerouted.to_leader_id, rerouted.attempt) == ("expired", next_leader, attempt + 1)
        assert mentorship.events("mentorship_offered")[-1].data.leader_id == next_leader
        if attempt == 1:
            with pytest.raises(Conflict) as late:
                mentorship.rpc.accept_offer(request_id, olivia)
            assert "expired" in late.value.message
        mentorship.advance_past(mentorship.pending_offer(request_id)["deadline"])

    unanswered = mentorship.wait_events("mentorship_unanswered", 1)[-1].data
    assert (unanswered.request_id, unanswered.attempts) == (request_id, 4)
    record = mentorship.rpc.get_request(request_id)
    assert record["state"] == "open"
    assert [(o["leader_id"], o["state"]) for o in record["offers"]] == [
        (olivia, "expired"), (omar, "expired"), (mia, "expired"), (tom, "expired")]
    assert [e["action"] for e in record["audit"]][-3:] == ["offer", "expire", "escalate"]
    # Reminders went out only while an offer was inside its deadline.
    assert len(mentorship.events("mentorship_offer_reminder_due")) == 1
    assert len(mentorship.events("mentorship_offer_expired")) == 4
    # No offer timers are left; the re-offer sweep looks at the handed-over request again at midnight.
    assert mentorship.rows("SELECT kind FROM scheduled_jobs WHERE done_at IS NULL") == [("mentorship_reoffer",)]


def test_an_accepted_mentorship_past_its_agreed_length_is_flagged_once(mentorship):
    leaders = mentorship.add_roster()
    request_id, _status = mentorship.open_request()
    mentorship.rpc.accept_offer(request_id, leaders["Olivia Hart"], 30)
    assert mentorship.rpc.list_requests(overdue=True)["total"] == 0
    clock.advance(timedelta(days=31))
    overdue = mentorship.wait_events("mentorship_overdue", 1)[-1].data
    assert (overdue.request_id, overdue.leader_id, overdue.agreed_days) == (request_id, leaders["Olivia Hart"], 30)
    assert overdue.complete_path == f"/leader/mentorship/{request_id}/complete"
    timer_ticks(mentorship.container, 3)  # several more sweeps: it is not flagged again
    assert len(mentorship.events("mentorship_overdue")) == 1
    assert [r["id"] for r in mentorship.rpc.list_requests(overdue=True)["requests"]] == [request_id]
    coverage = mentorship.rpc.coverage_mentorship()
    assert coverage["national"]["overdue_mentorships"] == 1
    mentorship.rpc.complete_mentorship(request_id, leaders["Olivia Hart"], "Done, late but done.")
    assert mentorship.rpc.list_requests(overdue=True)["total"] == 0


def test_an_urgent_request_gets_half_the_answer_time(mentorship):
    mentorship.add_roster()
    normal, _ = mentorship.open_request()
    urgent, _ = mentorship.open_request(urgency="urgent", email="other@springfield.gov")
    spans = {}
    for request_id in (normal, urgent):
        offer = mentorship.pending_offer(request_id)
        spans[request_id] = datetime.fromisoformat(offer["deadline"]) - datetime.fromisoformat(offer["offered_at"])
    assert spans[urgent] < spans[normal]
    wait_for(lambda: len(mentorship.events("mentorship_offered")) == 2)
    assert [e.data.urgency for e in mentorship.events("mentorship_offered")] == ["normal", "urgent"]
