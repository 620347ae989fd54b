"""The mailer as a production relay client, over the real broker and a real SMTP server:
a throttling relay, a shared rate limit, a database that drops its connections after the
relay's 250, and stops and crashes of a mailer running as its own process."""
from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import time
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URI
from tests.support.smtp_server import SmtpTestServer

from ..kit.helpers import ServiceProcess, count, wait_for
from .conftest import publish
from .test_service import consumers, rsvp

STRICT = email.policy.default.clone(raise_on_defect=True)
TARGET = "services.mailer.service:MailerService"


def relay_config(service_config, server: SmtpTestServer, db_uri: str | None = None, **mailer) -> dict:
    config = service_config(
        "mailer",
        SMTP={"host": server.host, "port": server.port, "timeout": 5,
              "from": "NIOT Law Enforcement Network <network@niot.example.org>"},
        MAILER={"retry_delays": [1, 2, 3], "max_attempts": 3, "lease_seconds": 20, "connections": 4,
                "throttle_backoff_first_seconds": 0.05, "throttle_backoff_max_seconds": 1, **mailer},
        PUBLIC_BASE_URL="http://127.0.0.1:8000",
        PROGRAM_MANAGER_EMAILS="programs@niot.example.org",
    )
    if db_uri:
        config["DB_URIS"]["mailer"] = db_uri
    return config


def message_ids(server: SmtpTestServer) -> Counter:
    return Counter(email.message_from_bytes(m.data, policy=STRICT)["Message-ID"] for m in server.messages)


def burst(config: dict, total: int) -> None:
    for n in range(total):
        publish(config["AMQP_URI"], "rsvp_confirmed", rsvp(n))


def states(config: dict) -> dict:
    engine = sa.create_engine(config["DB_URIS"]["mailer"])
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.text(
                "SELECT state || ' ' || coalesce(lease_owner, '-') || ' ' || coalesce(last_error, '-'), count(*) "
                "FROM messages GROUP BY 1")).all())
    finally:
        engine.dispose()


def sent(config: dict) -> int:
    return count(config["DB_URIS"]["mailer"], "SELECT count(*) FROM messages WHERE state = 'sent'")


def until(condition, timeout: float, describe) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)
    assert condition(), describe()


def start_mailer(processes, config, tmp_path, instances: int = 1) -> ServiceProcess:
    before = consumers(config["AMQP_URI"]) if processes else 0
    process = ServiceProcess(TARGET, config, tmp_path)
    processes.append(process)
    wait_for(lambda: consumers(config["AMQP_URI"]) >= before + 1, timeout=60)
    return process


def test_a_relay_answering_421_to_every_third_message_gets_everything_and_nothing_is_given_up(
        service_config, smtp_server, container_factory):
    from services.mailer.service import MailerService

    smtp_server.throttle_every(3)
    config = relay_config(service_config, smtp_server)
    container_factory(MailerService, config).start()
    total = 40
    burst(config, total)
    smtp_server.wait_for(total, timeout=30)
    wait_for(lambda: sent(config) == total, timeout=15)
    db = config["DB_URIS"]["mailer"]
    assert len(smtp_server.rejected) >= total // 3  # the relay did throttle
    assert smtp_server.counts() == (total, total)
    # Three attempts allowed, a third of the replies 421: only an attempt not counted for
    # throttling lets every message through.
    assert count(db, "SELECT count(*) FROM messages WHERE state = 'failed'") == 0
    assert count(db, "SELECT max(attempts) FROM messages") <= 3
    # 421 closes the session: the mailer opened new connections rather than reuse dead ones.
    assert smtp_server.connections > 4


def test_the_rate_limit_holds_across_two_instances(service_config, smtp_server, container_factory, tmp_path,
                                                    processes):
    from services.mailer.service import MailerService

    config = relay_config(service_config, smtp_server, rate_per_second=20)
    container_factory(MailerService, config).start()
    start_mailer(processes, config, tmp_path)
    wait_for(lambda: consumers(config["AMQP_URI"]) == 2, timeout=30)
    total = 60
    burst(config, total)
    smtp_server.wait_for(total, timeout=30)
    times = smtp_server.accepted_at
    assert len(times) == total
    # Slots 50 ms apart: 40 in any 2 s, 44 with the slack of the relay's own timing.
    busiest = max(sum(1 for t in times if start <= t < start + 2.0) for start in times)
    assert busiest <= 44, busiest
    # 60 messages cannot take less than 59 slots of 50 ms, whoever sent them.
    assert times[-1] - times[0] >= 59 * 0.05 * 0.9
    assert smtp_server.counts() == (total, total)


def _database_blips(database: str):
    """After every fourth accepted message: the mailer's connections terminated and none
    let in for 0.6 s, so the record that follows the relay's 250 fails and waits."""
    admin = sa.create_engine(PG_ADMIN_URI, isolation_level="AUTOCOMMIT")
    seen = []

    def allow(allowed: bool) -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
            if not allowed:
                conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database})

    def reopen() -> None:
        try:
            allow(True)
        except Exception as error:  # noqa: BLE001 - reported by the test
            problems.append(error)

    def blip(_received) -> None:
        seen.append(1)
        if len(seen) % 4 == 0:
            allow(False)
            asyncio.get_running_loop().call_later(0.6, reopen)

    problems: list[Exception] = []
    blip.problems = problems
    return admin, blip


def test_database_connections_killed_after_the_relays_250_send_nothing_twice(
        service_config, smtp_server, container_factory):
    """Always on PostgreSQL: terminating a database server's connections is the fault."""
    from services.mailer.service import MailerService

    admin = sa.create_engine(PG_ADMIN_URI, isolation_level="AUTOCOMMIT")
    database = f"niot_test_mailer_kill_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URI}: {error}")
    uri = PG_ADMIN_URI.rsplit("/", 1)[0] + f"/{database}"
    killer, blip = _database_blips(database)
    try:
        config = relay_config(service_config, smtp_server, db_uri=uri)
        container_factory(MailerService, config).start()
        # The mail is stored while the relay is away, so the blips hit only its delivery.
        smtp_server.stop()
        total = 24
        burst(config, total)
        wait_for(lambda: count(uri, "SELECT count(*) FROM messages") == total, timeout=15)
        smtp_server.after_accept = blip
        smtp_server.start()
        smtp_server.wait_for(total, timeout=30)

        def all_sent() -> bool:
            try:
                return sent(config) == total
            except sa.exc.OperationalError:  # this check ran into a blip itself
                return False

        wait_for(all_sent, timeout=20)
        assert blip.problems == []
        # Every accepted message was recorded as sent, and none went out twice although
        # the connection that was to record it died after the relay took it.
        time.sleep(1)
        assert smtp_server.counts() == (total, total)
        assert message_ids(smtp_server).most_common(1)[0][1] == 1
    finally:
        smtp_server.after_accept = None
        killer.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def test_sigterm_mid_burst_finishes_what_is_in_flight_and_the_restart_sends_the_rest_once(
        service_config, smtp_server, tmp_path, processes):
    smtp_server.set_latency(0.05)
    config = relay_config(service_config, smtp_server)
    first = start_mailer(processes, config, tmp_path)
    total = 120
    burst(config, total)
    smtp_server.wait_for(20, timeout=30)
    stopping = time.monotonic()
    first.process.send_signal(signal.SIGTERM)
    first.wait(15)
    assert time.monotonic() - stopping < 10, first.output()[-3000:]
    db = config["DB_URIS"]["mailer"]
    # What was in flight was recorded, what was claimed and untried was given back.
    assert count(db, "SELECT count(*) FROM messages WHERE state = 'sending'") == 0, first.output()[-3000:]
    accepted_before = smtp_server.counts()[0]
    assert accepted_before < total, "the stop must hit the burst"
    assert sent(config) == accepted_before
    # Events that reached it while it stopped went back to the queue, none to dead letters.
    assert "dead-lettering" not in first.output(), first.output()[-3000:]

    restarted = time.monotonic()
    second = start_mailer(processes, config, tmp_path)
    smtp_server.wait_for(total, timeout=15)
    until(lambda: sent(config) == total, timeout=max(0.5, 15 - (time.monotonic() - restarted)),
          describe=lambda: f"{states(config)} of {total} {time.monotonic() - restarted:.1f} s after the "
                           f"restart\n{second.output()[-3000:]}")
    assert smtp_server.counts() == (total, total), second.output()[-3000:]


def test_sigkill_mid_burst_resends_at_most_one_message_per_connection_with_its_message_id(
        service_config, smtp_server, tmp_path, processes):
    smtp_server.set_latency(0.05)
    config = relay_config(service_config, smtp_server)
    doomed = start_mailer(processes, config, tmp_path)
    total = 120
    burst(config, total)
    smtp_server.wait_for(20, timeout=30)
    os.kill(doomed.process.pid, signal.SIGKILL)
    killed = time.monotonic()
    doomed.wait(5)
    db = config["DB_URIS"]["mailer"]
    assert count(db, "SELECT count(*) FROM messages WHERE state = 'sending'") > 0  # it died holding claims

    start_mailer(processes, config, tmp_path)
    remaining = lambda: 45 - (time.monotonic() - killed)  # noqa: E731
    wait_for(lambda: sent(config) == total, timeout=max(0.5, remaining()))
    accepted, distinct = smtp_server.counts()
    # Every stored message reached the relay with its own Message-ID (a resend carries the
    # same one), and only those in flight on the 4 connections can have gone twice.
    assert distinct == total
    assert accepted - distinct <= 4
    assert max(message_ids(smtp_server).values()) <= 2


def test_a_slow_live_instance_keeps_its_claims(service_config, smtp_server, container_factory, tmp_path,
                                               processes):
    """Each message takes three leases to send: only renewals keep the other instance,
    looking for expired claims all along, from sending it again."""
    from services.mailer.service import MailerService

    smtp_server.set_latency(6)
    config = relay_config(service_config, smtp_server, lease_seconds=2)
    config["SMTP"]["timeout"] = 20
    container_factory(MailerService, config).start()
    start_mailer(processes, config, tmp_path)
    wait_for(lambda: consumers(config["AMQP_URI"]) == 2, timeout=30)
    total = 6
    burst(config, total)
    smtp_server.wait_for(total, timeout=20)
    wait_for(lambda: sent(config) == total, timeout=10)
    time.sleep(1)
    assert smtp_server.counts() == (total, total)
    assert count(config["DB_URIS"]["mailer"], "SELECT max(attempts) FROM messages") == 1
