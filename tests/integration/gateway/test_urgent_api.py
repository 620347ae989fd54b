"""Rapid response through real HTTP with every service: a public urgent request (checked
field by field, safe to retry), offered to the nearer leader first across a state line,
taken by one, refused to the other and to strangers, and the mail each party gets."""
from __future__ import annotations

import email
import email.policy

from services.leaders.domain.learning import answer_key
from services.leaders.domain.training import MENTORING_MODULES
from tests.integration.kit.helpers import wait_for

URGENT = {"requester_name": "Dana Reyes", "organisation": "Cincinnati Police Department", "role": "officer",
          "email": "dana.reyes@cincinnati-oh.example.gov", "phone": "(513) 555-0100", "postal_code": "45202",
          "what_happened": "Swastikas were painted on a synagogue's doors overnight; the congregation is afraid.",
          "help_needed": "Advice on the community meeting tonight and on the hate-crime report."}


def mails_to(smtp_server, recipient: str) -> list:
    return [email.message_from_bytes(m.data, policy=email.policy.strict) for m in smtp_server.messages
            if recipient in m.rcpt_tos]


def test_file_offer_take_and_refuse_over_http(full_stack):
    stack = full_stack
    # A in Covington, KY (across the river from the incident); B in Columbus, OH (same state, farther).
    for key, zip_code in (("a", "41011"), ("b", "43215")):
        leader = stack.leader_ids[key]
        for module in sorted(MENTORING_MODULES):
            done = stack.clients[key].post(f"/api/leaders/{leader}/training/{module}/answers",
                                           json={"answers": answer_key(module)})
            assert done.status_code == 200, done.text
        changed = stack.clients[key].request("PATCH", f"/api/leaders/{leader}", json={"postal_code": zip_code})
        assert changed.status_code == 200, changed.text

    public = stack.browser(stack.base_url)
    bad = public.post("/api/urgent-requests", json={**URGENT, "postal_code": "99999", "email": "nope"})
    assert bad.status_code == 422 and {"postal_code", "email"} <= {e["field"] for e in bad.json()["errors"]}
    assert public.post("/api/urgent-requests", json={**URGENT, "role": "mayor"}).status_code == 422
    filed = public.post("/api/urgent-requests", json=URGENT, headers={"Idempotency-Key": "incident-45202"})
    assert filed.status_code == 201, filed.text
    again = public.post("/api/urgent-requests", json=URGENT, headers={"Idempotency-Key": "incident-45202"})
    assert again.json() == filed.json() and again.headers.get("Idempotent-Replayed") == "true"
    body = filed.json()
    assert (body["state"], body["offered_to"], body["place"]) == ("offered", 2, "45202 (Cincinnati, OH)")
    assert "@" not in filed.text  # no leader named to the public

    a, b = stack.leader_ids["a"], stack.leader_ids["b"]
    offers = stack.clients["a"].get(f"/api/leaders/{a}/urgent-requests").json()
    assert [(o["id"], o["offer_state"], o["requester_email"]) for o in offers] == [(body["id"], "pending", None)]
    assert offers[0]["miles"] < stack.clients["b"].get(f"/api/leaders/{b}/urgent-requests").json()[0]["miles"]
    # Nobody acts for another leader; the manager sees every offer, nearest first.
    assert stack.clients["b"].post(f"/api/leaders/{a}/urgent-requests/{body['id']}/accept").status_code == 403
    listed = stack.manager.get("/api/urgent-requests", params={"open_only": "true"}).json()
    assert [o["leader_id"] for o in listed[0]["offers"]] == [a, b]
    assert stack.clients["a"].get("/api/urgent-requests").status_code == 403

    taken = stack.clients["b"].post(f"/api/leaders/{b}/urgent-requests/{body['id']}/accept")
    assert taken.status_code == 200 and taken.json()["requester_email"] == URGENT["email"], taken.text
    late = stack.clients["a"].post(f"/api/leaders/{a}/urgent-requests/{body['id']}/accept")
    assert late.status_code == 409 and "another leader already took" in late.text
    assert stack.manager.get("/api/urgent-requests", params={"open_only": "true"}).json() == []

    wait_for(lambda: mails_to(stack.smtp_server, URGENT["email"]), timeout=20)
    [requester] = mails_to(stack.smtp_server, URGENT["email"])
    assert str(requester["Subject"]) == "Blair Baker is taking your urgent request"
    wait_for(lambda: any("another leader took it" in str(m["Subject"])
                         for m in mails_to(stack.smtp_server, "alex@pd.example.gov")), timeout=20)
