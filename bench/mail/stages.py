"""What one message costs the mailer at the least: each stage of its work timed on its own
in this process, without nameko, eventlet or an AMQP consumer, against the same loopback
SMTP server (another process) and broker as `bench.mail`, next to the raw smtplib floor.

The sum of the stages' CPU time bounds the rate a single mailer process can reach,
however little its framework costs; `bench.mail` measures the real service.

    python -m bench.mail.stages [--events N | --quick] [--db URL]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import sqlalchemy as sa  # noqa: E402

from services import contracts  # noqa: E402
from services.mailer.app import queueing, sending  # noqa: E402
from services.mailer.repository import MailerUnitOfWork  # noqa: E402
from services.mailer.settings import from_config  # noqa: E402
from services.mailer.smtp import SmtpClient  # noqa: E402
from services.runtime import clock, topology  # noqa: E402
from services.runtime.db import Transactions, make_engine, session_factory  # noqa: E402
from services.runtime.messaging import claim_event  # noqa: E402
from services.runtime.migrate import upgrade  # noqa: E402
from services.runtime.outbox import OutboxRelay  # noqa: E402

from ..support import PrivateVhost  # noqa: E402
from .__main__ import events, fresh_database, mailer_config, run_raw, start_smtp_server  # noqa: E402

BATCH = 20  # events per transaction, as the kit runs a busy consumer's events
SMTP_STAGE = "SMTP conversation (client side)"


class Stopwatch:
    def __init__(self):
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}

    def timed(self, stage: str, work):
        cpu, wall = time.process_time(), time.perf_counter()
        result = work()
        self.cpu[stage] = self.cpu.get(stage, 0.0) + time.process_time() - cpu
        self.wall[stage] = self.wall.get(stage, 0.0) + time.perf_counter() - wall
        return result


def measure(count: int, db_uri: str | None) -> dict:
    """Time each stage for `count` events; the stages' CPU per message, the wall time of
    the SMTP stage, the raw smtplib floor, and the one-core ceiling they imply."""
    vhost = PrivateVhost("niot-bench-mail-stages")
    server, port = start_smtp_server()
    watch = Stopwatch()
    try:
        topology.declare(vhost.uri, retry_delays=[1, 5])
        with tempfile.TemporaryDirectory() as scratch:
            uri = fresh_database(Path(scratch), db_uri)
            upgrade("mailer", uri)
            engine = make_engine(uri)
            unit = Transactions(session_factory(engine))
            settings = from_config(mailer_config(vhost.uri, uri, port))
            bodies = events(count)

            parsed = watch.timed("decode and validate the event",
                                 lambda: [contracts.parse(json.loads(body)) for body in bodies])

            def store(batch):
                with unit.transaction() as session:
                    uow = MailerUnitOfWork(session, "mailer")
                    for event in batch:
                        if claim_event(session, "mailer.rsvp_confirmed", str(event.event_id)):
                            queueing.queue_event(uow, event, settings, clock.now())

            for start in range(0, len(parsed), BATCH):
                watch.timed(f"store (render, compose, insert; {BATCH} per transaction)",
                            lambda: store(parsed[start:start + BATCH]))

            def claim():
                with unit.transaction() as session:
                    uow = MailerUnitOfWork(session, "mailer")
                    return sending.claim_due(uow, "stages", clock.now(), settings.policy, settings.batch_size)[0]

            smtp = SmtpClient(settings.smtp)
            sent = []
            while outgoing := watch.timed(f"claim ({settings.batch_size} per transaction)", claim):
                for item in outgoing:
                    outcome = watch.timed(SMTP_STAGE, lambda: smtp.send(item.recipient, item.mime))

                    def record():
                        with unit.transaction() as session:
                            uow = MailerUnitOfWork(session, "mailer")
                            sending.record_outcome(uow, item, "stages", outcome, clock.now(), settings.policy)

                    watch.timed("record the outcome (own transaction, with mail_sent)", record)
                    sent.append(item)
            smtp.close()
            unit.close()

            relay = OutboxRelay(engine, vhost.uri)
            published = watch.timed("publish mail_sent (relay, confirmed)", relay.publish_pending)
            relay.publisher.close()
            with engine.connect() as conn:
                messages = conn.execute(sa.text("SELECT recipient, mime FROM messages ORDER BY id")).all()
            engine.dispose()
        raw = run_raw(port, [(row.recipient, row.mime) for row in messages])
    finally:
        server.terminate()
        server.wait(10)
        vhost.delete()
    if len(sent) != count or published != count:
        raise RuntimeError(f"expected {count} messages; sent {len(sent)}, published {published}")
    per = 1000 / count
    cpu_total = sum(watch.cpu.values()) * per
    serial = cpu_total + (watch.wall[SMTP_STAGE] - watch.cpu[SMTP_STAGE]) * per
    return {"watch": watch, "per": per, "cpu_ms": cpu_total, "serial_ms": serial, "raw": raw,
            "ceiling": 1000 / cpu_total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail.stages", description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--db", help="PostgreSQL URL for the mailer (default: a fresh SQLite file)")
    parser.add_argument("--quick", action="store_true", help="200 events (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 200
    try:
        result = measure(args.events, args.db)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    watch, per, raw = result["watch"], result["per"], result["raw"]
    print(f"{args.events} rsvp_confirmed events, {'PostgreSQL' if args.db else 'SQLite'}; "
          f"ms per message (CPU of this process; wall where it waits on another)\n")
    for stage, cpu in watch.cpu.items():
        wall = watch.wall[stage]
        waits = f"   wall {wall * per:6.3f}" if wall - cpu > 0.1 * wall else ""
        print(f"  {stage:<58} {cpu * per:6.3f}{waits}")
    print(f"  {'total':<58} {result['cpu_ms']:6.3f}\n")
    print(f"  one core doing only this, waits overlapped: {result['ceiling']:6.0f} msg/s  "
          f"(ratio {result['ceiling'] / raw:.2f})")
    print(f"  one after the other, as one message flows:  {1000 / result['serial_ms']:6.0f} msg/s  "
          f"(ratio {1000 / result['serial_ms'] / raw:.2f})")
    print(f"  raw smtplib floor:                          {raw:6.0f} msg/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
