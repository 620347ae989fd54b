"""A request's whole life through RPC, with the events observed on the broker."""
from __future__ import annotations

import re

import pytest

from services.runtime.errors import Conflict, Forbidden

from .conftest import MANAGER


def test_request_confirm_decline_reroute_accept_complete(mentorship):
    leaders = mentorship.add_roster()
    olivia, omar = leaders["Olivia Hart"], leaders["Omar Reed"]
    request_id, confirm, status = mentorship.submit()

    requested = mentorship.events("mentorship_requested")[-1].data
    assert requested.confirm_path == f"/mentorship/confirm/{confirm}"
    assert requested.status_path == f"/mentorship/status/{status}"
    assert mentorship.rpc.get_request(request_id)["state"] == "unconfirmed"
    # Only digests are stored.
    assert mentorship.scalar("SELECT count(*) FROM mentorship_requests WHERE confirm_token_digest = :t "
                             "OR status_token_digest = :s", t=confirm, s=status) == 0

    view = mentorship.rpc.confirm_request(confirm)
    assert view["state"] == "offered"
    assert view["leader"] == {"first_name": "Olivia"}
    assert mentorship.types()[-3:] == ["mentorship_requested", "mentorship_confirmed", "mentorship_offered"]
    offered = mentorship.events("mentorship_offered")[-1].data
    assert (offered.leader_id, offered.attempt, offered.requester_state) == (olivia, 1, "OH")
    assert offered.match_reasons == ("same state (OH)", "expertise: Hate crime investigation", "load 0 of 2")
    assert offered.accept_path == f"/leader/mentorship/{request_id}/accept"

    before = len(mentorship.events())
    mentorship.rpc.decline_offer(request_id, olivia, "On leave at a training course.")
    assert mentorship.types(before) == ["mentorship_declined", "mentorship_offered", "mentorship_rerouted"]
    declined = mentorship.events("mentorship_declined")[-1].data
    assert (declined.leader_id, declined.reason) == (olivia, "On leave at a training course.")
    rerouted = mentorship.events("mentorship_rerouted")[-1].data
    assert (rerouted.reason, rerouted.from_leader_id, rerouted.to_leader_id, rerouted.attempt) == (
        "declined", olivia, omar, 2)

    status_view = mentorship.rpc.request_status(status)
    assert status_view["leader"] == {"first_name": "Omar"}
    assert "On leave" not in repr(status_view)
    assert "leader_id" not in repr(status_view) and "Olivia" not in repr(status_view)

    accepted_view = mentorship.rpc.accept_offer(request_id, omar)
    assert accepted_view["requester"]["email"] == "dana.reyes@springfield.gov"
    accepted = mentorship.wait_events("mentorship_accepted", 1)[-1].data
    assert (accepted.leader_id, accepted.requester_email, accepted.agreed_days) == (
        omar, "dana.reyes@springfield.gov", 90)
    with pytest.raises(Conflict):
        mentorship.rpc.accept_offer(request_id, omar)
    assert mentorship.rpc.request_status(status)["leader"] == {
        "name": "Omar Reed", "agency": "OH Police", "title": "Sergeant"}
    assert mentorship.rpc.get_leader(omar)["id"] == omar
    coverage = mentorship.rpc.coverage_leaders()
    region_5 = next(r for r in coverage["regions"] if r["id"] == "region-5")
    ohio = next(s for s in region_5["states"] if s["code"] == "OH")
    assert ohio["free_mentee_places"] == 2 + 1  # Olivia 2 free, Omar 1 of 2 taken; Uma is untrained

    mentorship.rpc.complete_mentorship(request_id, omar, "Walked through the bias indicators and the report.")
    completed = mentorship.wait_events("mentorship_completed", 1)[-1].data
    assert (completed.leader_id, completed.requester_email) == (omar, "dana.reyes@springfield.gov")

    record = mentorship.rpc.get_request(request_id)
    assert record["state"] == "completed"
    assert [(e["action"], e["from_state"], e["to_state"], e["actor"]) for e in record["audit"]] == [
        ("submit", "unconfirmed", "unconfirmed", "requester"),
        ("confirm", "unconfirmed", "open", "requester"),
        ("offer", "open", "offered", "system"),
        ("decline", "offered", "open", f"leader:{olivia}"),
        ("offer", "open", "offered", "system"),
        ("accept", "offered", "accepted", f"leader:{omar}"),
        ("complete", "accepted", "completed", f"leader:{omar}"),
    ]
    assert [(o["leader_id"], o["state"]) for o in record["offers"]] == [(olivia, "declined"), (omar, "accepted")]
    assert mentorship.scalar("SELECT count(*) FROM mentorship_audit WHERE request_id = :r", r=request_id) == 7
    [mine] = mentorship.rpc.leader_requests(omar)
    assert (mine["id"], mine["state"], mine["requester"]["email"]) == (request_id, "completed",
                                                                      "dana.reyes@springfield.gov")
    # Olivia's declined offer shows her the request, but never the requester's address.
    assert mentorship.rpc.leader_requests(olivia) == []
    history = [h["text"] for h in mentorship.rpc.request_status(status)["history"]]
    assert history[-2:] == ["Omar Reed accepted and will contact you.", "The mentorship was completed."]
    # No timer is left behind for a finished request.
    assert mentorship.scalar("SELECT count(*) FROM scheduled_jobs WHERE done_at IS NULL") == 0


def test_the_requester_cancels_through_the_status_link(mentorship):
    leaders = mentorship.add_roster()
    request_id, status = mentorship.open_request()
    before = len(mentorship.events())
    view = mentorship.rpc.cancel_request(status)
    assert (view["state"], view["can_cancel"]) == ("cancelled", False)
    [cancelled] = [e.data for e in mentorship.events()[before:]]
    assert (cancelled.previous_state, cancelled.leader_id) == ("offered", leaders["Olivia Hart"])
    assert mentorship.scalar("SELECT count(*) FROM scheduled_jobs WHERE done_at IS NULL") == 0
    with pytest.raises(Conflict):
        mentorship.rpc.accept_offer(request_id, leaders["Olivia Hart"])
    with pytest.raises(Conflict):
        mentorship.rpc.cancel_request(status)


def test_no_candidate_goes_to_the_managers_who_assign_or_close(mentorship):
    leaders = mentorship.add_roster()
    # Every trained leader is a candidate somewhere in the country: send them all away.
    for name in ("Olivia Hart", "Omar Reed", "Mia Chen", "Tom Diaz"):
        mentorship.rpc.set_availability(leaders[name], "2999-01-01")
    request_id, _status = mentorship.open_request(state="GU", urgency="urgent")
    unanswered = mentorship.wait_events("mentorship_unanswered", 1)[-1].data
    assert (unanswered.request_id, unanswered.region, unanswered.attempts) == (
        request_id, "Region 9 (San Francisco)", 0)
    assert unanswered.manager_emails == ("programs@niot.example.org",)
    assert mentorship.rpc.candidates(request_id)["candidates"] == []
    assert mentorship.rpc.list_requests(state="open")["total"] == 1

    record = mentorship.rpc.assign(request_id, leaders["Uma Stone"], MANAGER)
    assert record["state"] == "offered" and record["audit"][-1]["actor"] == "manager:3"
    assert mentorship.events("mentorship_offered")[-1].data.match_reasons == ("assigned by a program manager",)
    record = mentorship.rpc.assign(request_id, leaders["Tom Diaz"], MANAGER)
    assert [(o["leader_id"], o["state"]) for o in record["offers"]] == [
        (leaders["Uma Stone"], "withdrawn"), (leaders["Tom Diaz"], "pending")]
    assert mentorship.wait_events("mentorship_rerouted", 1)[-1].data.reason == "manager"

    closed = mentorship.rpc.close_unanswered(request_id, MANAGER, "The requester found help locally.")
    assert closed["state"] == "closed_unanswered"
    event = mentorship.wait_events("mentorship_closed", 1)[-1].data
    assert event.note == "The requester found help locally."
    # Nothing of the request's is left to run (the re-offer sweep, if due, finds nothing).
    assert mentorship.scalar("SELECT count(*) FROM scheduled_jobs WHERE done_at IS NULL "
                             "AND kind <> 'mentorship_reoffer'") == 0


def test_candidates_show_the_ranking_and_its_reasons(mentorship):
    leaders = mentorship.add_roster()
    request_id, _ = mentorship.open_request()
    ranking = mentorship.rpc.candidates(request_id)
    assert ranking["excluded_leader_ids"] == [leaders["Olivia Hart"]]
    assert [(c["name"], c["place"], c["reasons"]) for c in ranking["candidates"]] == [
        ("Omar Reed", "same state", ["same state (OH)", "no expertise in Hate crime investigation", "load 0 of 2"]),
        ("Mia Chen", "same region", ["same region (Region 5 (Chicago))", "expertise: Hate crime investigation",
                                     "load 0 of 2"]),
        ("Tom Diaz", "national", ["national (TX, Region 6 (Dallas))", "expertise: Hate crime investigation",
                                  "load 0 of 2"]),
    ]
    listed = mentorship.rpc.list_requests(region="region-5", state_code="oh", overdue=False)
    assert [r["id"] for r in listed["requests"]] == [request_id]
    assert listed["requests"][0]["leader"]["name"] == "Olivia Hart"
    assert mentorship.rpc.list_requests(region="region-6")["total"] == 0


def test_a_forged_or_reused_link_is_refused(mentorship):
    mentorship.add_roster()
    request_id, confirm, status = mentorship.submit()
    with pytest.raises(Forbidden):
        mentorship.rpc.confirm_request(status)  # a status token is not a confirmation token
    mentorship.rpc.confirm_request(confirm)
    with pytest.raises(Conflict) as reused:
        mentorship.rpc.confirm_request(confirm)
    assert reused.value.field == "token"
    with pytest.raises(Forbidden):
        mentorship.rpc.request_status(confirm[:-2] + "xx")


def test_health_answers_after_a_database_query(mentorship):
    assert mentorship.rpc.health() == {"service": "leaders", "ok": True}


def test_every_mentorship_rpc_is_called_by_a_test_in_this_area():
    from pathlib import Path

    from nameko.rpc import Rpc

    from services.leaders.mentorship.service import MentorshipEntrypoints

    names = {name for name, member in vars(MentorshipEntrypoints).items()
             if any(isinstance(e, Rpc) for e in getattr(member, "nameko_entrypoints", ()))}
    assert len(names) >= 14
    called = set()
    for path in Path(__file__).parent.glob("test_*.py"):
        called |= set(re.findall(r"\b(?:rpc|s)\.(\w+)\(", path.read_text()))
    assert names - called == set()
