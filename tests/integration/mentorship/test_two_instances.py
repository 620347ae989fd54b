"""Two instances of the leaders service sweeping the same deadlines at once."""
from __future__ import annotations

from collections import Counter

from services.leaders.service import LeadersService
from tests.integration.kit.helpers import wait_for

from .conftest import timer_ticks

REQUESTS = 8


def test_each_offer_expires_once_and_goes_to_one_leader(mentorship, mentorship_config, container_factory):
    second = container_factory(LeadersService, mentorship_config)  # a second instance, same database
    second.start()
    leaders = mentorship.add_roster()
    request_ids = [mentorship.open_request(email=f"peer{i}@springfield.gov")[0] for i in range(REQUESTS)]
    deadlines = [mentorship.pending_offer(r)["deadline"] for r in request_ids]

    mentorship.advance_past(max(deadlines))
    wait_for(lambda: len(mentorship.events("mentorship_offer_expired")) >= REQUESTS, timeout=30)
    wait_for(lambda: len(mentorship.events("mentorship_rerouted")) >= REQUESTS, timeout=30)
    for instance in (mentorship.container, second):  # several more sweeps on each instance to misbehave
        timer_ticks(instance, 5)

    expired = Counter((e.data.request_id, e.data.attempt) for e in mentorship.events("mentorship_offer_expired"))
    assert expired == {(r, 1): 1 for r in request_ids}
    rerouted = Counter((e.data.request_id, e.data.to_leader_id) for e in mentorship.events("mentorship_rerouted"))
    assert rerouted == {(r, leaders["Omar Reed"]): 1 for r in request_ids}
    offered = Counter(e.data.request_id for e in mentorship.events("mentorship_offered"))
    assert offered == {r: 2 for r in request_ids}
    assert mentorship.rows(
        "SELECT request_id, attempt, leader_id, state FROM mentorship_offers ORDER BY request_id, attempt"
    ) == [row for r in request_ids for row in ((r, 1, leaders["Olivia Hart"], "expired"),
                                                (r, 2, leaders["Omar Reed"], "pending"))]
    assert mentorship.scalar("SELECT count(*) FROM mentorship_audit WHERE action = 'expire'") == REQUESTS
