"""Re-offer over the real broker: a request handed to the managers is offered again by
the timer sweep once a leader comes back, and the offer reaches the mailer's queue."""
from __future__ import annotations

from tests.integration.kit.helpers import wait_for

from .conftest import timer_ticks

ONLY_OLIVIA = [("Olivia Hart", "OH", "hate-crime-investigation", 2, True)]


def test_a_leader_coming_back_takes_the_handed_over_request(mentorship):
    olivia = mentorship.add_roster(ONLY_OLIVIA)["Olivia Hart"]
    mentorship.rpc.set_availability(olivia, "2999-01-01")
    request_id, _ = mentorship.open_request()
    assert mentorship.wait_events("mentorship_unanswered", 1)[0].data.request_id == request_id
    record = mentorship.rpc.get_request(request_id)
    assert (record["state"], record["audit"][-1]["action"]) == ("open", "escalate")

    before = len(mentorship.events())
    mentorship.rpc.set_availability(olivia, None)
    wait_for(lambda: mentorship.rpc.get_request(request_id)["state"] == "offered", timeout=20)
    assert mentorship.pending_offer(request_id)["leader_id"] == olivia
    offered = mentorship.wait_events("mentorship_offered", 1)
    assert [(e.data.request_id, e.data.leader_id) for e in offered] == [(request_id, olivia)]
    timer_ticks(mentorship.container, 2)
    # The managers were told once, when it was handed to them; never again.
    assert mentorship.types(before).count("mentorship_unanswered") == 0
    assert len(mentorship.events("mentorship_offered")) == 1
