"""Messages per second through the mailer (event on the broker -> stored message -> SMTP
accept) against the raw floor (plain smtplib sending the same pre-rendered messages over
one connection), and the mailer's peak memory.

The SMTP server (`python -m tests.support.smtp_server`) and the mailer (`nameko run`)
each run in a process of their own; this process publishes the events the way the
screenings service's outbox relay does and asks the server (XCOUNT) what it accepted.
    python -m bench.mail [--events N] [--runs R] [--db URL] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from kombu import Connection, Producer  # noqa: E402

from services.mailer.models import Base  # noqa: E402
from services.runtime import topology  # noqa: E402
from services.runtime.db import make_engine  # noqa: E402
from tests.unit.mailer.events import PAYLOADS, attendee, envelope  # noqa: E402

from ..support import PrivateVhost, memory_mib, wait_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def start_smtp_server() -> tuple[subprocess.Popen, int]:
    server = subprocess.Popen([sys.executable, "-m", "tests.support.smtp_server", "--port", "0"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().split()
    return server, int(line[1])


def accepted(port: int) -> tuple[int, int]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as probe:
        code, reply = probe.docmd("XCOUNT")
    fields = dict(part.split("=") for part in reply.decode().split())
    return int(fields["accepted"]), int(fields["distinct"])


def events(count: int) -> list[bytes]:
    base = PAYLOADS["rsvp_confirmed"]
    bodies = []
    for n in range(count):
        data = attendee(confirmed_at=base["confirmed_at"],
                        recipient={"name": f"Attendee {n}", "email": f"attendee{n}@example.org"},
                        invitation_method="REQUEST", invitation_ics=base["invitation_ics"])
        bodies.append(json.dumps(envelope("rsvp_confirmed", data, event_id=str(uuid.uuid4()))).encode())
    return bodies


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def fresh_database(scratch: Path, db_uri: str | None) -> str:
    if db_uri:
        engine = make_engine(db_uri)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        Base.metadata.drop_all(engine)
        engine.dispose()
        return db_uri
    path = scratch / f"mailer-{uuid.uuid4().hex[:6]}.db"
    return f"sqlite:///{path}"


def mailer_config(amqp_uri: str, db_uri: str, smtp_port: int) -> dict:
    """The nameko config the benchmarks run the mailer with."""
    return {
        "AMQP_URI": amqp_uri, "DB_URIS": {"mailer": db_uri}, "max_workers": 10, "PREFETCH_COUNT": 20,
        "MESSAGING": {"retry_delays": [1, 5], "outbox_sweep_seconds": 5, "timer_seconds": 5,
                      "quorum_queues": False},
        "SMTP": {"host": "127.0.0.1", "port": smtp_port,
                 "from": "NIOT Law Enforcement Network <network@niot.example.org>",
                 "reply_to": "program@niot.example.org"},
        "MAILER": {"batch_size": 50},
        "PUBLIC_BASE_URL": "https://network.niot.example.org",
        "PROGRAM_MANAGER_EMAILS": "programs@niot.example.org",
    }


def run_mailer(amqp_uri: str, scratch: Path, port: int, count: int, db_uri: str | None) -> dict:
    uri = fresh_database(scratch, db_uri)
    config_file = scratch / "mailer.yml"
    config_file.write_text(yaml.safe_dump(mailer_config(amqp_uri, uri, port)))
    mailer = subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", str(config_file),
         "services.mailer.service:MailerService"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    bodies = events(count)
    try:
        with Connection(amqp_uri) as connection:
            queue = topology.consumer_queue("mailer")(connection.default_channel)
            wait_until(lambda: queue.queue_declare(passive=True).consumer_count >= 1, 60, "the mailer to start")
        before, _ = accepted(port)
        cpu_before = cpu_seconds(mailer.pid)
        started = time.perf_counter()
        with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
            producer = Producer(connection.default_channel)
            exchange = topology.events_exchange("screenings")
            for body in bodies:
                producer.publish(body, exchange=exchange, routing_key="rsvp_confirmed",
                                 content_type="application/json", content_encoding="utf-8",
                                 serializer=None)
        wait_until(lambda: accepted(port)[0] - before >= count, 600, "the messages to arrive")
        elapsed = time.perf_counter() - started
        user, system = (after - before for after, before in zip(cpu_seconds(mailer.pid), cpu_before))
        rss = memory_mib(mailer.pid)
    finally:
        mailer.terminate()
        mailer.wait(30)
    engine = make_engine(uri)
    with engine.connect() as conn:
        messages = [row[0] for row in conn.execute(sa.text("SELECT mime FROM messages ORDER BY id"))]
        recipients = [row[0] for row in conn.execute(sa.text("SELECT recipient FROM messages ORDER BY id"))]
    engine.dispose()
    return {"rate": count / elapsed, "seconds": elapsed, "rss_mb": rss, "cpu_ms": 1000 * (user + system) / count,
            "system_ms": 1000 * system / count,
            "messages": list(zip(recipients, messages))}


def run_raw(port: int, messages: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for recipient, data in messages:
            smtp.sendmail("network@niot.example.org", [recipient], data)
    return len(messages) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail", description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="PostgreSQL URL for the mailer (default: a fresh SQLite file)")
    parser.add_argument("--quick", action="store_true", help="200 events, one run (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.runs = 200, 1

    vhost = PrivateVhost("niot-bench-mail")
    amqp_uri = vhost.uri
    server, port = start_smtp_server()
    results = []
    try:
        topology.declare(amqp_uri, retry_delays=[1, 5])
        with tempfile.TemporaryDirectory() as scratch:
            for run in range(args.runs):
                mailer = run_mailer(amqp_uri, Path(scratch), port, args.events, args.db)
                raw = run_raw(port, mailer.pop("messages"))
                results.append({**mailer, "raw": raw})
                print(f"run {run + 1}: mailer {mailer['rate']:.0f} msg/s ({mailer['seconds']:.2f} s), "
                      f"raw smtplib {raw:.0f} msg/s, mailer CPU {mailer['cpu_ms']:.1f} ms/msg "
                      f"({mailer['system_ms']:.1f} in the kernel), "
                      f"mailer peak RSS {mailer['rss_mb']:.0f} MB", flush=True)
        total, distinct = accepted(port)
    finally:
        server.terminate()
        server.wait(10)
        vhost.delete()

    rate = statistics.median(r["rate"] for r in results)
    raw = statistics.median(r["raw"] for r in results)
    print(f"\n{args.events} rsvp_confirmed events -> messages accepted over SMTP "
          f"(median of {len(results)} run(s), {'PostgreSQL' if args.db else 'SQLite'})")
    print(f"  mailer:            {rate:8.0f} messages/s (event published -> SMTP 250)")
    print(f"  raw smtplib floor: {raw:8.0f} messages/s (same pre-rendered messages, one connection)")
    print(f"  ratio:             {rate / raw:8.2f}  (goal >= 0.5)")
    print(f"  mailer peak RSS:   {max(r['rss_mb'] for r in results):8.0f} MB")
    print(f"  server accepted {total} messages, {distinct} distinct Message-IDs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
