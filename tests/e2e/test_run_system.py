"""The README's run command, the way a newcomer uses it: `niot run` starts every
service, the gateway and the mail sink; a person applies through the HTTP API and the
acknowledgement lands in the mail folder as a file any mail client can open."""
from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRICT = email.policy.default.clone(raise_on_defect=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def system(broker, make_db_uri, tmp_path):
    gateway_port, smtp_port, inbound_port = free_port(), free_port(), free_port()
    var = tmp_path / "var"
    env = {
        **os.environ,
        "AMQP_URI": broker,
        **{f"{s.upper()}_DB_URI": make_db_uri(s) for s in ("leaders", "screenings", "mailer", "gateway")},
        "GATEWAY_ADDRESS": f"127.0.0.1:{gateway_port}",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "MAIL_INBOUND_PORT": str(inbound_port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}",
        "NIOT_VAR_DIR": str(var),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.ops.cli", "run", "--no-demo-data"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    banner = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        banner.append(line)
        if "is running" in line:
            break
    assert any("is running" in line for line in banner), "".join(banner)
    process.inbound_port = inbound_port
    yield f"http://127.0.0.1:{gateway_port}", var, process
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


def http(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_run_serves_the_api_and_delivers_mail_to_the_sink(system):
    base, var, _ = system
    deadline = time.monotonic() + 60
    while True:
        try:
            status, document = http("GET", f"{base}/openapi.json")
            break
        except OSError:
            assert time.monotonic() < deadline, "the gateway never answered"
            time.sleep(0.5)
    assert status == 200 and document["openapi"].startswith("3.1")

    status, created = http("POST", f"{base}/api/applications", {
        "name": "Dana Whitfield", "email": "dana.whitfield@agency.example.org", "agency": "Springfield PD",
        "title": "Sergeant", "state": "OR", "why": "To help colleagues respond well to bias incidents.",
        "experience": "Eight years of community policing.",
        "reference": {"name": "Chief Ana Ruiz", "contact": "+15035550100"},
    })
    assert status == 202 and created["status"] == "received", created
    status, problem = http("POST", f"{base}/api/applications", {"name": "No Email"})
    assert status == 422 and problem["errors"]

    mail = var / "mail"
    deadline = time.monotonic() + 60
    while not list(mail.glob("*.eml")):
        assert time.monotonic() < deadline, "no mail reached the sink"
        time.sleep(0.5)
    [message_file] = list(mail.glob("*.eml"))
    message = email.message_from_bytes(message_file.read_bytes(), policy=STRICT)
    assert message["To"].addresses[0].addr_spec == "dana.whitfield@agency.example.org"
    assert "application" in message["Subject"].lower()
    assert message["Auto-Submitted"] == "auto-generated"
    assert not message.defects
    assert "Dana Whitfield" in message.get_body(preferencelist=("plain",)).get_content()


def test_run_starts_the_inbound_listener_for_calendar_replies(system):
    _, _, process = system
    with smtplib.SMTP("127.0.0.1", process.inbound_port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.mail("someone@example.org")[0] == 250
        code, message = smtp.rcpt("network@niot.example.org")  # only reply addresses are taken
        assert code == 550 and b"calendar replies only" in message
        assert smtp.rcpt("replies+" + "a" * 42 + "@niot.example.org")[0] == 250
