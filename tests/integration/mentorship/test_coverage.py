"""Coverage aggregates from SQL agree with the domain's reference definitions."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.leaders.mentorship.domain.aggregates import median_time_to_acceptance, share_answered_within_deadline
from services.runtime import clock


def records(mentorship, request_ids):
    """(offered_at, deadline, accepted_at) of every offer not taken back, as the reference takes them."""
    found = []
    for request_id in request_ids:
        for offer in mentorship.rpc.get_request(request_id)["offers"]:
            if offer["state"] == "withdrawn":
                continue
            moment = {k: datetime.fromisoformat(offer[k]) if offer[k] else None
                      for k in ("offered_at", "deadline", "decided_at")}
            accepted = moment["decided_at"] if offer["state"] == "accepted" else None
            found.append((moment["offered_at"], moment["deadline"], accepted))
    return found


def test_open_overdue_median_and_share_per_state_and_region(mentorship):
    leaders = mentorship.add_roster()
    olivia, omar = leaders["Olivia Hart"], leaders["Omar Reed"]
    start = clock.now()
    ohio_1, _ = mentorship.open_request(email="a@springfield.gov")
    clock.advance(timedelta(hours=2))
    mentorship.rpc.accept_offer(ohio_1, olivia)
    ohio_2, _ = mentorship.open_request(email="b@springfield.gov")
    clock.advance(timedelta(hours=5))
    mentorship.rpc.accept_offer(ohio_2, olivia)
    michigan, _ = mentorship.open_request(email="c@springfield.gov", state="MI")
    mentorship.advance_past(mentorship.pending_offer(michigan)["deadline"])
    mentorship.wait_events("mentorship_rerouted", 1)
    assert mentorship.pending_offer(michigan)["leader_id"] == omar  # Olivia is full, Mia expired
    clock.advance(timedelta(hours=1))
    mentorship.rpc.accept_offer(michigan, omar)
    texas, _ = mentorship.open_request(email="d@springfield.gov", state="TX")
    unconfirmed = mentorship.submit(email="e@springfield.gov", state="TX")[0]

    coverage = mentorship.rpc.coverage_mentorship()
    now = datetime.fromisoformat(coverage["as_of"])
    region_5 = next(r for r in coverage["regions"] if r["id"] == "region-5")
    region_6 = next(r for r in coverage["regions"] if r["id"] == "region-6")
    ohio = next(s for s in region_5["states"] if s["code"] == "OH")

    def check(figures, request_ids):
        found = records(mentorship, request_ids)
        median = median_time_to_acceptance(found)
        if median is None:
            assert figures["median_seconds_to_acceptance"] is None
        else:
            assert abs(figures["median_seconds_to_acceptance"] - median.total_seconds()) <= 1
        expected_share = share_answered_within_deadline(found, now=now)
        assert figures["share_answered_within_deadline"] == (None if expected_share is None
                                                             else round(expected_share, 4))

    check(ohio, [ohio_1, ohio_2])
    check(region_5, [ohio_1, ohio_2, michigan])
    check(region_6, [texas])
    check(coverage["national"], [ohio_1, ohio_2, michigan, texas, unconfirmed])
    assert abs(ohio["median_seconds_to_acceptance"] - 3.5 * 3600) <= 1
    assert abs(region_5["median_seconds_to_acceptance"] - 2 * 3600) <= 1
    assert (region_5["offers"], region_5["offers_decided"], region_5["accepted_within_deadline"]) == (4, 4, 3)
    assert (region_5["requests"], region_6["requests"]) == (3, 1)  # the unconfirmed Texas request is not one yet
    assert region_5["share_answered_within_deadline"] == 0.75
    assert (region_6["open_requests"], region_6["offers_decided"], region_6["median_seconds_to_acceptance"]) == (
        1, 0, None)
    assert (region_5["open_requests"], region_5["active_mentorships"], region_5["overdue_mentorships"]) == (0, 3, 0)

    later = mentorship.rpc.coverage_mentorship(window_start=(clock.now() + timedelta(days=1)).date().isoformat())
    assert later["national"]["offers"] == 0 and later["national"]["active_mentorships"] == 3
    assert later["national"]["requests"] == 0  # each was confirmed before the window
    earlier = mentorship.rpc.coverage_mentorship(window_end=(start - timedelta(days=1)).isoformat(),
                                                 grouping="census_region")
    assert earlier["national"]["offers"] == 0 and earlier["national"]["requests"] == 0
    assert {r["id"] for r in earlier["regions"]} >= {"midwest", "south"}
    midwest = next(r for r in mentorship.rpc.coverage_mentorship(grouping="census_region")["regions"]
                   if r["id"] == "midwest")
    assert midwest["active_mentorships"] == 3
