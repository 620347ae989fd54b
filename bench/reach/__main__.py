"""Reach at scale: the nearest-leaders query of rapid response at 5,000 leaders and the
resource library search at 2,000 resources, on the services' own code and migrated
databases, in one process (no broker, no HTTP: bench.nearby and bench.library measure
the gateway paths).

- Nearest leaders: 5,000 leaders (bench/api/seed.py: 90% active, 60% trained, some away
  or at capacity) at random real ZIP codes of their states. For incidents at ZIP codes
  all over the country (and a few next to state lines) it times what filing an urgent
  request runs: `nearest_located` (the eligibility query inside widening boxes around
  the place) and the domain's `nearest_leaders` (distance ranking, three nearest), each in
  a transaction as the service does; then the same ranking over every eligible leader of
  the country read at once, the floor without the box, as a check and a ratio.
- Library: 2,000 entries (bench/library's build) in a migrated screenings database,
  searched through the library's use case (`app.search` over the unit of work, as the
  RPC does): words, a topic, kind and audience, words with filters, a late page.

Prints the median and p99 of each, in milliseconds.

Run: python -m bench.reach [--leaders N] [--resources N] [--incidents N] [--rounds R] [--quick]
"""
from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import argparse  # noqa: E402
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from services.leaders.models import LeaderRow
from services.leaders.mentorship.domain.urgent import ROUND_SIZE, nearest_leaders
from services.leaders.mentorship.urgent_rows import load_located, nearest_located
from services.runtime import clock, places
from services.runtime.db import make_engine, session_factory
from services.screenings.library import app as library_app
from services.screenings.library.seed import SEED
from services.screenings.repository import ScreeningsUnitOfWork

from ..api import seed
from ..library.__main__ import build_library, queries, write_library
from ..support import run_in_scratch

# Next to state lines: Cincinnati (OH/KY/IN), Kansas City (MO/KS), Washington (DC/MD/VA),
# Texarkana (TX/AR), Providence (RI/MA); and far from most leaders: Anchorage, Honolulu.
BORDERS = ("45202", "64105", "20001", "75501", "02903", "99501", "96813")


def place_leaders(uri: str, rng: random.Random) -> int:
    """Every leader at a random real ZIP code of their state, with its point."""
    table, codes = LeaderRow.__table__, {}
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            values = []
            for leader_id, state in conn.execute(sa.select(table.c.id, table.c.state)).all():
                found = codes.setdefault(state, places.zip_codes_in(state))
                if found:
                    place = places.zip_place(code := rng.choice(found))
                    values.append({"k": leader_id, "code": code, "lat": place.latitude, "lon": place.longitude})
            conn.execute(table.update().where(table.c.id == sa.bindparam("k")).values(
                postal_code=sa.bindparam("code"), latitude=sa.bindparam("lat"), longitude=sa.bindparam("lon")),
                values)
    finally:
        engine.dispose()
    return len(values)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(name: str, timings: list[float], extra: str = "") -> None:
    print(f"  {name:34s} {statistics.median(timings):9.2f} {percentile(timings, 0.99):9.2f}  {extra}")


def incidents(count: int, rng: random.Random) -> list[places.Place]:
    codes = sorted(places._index()[0])
    chosen = list(BORDERS) + rng.sample(codes, max(0, count - len(BORDERS)))
    return [places.zip_place(code) for code in chosen[:max(count, len(BORDERS))]]


def time_nearest(uri: str, where: list[places.Place], rounds: int, today: date) -> None:
    factory = session_factory(make_engine(uri))
    boxed, full, miles = [], [], []
    mismatches = 0
    for _ in range(rounds):
        for place in where:
            with factory() as session, session.begin():
                started = time.perf_counter()
                nearby = nearest_located(session, place.latitude, place.longitude, today=today,
                                         exclude=frozenset(), enough=ROUND_SIZE)
                best = nearest_leaders(place, nearby, today=today)
                boxed.append((time.perf_counter() - started) * 1000)
            with factory() as session, session.begin():
                started = time.perf_counter()
                everyone = load_located(session, today=today, exclude=frozenset(), box=None)
                floor = nearest_leaders(place, everyone, today=today)
                full.append((time.perf_counter() - started) * 1000)
            mismatches += [n.leader_id for n in best] != [n.leader_id for n in floor]
            miles.append(best[-1].miles if best else float("nan"))
    print(f"\nNearest {ROUND_SIZE} eligible leaders ({len(where)} incidents x {rounds} rounds; "
          f"{len(everyone)} eligible leaders with a place):")
    print(f"  {'query':34s} {'p50 ms':>9s} {'p99 ms':>9s}")
    report("box prefilter + ranking", boxed, f"third nearest: median {statistics.median(miles):.0f} miles")
    report("every eligible leader + ranking", full)
    print(f"  ratio (every / box) at the median: {statistics.median(full) / statistics.median(boxed):.1f}x; "
          f"answers that differ: {mismatches}")
    if mismatches:
        raise SystemExit("the box prefilter changed an answer")


def time_library(uri: str, searches: dict[str, list[dict]], rounds: int) -> None:
    factory = session_factory(make_engine(uri))
    print(f"\nLibrary search through the use case ({rounds} rounds per query):")
    print(f"  {'search':34s} {'p50 ms':>9s} {'p99 ms':>9s}")
    for name, raws in searches.items():
        timings, found = [], 0
        for _ in range(rounds):
            for raw in raws:
                with factory() as session, session.begin():
                    started = time.perf_counter()
                    found = library_app.search(ScreeningsUnitOfWork(session), raw, None)["total"]
                    timings.append((time.perf_counter() - started) * 1000)
        report(name, timings, f"found {found}")


def run(args, scratch: Path) -> int:
    rng = random.Random(20261130)
    now = clock.now()
    uris = {name: f"sqlite:///{scratch / (name + '.db')}" for name in ("leaders", "screenings")}
    seed.seed_leaders(uris["leaders"], uris["screenings"], args.leaders, now, rng)
    located = place_leaders(uris["leaders"], rng)
    seed.analyze(uris["leaders"])
    print(f"roster: {args.leaders} leaders, {located} at a ZIP code")
    time_nearest(uris["leaders"], incidents(args.incidents, rng), args.rounds, now.date())

    library = build_library(args.resources, rng)
    write_library(uris["screenings"], library)
    seed.analyze(uris["screenings"])
    print(f"\nlibrary: {len(library)} entries ({sum(1 for r in library if r.retired)} retired)")
    time_library(uris["screenings"], queries(rng), args.rounds)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reach", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaders", type=int, default=5000)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--incidents", type=int, default=100, help="incident ZIP codes (the border ones included)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over the incidents and the searches")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (databases)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 300 leaders, the program's own library entries, 1 round")
    args = parser.parse_args(argv)
    if args.resources < len(SEED):
        parser.error(f"--resources must be at least {len(SEED)} (the program's own entries)")
    if args.quick:
        args.leaders, args.resources, args.incidents, args.rounds = 300, len(SEED), 10, 1
    return run_in_scratch(run, args, "bench-reach-")


if __name__ == "__main__":
    sys.exit(main())
