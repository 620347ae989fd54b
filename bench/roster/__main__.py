"""Directory queries on a roster of 5,000 leaders (100x the program's target) and CSV
import of 5,000 rows, with the peak memory of the leaders service process.

- CSV import: app.roster_import.import_roster_csv in this process, each run into a fresh SQLite file
  (the same transaction the RPC runs: parse, validate, insert, outbox events).
- Directory: the real service started with `nameko run` against the real broker (a
  private vhost, removed afterwards) over a SQLite file seeded with the leaders; each
  query is timed end to end through RPC. The service's peak RSS is read from
  /proc/<pid>/status (VmHWM) after the queries and again after it imported a 5,000-row
  CSV itself.

Run: python -m bench.roster [--leaders N] [--import-rows N] [--runs R] [--quick]
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402

from services.leaders.app.roster_import import import_roster_csv  # noqa: E402
from services.leaders.domain.expertise import EXPERTISE  # noqa: E402
from services.leaders.domain.roster_csv import ROSTER_COLUMNS  # noqa: E402
from services.leaders.regions import STATES  # noqa: E402
from services.leaders.repository import LeadersUnitOfWork  # noqa: E402
from services.runtime import clock, topology  # noqa: E402
from services.runtime.db import make_engine, session_factory  # noqa: E402
from services.runtime.migrate import upgrade  # noqa: E402

from ..support import PrivateVhost, memory_mib, wait_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SERVICE = "services.leaders.service:LeadersService"

# Roughly how a national roster spreads: big states carry more leaders.
_HEAVY_STATES = ("CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI")


def roster_csv(count: int, *, seed: int, domain: str) -> str:
    rng = random.Random(seed)
    states = list(STATES)
    tags = list(EXPERTISE)
    back_on = (clock.now() + timedelta(days=30)).date().isoformat()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROSTER_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for n in range(count):
        state = rng.choice(_HEAVY_STATES) if rng.random() < 0.4 else rng.choice(states)
        away = rng.random() < 0.1
        writer.writerow({
            "name": f"Leader {n:05d} {rng.choice(['Lopez', 'Reed', 'Park', 'Singh', 'Okafor', 'Nguyen'])}",
            "agency": f"{STATES[state]} Police Department {n % 97}",
            "title": rng.choice(["Officer", "Sergeant", "Lieutenant", "Captain", "Chief"]),
            "email": f"leader{n}@{domain}",
            "phone": f"(614) 555-{n % 10000:04d}" if rng.random() < 0.7 else "",
            "state": state,
            "expertise": ";".join(rng.sample(tags, rng.randint(1, 3))),
            "bio": "Works with local faith and community groups on reporting bias incidents. " * rng.randint(1, 4),
            "max_mentees": str(rng.randint(0, 5)),
            "availability": "away" if away else "available",
            "away_until": back_on if away else "",
            "trusted_host": "yes" if rng.random() < 0.2 else "no",
            "status": "active" if rng.random() < 0.9 else rng.choice(["inactive", "alumni"]),
        })
    return out.getvalue()


def import_into(uri: str, csv_text: str) -> tuple[float, dict]:
    engine = make_engine(uri)
    try:
        with session_factory(engine)() as session:
            started = time.perf_counter()
            with session.begin():
                report = import_roster_csv(LeadersUnitOfWork(session, "leaders"), csv_text, now=clock.now())
            return time.perf_counter() - started, report
    finally:
        engine.dispose()


def bench_import(scratch: Path, csv_text: str, runs: int) -> list[float]:
    times = []
    for run in range(runs):
        uri = f"sqlite:///{scratch / f'import-{run}.db'}"
        upgrade("leaders", uri)
        elapsed, report = import_into(uri, csv_text)
        if report["rejected"]:
            raise SystemExit(f"the generated CSV had rejected rows: {report['rejected'][:3]}")
        times.append(elapsed)
    return times


def unpublished(uri: str) -> int:
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()
    finally:
        engine.dispose()


def directory_queries(leaders: int) -> dict[str, dict]:
    deep_page = max(1, leaders // 125)  # page 40 of 50 per page with 5,000 leaders
    return {
        "by region (region-5)": {"region": "region-5"},
        "by expertise (school-safety)": {"expertise": "school-safety"},
        "by region + expertise": {"region": "region-9", "expertise": ["community-policing"]},
        "by state (CA)": {"state": "CA"},
        f"by census region, page {max(1, deep_page // 8)}": {"region": "south", "grouping": "census_region",
                                     "page": max(1, deep_page // 8)},
        f"unfiltered, page {deep_page}": {"page": deep_page},
    }


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:8.1f} ms"


def bench_service(scratch: Path, leaders: int, runs: int, import_rows: int) -> None:
    vhost = PrivateVhost("niot-bench-roster")
    amqp_uri = vhost.uri
    process = None
    try:
        topology.declare(amqp_uri, retry_delays=[1, 5])
        db_uri = f"sqlite:///{scratch / 'service.db'}"
        upgrade("leaders", db_uri)
        import_into(db_uri, roster_csv(leaders, seed=1, domain="roster.example.gov"))

        settings = {"AMQP_URI": amqp_uri, "DB_URIS": {"leaders": db_uri}, "max_workers": 10,
                    "PREFETCH_COUNT": 10,
                    "MESSAGING": {"retry_delays": [1, 5], "outbox_sweep_seconds": 5,
                                  "timer_seconds": 3600, "quorum_queues": False}}
        config_file = scratch / "leaders.yml"
        config_file.write_text(yaml.safe_dump(settings))
        log = open(scratch / "service.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(config_file), SERVICE],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        with ClusterRpcClient(uri=amqp_uri, timeout=60) as client:
            def serving() -> bool:
                if process.poll() is not None:
                    raise SystemExit(f"the service exited; see {scratch / 'service.log'}")
                try:
                    client.leaders.program_settings()
                    return True
                except Exception:
                    return False

            wait_until(serving, 60, "the service to answer RPC")
            # The seed's events go out first, so they do not share the timings below.
            wait_until(lambda: unpublished(db_uri) == 0, 120, "the seeded events to be published")
            after_start = memory_mib(process.pid, "VmRSS")

            print(f"\nDirectory through RPC ({leaders} leaders, nameko run, median of {runs}):")
            for label, query in directory_queries(leaders).items():
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    page = client.leaders.directory(**query)
                    times.append(time.perf_counter() - started)
                print(f"  {label:32s} {median_ms(times)}   ({page['total']} matches, {len(page['leaders'])} on the page)")
            for label, call in {"roster (manager view, page 1)": lambda: client.leaders.roster(),
                                "coverage_leaders (SQL aggregates)": lambda: client.leaders.coverage_leaders()}.items():
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - started)
                print(f"  {label:32s} {median_ms(times)}")
            after_queries = memory_mib(process.pid)

            csv_text = roster_csv(import_rows, seed=2, domain="import.example.gov")
            started = time.perf_counter()
            report = client.leaders.import_roster_csv(csv_text)
            elapsed = time.perf_counter() - started
            print(f"\nCSV import through RPC ({import_rows} rows into the running service): "
                  f"{elapsed * 1000:.0f} ms, {report['accepted']} accepted")
            wait_until(lambda: unpublished(db_uri) == 0, 300, "the imported leaders' events to be published")
            after_import = memory_mib(process.pid)

        print(f"\nService process memory (pid {process.pid}):")
        print(f"  RSS after start-up             {after_start:8.1f} MiB")
        print(f"  peak RSS after the queries     {after_queries:8.1f} MiB   (VmHWM)")
        print(f"  peak RSS after the CSV import  {after_import:8.1f} MiB   (VmHWM)")
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        vhost.delete()


def main(argv=None) -> int:
    # The RPC client's polls before the service is up leave harmless late confirms behind.
    logging.getLogger("amqp").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(prog="python -m bench.roster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaders", type=int, default=5000, help="leaders on the roster (default 5000)")
    parser.add_argument("--import-rows", type=int, default=5000, help="rows in the imported CSV (default 5000)")
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--quick", action="store_true", help="a small smoke run (300 leaders, 3 runs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.leaders, args.import_rows, args.runs = 300, 300, 3

    with tempfile.TemporaryDirectory(prefix="bench-roster-") as scratch_dir:
        scratch = Path(scratch_dir)
        csv_text = roster_csv(args.import_rows, seed=3, domain="bench.example.gov")
        import_runs = max(3, args.runs // 2)
        times = bench_import(scratch, csv_text, import_runs)
        print(f"CSV import in process ({args.import_rows} rows, {len(csv_text) / 1024:.0f} KiB, "
              f"fresh SQLite each run, median of {import_runs}): {median_ms(times).strip()}"
              f"  ({args.import_rows / statistics.median(times):.0f} rows/s)")
        bench_service(scratch, args.leaders, args.runs, args.import_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
