"""A leader's new email address takes effect only when its owner opens the link mailed to
it (real services, the real mailer delivering to a loopback SMTP server)."""
from __future__ import annotations

from tests.integration.kit.helpers import wait_for

from .test_mentorship_and_coverage import mailed_link, plain_text

NEW = "alex.able@newpd.example.gov"


def test_a_new_address_waits_for_its_owner_to_confirm_it(full_stack):
    stack = full_stack
    alex, leader_id = stack.clients["a"], stack.leader_ids["a"]

    asked = alex.request("PATCH", f"/api/leaders/{leader_id}", json={"email": NEW, "bio": "Twenty years on patrol."})
    assert asked.status_code == 200, asked.text
    assert (asked.json()["email"], asked.json()["pending_email"], asked.json()["bio"]) == (
        "alex@pd.example.gov", NEW, "Twenty years on patrol.")
    # Nothing has changed yet: the roster and signing in keep the old address.
    assert alex.get(f"/api/leaders/{leader_id}").json()["email"] == "alex@pd.example.gov"
    assert stack.browser(stack.base_url).login(NEW).status_code == 401

    token = mailed_link(stack.smtp_server, NEW, r"/account/email\?token=([A-Za-z0-9_-]+)")
    notice = mailed_link(stack.smtp_server, "alex@pd.example.gov", r"asked to change its email\s+address to (\S+)")
    assert notice.rstrip(".") == NEW
    to_old = [plain_text(m) for m in stack.smtp_server.messages if "alex@pd.example.gov" in m.rcpt_tos]
    assert not any(token in text for text in to_old)  # the link goes to the new address only

    public = stack.browser(stack.base_url)
    opened = public.get(f"/account/email?token={token}")  # opening the link changes nothing by itself
    assert opened.status_code == 200 and NEW in opened.text and 'action="/account/email"' in opened.text
    assert alex.get(f"/api/leaders/{leader_id}").json()["email"] == "alex@pd.example.gov"

    confirmed = public.post("/api/account/email-confirmation", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email"] == NEW
    assert alex.get(f"/api/leaders/{leader_id}").json()["email"] == NEW
    assert stack.browser(stack.base_url).login(NEW).status_code == 201
    assert stack.browser(stack.base_url).login("alex@pd.example.gov").status_code == 401
    again = public.post("/api/account/email-confirmation", json={"token": token})
    assert again.status_code == 422 and again.json()["field"] == "token"


def test_nobody_takes_an_address_that_is_not_theirs(full_stack):
    stack = full_stack
    alex, leader_id = stack.clients["a"], stack.leader_ids["a"]
    # The managers' mailbox and another leader's address: asked for, but never confirmed by Alex.
    assert alex.request("PATCH", f"/api/leaders/{leader_id}", json={"email": "manager@niot.example.org"}).ok
    first = mailed_link(stack.smtp_server, "manager@niot.example.org", r"/account/email\?token=([A-Za-z0-9_-]+)")
    assert alex.request("PATCH", f"/api/leaders/{leader_id}", json={"email": "blair@pd.example.gov"}).ok
    token = mailed_link(stack.smtp_server, "blair@pd.example.gov", r"/account/email\?token=([A-Za-z0-9_-]+)")
    # Even the owner of that address opening it cannot make it Alex's: it is Blair's already.
    taken = stack.browser(stack.base_url).post("/api/account/email-confirmation", json={"token": token})
    assert taken.status_code == 409 and "blair@pd.example.gov" in taken.text
    assert alex.get(f"/api/leaders/{leader_id}").json()["email"] == "alex@pd.example.gov"
    # The first request was replaced by the second: its link no longer works.
    refused = stack.browser(stack.base_url).post("/account/email", data={"token": first})
    assert refused.status_code == 422 and "Link not valid" in refused.text
    assert stack.browser(stack.base_url).login("alex@pd.example.gov").status_code == 201
    bad = alex.request("PATCH", f"/api/leaders/{leader_id}", json={"email": "not an address"})
    assert bad.status_code == 422 and bad.json()["field"] == "email"


def test_a_managers_change_moves_the_sign_in_address_with_it(full_stack):
    stack = full_stack
    blair_id = stack.leader_ids["b"]
    changed = stack.manager.request("PATCH", f"/api/leaders/{blair_id}", json={"email": "blair@newpd.example.gov"})
    assert changed.status_code == 200 and changed.json()["email"] == "blair@newpd.example.gov"
    wait_for(lambda: stack.browser(stack.base_url).login("blair@newpd.example.gov").status_code == 201,
             timeout=20, interval=0.3)
    assert stack.browser(stack.base_url).login("blair@pd.example.gov").status_code == 401
