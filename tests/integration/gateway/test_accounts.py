"""Accounts, sessions, CSRF, API tokens, set-up links and rate limits through real HTTP."""
from __future__ import annotations

import email
import email.policy
import json
import re
import uuid
from datetime import datetime, timezone

from kombu import Connection, Producer

from tests.integration.kit.helpers import count

from .conftest import PASSWORD, mail_settings, start_gateway, wait_until_mail_settles


def test_manager_signs_in_and_out_and_the_session_ends_on_the_server(gateway, browser):
    base_url, config, accounts = gateway
    accounts.create("boss@example.org")
    client = browser(base_url)
    response = client.login("boss@example.org")
    assert response.status_code == 201
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert client.get("/api/session").json()["account"]["role"] == "manager"
    stolen = client.http.cookies.get("niot_session")

    assert client.request("DELETE", "/api/session").status_code == 204
    replay = browser(base_url)
    replay.http.cookies.set("niot_session", stolen)
    assert replay.get("/api/session").status_code == 401


def test_wrong_password_and_unknown_email_look_the_same(gateway, browser):
    base_url, config, accounts = gateway
    accounts.create("boss@example.org")
    client = browser(base_url)
    wrong = client.login("boss@example.org", "not the password at all")
    unknown = client.login("nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"]


def test_cookie_requests_that_change_things_need_the_csrf_token(gateway, browser):
    base_url, config, accounts = gateway
    accounts.create("boss@example.org")
    client = browser(base_url)
    client.login("boss@example.org")
    token = client.csrf
    client.csrf = None
    refused = client.post("/api/tokens", json={"label": "script"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "csrf_failed"
    forged = client.post("/api/tokens", json={"label": "script"}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    client.csrf = token
    assert client.post("/api/tokens", json={"label": "script"}).status_code == 201


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(gateway, browser):
    base_url, config, accounts = gateway
    accounts.create("boss@example.org")
    client = browser(base_url)
    client.login("boss@example.org")
    created = client.post("/api/tokens", json={"label": "nightly export"}).json()
    secret = created["token"]
    assert "token" not in client.get("/api/tokens").json()[0]
    uri = config["DB_URIS"]["gateway"]
    assert count(uri, f"SELECT count(*) FROM api_tokens WHERE digest = '{secret}'") == 0

    script = browser(base_url)
    script.bearer = secret
    assert script.get("/api/accounts").status_code == 200
    # Bearer requests are not sent by browsers on their own: no CSRF token needed.
    assert script.post("/api/tokens", json={"label": "second"}).status_code == 201

    assert client.request("DELETE", f"/api/tokens/{created['id']}").status_code == 204
    assert script.get("/api/accounts").status_code == 401


def test_deactivation_ends_sessions_and_tokens(gateway, browser):
    base_url, config, accounts = gateway
    accounts.create("boss@example.org")
    other = accounts.create("second@example.org")
    boss, second = browser(base_url), browser(base_url)
    boss.login("boss@example.org")
    second.login("second@example.org")
    second_token = second.post("/api/tokens", json={"label": "x"}).json()["token"]
    assert second.get("/api/session").status_code == 200

    assert boss.post(f"/api/accounts/{other}/deactivate").json()["active"] is False
    assert second.get("/api/session").status_code == 401
    script = browser(base_url)
    script.bearer = second_token
    assert script.get("/api/session").status_code == 401
    assert browser(base_url).login("second@example.org").status_code == 401


def test_the_last_manager_cannot_be_deactivated(gateway, browser):
    base_url, config, accounts = gateway
    boss_id = accounts.create("boss@example.org")
    client = browser(base_url)
    client.login("boss@example.org")
    response = client.post(f"/api/accounts/{boss_id}/deactivate")
    assert response.status_code == 409


def test_login_is_rate_limited_per_email(container_factory, gateway_config, browser):
    from .conftest import Accounts

    base_url, config = start_gateway(container_factory, gateway_config(
        GATEWAY={"rate_limits": {"login_email": [3, 600], "login_ip": [100, 600]}}))
    accounts = Accounts(config["DB_URIS"]["gateway"])
    accounts.create("boss@example.org")
    client = browser(base_url)
    statuses = [client.login("boss@example.org", "wrong password!!").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    limited = client.login("boss@example.org")  # even the right password waits out the window
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert client.login("other@example.org").status_code == 401  # another email has its own budget
    # Nothing about the addresses is stored in clear.
    assert count(config["DB_URIS"]["gateway"],
                 "SELECT count(*) FROM rate_limit_windows WHERE key LIKE '%@%'") == 0
    accounts.close()


def test_login_is_rate_limited_per_client_address(container_factory, gateway_config, browser):
    base_url, config = start_gateway(container_factory, gateway_config(
        GATEWAY={"rate_limits": {"login_ip": [3, 600]}}))
    client = browser(base_url)
    statuses = [client.login(f"user{i}@example.org").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def approval_envelope(leader_id: int, email: str) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    return {
        "event_id": str(uuid.uuid4()), "type": "application_approved", "version": 1, "occurred_at": now,
        "source": "leaders",
        "data": {
            "leader_id": leader_id, "leader_version": 1, "name": "Dana Leader", "email": email,
            "agency": "Springfield PD", "title": "Sergeant", "state": "IL", "region": "region-5",
            "region_grouping": "federal", "status": "active", "trusted_host": False, "expertise": [],
            "away_until": None, "application_id": 9, "approved_at": now,
        },
    }


def test_approved_leader_gets_an_account_and_an_emailed_single_use_setup_link(
        container_factory, gateway_config, browser, smtp_server):
    from services.mailer.service import MailerService

    base_url, config = start_gateway(container_factory, gateway_config("mailer", **mail_settings(smtp_server)))
    container_factory(MailerService, config).start()
    envelope = approval_envelope(41, "Dana@Example.org")
    with Connection(config["AMQP_URI"]) as connection:
        producer = Producer(connection.default_channel)
        for _ in range(2):  # delivered twice: one account, one mail
            producer.publish(json.dumps(envelope), exchange="", routing_key="gateway.events",
                             content_type="application/json", content_encoding="utf-8", serializer=None,
                             message_id=envelope["event_id"], delivery_mode=2)
    [received] = smtp_server.wait_for(1, timeout=20)
    uri = config["DB_URIS"]["gateway"]
    assert count(uri, "SELECT count(*) FROM accounts WHERE leader_id = 41 AND role = 'leader'") == 1
    assert received.rcpt_tos == ("dana@example.org",)
    mail = email.message_from_bytes(received.data, policy=email.policy.default)
    text = mail.get_body(("plain",)).get_content()
    link = re.search(re.escape(base_url) + r"(/account/setup\?token=[A-Za-z0-9_-]+)", text)
    assert link, text
    setup_path = link[1]
    token = setup_path.split("token=", 1)[1]
    assert count(uri, f"SELECT count(*) FROM setup_tokens WHERE digest = '{token}'") == 0

    client = browser(base_url)
    page = client.get(setup_path)
    assert page.status_code == 200 and "Choose your password" in page.text
    short = client.post("/account/setup", data={"token": token, "password": "short"})
    assert short.status_code == 422 and "at least" in short.text
    done = client.post("/account/setup", data={"token": token, "password": PASSWORD}, allow_redirects=False)
    # Signed in at once, on the way to the leader's home.
    assert done.status_code == 303 and done.headers["Location"].endswith("/leader")
    me = client.get("/api/session").json()["account"]
    assert me["role"] == "leader" and me["leader_id"] == 41
    again = client.post("/api/account/setup", json={"token": token, "password": PASSWORD + "2"})
    assert again.status_code == 422 and again.json()["field"] == "token"

    assert client.login("dana@example.org").status_code == 201
    wait_until_mail_settles(config)
    assert len(smtp_server.messages) == 1


def test_expired_setup_link_is_refused(gateway, browser):
    from datetime import timedelta

    from services.gateway import auth
    from services.gateway.models import Account

    base_url, config, accounts = gateway
    account_id = accounts.create("new@example.org", password=None)
    with accounts.unit.transaction() as session:
        account = session.get(Account, account_id)
        token = auth.issue_setup_token(session, account, datetime.now(timezone.utc) - timedelta(hours=80),
                                       timedelta(hours=72))
    client = browser(base_url)
    response = client.post("/api/account/setup", json={"token": token, "password": PASSWORD})
    assert response.status_code == 422 and response.json()["field"] == "token"
    assert "expired" in client.get(f"/account/setup?token={token}").text


def test_errors_have_one_shape(gateway, browser):
    base_url, config, accounts = gateway
    accounts.create("boss@example.org")
    client = browser(base_url)
    cases = [
        client.get("/api/nothing-here"),
        client.request("PUT", "/api/session"),
        client.post("/api/session", data=b"{not json", headers={"Content-Type": "application/json"}),
        client.post("/api/session", json={"email": "x@example.org"}),
        client.post("/api/session", json=["a list"]),
        client.post("/api/session", data=b"x" * 300_000, headers={"Content-Type": "application/json"}),
        client.get("/api/accounts"),
    ]
    assert [c.status_code for c in cases] == [404, 405, 400, 422, 422, 413, 401]
    for response in cases:
        body = response.json()
        assert set(body) == {"error", "message", "field", "errors"}
    assert cases[3].json()["field"] == "password"
