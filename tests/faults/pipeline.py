"""The whole system under test as processes (bench/pipeline/system.py starts them the way
the benchmark does, with the kit's and the mailer's waits shortened), an SMTP server
process that can go away and come back on its port, and a burst with a fault in it."""
from __future__ import annotations

import json
import re
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from kombu import Connection, Producer, Queue

from bench.pipeline import system
from bench.support import free_port
from services.contracts import registry
from services.runtime import topology

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 16
SERVICE_NAMES = ("leaders", "screenings", "mailer", "gateway")


def consumers() -> list[str]:
    """The services of this system with an event queue: the registry's consumers, without
    the probes other test modules register in the same process (tests/support/kit_probe)."""
    return [service for service in topology.consuming_services() if service in SERVICE_NAMES]


def wait_for(condition, timeout: float, what: str, interval: float = 0.2) -> float:
    """Seconds until `condition()` held; fails the test when it does not within `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


@dataclass
class Outcome:
    """What one burst under one fault came to, per RSVP, at the SMTP server."""
    fault: str
    sent: int
    received: int
    duplicates: int
    lost: int
    resent: int
    repeats: int
    retried: int
    dead_letters: int
    drain_s: float
    unanswered: list[str]
    server_errors: int  # answers 500 and up other than 503: the server said it was broken

    def row(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "unanswered"}


class Pipeline:
    def __init__(self, rabbit, postgres, scratch: Path):
        self.rabbit, self.postgres, self.scratch = rabbit, postgres, scratch
        self.processes: dict[str, subprocess.Popen] = {}
        self.smtp: subprocess.Popen | None = None
        self.smtp_port = free_port()
        self.mail_log = scratch / "accepted.log"
        self.uris: dict[str, str] = {}
        self.poisoned = 0
        self.bursts = 0

    # -- starting and stopping ---------------------------------------------------------

    def start(self) -> None:
        if self.postgres is None:
            self.uris = {name: f"sqlite:///{self.scratch / name}.db" for name in SERVICE_NAMES}
        else:
            admin = sa.create_engine(self.postgres.admin_uri, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in SERVICE_NAMES:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.uris = {name: self.postgres.admin_uri.rsplit("/", 1)[0] + f"/{name}" for name in SERVICE_NAMES}
        topology.declare(self.rabbit.uri, retry_delays=[1, 2])
        self.screening_ids = system.seed(self.uris, 10, capacity=10_000)
        self.start_smtp()
        settings = system.service_settings(self.smtp_port, fast=True, rpc_timeout=10)
        self.port = system.start_replica(self.scratch, self.rabbit.uri, self.uris, settings, 1, self.processes)
        self.probe("start", timeout=120)

    def start_smtp(self) -> None:
        self.smtp = subprocess.Popen(
            [sys.executable, "-m", "tests.support.smtp_server", "--port", str(self.smtp_port), "--log",
             str(self.mail_log)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self.smtp.stdout.readline().startswith("port "), "the SMTP server did not start"

    def stop_smtp(self) -> None:
        self.smtp.terminate()
        self.smtp.wait(10)

    def kill(self, service: str) -> None:
        process = self.processes[f"{service}-1"]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    def restart(self, service: str) -> None:
        system.restart(f"{service}-1", self.scratch, self.processes)

    def close(self) -> None:
        for process in [*self.processes.values(), self.smtp]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [*self.processes.values(), self.smtp]:
            if process is not None:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()

    def log_tail(self) -> str:
        return "\n".join(f"--- {name}\n" + (self.scratch / "r1" / f"{name}.log").read_text()[-1500:]
                         for name in self.processes)

    # -- what the system holds --------------------------------------------------------

    def outbox_left(self) -> int:
        left = sum(system.count(uri, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
                   for uri in self.uris.values())
        return left + system.count(self.uris["mailer"],
                                   "SELECT count(*) FROM messages WHERE state IN ('queued', 'sending')")

    def dead_letters(self) -> dict[str, int]:
        with Connection(self.rabbit.uri) as connection:
            channel = connection.default_channel
            return {service: Queue(topology.dead_letter_queue_name(service))(channel)
                    .queue_declare(passive=True).message_count for service in consumers()}

    def dead(self) -> list[str]:
        """The service processes that exited (none should, but for the ones a fault kills)."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def check_alive(self) -> None:
        if self.dead():
            raise AssertionError(f"{', '.join(self.dead())} exited\n{self.log_tail()}")

    # -- bursts -----------------------------------------------------------------------

    def probe(self, tag: str, count: int = 3, timeout: float = 60) -> None:
        """A few RSVPs that must each get their mail: the system serves end to end."""
        work = system.rsvps(self.screening_ids, count, "probe-" + re.sub(r"[^a-z0-9]+", "-", tag.lower()))
        system.send([self.port], work, count, give_up_after=timeout)
        emails = {r.email for r in work}
        try:
            wait_for(lambda: emails <= system.accepted_mail(self.mail_log).keys(), timeout, f"{tag}: probe mail")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.log_tail()}") from None

    def burst(self, fault: str, inject, count: int, spread: float, drain_timeout: float = 240) -> Outcome:
        """`count` RSVPs from CLIENTS retrying clients; `inject()` runs once a quarter of
        them were answered; the RSVPs are sent steadily over `spread` seconds, so that
        requests are in flight throughout the fault. Then waits until every answered RSVP has its mail and nothing
        is left in an outbox (the drain, timed from the end of the fault)."""
        self.bursts += 1
        work = system.rsvps(self.screening_ids, count, f"{self.bursts}-{uuid.uuid4().hex[:6]}")
        sender = threading.Thread(target=system.send, args=([self.port], work, CLIENTS, 150 + spread, spread),
                                  daemon=True)
        sender.start()
        wait_for(lambda: sum(r.status is not None for r in work) >= count // 4, 120, "the burst to get going")
        inject()
        lifted = time.monotonic()
        while sender.is_alive():
            self.check_alive()
            sender.join(1)
        sent = {r.email for r in work if r.status == 201}

        def drained() -> bool:
            self.check_alive()
            mails = system.accepted_mail(self.mail_log)
            confirmed = {e for e in sent if any(m[2].startswith(system.CONFIRMED_SUBJECT) for m in mails.get(e, []))}
            return confirmed == sent and self.outbox_left() == 0

        try:
            wait_for(drained, drain_timeout, f"{fault}: every mail sent and every outbox empty", interval=0.5)
        except AssertionError:
            pass  # counted below as lost
        drain_s = time.monotonic() - lifted
        time.sleep(3)  # a copy sent twice would arrive now
        mails = system.accepted_mail(self.mail_log)
        confirmations = {e: [m for m in mails.get(e, []) if m[2].startswith(system.CONFIRMED_SUBJECT)] for e in sent}
        return Outcome(
            fault=fault, sent=len(sent), received=sum(1 for c in confirmations.values() if c),
            duplicates=sum(1 for c in confirmations.values() if len({m[1] for m in c}) > 1),
            lost=sum(1 for c in confirmations.values() if not c),
            resent=sum(len(c) - len({m[1] for m in c}) for c in confirmations.values()),
            repeats=sum(1 for e in sent for m in mails.get(e, []) if m[2].startswith(system.REPEATED_SUBJECT)),
            retried=sum(r.attempts > 1 for r in work), dead_letters=sum(self.dead_letters().values()),
            drain_s=drain_s, unanswered=[f"{r.email}: {r.failures[-3:]}" for r in work if r.status != 201],
            server_errors=sum(1 for r in work for f in r.failures if f[:3].isdigit() and int(f[:3]) >= 500
                              and f[:3] != "503"))

    # -- poison -----------------------------------------------------------------------

    def poison(self) -> None:
        """On each service's queue: an empty body, a body that is not JSON, a JSON event
        with the wrong content type, and a valid event of a type that service does not
        consume."""
        with Connection(self.rabbit.uri, transport_options={"confirm_publish": True}) as connection:
            producer = Producer(connection.default_channel)
            for service in consumers():
                queue = topology.consumer_queue_name(service)
                wrong = wrong_event(service)
                for body, content_type in ((b"", "application/json"), (b"{not json", "application/json"),
                                           (wrong, "text/plain"), (wrong, "application/json")):
                    producer.publish(body, exchange="", routing_key=queue, serializer=None,
                                     content_type=content_type, content_encoding="utf-8", delivery_mode=2)
                    self.poisoned += 1


def wrong_event(service: str) -> bytes:
    """A well-formed mail_sent event (the mailer's, which no service consumes), or for the
    mailer a leader_deactivated event it does not consume either."""
    if service == "mailer":
        spec = registry.spec("leader_deactivated")
        data = {"leader_id": 1, "leader_version": 2, "name": "Ana Ruiz", "email": "ana@agency.example.org",
                "agency": "Springfield PD", "title": "Sergeant", "state": "OR", "region": "region-10",
                "region_grouping": "federal", "status": "inactive", "trusted_host": False, "expertise": [],
                "away_until": None}
    else:
        spec = registry.spec("mail_sent")
        data = {"delivery_id": 1, "message_id": "<1@niot.example.org>", "template": "rsvp_confirmed",
                "recipient": "guest@mail.example.org", "source_event_id": str(uuid.uuid4()),
                "source_event_type": "rsvp_confirmed", "attempts": 1, "sent_at": "2026-11-30T05:00:00+00:00"}
    assert service not in spec.consumers
    spec.model.model_validate(data)  # valid for its type: only the queue is wrong
    return json.dumps({"event_id": str(uuid.uuid4()), "type": spec.type, "version": spec.version,
                       "occurred_at": "2026-11-30T05:00:00+00:00", "source": spec.producer, "data": data}).encode()
