"""The whole RSVP pipeline as processes, shared by bench/pipeline and the fault suite
(tests/faults): databases seeded with public screenings open for RSVPs, every service as
`nameko run` processes (replicas too), and a burst of RSVPs from HTTP clients that retry
every failed request with the same Idempotency-Key, as a careful client would."""
from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from services.leaders.regions import DEFAULT_GROUPING
from services.runtime import clock
from services.runtime.db import make_engine
from services.runtime.migrate import upgrade
from services.screenings import models as sm

from ..api.seed import seed_leaders, zone_of
from ..support import start_services

SERVICES = {
    "leaders": "services.leaders.service:LeadersService",
    "screenings": "services.screenings.service:ScreeningsService",
    "mailer": "services.mailer.service:MailerService",
    "gateway": "services.gateway.service:GatewayService",
}
CONFIRMED_SUBJECT = "Your place is reserved"
REPEATED_SUBJECT = "You already have a place"
# High enough that no budget ever throttles a burst (the limits are counted all the same).
NO_RATE_LIMITS = {name: [[10_000_000, 60]] for name in
                  ("public_form_ip", "public_form_email", "login_ip", "login_email")}


def seed(uris: dict[str, str], screenings: int, capacity: int, now: datetime | None = None) -> list[str]:
    """Every service's database migrated; a few leaders (and the screenings service's
    projection of them) and `screenings` public, scheduled screenings a month ahead, each
    with room for `capacity`. Returns the screenings' ids."""
    now = now or clock.now()
    for service, uri in uris.items():
        upgrade(service, uri)
    hosts = [h for h in seed_leaders(uris["leaders"], uris["screenings"], 6, now, random.Random(16))
             if h.status == "active"]
    rows, audiences, ids = [], [], []
    for i in range(screenings):
        host = hosts[i % len(hosts)]
        zone = ZoneInfo(zone_of(host.state))
        start_at = (now + timedelta(days=30 + i)).replace(minute=0, second=0, microsecond=0)
        end_at = start_at + timedelta(hours=2)
        screening_id = str(uuid.uuid4())
        ids.append(screening_id)
        rows.append({
            "id": screening_id, "uid": f"{screening_id}@pipeline.niot-len.org", "host_id": host.id,
            "status": "scheduled", "kind": "film_screening", "format": "community_screening",
            "title": f"Pipeline screening #{i}", "description": "Screening followed by a guided discussion.",
            "film_slug": "not-in-our-town", "venue_name": f"Library {i}", "venue_address": f"{i} Main St",
            "venue_city": "Springfield", "join_url": None, "state": host.state, "details_state": host.state,
            "region": host.region, "region_grouping": DEFAULT_GROUPING, "time_zone": zone.key,
            "local_start": start_at.astimezone(zone).replace(tzinfo=None),
            "local_end": end_at.astimezone(zone).replace(tzinfo=None),
            "start_at": start_at, "end_at": end_at, "capacity": capacity, "audiences": json.dumps(["general_public"]),
            "cohost_ids": "[]", "partners": "[]", "visibility": "public", "sequence": 1, "published": True,
            "in_feeds": True, "review_note": None, "reviewed_by": "account:1", "cancel_message": None,
            "chasers_sent": 0, "created_at": now - timedelta(days=2), "updated_at": now - timedelta(days=1),
        })
        audiences.append({"screening_id": screening_id, "audience": "general_public"})
    engine = make_engine(uris["screenings"])
    try:
        with engine.begin() as conn:
            conn.execute(sm.ScreeningRow.__table__.insert(), rows)
            conn.execute(sm.ScreeningAudienceRow.__table__.insert(), audiences)
    finally:
        engine.dispose()
    return ids


def service_settings(smtp_port: int, *, fast: bool = False, rpc_timeout: float = 30) -> dict:
    """The config every process of the pipeline gets on top of start_services' own: mail to
    the SMTP server on `smtp_port`, no rate limit in the way. `fast` shortens the kit's and
    the mailer's waits (sweeps, retries, leases) so a fault heals within seconds."""
    settings = {
        "SMTP": {"host": "127.0.0.1", "port": smtp_port,
                 "from": "NIOT Law Enforcement Network <network@niot.example.org>",
                 "reply_to": "program@niot.example.org"},
        "MAILER": {"batch_size": 50},
        "PROGRAM_MANAGER_EMAILS": "programs@niot.example.org",
        "GATEWAY": {"rpc_timeout_seconds": rpc_timeout, "rate_limits": NO_RATE_LIMITS},
        "max_workers": 10, "PREFETCH_COUNT": 10,
    }
    if fast:
        settings["MESSAGING"] = {"retry_delays": [1, 2], "outbox_sweep_seconds": 1, "timer_seconds": 1,
                                 "quorum_queues": False}
        settings["MAILER"].update({"retry_delays": [1, 2, 3], "max_attempts": 100, "lease_seconds": 5})
    return settings


def start_replica(scratch: Path, amqp_uri: str, uris: dict[str, str], settings: dict, replica: int,
                  processes: dict[str, subprocess.Popen], services: dict[str, str] = SERVICES) -> int:
    """One replica of each of `services`, in processes named '<service>-<replica>' (logs and
    config under scratch/r<replica>/); returns its gateway's port."""
    directory = scratch / f"r{replica}"
    directory.mkdir(exist_ok=True)
    started: dict[str, subprocess.Popen] = {}
    port = start_services({f"{name}-{replica}": path for name, path in services.items()}, amqp_uri, uris,
                          directory, started, **settings)
    processes.update(started)
    return port


def restart(name: str, scratch: Path, processes: dict[str, subprocess.Popen]) -> None:
    """Starts '<service>-<replica>' again with the config and log it had (appending)."""
    service, replica = name.rsplit("-", 1)
    directory = scratch / f"r{replica}"
    log = open(directory / f"{name}.log", "a")
    processes[name] = subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", str(directory / "config.yml"), SERVICES[service]],
        cwd=Path(__file__).resolve().parents[2], stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})


@dataclass
class Rsvp:
    screening_id: str
    name: str
    email: str
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    first_sent: float = 0.0  # wall clock (time.time()): comparable with the SMTP server's
    answered: float = 0.0
    attempts: int = 0
    status: int | None = None
    failures: list[str] = field(default_factory=list)


def rsvps(screening_ids: list[str], count: int, tag: str) -> list[Rsvp]:
    return [Rsvp(screening_ids[n % len(screening_ids)], f"Guest {tag} {n}", f"guest-{tag}-{n}@mail.example.org")
            for n in range(count)]


def send(ports: list[int], work: list[Rsvp], clients: int = 32, give_up_after: float = 300,
         spread: float = 0) -> float:
    """`clients` threads, each with a keep-alive connection to one of `ports` in turn, send
    the RSVPs; a request that failed (no answer, 5xx, 409, 429) is sent again with the
    same Idempotency-Key after a short pause, until it is answered or `give_up_after`
    seconds have passed. With `spread`, the n-th RSVP is not sent before n/len * spread
    seconds: a steady stream over that time rather than all at once. Returns the seconds
    the whole burst took."""
    pending = list(reversed(list(enumerate(work))))
    lock = threading.Lock()
    started = time.monotonic()

    def client(port: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not pending or time.monotonic() - started > give_up_after:
                    break
                n, rsvp = pending.pop()
            if spread:
                time.sleep(max(0.0, started + n * spread / len(work) - time.monotonic()))
            body = json.dumps({"name": rsvp.name, "email": rsvp.email})
            headers = {"Content-Type": "application/json", "Idempotency-Key": rsvp.key}
            rsvp.first_sent = time.time()
            pause = 0.2
            while True:
                rsvp.attempts += 1
                try:
                    conn.request("POST", f"/api/screenings/{rsvp.screening_id}/rsvps", body, headers)
                    response = conn.getresponse()
                    answer = response.read()
                    if response.status < 500 and response.status not in (409, 429):
                        rsvp.status, rsvp.answered = response.status, time.time()
                        if response.status != 201:
                            rsvp.failures.append(f"{response.status} {answer[:200]!r}")
                        break
                    rsvp.failures.append(f"{response.status} {answer[:120]!r}")
                except (OSError, http.client.HTTPException) as exc:
                    rsvp.failures.append(f"{type(exc).__name__}: {exc}")
                    conn.close()
                if time.monotonic() - started > give_up_after:
                    break
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
        conn.close()

    threads = [threading.Thread(target=client, args=(ports[i % len(ports)],), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def accepted_mail(log: Path) -> dict[str, list[tuple[float, str, str]]]:
    """recipient: [(time accepted, Message-ID, Subject)] from the SMTP server's log."""
    mails: dict[str, list[tuple[float, str, str]]] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            at, recipients, message_id, subject = line.split("\t", 3)
            for recipient in recipients.split(","):
                mails.setdefault(recipient.lower(), []).append((float(at), message_id, subject))
    return mails


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count(uri: str, query: str) -> int:
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(query)).scalar())
    finally:
        engine.dispose()
