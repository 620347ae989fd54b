"""Rapid response over the real broker and database: an urgent request offered to the
three nearest leaders across state lines, first acceptor wins (also when two accept at
once), a round nobody accepts gives way to the next, and the events the mailer gets."""
from __future__ import annotations

from datetime import timedelta

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcClient

from services.leaders.mentorship.urgent_rows import UrgentRequests
from services.leaders.service import LeadersService
from services.runtime import clock
from services.runtime.db import session_factory
from services.runtime.errors import Conflict, ValidationFailed

from .conftest import timer_ticks

# Around Cincinnati (45202): two leaders across the river in Kentucky, one across the
# Indiana line, then two in Ohio itself, farther away.
NEAR_CINCINNATI = [
    ("Kim Covington", "KY", "41011"), ("Ned Newport", "KY", "41071"), ("Lee Lawrenceburg", "IN", "47025"),
    ("Cole Columbus", "OH", "43215"), ("Cleo Cleveland", "OH", "44114"),
]


def urgent(**changes) -> dict:
    return {"requester_name": "Sgt. Dana Reyes", "organisation": "Cincinnati Police Department", "role": "officer",
            "email": "dana.reyes@cincinnati-oh.example.gov", "phone": "(513) 555-0100", "postal_code": "45202",
            "what_happened": "Swastikas were painted on a synagogue's doors overnight; the congregation is afraid.",
            "help_needed": "Advice on the community meeting tonight and on the hate-crime report.", **changes}


@pytest.fixture
def placed(mentorship) -> dict[str, int]:
    leaders = mentorship.add_roster([(name, state, "hate-crime-investigation", 2, True)
                                     for name, state, _zip in NEAR_CINCINNATI])
    for name, _state, zip_code in NEAR_CINCINNATI:
        mentorship.rpc.update_leader(leaders[name], {"postal_code": zip_code})
    return leaders


def test_offered_to_the_three_nearest_and_the_first_to_accept_takes_it(mentorship, placed):
    filed = mentorship.rpc.file_urgent_request(urgent())
    assert (filed["state"], filed["offered_to"], filed["place"]) == ("offered", 3, "45202 (Cincinnati, OH)")
    offered = mentorship.wait_events("urgent_request_offered", 1)[0].data
    assert [leader.leader_id for leader in offered.leaders] == [
        placed["Kim Covington"], placed["Ned Newport"], placed["Lee Lawrenceburg"]]
    assert offered.deadline - offered.offered_at == timedelta(hours=4)

    mine = mentorship.rpc.leader_urgent_requests(placed["Ned Newport"])
    assert [(r["id"], r["offer_state"], r["requester_email"]) for r in mine] == [(filed["id"], "pending", None)]
    taken = mentorship.rpc.accept_urgent(filed["id"], placed["Ned Newport"])
    assert (taken["state"], taken["taken_by_me"], taken["requester_email"]) == (
        "taken", True, "dana.reyes@cincinnati-oh.example.gov")
    with pytest.raises(Conflict, match="another leader already took"):
        mentorship.rpc.accept_urgent(filed["id"], placed["Kim Covington"])
    event = mentorship.wait_events("urgent_request_taken", 1)[0].data
    assert event.leader_id == placed["Ned Newport"]
    assert {w.leader_id for w in event.withdrawn} == {placed["Kim Covington"], placed["Lee Lawrenceburg"]}
    record = mentorship.rpc.list_urgent_requests()[0]
    assert {o["leader_name"]: o["state"] for o in record["offers"]} == {
        "Kim Covington": "withdrawn", "Ned Newport": "accepted", "Lee Lawrenceburg": "withdrawn"}
    assert mentorship.scalar("SELECT count(*) FROM scheduled_jobs WHERE kind = 'urgent_round_expiry' "
                             "AND done_at IS NULL") == 0


def test_a_round_nobody_accepts_goes_to_the_next_nearest_then_to_the_managers(mentorship, placed):
    filed = mentorship.rpc.file_urgent_request(urgent())
    mentorship.advance_past(filed["deadline"])
    offered = mentorship.wait_events("urgent_request_offered", 2, timeout=30)
    assert offered[1].data.round == 2
    assert [leader.leader_id for leader in offered[1].data.leaders] == [placed["Cole Columbus"],
                                                                         placed["Cleo Cleveland"]]
    with pytest.raises(Conflict, match="expired"):
        mentorship.rpc.accept_urgent(filed["id"], placed["Kim Covington"])
    mentorship.rpc.decline_urgent(filed["id"], placed["Cole Columbus"])
    mentorship.rpc.decline_urgent(filed["id"], placed["Cleo Cleveland"])  # the round ends early
    waiting = mentorship.wait_events("urgent_request_waiting", 1)[0].data
    assert (waiting.request_id, waiting.rounds) == (filed["id"], 2)
    assert mentorship.rpc.list_urgent_requests(open_only=True)[0]["state"] == "waiting"


def test_bad_input_names_the_field_and_stores_nothing(mentorship, placed):
    with pytest.raises(ValidationFailed, match="postal_code"):
        mentorship.rpc.file_urgent_request(urgent(postal_code="00000"))
    assert mentorship.scalar("SELECT count(*) FROM urgent_requests") == 0


def test_a_stale_accept_loses_to_the_one_that_committed(mentorship, placed):
    """Two leaders' transactions both read the request while it was offered; the one that
    writes second finds the conditional update matches nothing."""
    request_id = mentorship.rpc.file_urgent_request(urgent())["id"]
    factory = session_factory(mentorship.engine)
    first, second = factory(), factory()
    try:
        repos = UrgentRequests(first), UrgentRequests(second)
        with first.begin():
            a = repos[0].get(request_id, lock=False)
        with second.begin():
            b = repos[1].get(request_id, lock=False)
        now = clock.now()
        with first.begin():
            repos[0].save(a.accept(placed["Kim Covington"], now=now), now=now)
        with pytest.raises(Conflict), second.begin():
            repos[1].save(b.accept(placed["Ned Newport"], now=now), now=now)
    finally:
        first.close()
        second.close()
    assert mentorship.rows("SELECT state, taken_by FROM urgent_requests") == [("taken", placed["Kim Covington"])]
    assert mentorship.scalar("SELECT count(*) FROM urgent_offers WHERE state = 'accepted'") == 1


def test_two_leaders_accepting_at_once_one_wins(mentorship, mentorship_config, container_factory, placed):
    second = container_factory(LeadersService, mentorship_config)  # another instance, same database
    second.start()
    request_id = mentorship.rpc.file_urgent_request(urgent())["id"]

    def accept(leader_id):
        with ClusterRpcClient(uri=mentorship_config["AMQP_URI"], timeout=30) as client:
            try:
                return client.leaders.accept_urgent(request_id, leader_id)["state"]
            except Conflict as exc:
                return str(exc)

    pool = eventlet.GreenPool()
    answers = list(pool.imap(accept, [placed["Kim Covington"], placed["Ned Newport"]]))
    assert sorted(answers, key=len) == ["taken", "cannot accept: another leader already took this urgent request"]
    assert mentorship.scalar("SELECT count(*) FROM urgent_offers WHERE state = 'accepted'") == 1
    winner = mentorship.scalar("SELECT taken_by FROM urgent_requests")
    assert winner in (placed["Kim Covington"], placed["Ned Newport"])
    mentorship.wait_events("urgent_request_taken", 1)
    timer_ticks(mentorship.container, 1)  # whatever else runs, one leader is told they took it
    assert [e.data.leader_id for e in mentorship.events("urgent_request_taken")] == [winner]


def test_a_waiting_urgent_request_goes_to_a_leader_who_becomes_eligible(mentorship):
    leaders = mentorship.add_roster([("Kim Covington", "KY", "hate-crime-investigation", 2, True)])
    filed = mentorship.rpc.file_urgent_request(urgent())  # nobody has a place yet: nobody to offer it to
    assert (filed["state"], filed["offered_to"]) == ("waiting", 0)
    assert mentorship.wait_events("urgent_request_waiting", 1)[0].data.rounds == 0

    mentorship.rpc.update_leader(leaders["Kim Covington"], {"postal_code": "41011"})
    offered = mentorship.wait_events("urgent_request_offered", 1)[0].data
    assert (offered.request_id, [leader.leader_id for leader in offered.leaders]) == (
        filed["id"], [leaders["Kim Covington"]])
    timer_ticks(mentorship.container, 2)
    assert len(mentorship.events("urgent_request_waiting")) == 1  # told once, not again by the sweep
