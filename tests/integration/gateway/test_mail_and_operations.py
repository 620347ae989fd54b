"""Set-up links on request, unsubscribe, the delivery log and dead letters through HTTP."""
from __future__ import annotations

import json
import re

from kombu import Connection, Exchange, Producer, Queue

from tests.integration.kit.helpers import wait_for

from .conftest import APPLICATION, pending_application, wait_until_mail_settles
from .test_mentorship_and_coverage import mailed_link, plain_text


def test_an_approved_leader_without_an_account_asks_for_a_setup_link(full_stack):
    stack = full_stack
    public = stack.browser(stack.base_url)
    email = "casey@pd.example.gov"
    assert public.post("/api/applications", json={**APPLICATION, "name": "Casey Cole", "email": email}).status_code == 202
    leader = stack.manager.post(f"/api/applications/{pending_application(stack.manager, email)}/approve",
                                json={}).json()["leader"]

    page = public.get("/account/setup")
    assert page.status_code == 200 and 'action="/account/setup/request"' in page.text
    answers = [public.post("/api/account/setup-request", json={"email": address})
               for address in (email, "stranger@example.org", "alex@pd.example.gov")]
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1  # the answer does not tell who is a leader
    mailed_link(stack.smtp_server, email, r"(/account/setup\?token=)")
    wait_until_mail_settles(stack.config)  # the approval itself may have mailed a link too
    mailed_link(stack.smtp_server, "alex@pd.example.gov", r"(/account/setup\?token=)")  # a reset, to its owner
    setup_mails = [m for m in stack.smtp_server.messages if "/account/setup?token=" in plain_text(m)
                   and m.rcpt_tos == (email,)]
    # No stranger got a link, and each went only to its own address (Blair, the stack's other
    # leader, may be sent one of their own by the approval that made them).
    linked = {m.rcpt_tos for m in stack.smtp_server.messages if "/account/setup?token=" in plain_text(m)}
    assert ("stranger@example.org",) not in linked
    assert all(len(recipients) == 1 for recipients in linked)
    tokens = [re.findall(r"/account/setup\?token=([A-Za-z0-9_-]+)", plain_text(m))[0] for m in setup_mails]
    outcomes = [public.post("/api/account/setup", json={"token": t, "password": "a long enough passphrase"})
                for t in reversed(tokens)]
    # Only the newest link works, once.
    assert outcomes[0].json()["leader_id"] == leader["id"]
    assert all(o.status_code == 422 for o in outcomes[1:])
    assert public.login(email, "a long enough passphrase").status_code == 201


def test_unsubscribe_page_and_unknown_token(full_stack):
    public = full_stack.browser(full_stack.base_url)
    page = public.get("/unsubscribe/abcdefghijklmnop")
    assert page.status_code == 200 and 'method="post"' in page.text
    response = public.post("/unsubscribe/abcdefghijklmnop", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404 and "text/html" in response.headers["Content-Type"]
    assert "Page not found" in response.text and "unsubscribe link" in response.text.lower()
    as_json = public.post("/unsubscribe/abcdefghijklmnop", data={"List-Unsubscribe": "One-Click"},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.json()["field"] == "token"
    deliveries = full_stack.manager.get("/api/deliveries")
    assert deliveries.status_code == 200 and isinstance(deliveries.json(), list)
    assert full_stack.clients["a"].get("/api/deliveries").status_code == 403


def test_without_the_mailer_its_routes_answer_503(stack):
    browser = stack.browser(stack.base_url)
    page = browser.post("/unsubscribe/abcdefghijklmnop")
    assert page.status_code == 503 and "try again in a minute" in page.text
    response = browser.post("/unsubscribe/abcdefghijklmnop", headers={"Accept": "application/json"})
    assert response.status_code == 503 and "mailer" in response.json()["message"]


def test_managers_list_and_replay_dead_letters(stack):
    with Connection(stack.config["AMQP_URI"]) as connection:
        Producer(connection.default_channel).publish(
            json.dumps({"type": "nonsense"}), exchange="", routing_key="screenings.events",
            content_type="application/json", content_encoding="utf-8", serializer=None,
            message_id="bad-1", delivery_mode=2)
    manager = stack.manager

    def listed():
        return [d for d in manager.get("/api/dead-letters?service=screenings").json() if d["message_id"] == "bad-1"]

    wait_for(lambda: len(listed()) == 1, timeout=20)
    assert "malformed envelope" in listed()[0]["error"]
    assert stack.clients["a"].get("/api/dead-letters").status_code == 403
    assert manager.get("/api/dead-letters?service=nobody").status_code == 422
    replayed = manager.post("/api/dead-letters/screenings/replay", json={"message_ids": ["bad-1"]})
    assert replayed.status_code == 200 and replayed.json()["replayed"] == ["bad-1"]
    wait_for(lambda: len(listed()) == 1, timeout=20)  # still malformed: parked again


def test_a_mailer_that_takes_calls_but_never_answers_holds_no_request_up(stack):
    """Set-up mail is handed to the mailer by a timer job inside the job's transaction. A
    mailer whose queue takes the call but never answers (hung, or its queue left behind)
    must not hold that transaction, and with it every other write of the gateway on SQLite:
    the hand-over gives up after the RPC timeout and the job is tried again later."""
    from nameko.rpc import RPC_QUEUE_TEMPLATE

    from tests.integration.kit.helpers import count

    with Connection(stack.config["AMQP_URI"]) as connection:
        Queue(RPC_QUEUE_TEMPLATE.format("mailer"), exchange=Exchange("nameko-rpc", type="topic", durable=True),
              routing_key="mailer.*", durable=True)(connection.default_channel).declare()
    created = stack.manager.post("/api/accounts", json={"email": "second.manager@niot.example.org",
                                                        "name": "Second Manager", "role": "manager"})
    assert created.status_code == 201, created.text
    gateway_db = stack.config["DB_URIS"]["gateway"]

    def handed_over_and_given_up() -> bool:
        # Each sign-in writes (a session), so each waits for any transaction the job holds.
        assert stack.browser(stack.base_url).login("manager@niot.example.org").status_code == 201
        return count(gateway_db, "SELECT count(*) FROM scheduled_jobs WHERE kind = 'account_setup_mail' "
                                 "AND last_error LIKE '%RpcTimeout%'") >= 1

    wait_for(handed_over_and_given_up, timeout=60, interval=0.5)
    assert stack.browser(stack.base_url).login("manager@niot.example.org").status_code == 201
