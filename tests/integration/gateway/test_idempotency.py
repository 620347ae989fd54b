"""Idempotency-Key: a client that retries a creating request gets the first answer, not a
second effect (real services behind the gateway)."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import sqlalchemy as sa

from services.runtime import clock
from services.runtime.db import make_engine
from tests.integration.kit.helpers import count

from .test_api import register_when_projected, screening_details
from .test_mentorship_and_coverage import REQUEST


def screenings_hosted(stack, leader_id: int) -> int:
    return count(stack.config["DB_URIS"]["screenings"], f"SELECT count(*) FROM screenings WHERE host_id = {leader_id}")


def test_a_retry_with_the_same_key_gets_the_first_answer_and_does_nothing_twice(stack):
    alex, a = stack.clients["a"], stack.leader_ids["a"]
    register_when_projected(alex, a)  # the screenings service knows Alex
    before = screenings_hosted(stack, a)
    body = {"host_id": a, "details": screening_details(20)}
    first = alex.post("/api/screenings", json=body, headers={"Idempotency-Key": "retry-1"})
    again = alex.post("/api/screenings", json=body, headers={"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert screenings_hosted(stack, a) == before + 1

    # The same key with another request is refused, naming the header; a new key is a new request.
    other = alex.post("/api/screenings", json={"host_id": a, "details": screening_details(21)},
                      headers={"Idempotency-Key": "retry-1"})
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    another = {"host_id": a, "details": screening_details(22)}
    assert alex.post("/api/screenings", json=another, headers={"Idempotency-Key": "retry-2"}).status_code == 201
    assert screenings_hosted(stack, a) == before + 2
    # Keys belong to their caller: Blair's "retry-1" is Blair's own.
    blair, b = stack.clients["b"], stack.leader_ids["b"]
    register_when_projected(blair, b)
    mine = blair.post("/api/screenings", json={"host_id": b, "details": screening_details(20)},
                      headers={"Idempotency-Key": "retry-1"})
    assert mine.status_code == 201 and "Idempotent-Replayed" not in mine.headers
    assert mine.json()["id"] != first.json()["id"]

    # A refusal is an answer too: retried, it is given again without asking the service.
    refused = alex.post("/api/screenings", json={"host_id": a, "details": {}}, headers={"Idempotency-Key": "bad-1"})
    retried = alex.post("/api/screenings", json={"host_id": a, "details": {}}, headers={"Idempotency-Key": "bad-1"})
    assert refused.status_code == retried.status_code == 422 and retried.json() == refused.json()
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert alex.post("/api/screenings", json=body, headers={"Idempotency-Key": "has space"}).status_code == 400


def test_a_public_request_still_being_handled_is_not_run_twice(stack):
    public = stack.browser(stack.base_url)
    gateway = make_engine(stack.config["DB_URIS"]["gateway"])
    try:
        request = {**REQUEST, "requester_name": "Pat Keyed", "email": "pat.key@maconpd.example.gov"}
        first = public.post("/api/mentorship/requests", json=request, headers={"Idempotency-Key": "mentor-1"})
        again = public.post("/api/mentorship/requests", json=request, headers={"Idempotency-Key": "mentor-1"})
        assert first.status_code == again.status_code == 201 and again.json() == first.json()
        listed = stack.manager.get("/api/mentorship/requests", params={"limit": 200}).json()["requests"]
        assert sum(r["requester_name"] == "Pat Keyed" for r in listed) == 1

        def sent_earlier(key: str, body: bytes, at) -> None:
            """A first attempt with `key` recorded at `at` and not answered (yet, or ever)."""
            digest = hashlib.sha256(b"POST /api/mentorship/requests\n" + body).hexdigest()
            with gateway.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO idempotent_requests (scope, key, request, created_at) VALUES "
                    "('public', :key, :digest, :at)"), {"key": key, "digest": digest, "at": at})

        # A first attempt still in hand: the retry waits a little for its answer, then says so...
        body = json.dumps({**request, "requester_name": "Kim Keyed", "email": "kim.key@maconpd.example.gov"}).encode()
        sent_earlier("mentor-2", body, clock.now())
        busy = public.post("/api/mentorship/requests", data=body, headers={"Idempotency-Key": "mentor-2",
                                                                          "Content-Type": "application/json"})
        assert busy.status_code == 409 and int(busy.headers["Retry-After"]) > 0
        # ...unless it was lost long ago (its process died): then the retry runs it.
        body = json.dumps({**request, "requester_name": "Lee Keyed", "email": "lee.key@maconpd.example.gov"}).encode()
        sent_earlier("mentor-3", body, clock.now() - timedelta(minutes=5))
        lost = public.post("/api/mentorship/requests", data=body, headers={"Idempotency-Key": "mentor-3",
                                                                          "Content-Type": "application/json"})
        assert lost.status_code == 201, lost.text
        listed = stack.manager.get("/api/mentorship/requests", params={"limit": 200}).json()["requests"]
        assert sum(r["requester_name"] == "Lee Keyed" for r in listed) == 1
    finally:
        gateway.dispose()


def test_a_form_sent_twice_does_its_work_once(stack):
    sid = register_when_projected(stack.clients["a"], stack.leader_ids["a"])["id"]
    assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    public = stack.browser(stack.base_url)
    shown = public.get(f"/screenings/{sid}").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', shown)[1]
    form = {"name": "Pat Twice", "email": "pat.twice@example.org", "idempotency_key": key}
    first = public.post(f"/screenings/{sid}/rsvp", data=form, allow_redirects=False)
    again = public.post(f"/screenings/{sid}/rsvp", data=form, allow_redirects=False)  # a double click
    assert first.status_code == again.status_code == 200
    assert again.text == first.text and again.headers["Idempotent-Replayed"] == "true"
    names = [person["name"] for person in stack.clients["a"].get(f"/api/screenings/{sid}/attendees").json()]
    assert names.count("Pat Twice") == 1
    assert key not in public.get(f"/screenings/{sid}").text  # each form shown gets a key of its own


def test_a_retry_after_the_gateway_kept_no_answer_is_still_carried_out_once(stack):
    """A request the gateway gave up on (503 after the RPC time-out, so it kept nothing)
    may still be carried out by the service; the retry with the same key then gets the
    service's first answer, not a second RSVP."""
    sid = register_when_projected(stack.clients["a"], stack.leader_ids["a"])["id"]
    assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    public = stack.browser(stack.base_url)
    rsvp = {"name": "Pat Retry", "email": "pat.retry@example.org"}
    first = public.post(f"/api/screenings/{sid}/rsvps", json=rsvp, headers={"Idempotency-Key": "rsvp-after-503"})
    assert first.status_code == 201, first.text
    gateway = make_engine(stack.config["DB_URIS"]["gateway"])
    try:
        with gateway.begin() as connection:  # what a 5xx leaves: no answer kept here
            connection.execute(sa.text("DELETE FROM idempotent_requests WHERE key = 'rsvp-after-503'"))
    finally:
        gateway.dispose()
    again = public.post(f"/api/screenings/{sid}/rsvps", json=rsvp, headers={"Idempotency-Key": "rsvp-after-503"})
    assert again.status_code == 201 and again.json() == first.json()
    assert "Idempotent-Replayed" not in again.headers  # answered by the service, from its own record
    names = [person["name"] for person in stack.clients["a"].get(f"/api/screenings/{sid}/attendees").json()]
    assert names.count("Pat Retry") == 1
    screenings = stack.config["DB_URIS"]["screenings"]
    assert count(screenings, "SELECT count(*) FROM completed_requests WHERE method = 'rsvp'") == 1
