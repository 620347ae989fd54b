"""HTTP API under load: the public directory, the screening search and the managers'
coverage report, through the gateway and through the floor.

- Seeds N leaders (default 5,000; leaders database and the screenings service's leader
  projection) and M screenings (default 100,000, with reports and RSVPs) into fresh
  SQLite files with bulk inserts (bench/api/seed.py), and a manager account with an API
  token in the gateway database.
- Starts leaders, screenings and gateway as separate `nameko run` processes on a private
  RabbitMQ vhost (topology declared, vhost deleted afterwards).
- Loads each endpoint from another process (bench/api/load.py): C keep-alive clients
  (default 32), a warm-up, then a fixed measured period; prints throughput, p50/p99 and
  errors.
- The floor (bench/api/floor.py): the same service query functions on the same files in a
  single-process threaded WSGI app without RPC, loaded the same way, with the services
  stopped meanwhile; prints the gateway/floor throughput ratio (goal >= 0.5) and whether
  the gateway's coverage p99 is under 100 ms. Coverage reports are cached by the gateway
  (and the floor, with the same cache) for GATEWAY.coverage_max_age_seconds; the time to
  compute one afresh is printed for both as well.

Run: python -m bench.api [--leaders N] [--screenings M] [--clients C] [--duration S]
                         [--warmup S] [--max-workers W] [--quick]
"""
from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import argparse  # noqa: E402
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from services.leaders.domain.expertise import EXPERTISE
from services.leaders.regions import DEFAULT_GROUPING, regions
from services.runtime import clock, topology

from ..support import PrivateVhost, free_port, memory_mib, run_in_scratch, start_services, stop_services
from . import seed

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "leaders": "services.leaders.service:LeadersService",
    "screenings": "services.screenings.service:ScreeningsService",
    "gateway": "services.gateway.service:GatewayService",
}
ENDPOINTS = ("directory", "screening search", "coverage")
COVERAGE_P99_GOAL_MS = 100.0
RATIO_GOAL = 0.5


def endpoint_paths(now) -> dict[str, list[str]]:
    """Each endpoint's requests, cycled through by the clients: every region and every
    expertise tag of the directory; a 30-day window per region over the coming months."""
    region_ids = [r.id for r in regions(DEFAULT_GROUPING)]
    directory = [f"/api/directory?{urlencode({'region': r})}" for r in region_ids]
    directory += [f"/api/directory?{urlencode({'expertise': tag})}" for tag in EXPERTISE]
    search = []
    for n, region in enumerate(region_ids * 3):
        start = (now + timedelta(days=10 * n)).replace(hour=0, minute=0, second=0, microsecond=0)
        search.append("/api/screenings?" + urlencode({
            "region": region, "starts_from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "starts_before": (start + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")}))
    return {"directory": directory, "screening search": search, "coverage": ["/api/coverage"]}


def get(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_serving(port: int, paths: dict[str, list[str]], headers: dict[str, str], processes: dict,
                 logs: Path, timeout: float) -> dict[str, bytes]:
    """Waits until every endpoint answers 200; returns each first path's body."""
    deadline = time.monotonic() + timeout
    bodies: dict[str, bytes] = {}
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}; see {logs / (name + '.log')}")
        try:
            for endpoint, endpoint_paths_ in paths.items():
                status, body = get(f"http://127.0.0.1:{port}{endpoint_paths_[0]}", headers)
                if status != 200:
                    raise ConnectionError(f"{endpoint}: {status} {body[:300]!r}")
                bodies[endpoint] = body
            return bodies
        except (OSError, ConnectionError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"the endpoints did not answer in {timeout:.0f} s: {exc}")
            time.sleep(0.5)


def load(port: int, paths: list[str], headers: dict[str, str], args) -> dict:
    spec = {"port": port, "paths": paths, "headers": headers, "clients": args.clients,
            "warmup": args.warmup, "duration": args.duration}
    result = subprocess.run([sys.executable, "-m", "bench.api.load", json.dumps(spec)], cwd=ROOT,
                            capture_output=True, text=True, timeout=args.warmup + args.duration + 180,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    if result.returncode != 0:
        raise SystemExit(f"the load generator failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def fresh_coverage(port: int, path: str, headers: dict[str, str], count: int = 7) -> str:
    """Coverage computed afresh (`Cache-Control: no-cache`), one request at a time: what
    the first manager after the cache's max age waits for."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, body = get(f"http://127.0.0.1:{port}{path}", {**headers, "Cache-Control": "no-cache"})
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"coverage afresh: {status} {body[:300]!r}")
    return (f"  coverage computed afresh (Cache-Control: no-cache, one client, {count} requests): "
            f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")


def load_all(port: int, paths: dict[str, list[str]], token: str, args) -> dict[str, dict]:
    figures = {}
    for endpoint in ENDPOINTS:
        headers = {"Authorization": f"Bearer {token}"} if endpoint == "coverage" else {}
        figures[endpoint] = load(port, paths[endpoint], headers, args)
    return figures


def print_figures(title: str, figures: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"  {'endpoint':18s} {'req/s':>9s} {'p50 ms':>9s} {'p99 ms':>9s} {'max ms':>9s} {'requests':>9s} {'errors':>7s}")
    for endpoint, f in figures.items():
        print(f"  {endpoint:18s} {f['throughput']:9.1f} {f['p50_ms']:9.1f} {f['p99_ms']:9.1f} {f['max_ms']:9.1f} "
              f"{f['requests']:9d} {f['errors']:7d}")
        for sample in f["error_samples"]:
            print(f"      error: {sample}")


def run(args, scratch: Path) -> int:
    now = clock.now()
    rng = random.Random(20260601)
    uris = {name: f"sqlite:///{scratch / (name + '.db')}" for name in ("leaders", "screenings", "gateway")}

    started = time.perf_counter()
    hosts = seed.seed_leaders(uris["leaders"], uris["screenings"], args.leaders, now, rng)
    leaders_s = time.perf_counter() - started
    started = time.perf_counter()
    counts = seed.seed_screenings(uris["screenings"], hosts, args.screenings, now, rng)
    seed.analyze(uris["leaders"])
    screenings_s = time.perf_counter() - started
    token = seed.manager_token(uris["gateway"], now)
    print(f"seeded {args.leaders} leaders in {leaders_s:.1f} s; {counts['screenings']} screenings "
          f"({counts['reports']} reports, {counts['rsvps']} RSVPs) in {screenings_s:.1f} s")

    paths = endpoint_paths(now)
    vhost = PrivateVhost("niot-bench-api")
    amqp_uri = vhost.uri
    processes: dict[str, subprocess.Popen] = {}
    try:
        topology.declare(amqp_uri, retry_delays=[1, 5])
        port = start_services(SERVICES, amqp_uri, uris, scratch, processes,
                              max_workers=args.max_workers, PREFETCH_COUNT=args.max_workers)
        auth = {"Authorization": f"Bearer {token}"}
        first = wait_serving(port, paths, auth, processes, scratch, 90)
        for endpoint, body in first.items():
            data = json.loads(body)
            size = data.get("total", len(data.get("regions", [])))
            print(f"  {endpoint}: first answer {len(body) / 1024:.1f} KiB "
                  f"({'total ' + str(size) if 'total' in data else str(size) + ' regions'})")

        print(f"\nload: {args.clients} clients, keep-alive, {args.warmup:g} s warm-up + {args.duration:g} s measured "
              f"per endpoint; services with max_workers={args.max_workers}")
        gateway = load_all(port, paths, token, args)
        print_figures("Gateway (HTTP -> gateway -> RPC -> leaders / screenings):", gateway)
        print(fresh_coverage(port, paths["coverage"][0], auth))
        print("  peak RSS: " + ", ".join(f"{n} {memory_mib(p.pid):.0f} MiB" for n, p in processes.items()))
        stop_services(processes)
        processes.clear()

        floor_port = free_port()
        floor = subprocess.Popen(
            [sys.executable, "-m", "bench.api.floor", json.dumps({"port": floor_port, **uris})], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=open(scratch / "floor.log", "w"), text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        processes["floor"] = floor
        floor.stdout.readline()
        floor_first = wait_serving(floor_port, paths, auth, processes, scratch, 30)
        for endpoint in ENDPOINTS:
            same = json.loads(floor_first[endpoint]).get("total") == json.loads(first[endpoint]).get("total")
            if not same:
                raise SystemExit(f"the floor and the gateway disagree on {endpoint}")
        floor_figures = load_all(floor_port, paths, token, args)
        print_figures("Floor (one process, threaded WSGI, same query functions, no RPC):", floor_figures)
        print(fresh_coverage(floor_port, paths["coverage"][0], auth))
        print(f"  peak RSS: floor {memory_mib(floor.pid):.0f} MiB")

        print(f"\nGateway / floor throughput (goal >= {RATIO_GOAL}):")
        for endpoint in ENDPOINTS:
            floor_rate = floor_figures[endpoint]["throughput"]
            ratio = gateway[endpoint]["throughput"] / floor_rate if floor_rate else float("nan")
            print(f"  {endpoint:18s} {ratio:6.2f}  {'met' if ratio >= RATIO_GOAL else 'NOT met'}")
        p99 = gateway["coverage"]["p99_ms"]
        print(f"Gateway coverage p99 {p99:.1f} ms (goal < {COVERAGE_P99_GOAL_MS:.0f} ms): "
              f"{'met' if p99 < COVERAGE_P99_GOAL_MS else 'NOT met'}")
        errors = sum(f["errors"] for f in (*gateway.values(), *floor_figures.values()))
        print(f"errors: {errors}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} CPUs)")
        return 1 if errors else 0
    finally:
        stop_services(processes)
        vhost.delete()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaders", type=int, default=5000)
    parser.add_argument("--screenings", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per endpoint")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--max-workers", type=int, default=10,
                        help="nameko max_workers of each service (config.yml's default: 10)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (databases, logs)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 leaders, 3,000 screenings, "
                                                             "8 clients, 1 + 3 s per endpoint")
    args = parser.parse_args(argv)
    if args.quick:
        args.leaders, args.screenings, args.clients, args.warmup, args.duration = 300, 3000, 8, 1.0, 3.0

    return run_in_scratch(run, args, "bench-api-")


if __name__ == "__main__":
    sys.exit(main())
