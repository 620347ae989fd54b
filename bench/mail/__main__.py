"""Messages per second through the mailer (event on the broker -> stored message -> SMTP
accept), and its peak memory, against a relay on loopback answering at once (0 ms) and
one 50 ms away:

- at 0 ms, next to one connection of plain smtplib sending the same pre-rendered
  messages, and to `bench.mail.stages`' one-core ceiling measured in the same run (the
  CPU one message costs the mailer at the least);
- at 50 ms, with the mailer's 4 connections, next to a raw floor of 4 threads each
  sending over its own smtplib connection.

The SMTP server (`python -m tests.support.smtp_server`) and the mailer (`nameko run`)
each run in a process of their own; this process publishes the events the way the
screenings service's outbox relay does and asks the server (XCOUNT) what it accepted.
    python -m bench.mail [--events N] [--slow-events N] [--runs R] [--db URL] [--quick]
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
import threading
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
CONNECTIONS = 4
LATENCY_MS = 50


def start_smtp_server(latency_ms: float = 0, directory: Path | None = None) -> tuple[subprocess.Popen, int]:
    files = ["--dir", str(directory)] if directory else []
    server = subprocess.Popen([sys.executable, "-m", "tests.support.smtp_server", "--port", "0",
                               "--latency-ms", str(latency_ms), *files],
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


def mailer_config(amqp_uri: str, db_uri: str, smtp_port: int, **mailer) -> dict:
    """The nameko config the benchmarks run the mailer with."""
    return {
        "AMQP_URI": amqp_uri, "DB_URIS": {"mailer": db_uri}, "max_workers": 10, "PREFETCH_COUNT": 20,
        "MESSAGING": {"retry_delays": [1, 5], "outbox_sweep_seconds": 5, "timer_seconds": 5,
                      "quorum_queues": False},
        "SMTP": {"host": "127.0.0.1", "port": smtp_port,
                 "from": "NIOT Law Enforcement Network <network@niot.example.org>",
                 "reply_to": "program@niot.example.org"},
        "MAILER": {"batch_size": 50, "connections": CONNECTIONS, **mailer},
        "PUBLIC_BASE_URL": "https://network.niot.example.org",
        "PROGRAM_MANAGER_EMAILS": "programs@niot.example.org",
    }


def run_mailer(amqp_uri: str, scratch: Path, port: int, count: int, db_uri: str | None, **mailer) -> dict:
    uri = fresh_database(scratch, db_uri)
    config_file = scratch / "mailer.yml"
    config_file.write_text(yaml.safe_dump(mailer_config(amqp_uri, uri, port, **mailer)))
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


def run_raw_threads(port: int, messages: list[tuple[str, bytes]], threads: int) -> float:
    """The floor with several connections: `threads` threads, each over its own smtplib
    connection, sending their share of the messages."""
    shares = [messages[n::threads] for n in range(threads)]
    workers = [threading.Thread(target=run_raw, args=(port, share)) for share in shares]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(messages) / (time.perf_counter() - started)


def run_at(latency_ms: float, count: int, runs: int, db_uri: str | None, amqp_uri: str) -> tuple[list[dict], tuple]:
    """`runs` runs of the mailer and of the raw floor against a relay `latency_ms` away."""
    server, port = start_smtp_server(latency_ms)
    results = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for run in range(runs):
                mailer = run_mailer(amqp_uri, Path(scratch), port, count, db_uri)
                messages = mailer.pop("messages")
                raw = run_raw(port, messages) if not latency_ms else run_raw_threads(port, messages, CONNECTIONS)
                results.append({**mailer, "raw": raw})
                print(f"{latency_ms:.0f} ms run {run + 1}: mailer {mailer['rate']:.0f} msg/s "
                      f"({mailer['seconds']:.2f} s), raw smtplib {raw:.0f} msg/s, mailer CPU "
                      f"{mailer['cpu_ms']:.1f} ms/msg ({mailer['system_ms']:.1f} in the kernel), "
                      f"mailer peak RSS {mailer['rss_mb']:.0f} MB", flush=True)
        totals = accepted(port)
    finally:
        server.terminate()
        server.wait(10)
    return results, totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="events per run at 0 ms")
    parser.add_argument("--slow-events", type=int, default=800, help=f"events per run at {LATENCY_MS} ms")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="PostgreSQL URL for the mailer (default: a fresh SQLite file)")
    parser.add_argument("--quick", action="store_true", help="200 and 100 events, one run (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.slow_events, args.runs = 200, 100, 1
    from .stages import measure  # it imports this module

    vhost = PrivateVhost("niot-bench-mail")
    try:
        topology.declare(vhost.uri, retry_delays=[1, 5])
        fast, fast_totals = run_at(0, args.events, args.runs, args.db, vhost.uri)
        slow, slow_totals = run_at(LATENCY_MS, args.slow_events, args.runs, args.db, vhost.uri)
    finally:
        vhost.delete()
    stages = measure(args.events, args.db)

    database = "PostgreSQL" if args.db else "SQLite"
    rate = statistics.median(r["rate"] for r in fast)
    raw = statistics.median(r["raw"] for r in fast)
    print(f"\n0 ms relay: {args.events} rsvp_confirmed events -> messages accepted over SMTP "
          f"(median of {len(fast)} run(s), {database}, {CONNECTIONS} connections)")
    print(f"  mailer:                 {rate:8.0f} messages/s (event published -> SMTP 250)")
    print(f"  raw smtplib floor:      {raw:8.0f} messages/s (same pre-rendered messages, one connection)")
    print(f"  one-core ceiling:       {stages['ceiling']:8.0f} messages/s (bench.mail.stages, "
          f"{stages['cpu_ms']:.2f} ms CPU per message; its raw floor {stages['raw']:.0f})")
    print(f"  ratio to the floor:     {rate / raw:8.2f}")
    print(f"  ratio to the ceiling:   {rate / stages['ceiling']:8.2f}  (goal >= 0.6)")
    print(f"  server accepted {fast_totals[0]} messages, {fast_totals[1]} distinct Message-IDs")

    rate = statistics.median(r["rate"] for r in slow)
    raw = statistics.median(r["raw"] for r in slow)
    print(f"\n{LATENCY_MS} ms relay: {args.slow_events} events (median of {len(slow)} run(s), {database})")
    print(f"  mailer, {CONNECTIONS} connections: {rate:8.0f} messages/s")
    print(f"  raw floor, {CONNECTIONS} threads:  {raw:8.0f} messages/s (each its own smtplib connection)")
    print(f"  ratio:                  {rate / raw:8.2f}  (goal >= 0.7)")
    print(f"  server accepted {slow_totals[0]} messages, {slow_totals[1]} distinct Message-IDs")
    print(f"\n  mailer peak RSS:        {max(r['rss_mb'] for r in fast + slow):8.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
