"""Every route, called by every kind of caller: anonymous, leader A, leader B and a
program manager. Objects in the URLs belong to leader A. Denied means 401 (anonymous) or
403 (and 404 where a service hides another leader's unpublished record); allowed means
anything else except a 5xx: the request got past authorization."""
from __future__ import annotations

import re

from services.gateway.routes import ROUTES
from services.gateway.routing import LEADER, MANAGER, PUBLIC, SIGNED_IN

from .test_api import register_when_projected

ROLES = ("anonymous", "b", "a", "manager")  # deny-checks first: allowed calls may change things
# Pages that act as the signed-in leader themself: a manager account is not a leader.
LEADER_ACCOUNTS_ONLY = {"leader_home", "accept_page", "accept_submit", "decline_page", "decline_submit",
                        "complete_page", "complete_submit", "training_page", "training_module_page",
                        "training_answers_submit", "profile_view", "email_submit",
                        "profile_submit", "availability_submit", "new_screening_page", "new_screening_submit",
                        "urgent_accept", "urgent_decline"}


# Bodies that must validate for the role check after it to be reached.
VALID_BODIES = {"complete_submit": {"outcome_note": "Met twice; the department now runs its own sessions."},
                "training_answers_submit": {"usb": "c"}, "submit_training_answers": {"answers": {"usb": "c"}}}


def expected(route, role: str) -> str:
    if route.access == PUBLIC:
        return "allow"
    if role == "anonymous":
        return "deny"
    if route.access == SIGNED_IN:
        if route.operation_id in LEADER_ACCOUNTS_ONLY:
            return "deny" if role == "manager" else "allow"
        return "allow"
    if route.access == MANAGER:
        return "allow" if role == "manager" else "deny"
    assert route.access == LEADER
    return "allow" if role in ("a", "manager") else "deny"


def test_every_route_with_every_role(full_stack):
    stack = full_stack
    a = stack.leader_ids["a"]
    screening = register_when_projected(stack.clients["a"], a)
    spare = stack.accounts.create("spare@niot.example.org")
    values = {"leader_id": a, "screening_id": screening["id"], "application_id": 1, "account_id": spare,
              "token_id": 999, "rsvp_id": "no-such-rsvp", "slug": "waking-in-oak-creek",
              "module": "mentoring-peers", "region": "region-4", "region_id": "region-4",
              "service": "screenings", "delivery_id": 999999, "token": "no-such-unsubscribe-token",
              "request_id": 999999, "decision": "waitlist", "order_id": "no-such-order", "resource_id": 1,
              "partner_id": 1}
    clients = {role: stack.token_client(role) for role in ROLES}
    outcomes, wrong = {}, []
    for role in ROLES:
        for route in ROUTES.routes:
            path = re.sub(r"\{([a-z_]+)(?::[a-z]+)?\}", lambda m: str(values[m[1]]), route.path)
            kwargs = {"json": VALID_BODIES.get(route.operation_id, {})} if route.body is not None else {}
            response = clients[role].request(route.method, path, **kwargs)
            status = response.status_code
            denied = status in (401, 403) or (status == 404 and route.access == LEADER and role == "b")
            got = "deny" if denied else "allow"
            outcomes[(route.operation_id, role)] = status
            if got != expected(route, role) or status >= 500:
                wrong.append(f"{role:9} {route.method:6} {route.path}: {status} {response.text[:120]}")
            if role == "anonymous" and route.access != PUBLIC:
                assert status == 401, (route.path, status)
    assert wrong == [], "\n".join(wrong)
    assert len(outcomes) == len(ROUTES.routes) * len(ROLES)


def test_object_checks_that_depend_on_the_body(stack):
    a, b = stack.leader_ids["a"], stack.leader_ids["b"]
    leader_b = stack.token_client("b")
    assert leader_b.post("/api/screenings", json={"host_id": a, "details": {}}).status_code == 403
    assert leader_b.request("PATCH", f"/api/leaders/{b}", json={"status": "alumni"}).status_code == 403
