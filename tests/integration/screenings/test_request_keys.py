"""A creating call sent again with its request key is carried out once: the retry of a
request the gateway gave up on while the service was busy or down (real broker)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from nameko.exceptions import RemoteError

from services.runtime import clock

from .conftest import details

HOST = {"role": "leader", "leader_id": 1}


def key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def test_a_call_sent_again_with_its_key_gets_the_first_answer_and_has_one_effect(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        first = client.screenings.register_screening(HOST, 1, details(), request_key=key("register-1"))
        clock.advance(timedelta(minutes=5))
        again = client.screenings.register_screening(HOST, 1, details(), request_key=key("register-1"))
        assert again == first
        assert harness.scalar("SELECT count(*) FROM screenings") == 1
        other = client.screenings.register_screening(HOST, 1, details(12), request_key=key("register-2"))
        assert other["id"] != first["id"] and harness.scalar("SELECT count(*) FROM screenings") == 2

        seat = client.screenings.rsvp(first["id"], "Ana Diaz", "ana@example.org", request_key=key("rsvp-1"))
        assert client.screenings.rsvp(first["id"], "Ana Diaz", "ana@example.org", request_key=key("rsvp-1")) == seat
        [confirmed] = harness.wait_for_mail("rsvp_confirmed", 1)
        assert confirmed["rsvp_id"] == seat["rsvp_id"]
        assert harness.mail("rsvp_repeated") == []  # a retry, not a second RSVP of the same person
        assert harness.scalar("SELECT count(*) FROM rsvps") == 1


def test_the_same_call_arriving_twice_at_once_is_carried_out_once(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        calls = [client.screenings.register_screening.call_async(HOST, 1, details(), request_key=key("twice"))
                 for _ in range(4)]
        answers = [call.result() for call in calls]
    assert all(answer == answers[0] for answer in answers)
    assert harness.scalar("SELECT count(*) FROM screenings") == 1
    assert harness.scalar("SELECT count(*) FROM completed_requests") == 1


def test_a_refusal_is_not_kept_and_a_key_must_look_like_one(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        with pytest.raises(RemoteError) as refused:
            client.screenings.register_screening(HOST, 1, {}, request_key=key("bad"))
        assert refused.value.exc_type == "ValidationFailed"
        # Nothing was done, so nothing is kept: the corrected request under the same key runs.
        view = client.screenings.register_screening(HOST, 1, details(), request_key=key("bad"))
        assert view["status"] == "scheduled"
        with pytest.raises(RemoteError) as malformed:
            client.screenings.rsvp(view["id"], "Ana Diaz", "ana@example.org", request_key="not a key")
        assert malformed.value.exc_type == "ValidationFailed" and "request_key" in str(malformed.value)
    assert harness.scalar("SELECT count(*) FROM rsvps") == 0
