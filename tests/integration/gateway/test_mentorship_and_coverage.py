"""Mentorship requests and regional coverage through real HTTP, with every service (the
real mailer delivering to a loopback SMTP server, where the requester's links are read)."""
from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from datetime import datetime

from services.leaders.domain.learning import answer_key
from services.leaders.domain.training import MENTORING_MODULES
from tests.integration.kit.helpers import wait_for

from .test_api import register_when_projected

REQUEST = {"requester_name": "Pat Peer", "agency": "Macon Police Department", "role": "Lieutenant",
           "email": "pat.peer@maconpd.example.gov", "state": "GA", "topic": "community-policing",
           "description": "We want to build trust with a community after a string of bias incidents.",
           "urgency": "normal"}


def plain_text(received) -> str:
    return email.message_from_bytes(received.data, policy=email.policy.default).get_body(("plain",)).get_content()


def mailed_link(smtp_server, recipient: str, pattern: str) -> str:
    """The first link matching `pattern` in mail delivered to `recipient`."""
    found = {}

    def look():
        for received in smtp_server.messages:
            if recipient in received.rcpt_tos:
                match = re.search(pattern, plain_text(received))
                if match:
                    found["link"] = match[1]
                    return True
        return False

    wait_for(look, timeout=20, interval=0.2)
    return found["link"]


def offered_leader(stack, request_id: int) -> str:
    box = {}

    def look():
        for key in ("a", "b"):
            mine = stack.clients[key].get(f"/api/leaders/{stack.leader_ids[key]}/mentorship").json()
            if any(r["id"] == request_id and r["state"] == "offered" for r in mine):
                box["key"] = key
                return True
        return False

    wait_for(look, timeout=20, interval=0.3)
    return box["key"]


def test_request_confirm_offer_accept_and_coverage(full_stack):
    stack = full_stack
    for key in ("a", "b"):
        for module in sorted(MENTORING_MODULES):
            done = stack.clients[key].post(f"/api/leaders/{stack.leader_ids[key]}/training/{module}/answers",
                                           json={"answers": answer_key(module)})
            assert done.status_code == 200 and done.json()["passed"], done.text
    public = stack.browser(stack.base_url)
    bad = public.post("/api/mentorship/requests", json={**REQUEST, "topic": "astrology", "state": "ZZ"})
    assert bad.status_code == 422 and {"topic", "state"} <= {e["field"] for e in bad.json()["errors"]}
    submitted = public.post("/api/mentorship/requests", json=REQUEST)
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]
    assert "@" not in submitted.text

    confirm_path = mailed_link(stack.smtp_server, REQUEST["email"], r"https?://[^/\s]+(/mentorship/confirm/\S+)")
    status_path = mailed_link(stack.smtp_server, REQUEST["email"], r"https?://[^/\s]+(/mentorship/status/\S+)")
    token = confirm_path.rsplit("/", 1)[1]
    assert public.post("/api/mentorship/confirm/forged-token").status_code in (404, 422)
    confirmed = public.post(f"/api/mentorship/confirm/{token}")
    assert confirmed.status_code == 200, confirmed.text
    assert public.post(f"/api/mentorship/confirm/{token}").status_code in (409, 422)

    key = offered_leader(stack, request_id)
    other = "b" if key == "a" else "a"
    leader, stranger = stack.leader_ids[key], stack.leader_ids[other]
    # A leader acts only as themself; the service refuses an offer made to someone else.
    assert stack.clients[other].post(f"/api/leaders/{leader}/mentorship/{request_id}/accept", json={}).status_code == 403
    assert stack.clients[other].post(f"/api/leaders/{stranger}/mentorship/{request_id}/accept",
                                     json={}).status_code in (403, 404, 409)
    assert stack.clients[key].get(f"/api/mentorship/requests/{request_id}").status_code == 403

    listed = stack.manager.get("/api/mentorship/requests", params={"state": "offered"})
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["requests"]] == [request_id]
    detail = stack.manager.get(f"/api/mentorship/requests/{request_id}")
    assert detail.status_code == 200
    assert stack.manager.get(f"/api/mentorship/requests/{request_id}/candidates").status_code == 200

    accepted = stack.clients[key].post(f"/api/leaders/{leader}/mentorship/{request_id}/accept", json={})
    assert accepted.status_code == 200, accepted.text
    assert stack.clients[key].post(f"/api/leaders/{leader}/mentorship/{request_id}/accept",
                                   json={}).status_code == 409
    status = public.get("/api/mentorship/status/" + status_path.rsplit("/", 1)[1])
    assert status.status_code == 200 and status.json()["state"] == "accepted"
    assert "@" not in status.text

    screening = register_when_projected(stack.clients["a"], stack.leader_ids["a"])
    assert stack.manager.post(f"/api/screenings/{screening['id']}/approve").status_code == 200
    assert stack.clients["a"].get("/api/coverage").status_code == 403
    report = stack.manager.get("/api/coverage")
    assert report.status_code == 200, report.text
    body = report.json()
    south = next(r for r in body["regions"] if r["id"] == "region-4")
    georgia = next(s for s in south["states"] if s["code"] == "GA")
    assert georgia["active_leaders"] == 2 and georgia["screenings_upcoming"] == 1
    assert georgia["status"] == "green" and south["status"] in ("red", "amber")
    assert "GA" not in body["gaps"]["states_without_leaders"]
    assert "GA" not in body["gaps"]["states_without_screenings"] and "AL" in body["gaps"]["states_without_screenings"]
    assert south["median_hours_to_acceptance"] is not None
    # The same window again is the report just computed; no-cache asks for a new one.
    assert stack.manager.get("/api/coverage").json()["as_of"] == body["as_of"]
    recomputed = stack.manager.get("/api/coverage", headers={"Cache-Control": "no-cache"}).json()
    assert datetime.fromisoformat(recomputed["as_of"]) > datetime.fromisoformat(body["as_of"])

    bad_window = stack.manager.get("/api/coverage", params={"window_start": "2026-05-01", "window_end": "2026-01-01"})
    assert bad_window.status_code == 422 and bad_window.json()["field"] == "window_end"
    sheet = stack.manager.get("/api/coverage.csv")
    assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert any(r["level"] == "state" and r["state"] == "GA" and r["status"] == "green" for r in rows)


def test_public_mentorship_form_is_rate_limited_per_email(container_factory, gateway_config, browser):
    from services.leaders.service import LeadersService

    from .conftest import start_gateway

    base_url, config = start_gateway(container_factory, gateway_config(
        "leaders", GATEWAY={"rate_limits": {"public_form_email": [2, 600], "public_form_ip": [100, 600]}}))
    container_factory(LeadersService, config).start()
    public = browser(base_url)
    statuses = [public.post("/api/mentorship/requests", json=REQUEST).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    other = public.post("/api/mentorship/requests", json={**REQUEST, "email": "someone.else@pd.example.gov"})
    assert other.status_code == 201
