"""Resource library search at 2,000 resources (the default): the rules alone, then
through the gateway.

- Builds the library: the program's own entries (services/screenings/library/seed.py)
  and variations of them up to the count (each with its own topics, kind and audiences;
  one in ten retired), so searches meet the real vocabulary and text.
- Rules: times `search` (services/screenings/library/domain.py) in this process for each
  kind of query — words, a topic, kind and audience, words with filters, a late page —
  and prints the median and p99 of each.
- Gateway: writes the same entries into a migrated screenings database, starts screenings
  and the gateway as separate `nameko run` processes on a private RabbitMQ vhost, and
  loads GET /api/resources (and the managers' list with retired entries) from another
  process (bench/api/load.py): C keep-alive clients (default 8), a warm-up, then a fixed
  measured period per search. Prints the median and p99 latency, throughput and errors.

Run: python -m bench.library [--resources N] [--clients C] [--duration S] [--warmup S]
                             [--rules-only] [--quick]
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
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from services.contracts.topics import TOPICS
from services.runtime import clock, topology
from services.runtime.db import make_engine
from services.runtime.migrate import upgrade
from services.screenings.films import Audience
from services.screenings.library import domain
from services.screenings.library.domain import Resource, ResourceKind
from services.screenings.library.models import ResourceRow
from services.screenings.library.seed import SEED

from ..api import seed
from ..api.__main__ import load, print_figures, wait_serving
from ..support import PrivateVhost, run_in_scratch, start_services, stop_services

SERVICES = {"screenings": "services.screenings.service:ScreeningsService",
            "gateway": "services.gateway.service:GatewayService"}
WORDS = ("immigrant", "community policing", "hate crime", "trust", "racially biased", "report", "language",
         "victim", "LGBTQ", "prevention")


def build_library(count: int, rng: random.Random) -> list[Resource]:
    """The seed entries, then numbered variations of them with their own tags, up to `count`."""
    entries = list(SEED)
    topics, kinds, audiences = list(TOPICS), list(ResourceKind), list(Audience)
    now = clock.now()
    n = 0
    while len(entries) < count:
        n += 1
        base = SEED[n % len(SEED)]
        entries.append(replace(
            base, key=None, title=f"{base.title} ({n})", kind=rng.choice(kinds),
            topics=tuple(t for t in topics if t in set(rng.sample(topics, rng.randint(0, 3)))),
            audiences=tuple(a for a in audiences if a in set(rng.sample(audiences, rng.randint(1, 3)))),
            retired_at=now if rng.random() < 0.1 else None))
    return [replace(entry, id=number) for number, entry in enumerate(entries[:count], start=1)]


def queries(rng: random.Random) -> dict[str, list[dict]]:
    topics, kinds, audiences = list(TOPICS), [k.value for k in ResourceKind], [a.value for a in Audience]
    return {
        "words": [{"text": w} for w in WORDS],
        "topic": [{"topic": t} for t in topics],
        "kind + audience": [{"kind": rng.choice(kinds), "audience": rng.choice(audiences)} for _ in range(10)],
        "words + filters": [{"text": rng.choice(WORDS), "topic": rng.choice(topics), "audience": "law_enforcement"}
                            for _ in range(10)],
        "everything, page 50": [{"page": 50, "page_size": 20}],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_rules(library: list[Resource], searches: dict[str, list[dict]], rounds: int) -> None:
    """The rules alone on entries already in memory (what the service does after reading them)."""
    print(f"\nRules (domain.search over {len(library)} entries in memory, {rounds} rounds per query):")
    print(f"  {'search':22s} {'p50 ms':>9s} {'p99 ms':>9s} {'found':>7s}")
    for name, raws in searches.items():
        timings, found = [], 0
        for _ in range(rounds):
            for raw in raws:
                query = domain.parse_query(raw)
                started = time.perf_counter()
                result = domain.search(library, query)
                timings.append((time.perf_counter() - started) * 1000)
                found = result.total
        print(f"  {name:22s} {statistics.median(timings):9.2f} {percentile(timings, 0.99):9.2f} {found:7d}")
        print(f"{name}: median {statistics.median(timings):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms")


def write_library(uri: str, library: list[Resource]) -> None:
    upgrade("screenings", uri)
    rows = [{"id": r.id, "key": r.key, "title": r.title, "publisher": r.publisher, "kind": r.kind.value,
             "series": r.series, "description": r.description, "search_text": domain.searchable_text(r),
             "sort_title": domain.title_key(r.title),
             "topics": json.dumps(list(r.topics)),
             "audiences": json.dumps([a.value for a in r.audiences]), "url": r.url, "added_at": None,
             "updated_at": None, "retired_at": r.retired_at} for r in library]
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(ResourceRow.__table__), rows)
    finally:
        engine.dispose()


def api_paths(searches: dict[str, list[dict]]) -> dict[str, list[str]]:
    return {name: ["/api/resources?" + urlencode(raw) for raw in raws] for name, raws in searches.items()}


def run(args, scratch: Path) -> int:
    rng = random.Random(20261130)
    library = build_library(args.resources, rng)
    searches = queries(rng)
    print(f"library: {len(library)} entries ({sum(1 for r in library if r.retired)} retired)")
    time_rules(library, searches, args.rounds)
    if args.rules_only:
        return 0

    uris = {name: f"sqlite:///{scratch / (name + '.db')}" for name in ("screenings", "gateway")}
    write_library(uris["screenings"], library)
    token = seed.manager_token(uris["gateway"], clock.now())
    seed.analyze(uris["screenings"])
    paths = api_paths(searches)
    manager_paths = {"managers' list": ["/api/manage/resources?" + urlencode({"page": p, "page_size": 20})
                                       for p in (1, 20, 50)]}
    headers = {"Authorization": f"Bearer {token}"}
    vhost = PrivateVhost("niot-bench-library")
    processes: dict[str, subprocess.Popen] = {}
    try:
        topology.declare(vhost.uri, retry_delays=[1, 5])
        port = start_services(SERVICES, vhost.uri, uris, scratch, processes)
        wait_serving(port, {**paths, **manager_paths}, headers, processes, scratch, 90)
        print(f"\nload: {args.clients} clients, keep-alive, {args.warmup:g} s warm-up + {args.duration:g} s measured "
              f"per search")
        figures = {name: load(port, found, headers, args) for name, found in {**paths, **manager_paths}.items()}
        print_figures("Gateway (HTTP -> gateway -> RPC -> screenings, GET /api/resources):", figures)
        for name, f in figures.items():
            print(f"{name}: median {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} CPUs)")
        return 1 if sum(f["errors"] for f in figures.values()) else 0
    finally:
        stop_services(processes)
        vhost.delete()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=50, help="rounds of each query for the rules' timing")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per search")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per search")
    parser.add_argument("--rules-only", action="store_true", help="time the rules only (no broker, no services)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (databases, logs)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 clients, 1 + 3 s per search, 10 rounds")
    args = parser.parse_args(argv)
    if args.resources < len(SEED):
        parser.error(f"--resources must be at least {len(SEED)} (the program's own entries)")
    if args.quick:
        args.clients, args.warmup, args.duration, args.rounds = 4, 1.0, 3.0, 10
    return run_in_scratch(run, args, "bench-library-")


if __name__ == "__main__":
    sys.exit(main())
