"""A leader who goes away or stops being active has their pending offers re-routed at once."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("change", ["away", "profile_away", "inactive"])
def test_pending_offers_move_in_the_same_call(mentorship, change):
    leaders = mentorship.add_roster()
    olivia, omar = leaders["Olivia Hart"], leaders["Omar Reed"]
    first, _ = mentorship.open_request()
    second, _ = mentorship.open_request(email="second@springfield.gov")
    mentored, _ = mentorship.open_request(email="third@springfield.gov")
    for request_id in (first, second, mentored):
        assert mentorship.pending_offer(request_id)["leader_id"] == olivia
    mentorship.rpc.accept_offer(mentored, olivia)
    before = len(mentorship.events())

    if change == "away":
        mentorship.rpc.set_availability(olivia, "2999-01-01")
    elif change == "profile_away":
        mentorship.rpc.update_leader(olivia, {"availability": "away", "away_until": "2999-01-01"})
    else:
        mentorship.rpc.set_status(olivia, "inactive")

    # Already moved when the call returns: no sweep involved.
    for request_id in (first, second):
        record = mentorship.rpc.get_request(request_id)
        assert [(o["leader_id"], o["state"]) for o in record["offers"]] == [(olivia, "withdrawn"), (omar, "pending")]
        assert record["audit"][-2]["action"] == "withdraw" and record["audit"][-2]["actor"] == "system"
    assert mentorship.rpc.get_request(mentored)["state"] == "accepted"  # mentorships stay with her
    leader_event = "leader_deactivated" if change == "inactive" else "leader_availability_changed"
    types = mentorship.types(before)
    assert types.count("mentorship_rerouted") == 2 and types.count("mentorship_offered") == 2
    # The leader's change and the re-routing committed together.
    assert mentorship.scalar("SELECT count(*) FROM outbox WHERE type = :t", t=leader_event) == 1
    rerouted = mentorship.events("mentorship_rerouted")
    assert {(e.data.request_id, e.data.reason, e.data.from_leader_id, e.data.to_leader_id) for e in rerouted} == {
        (first, "away", olivia, omar), (second, "away", olivia, omar)}
    # Her old offers' timers are gone; the new offers have theirs.
    assert mentorship.scalar("SELECT count(*) FROM scheduled_jobs WHERE done_at IS NULL "
                             "AND kind = 'mentorship_offer_expiry'") == 2


def test_coming_back_or_other_changes_move_nothing(mentorship):
    leaders = mentorship.add_roster()
    request_id, _ = mentorship.open_request()
    mentorship.rpc.update_leader(leaders["Olivia Hart"], {"bio": "Twenty years in community policing."})
    mentorship.rpc.set_availability(leaders["Olivia Hart"], None)
    mentorship.rpc.set_availability(leaders["Omar Reed"], "2999-01-01")
    assert mentorship.pending_offer(request_id)["leader_id"] == leaders["Olivia Hart"]
    assert mentorship.events("mentorship_rerouted") == []
