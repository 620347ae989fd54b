"""Events leave through the outbox and arrive on the consumers' queues, once each."""
from __future__ import annotations

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcClient

from services.contracts import parse
from services.leaders.domain.learning import answer_key
from services.runtime.errors import Conflict
from tests.integration.kit.helpers import wait_for

from .conftest import application, count, drain


def published(uri: str) -> bool:
    return count(uri, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


def of_type(messages: list[dict], event_type: str) -> list[dict]:
    return [m for m in messages if m["type"] == event_type]


def test_an_approval_produces_exactly_one_application_approved_event(leaders, leaders_config, leaders_db):
    amqp_uri = leaders_config["AMQP_URI"]
    submitted = leaders.submit_application(application())["application"]

    def approve():
        with ClusterRpcClient(uri=amqp_uri) as client:
            try:
                return client.leaders.approve_application(submitted["id"])
            except Conflict as exc:
                return exc

    # Two managers click "approve" at the same moment, and one of them clicks again.
    outcomes = [eventlet.spawn(approve), eventlet.spawn(approve)]
    results = [o.wait() for o in outcomes] + [approve()]
    assert sum(isinstance(r, dict) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 2
    leader = next(r for r in results if isinstance(r, dict))["leader"]

    assert count(leaders_db, "SELECT count(*) FROM leaders") == 1
    assert count(leaders_db, "SELECT count(*) FROM outbox WHERE type = 'application_approved'") == 1
    wait_for(lambda: published(leaders_db))

    to_screenings = of_type(drain(amqp_uri, "screenings.events"), "application_approved")
    assert len(to_screenings) == 1
    event = parse(to_screenings[0])
    assert event.source == "leaders"
    assert (event.data.application_id, event.data.leader_id, event.data.leader_version) == (
        submitted["id"], leader["id"], 1)
    assert (event.data.name, event.data.email, event.data.state, event.data.region) == (
        "Maria Lopez", "maria.lopez@oakcreekpd.gov", "WI", "region-5")

    to_mailer = drain(amqp_uri, "mailer.events")
    assert [m["type"] for m in to_mailer] == ["application_submitted", "application_approved"]
    assert to_mailer[1]["event_id"] == to_screenings[0]["event_id"]


def test_leader_changes_reach_the_screenings_projection_with_growing_versions(leaders, leaders_config, leaders_db):
    amqp_uri = leaders_config["AMQP_URI"]
    leader_id = leaders.approve_application(leaders.submit_application(application())["application"]["id"])["leader"]["id"]
    leaders.update_leader(leader_id, {"trusted_host": True, "bio": "New bio."})
    leaders.set_availability(leader_id, "2999-01-01")
    leaders.set_status(leader_id, "alumni")
    leaders.set_region_grouping("census_division")
    leaders.set_region_grouping("census_division")  # already in use: nothing to republish
    wait_for(lambda: published(leaders_db))

    events = [parse(m) for m in drain(amqp_uri, "screenings.events")]
    assert [(e.type, e.data.leader_version) for e in events] == [
        ("application_approved", 1), ("leader_updated", 2), ("leader_availability_changed", 3),
        ("leader_deactivated", 4), ("leader_updated", 5),
    ]
    assert events[1].data.changed == ("bio", "trusted_host") and events[1].data.trusted_host is True
    assert str(events[2].data.away_until) == "2999-01-01"
    assert events[3].data.status == "alumni"
    assert (events[4].data.region, events[4].data.region_grouping) == ("east-north-central", "census_division")


def test_training_completed_is_published_only_the_first_time(leaders, leaders_config, leaders_db):
    leader_id = leaders.approve_application(leaders.submit_application(application())["application"]["id"])["leader"]["id"]
    leaders.submit_training_answers(leader_id, "mentoring-peers", {})  # failed: nothing to announce
    leaders.submit_training_answers(leader_id, "mentoring-peers", answer_key("mentoring-peers"))
    leaders.submit_training_answers(leader_id, "mentoring-peers", answer_key("mentoring-peers"))
    leaders.submit_training_answers(leader_id, "responding-to-requests", answer_key("responding-to-requests"))
    wait_for(lambda: published(leaders_db))
    completed = [parse(m).data for m in of_type(drain(leaders_config["AMQP_URI"], "mailer.events"),
                                                  "training_completed")]
    assert [(c.module, c.mentoring_ready) for c in completed] == [
        ("mentoring-peers", False), ("responding-to-requests", True)]


@pytest.mark.parametrize("status", ["active", "inactive"])
def test_imported_leaders_are_announced_with_their_snapshot(leaders, leaders_config, leaders_db, status):
    header = "name,agency,title,email,phone,state,expertise,bio,max_mentees,availability,away_until,trusted_host,status"
    leaders.import_roster_csv(f"{header}\r\nKim Park,Seattle PD,Officer,kim@spd.gov,,WA,,,,,,,{status}\r\n")
    wait_for(lambda: published(leaders_db))
    [event] = [parse(m) for m in drain(leaders_config["AMQP_URI"], "screenings.events")]
    assert event.type == ("leader_updated" if status == "active" else "leader_deactivated")
    assert (event.data.name, event.data.region, event.data.status) == ("Kim Park", "region-10", status)
