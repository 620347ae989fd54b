"""Fixtures for the gateway: the real service in-process serving HTTP on a free port, on
the real broker and database, and an HTTP client that signs in like a browser."""
from __future__ import annotations

import socket
from datetime import datetime, timezone

import pytest
import requests
from sqlalchemy.exc import IntegrityError

from services.gateway import app
from services.gateway.service import GatewayService
from services.runtime.db import Transactions, make_engine, session_factory
from tests.support.smtp_server import SmtpTestServer

PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A requests session against the gateway that keeps the cookie and sends the CSRF token."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.csrf: str | None = None
        self.bearer: str | None = None

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.csrf and method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("X-CSRF-Token", self.csrf)
        if self.bearer:
            headers.setdefault("Authorization", f"Bearer {self.bearer}")
        return self.http.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        response = self.post("/api/session", json={"email": email, "password": password})
        if response.status_code == 201:
            self.csrf = response.json()["csrf_token"]
        return response


class Accounts:
    """Direct access to the gateway database for arranging accounts in tests."""

    def __init__(self, uri: str):
        self.engine = make_engine(uri)
        self.unit = Transactions(session_factory(self.engine))

    def create(self, email: str, role: str = "manager", leader_id: int | None = None,
               password: str | None = PASSWORD, name: str = "Test Person") -> int:
        with self.unit.transaction() as session:
            account = app.create_account(session, email=email, name=name, role=role, leader_id=leader_id,
                                         password=password, now=datetime.now(timezone.utc))
            return account.id

    def leader(self, email: str, leader_id: int, name: str, password: str = PASSWORD) -> int:
        """The leader's account with a known password: the gateway creates it when the
        approval event arrives; whichever of the two comes first, the other adopts it."""
        from services.gateway import auth
        from services.runtime.errors import Conflict

        for attempt in range(2):
            try:
                with self.unit.transaction() as session:
                    account = app.find_by_email(session, email)
                    if account is None:
                        account = app.create_account(session, email=email, name=name, role="leader",
                                                     leader_id=leader_id, now=datetime.now(timezone.utc))
                    account.password_hash = auth.hash_password(password)
                    return account.id
            except (Conflict, IntegrityError):
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        self.unit.close()
        self.engine.dispose()


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that the real mailer delivers to."""
    with SmtpTestServer() as server:
        yield server


def mail_settings(smtp_server: SmtpTestServer) -> dict:
    """Config for the real mailer: deliver to the loopback server, retry quickly."""
    return {"SMTP": {"host": smtp_server.host, "port": smtp_server.port, "timeout": 5,
                     "from": "NIOT Law Enforcement Network <network@niot.example.org>"},
            "MAILER": {"retry_delays": [1, 2, 3], "max_attempts": 100, "lease_seconds": 30}}


def start_gateway(container_factory, config):
    port = free_port()
    config = {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    container = container_factory(GatewayService, config)
    container.start()
    return f"http://127.0.0.1:{port}", config


@pytest.fixture
def gateway_config(service_config):
    def build(*services: str, **overrides):
        gateway = overrides.pop("GATEWAY", {})
        config = service_config("gateway", *services, **overrides)
        config["GATEWAY"] = {"rpc_timeout_seconds": 5, **gateway}
        return config
    return build


@pytest.fixture
def gateway(container_factory, gateway_config):
    """The gateway alone (no services behind it), with a manager account."""
    base_url, config = start_gateway(container_factory, gateway_config())
    accounts = Accounts(config["DB_URIS"]["gateway"])
    yield base_url, config, accounts
    accounts.close()


@pytest.fixture
def browser():
    made = []

    def make(base_url: str) -> Browser:
        made.append(Browser(base_url))
        return made[-1]

    yield make
    for b in made:
        b.http.close()


APPLICATION = {
    "name": "Sam Carter", "email": "sam.carter@metropd.example.org", "agency": "Metro Police Department",
    "title": "Sergeant", "state": "GA", "why": "To bring the films to our academy.",
    "experience": "Ran our department's hate crime unit for six years.",
    "reference": {"name": "Chief Ana Ruiz", "contact": "ana.ruiz@metropd.example.org"},
}

GENEROUS_LIMITS = {"rate_limits": {"login_ip": [10_000, 60], "login_email": [10_000, 60],
                                   "public_form_ip": [10_000, 60], "public_form_email": [10_000, 60]}}


def pending_application(manager: Browser, email: str) -> int:
    """The id of the application under review from `email`, as a manager finds it (the
    public answer does not say, so that it tells nobody who is a leader)."""
    listed = manager.get("/api/applications", params={"status": "pending", "limit": 200})
    assert listed.status_code == 200, listed.text
    ids = [a["id"] for a in listed.json()["applications"] if a["email"] == email]
    assert len(ids) == 1, f"{len(ids)} applications under review from {email}"
    return ids[0]


class Stack:
    """The gateway with the real leaders and screenings services behind it, a manager and
    two approved leaders (A and B), each with an account and an API token."""

    def __init__(self, base_url, config, accounts, browser):
        self.base_url, self.config, self.accounts = base_url, config, accounts
        self.browser = browser
        accounts.create("manager@niot.example.org")
        self.manager = browser(base_url)
        assert self.manager.login("manager@niot.example.org").status_code == 201
        self.leader_ids = {}
        self.clients = {"manager": self.manager}
        for key, name in (("a", "Alex Able"), ("b", "Blair Baker")):
            email = f"{name.split()[0].lower()}@pd.example.gov"
            submitted = browser(base_url).post("/api/applications", json={**APPLICATION, "name": name, "email": email})
            assert submitted.status_code == 202, submitted.text
            approved = self.manager.post(f"/api/applications/{pending_application(self.manager, email)}/approve",
                                         json={})
            assert approved.status_code == 200, approved.text
            leader_id = approved.json()["leader"]["id"]
            self.leader_ids[key] = leader_id
            accounts.leader(email, leader_id, name)
            client = browser(base_url)
            assert client.login(email).status_code == 201
            self.clients[key] = client

    def token_client(self, role: str):
        """A client of `role` ('anonymous', 'a', 'b', 'manager') that uses an API token."""
        client = self.browser(self.base_url)
        if role != "anonymous":
            secret = self.clients[role].post("/api/tokens", json={"label": "matrix"}).json()["token"]
            client.bearer = secret
        return client


def _stack(container_factory, gateway_config, browser, *, smtp_server: SmtpTestServer | None):
    from services.leaders.service import LeadersService
    from services.mailer.service import MailerService
    from services.screenings.service import ScreeningsService

    with_mailer = smtp_server is not None
    classes = [LeadersService, ScreeningsService] + ([MailerService] if with_mailer else [])
    names = ["leaders", "screenings"] + (["mailer"] if with_mailer else [])
    config = gateway_config(*names, GATEWAY=GENEROUS_LIMITS, **(mail_settings(smtp_server) if with_mailer else {}))
    base_url, config = start_gateway(container_factory, config)
    for cls in classes:
        container_factory(cls, config).start()
    accounts = Accounts(config["DB_URIS"]["gateway"])
    return Stack(base_url, config, accounts, browser), accounts


@pytest.fixture
def stack(container_factory, gateway_config, browser):
    """Leaders and screenings behind the gateway (no mailer)."""
    built, accounts = _stack(container_factory, gateway_config, browser, smtp_server=None)
    yield built
    accounts.close()


@pytest.fixture
def full_stack(container_factory, gateway_config, browser, smtp_server):
    """Every service behind the gateway, the real mailer included (delivering to loopback SMTP)."""
    built, accounts = _stack(container_factory, gateway_config, browser, smtp_server=smtp_server)
    built.smtp_server = smtp_server
    yield built
    accounts.close()


def wait_until_mail_settles(config: dict) -> None:
    """Every event the gateway and the mailer were sent is handled, every set-up mail the
    gateway had to ask for is asked for, and every message the mailer stored is sent: mail
    that was going to go out has gone."""
    from tests.integration.kit.helpers import count, queue_settled, wait_for

    wait_for(lambda: queue_settled(config["AMQP_URI"], "gateway.events"), timeout=30)
    wait_for(lambda: count(config["DB_URIS"]["gateway"],
                           "SELECT count(*) FROM scheduled_jobs WHERE done_at IS NULL") == 0, timeout=30)
    wait_for(lambda: queue_settled(config["AMQP_URI"], "mailer.events"), timeout=30)
    wait_for(lambda: count(config["DB_URIS"]["mailer"],
                           "SELECT count(*) FROM messages WHERE state IN ('queued', 'sending')") == 0, timeout=30)
