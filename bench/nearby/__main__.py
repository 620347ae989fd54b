"""Near-me search through the gateway: the directory and the screening list around a ZIP
code or a city, at 5,000 leaders and 10,000 screenings (the defaults).

- Seeds the leaders, screenings and gateway databases as bench.api does (bulk inserts
  from the services' models), then places every leader and every venue at a real ZIP
  code of its state (offline ZIP data), as the services store them (ZIP, latitude,
  longitude).
- Starts leaders, screenings and gateway as separate `nameko run` processes on a private
  RabbitMQ vhost, and loads each search from another process (bench/api/load.py):
  C keep-alive clients (default 8), a warm-up, then a fixed measured period, cycling
  through 20 cities (by ZIP code and by "City, ST") and radii of 25 to 250 miles.
- Prints, per search, the median and p99 latency, throughput and errors, and checks
  that each first answer is sorted nearest first.

Run: python -m bench.nearby [--leaders N] [--screenings M] [--clients C] [--duration S]
                            [--warmup S] [--quick]
"""
from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import argparse  # noqa: E402
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from services.leaders.models import LeaderRow
from services.runtime import clock, places, topology
from services.runtime.db import make_engine
from services.screenings.models import ScreeningRow

from ..api import seed
from ..api.__main__ import SERVICES, load, print_figures, wait_serving
from ..support import PrivateVhost, run_in_scratch, start_services, stop_services

CITIES = ("10001", "Chicago, IL", "90012", "Houston, TX", "85004", "Philadelphia, PA", "78205", "San Diego, CA",
          "75201", "Columbus, OH", "30303", "Seattle, WA", "80202", "Boston, MA", "37203", "Detroit, MI",
          "97204", "Las Vegas, NV", "21202", "Milwaukee, WI")
RADII = (25, 50, 100, 250)
SEARCHES = ("directory near", "screenings near")


def place_everyone(uris: dict[str, str], rng: random.Random) -> tuple[int, int]:
    """Every leader and every venue at a random real ZIP code of its state."""
    codes: dict[str, list[str]] = {}

    def point(state: str | None) -> dict:
        found = codes.setdefault(state or "", places.zip_codes_in(state) if state else [])
        if not found:
            return {"code": None, "lat": None, "lon": None}
        code = rng.choice(found)
        place = places.zip_place(code)
        return {"code": code, "lat": place.latitude, "lon": place.longitude}

    located = []
    for uri, table, key, state_column, postal in (
            (uris["leaders"], LeaderRow.__table__, "id", "state", "postal_code"),
            (uris["screenings"], ScreeningRow.__table__, "id", "state", "venue_postal_code")):
        engine = make_engine(uri)
        with engine.begin() as conn:
            rows = conn.execute(sa.select(table.c[key], table.c[state_column])).all()
            values = [{"k": row[0], **point(row[1])} for row in rows]
            conn.execute(table.update().where(table.c[key] == sa.bindparam("k")).values(
                {postal: sa.bindparam("code"), "latitude": sa.bindparam("lat"), "longitude": sa.bindparam("lon")}),
                values)
        engine.dispose()
        located.append(sum(1 for v in values if v["lat"] is not None))
    return located[0], located[1]


def search_paths(now) -> dict[str, list[str]]:
    rng = random.Random(7)
    directory, screenings = [], []
    for near in CITIES:
        radius = rng.choice(RADII)
        directory.append("/api/directory?" + urlencode({"near": near, "radius_miles": radius, "limit": 24}))
        screenings.append("/api/screenings?" + urlencode({
            "near": near, "radius_miles": radius, "page_size": 20,
            "starts_from": now.strftime("%Y-%m-%dT%H:%M:%SZ")}))
    return {"directory near": directory, "screenings near": screenings}


def check_sorted(bodies: dict[str, bytes]) -> None:
    for search, body in bodies.items():
        data = json.loads(body)
        found = data.get("leaders", data.get("items", []))
        miles = [entry["distance_miles"] for entry in found]
        if miles != sorted(miles):
            raise SystemExit(f"{search}: the first answer is not nearest first")
        print(f"  {search}: first answer {data['total']} found, {len(found)} on the page, "
              f"{miles[0] if miles else '-'} to {miles[-1] if miles else '-'} miles")


def run(args, scratch: Path) -> int:
    now = clock.now()
    rng = random.Random(20261129)
    uris = {name: f"sqlite:///{scratch / (name + '.db')}" for name in ("leaders", "screenings", "gateway")}
    started = time.perf_counter()
    hosts = seed.seed_leaders(uris["leaders"], uris["screenings"], args.leaders, now, rng)
    counts = seed.seed_screenings(uris["screenings"], hosts, args.screenings, now, rng)
    leaders_placed, venues_placed = place_everyone(uris, rng)
    seed.analyze(uris["leaders"])
    seed.analyze(uris["screenings"])
    seed.manager_token(uris["gateway"], now)
    print(f"seeded {args.leaders} leaders ({leaders_placed} placed at a ZIP code) and {counts['screenings']} "
          f"screenings ({venues_placed} placed) in {time.perf_counter() - started:.1f} s")

    paths = search_paths(now)
    vhost = PrivateVhost("niot-bench-nearby")
    processes: dict[str, subprocess.Popen] = {}
    try:
        topology.declare(vhost.uri, retry_delays=[1, 5])
        port = start_services(SERVICES, vhost.uri, uris, scratch, processes)
        check_sorted(wait_serving(port, paths, {}, processes, scratch, 90))
        print(f"\nload: {args.clients} clients, keep-alive, {args.warmup:g} s warm-up + {args.duration:g} s measured "
              f"per search, over {len(CITIES)} places")
        figures = {search: load(port, paths[search], {}, args) for search in SEARCHES}
        print_figures("Gateway (HTTP -> gateway -> RPC -> leaders / screenings):", figures)
        for search, f in figures.items():
            print(f"{search}: median {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} CPUs)")
        return 1 if sum(f["errors"] for f in figures.values()) else 0
    finally:
        stop_services(processes)
        vhost.delete()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nearby", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaders", type=int, default=5000)
    parser.add_argument("--screenings", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per search")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per search")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (databases, logs)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 leaders, 1,000 screenings, "
                                                             "4 clients, 1 + 3 s per search")
    args = parser.parse_args(argv)
    if args.quick:
        args.leaders, args.screenings, args.clients, args.warmup, args.duration = 300, 1000, 4, 1.0, 3.0
    return run_in_scratch(run, args, "bench-nearby-")


if __name__ == "__main__":
    sys.exit(main())
