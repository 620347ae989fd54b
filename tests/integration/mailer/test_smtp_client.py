"""The SMTP client and the sinks against real SMTP servers on loopback."""
from __future__ import annotations

import email
import email.policy
import os
import smtplib
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.mailer.compose import Draft, MailSettings, compose
from services.mailer.delivery import (
    DeliveryPolicy,
    MailState,
    Permanent,
    Sent,
    SmtpStage,
    Transient,
    after_attempt,
    claim,
    dedupe_key,
    is_due,
    is_hard_bounce,
)
from services.mailer.sink import EmlDirectory
from services.mailer.smtp import SmtpClient, SmtpSettings
from tests.support.smtp_server import SmtpTestServer, free_port

STRICT = email.policy.default.clone(raise_on_defect=True)
ROOT = Path(__file__).resolve().parents[3]
SENDER = MailSettings(from_address="network@niot.example.org", from_name="NIOT Network")
EVENT_ID = "5f0c6b2e-8d2a-4c3e-9f4f-1b2a3c4d5e6f"


def message(to: str = "officer@example.org", template: str = "rsvp_confirmed", sequence=None):
    key = dedupe_key(EVENT_ID, to, template, sequence)
    return compose(
        Draft(to_address=to, to_name="Officer Nuñez", subject="Your RSVP is confirmed",
              text="See you on Thursday at 7 pm (America/Chicago).\n", dedupe_key=key),
        SENDER,
    )


def parse(data: bytes):
    parsed = email.message_from_bytes(data, policy=STRICT)
    for part in parsed.walk():
        assert part.defects == []
    return parsed


@pytest.fixture
def server():
    with SmtpTestServer() as running:
        yield running


@pytest.fixture
def client(server):
    settings = SmtpSettings(host=server.host, port=server.port,
                            envelope_from="bounces@niot.example.org", timeout=5)
    with SmtpClient(settings) as smtp:
        yield smtp


def test_successful_send_delivers_the_message_unchanged(server, client):
    msg = message()

    assert client.send("officer@example.org", msg) == Sent()

    [received] = server.wait_for(1)
    assert received.mail_from == "bounces@niot.example.org"
    assert received.rcpt_tos == ("officer@example.org",)
    parsed = parse(received.data)
    assert parsed["Message-ID"] == msg["Message-ID"]
    assert parsed["To"].addresses[0].display_name == "Officer Nuñez"


def test_one_connection_carries_many_messages(server, client):
    for n in range(5):
        assert client.send(f"officer{n}@example.org", message(f"officer{n}@example.org")) == Sent()
    assert server.counts() == (5, 5)
    assert server.connections == 1


def test_4xx_reply_is_transient(server, client):
    server.reply_with("451 4.3.0 Mailbox temporarily unavailable")

    outcome = client.send("officer@example.org", message())

    assert outcome == Transient("4.3.0 Mailbox temporarily unavailable", 451, SmtpStage.DATA)
    assert server.counts() == (0, 0)


def test_5xx_reply_is_permanent(server, client):
    server.reply_with("554 5.7.1 Message rejected")

    outcome = client.send("officer@example.org", message())

    assert outcome == Permanent("5.7.1 Message rejected", 554, SmtpStage.DATA)
    assert not is_hard_bounce(outcome)


def test_refused_recipient_is_permanent_and_the_others_still_go_through(server, client):
    server.refuse("gone@example.org", "550 5.1.1 <gone@example.org>: user unknown")

    before = client.send("first@example.org", message("first@example.org"))
    refused = client.send("gone@example.org", message("gone@example.org"))
    after = client.send("last@example.org", message("last@example.org"))

    assert before == after == Sent()
    assert isinstance(refused, Permanent)
    assert (refused.code, refused.stage) == (550, SmtpStage.RCPT)
    assert "user unknown" in refused.message
    assert is_hard_bounce(refused)
    assert [m.rcpt_tos for m in server.messages] == [("first@example.org",),
                                                     ("last@example.org",)]


def test_connection_dropped_after_data_is_transient_and_a_resend_keeps_the_message_id(
    server, client
):
    msg = message()
    server.drop_after_data()

    outcome = client.send("officer@example.org", msg)

    assert isinstance(outcome, Transient)
    assert outcome.code is None
    [dropped] = server.dropped
    assert server.counts() == (0, 0)

    server.drop_after_data(False)
    assert client.send("officer@example.org", msg) == Sent()
    [delivered] = server.wait_for(1)
    assert parse(delivered.data)["Message-ID"] == parse(dropped.data)["Message-ID"]


def test_server_down_is_transient():
    settings = SmtpSettings(port=free_port(), envelope_from="bounces@niot.example.org", timeout=2)
    with SmtpClient(settings) as client:
        outcome = client.send("officer@example.org", message())

    assert isinstance(outcome, Transient)
    assert outcome.stage is SmtpStage.CONNECT
    assert "ConnectionRefused" in outcome.message


def test_client_reconnects_when_the_server_comes_back(server, client):
    assert client.send("officer@example.org", message()) == Sent()

    server.stop()
    during = [client.send("officer@example.org", message(template=f"t{n}")) for n in range(2)]
    assert all(isinstance(outcome, Transient) for outcome in during)
    assert not client.connected

    server.start()
    assert client.send("officer@example.org", message(template="after")) == Sent()
    assert server.counts()[0] == 2
    assert server.connections == 2


def test_idle_connection_closed_by_the_server_is_replaced_before_sending(server):
    settings = SmtpSettings(host=server.host, port=server.port, timeout=5,
                            envelope_from="bounces@niot.example.org", probe_after_idle=0)
    with SmtpClient(settings) as client:
        assert client.send("officer@example.org", message()) == Sent()
        server.stop()
        server.start()
        assert client.send("officer@example.org", message(template="later")) == Sent()
    assert server.counts() == (2, 2)


def test_login_when_credentials_are_configured():
    with SmtpTestServer(credentials=("mailer", "s3cret")) as server:
        good = SmtpSettings(host=server.host, port=server.port, username="mailer",
                            password="s3cret", envelope_from="bounces@niot.example.org")
        bad = SmtpSettings(host=server.host, port=server.port, username="mailer",
                           password="wrong", envelope_from="bounces@niot.example.org")
        with SmtpClient(good) as client:
            assert client.send("officer@example.org", message()) == Sent()
        with SmtpClient(bad) as client:
            outcome = client.send("officer@example.org", message())

    # A rejected login is the mailer's configuration, not the message: retry, no bounce.
    assert isinstance(outcome, Transient)
    assert (outcome.code, outcome.stage) == (535, SmtpStage.AUTH)


def test_outage_during_a_burst_delivers_every_message_once(server, client):
    """The outbox rules and the client together: an outage in the middle of a burst
    delays messages without losing or duplicating any."""
    policy = DeliveryPolicy()
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    outbox = {
        n: {"msg": message(f"member{n}@example.org"), "state": MailState.QUEUED,
            "attempts": 0, "next": None, "lease": None}
        for n in range(30)
    }

    def run_due(now: datetime) -> None:
        for n, row in outbox.items():
            if not is_due(row["state"], now, next_attempt_at=row["next"],
                          lease_expires_at=row["lease"]):
                continue
            taken = claim(row["state"], row["attempts"], now, policy)
            row.update(state=taken.state, attempts=taken.attempts, lease=taken.lease_expires_at)
            outcome = client.send(f"member{n}@example.org", row["msg"])
            result = after_attempt(outcome, attempts=row["attempts"], created_at=start,
                                   now=now, policy=policy)
            row.update(state=result.state, next=result.next_attempt_at)
            if n == 9:
                server.stop()

    run_due(start)
    assert server.counts() == (10, 10)
    assert all(row["state"] is MailState.QUEUED for n, row in outbox.items() if n >= 10)

    run_due(start + timedelta(seconds=10))
    assert server.counts() == (10, 10)

    server.start()
    run_due(start + timedelta(seconds=30))

    assert all(row["state"] is MailState.SENT for row in outbox.values())
    assert server.counts() == (30, 30)


def test_sink_handler_writes_parseable_eml_files_in_arrival_order(tmp_path):
    with SmtpTestServer(directory=tmp_path / "mail") as server:
        settings = SmtpSettings(host=server.host, port=server.port,
                                envelope_from="bounces@niot.example.org")
        with SmtpClient(settings) as client:
            for n in range(3):
                assert client.send(f"m{n}@example.org", message(f"m{n}@example.org")) == Sent()

    files = sorted((tmp_path / "mail").iterdir())
    assert [f.suffix for f in files] == [".eml"] * 3
    recipients = []
    for path in files:
        parsed = parse(path.read_bytes())
        assert parsed["Return-Path"] == "<bounces@niot.example.org>"
        recipients.append(parsed["To"].addresses[0].addr_spec)
    assert recipients == ["m0@example.org", "m1@example.org", "m2@example.org"]


def test_eml_directory_leaves_no_temporary_files(tmp_path):
    from services.mailer.sink import ReceivedMessage

    store = EmlDirectory(tmp_path)
    path = store.write(ReceivedMessage("a@example.org", ("b@example.org",),
                                       message().as_bytes()))
    assert list(tmp_path.iterdir()) == [path]


def _start(module: str, *args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    first_line = proc.stdout.readline()
    if not first_line:
        proc.kill()
        pytest.fail(f"{module} did not start: {proc.stderr.read()}")
    return proc, first_line


def test_sink_runs_as_a_program(tmp_path):
    port = free_port()
    proc, first_line = _start("services.mailer.sink", "--host", "127.0.0.1",
                              "--port", str(port), "--dir", str(tmp_path / "mail"))
    try:
        assert f"127.0.0.1:{port}" in first_line
        assert str(tmp_path / "mail") in proc.stdout.readline()
        settings = SmtpSettings(port=port, envelope_from="bounces@niot.example.org")
        with SmtpClient(settings) as client:
            assert client.send("officer@example.org", message()) == Sent()
    finally:
        proc.terminate()
        assert proc.wait(10) == 0

    [path] = (tmp_path / "mail").glob("*.eml")
    assert parse(path.read_bytes())["Subject"] == "Your RSVP is confirmed"


def test_test_server_runs_as_a_program_and_counts_messages():
    proc, first_line = _start("tests.support.smtp_server")
    try:
        port = int(first_line.split()[1])
        settings = SmtpSettings(port=port, envelope_from="bounces@niot.example.org")
        with SmtpClient(settings) as client:
            msg = message()
            assert client.send("officer@example.org", msg) == Sent()
            assert client.send("officer@example.org", msg) == Sent()
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as probe:
            code, reply = probe.docmd("XCOUNT")
        assert (code, reply) == (250, b"accepted=2 distinct=1")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "accepted 2 distinct 1" in out
