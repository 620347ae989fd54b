"""RSVPs through the whole system, from an HTTP request to the confirmation mail an SMTP
server accepted, against the floor: the same steps written by hand without nameko.

- A burst (default 2,000) of public RSVPs, POST /api/screenings/{id}/rsvps with an
  Idempotency-Key each, from C HTTP clients (default 32, keep-alive, spread over the
  gateways), over 20 seeded screenings; the rate limits are set out of the way.
- The system: leaders, screenings, mailer and gateway each as `nameko run` processes on a
  private RabbitMQ vhost; the SMTP server (tests/support/smtp_server.py) in a process of
  its own logs when it accepted each mail.
- The floor (bench/pipeline/floor.py): a threaded HTTP server that validates, inserts and
  publishes with a confirm, and one consumer that renders and sends with smtplib; the
  same clients, the same SMTP server, the same database engine.
- Prints RSVPs/s (answers), mails/s (first request to last mail accepted), p50/p99 from a
  request to its mail accepted, CPU ms per RSVP and peak memory per process, and the
  system/floor ratio of mails/s (goal >= 0.5).

Modes: `sqlite` (one process per service, SQLite files) and `postgresql` (two replicas of
every service; databases created on NIOT_BENCH_PG and dropped afterwards).

Run: python -m bench.pipeline [--rsvps N] [--clients C] [--mode sqlite|postgresql|both]
                              [--replicas R] [--quick] [--keep]
"""
from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import argparse  # noqa: E402
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from services.runtime import topology

from ..support import PrivateVhost, memory_mib, run_in_scratch, stop_services, wait_until
from . import system

ROOT = Path(__file__).resolve().parents[2]
RATIO_GOAL = 0.5
SCREENINGS = 20
PG_ADMIN = os.environ.get("NIOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def child(args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    """A python -m process whose first line of output says it is ready."""
    process = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=open(log, "w"), text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"{args[0]} did not start; see {log}")
    return process, line.strip()


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


class Databases:
    """Fresh databases for one run: SQLite files in the scratch directory, or databases on
    PostgreSQL dropped by `drop()`."""

    def __init__(self, mode: str, scratch: Path, names: list[str]):
        self.admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT") if mode == "postgresql" else None
        self.created: list[str] = []
        self.uris: dict[str, str] = {}
        for name in names:
            if self.admin is None:
                self.uris[name] = f"sqlite:///{scratch / f'{name}-{uuid.uuid4().hex[:6]}.db'}"
            else:
                database = f"niot_bench_pipeline_{name}_{uuid.uuid4().hex[:8]}"
                with self.admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
                self.created.append(database)
                self.uris[name] = PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"

    def commits(self, names: list[str]) -> int | None:
        """Transactions committed so far in these databases (PostgreSQL's statistics,
        which lag a moment behind), or None on SQLite."""
        if self.admin is None:
            return None
        time.sleep(1.5)
        databases = [self.uris[n].rsplit("/", 1)[1] for n in names]
        with self.admin.connect() as conn:
            return int(conn.execute(sa.text("SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database "
                                            "WHERE datname = ANY(:names)"), {"names": databases}).scalar())

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                for database in self.created:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            self.admin.dispose()


def measure(title: str, ports: list[int], processes: dict[str, subprocess.Popen], screening_ids: list[str],
            mail_log: Path, args, tag: str, commits=lambda: None) -> dict:
    """A warm-up of a few RSVPs, then the burst; waits for every confirmation mail."""
    warm = system.rsvps(screening_ids, 2 * args.clients, f"{tag}-warm")
    system.send(ports, warm, args.clients)
    wait_until(lambda: len(system.accepted_mail(mail_log).keys() & {r.email for r in warm}) == len(warm), 120,
               f"{title}: the warm-up's mail")
    work = system.rsvps(screening_ids, args.rsvps, tag)
    commits_before = commits()
    cpu_before = {name: system.cpu_seconds(p.pid) for name, p in processes.items()}
    burst_seconds = system.send(ports, work, args.clients)
    emails = {r.email for r in work}
    wait_until(lambda: len(system.accepted_mail(mail_log).keys() & emails) == len(emails), 600, f"{title}: every mail")
    cpu = {name: system.cpu_seconds(p.pid) - cpu_before[name] for name, p in processes.items()}
    committed = None if commits_before is None else commits() - commits_before
    mails = system.accepted_mail(mail_log)
    first = min(r.first_sent for r in work)
    last_mail = max(mails[r.email][0][0] for r in work)
    latencies = sorted(mails[r.email][0][0] - r.first_sent for r in work)
    errors = [r for r in work if r.status != 201]
    return {
        "title": title, "rsvps_per_s": len(work) / burst_seconds, "mails_per_s": len(work) / (last_mail - first),
        "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
        "cpu_ms": {name: 1000 * seconds / len(work) for name, seconds in cpu.items()},
        "rss_mib": {name: memory_mib(p.pid) for name, p in processes.items()},
        "errors": len(errors), "retried": sum(r.attempts > 1 for r in work),
        "busy_cpus": sum(cpu.values()) / (last_mail - first),
        "commits": None if committed is None else committed / len(work),
        "duplicates": sum(len({m[1] for m in mails[r.email]}) > 1 for r in work),
    }


def print_figures(figures: dict) -> None:
    print(f"\n{figures['title']}")
    print(f"  {figures['rsvps_per_s']:8.1f} RSVPs/s   {figures['mails_per_s']:8.1f} mails/s   request -> mail accepted "
          f"p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms   errors {figures['errors']}, "
          f"retried {figures['retried']}, duplicate mails {figures['duplicates']}")
    print(f"  {'process':16s} {'CPU ms/RSVP':>12s} {'peak RSS MiB':>13s}")
    for name in sorted(figures["cpu_ms"], key=lambda n: -figures["cpu_ms"][n]):
        print(f"  {name:16s} {figures['cpu_ms'][name]:12.2f} {figures['rss_mib'][name]:13.0f}")
    print(f"  {'total':16s} {sum(figures['cpu_ms'].values()):12.2f}   (these processes kept {figures['busy_cpus']:.2f} "
          f"of {os.cpu_count()} CPUs busy)")
    if figures["commits"] is not None:
        print(f"  database commits per RSVP: {figures['commits']:.1f}")


def run_mode(mode: str, replicas: int, args, scratch: Path) -> tuple[dict, dict]:
    scratch = scratch / mode
    scratch.mkdir()
    mail_log = scratch / "accepted.log"
    processes: dict[str, subprocess.Popen] = {}
    smtp, ready = child(["tests.support.smtp_server", "--port", "0", "--log", str(mail_log)], scratch / "smtp.log")
    smtp_port = int(ready.split()[1])
    vhost = PrivateVhost(f"niot-bench-pipeline-{mode}")
    databases = Databases(mode, scratch, [*system.SERVICES, "floor"])
    try:
        topology.declare(vhost.uri, retry_delays=[1, 5])
        uris = {name: uri for name, uri in databases.uris.items() if name != "floor"}
        screening_ids = system.seed(uris, SCREENINGS, capacity=args.rsvps + 10 * args.clients)
        settings = system.service_settings(smtp_port)
        ports = [system.start_replica(scratch, vhost.uri, uris, settings, n, processes)
                 for n in range(1, replicas + 1)]
        ours = dict(processes)
        processes["smtp-server"] = smtp
        ours_figures = measure(f"System on {mode}, {replicas} replica(s) of each service, {args.clients} clients, "
                               f"{args.rsvps} RSVPs:", ports, processes, screening_ids, mail_log, args, "sys",
                               lambda: databases.commits(list(uris)))
        print_figures(ours_figures)
        stop_services(ours)
        processes = {"smtp-server": smtp}

        spec = {"db": databases.uris["floor"], "amqp": vhost.uri}
        http, ready = child(["bench.pipeline.floor", "http", json.dumps({**spec, "port": 0})], scratch / "floor-http.log")
        processes["floor-http"] = http
        consumer, _ = child(["bench.pipeline.floor", "consumer", json.dumps({**spec, "smtp_port": smtp_port})],
                            scratch / "floor-consumer.log")
        processes["floor-consumer"] = consumer
        floor_figures = measure(f"Floor on {mode} (threaded HTTP + confirm publish, one consumer + smtplib):",
                                [int(ready.split()[1])], processes, screening_ids, mail_log, args, "floor",
                                lambda: databases.commits(["floor"]))
        print_figures(floor_figures)
        return ours_figures, floor_figures
    finally:
        stop_services(processes)
        if smtp.poll() is None:
            smtp.terminate()
            smtp.wait(10)
        vhost.delete()
        databases.drop()


def run(args, scratch: Path) -> int:
    modes = ["sqlite", "postgresql"] if args.mode == "both" else [args.mode]
    results = {}
    for mode in modes:
        results[mode] = run_mode(mode, 1 if mode == "sqlite" else args.replicas, args, scratch)
    print(f"\nSystem / floor, mails/s end to end (goal >= {RATIO_GOAL}):")
    failed = 0
    for mode, (ours, floor) in results.items():
        ratio = ours["mails_per_s"] / floor["mails_per_s"]
        print(f"  {mode:11s} {ratio:5.2f}  {'met' if ratio >= RATIO_GOAL else 'NOT met'}   "
              f"(RSVPs/s {ours['rsvps_per_s'] / floor['rsvps_per_s']:.2f}; CPU per RSVP "
              f"{sum(ours['cpu_ms'].values()):.1f} ms against {sum(floor['cpu_ms'].values()):.1f} ms)")
        heaviest = max((n for n in ours["cpu_ms"] if n != "smtp-server"), key=ours["cpu_ms"].get)
        print(f"    most CPU per RSVP: {heaviest} ({ours['cpu_ms'][heaviest]:.1f} ms)")
        failed += ours["errors"] + floor["errors"] + ours["duplicates"] + floor["duplicates"]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} CPUs)")
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rsvps", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--mode", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--replicas", type=int, default=2, help="replicas of each service on PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (databases, logs)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 40 RSVPs from 4 clients on SQLite")
    args = parser.parse_args(argv)
    if args.quick:
        args.rsvps, args.clients, args.mode = 40, 4, "sqlite"
    return run_in_scratch(run, args, "bench-pipeline-")


if __name__ == "__main__":
    sys.exit(main())
