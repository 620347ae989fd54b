"""National feed with N listed screenings (default 10,000).

Prints, as medians of several runs:
- serving the feed warm in-process (feed-version read + dict lookup) and through the
  service's RPC (a `nameko run` process on the real broker, same database);
- the cold build from cached-nothing, and a naive rebuild with icalendar
  (calendar.naive_feed) of the same events in the same run, and the warm/naive ratio;
- the 304 path (If-None-Match) in-process and over RPC;
- peak RSS of this process and of the service process.

    .venv/bin/python -m bench.feeds [--events 10000] [--runs 7] [--quick]
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from services.runtime import clock
from services.runtime.db import make_engine, session_factory
from services.runtime.migrate import upgrade
from services.screenings import calendar, feeds
from services.screenings.domain.screening import register_screening
from services.screenings.models import LeaderRow, ScreeningRow
from services.screenings.repository import FeedVersionRepository, ScreeningsUnitOfWork, host_from_row, \
    screening_from_row
from services.screenings.settings import ScreeningsSettings

from ..support import PrivateVhost, free_port, memory_mib

ZONES = [("IL", "America/Chicago"), ("NY", "America/New_York"), ("CA", "America/Los_Angeles"),
         ("CO", "America/Denver"), ("HI", "Pacific/Honolulu"), ("WA", "America/Los_Angeles")]
REGIONS = [f"region-{n}" for n in range(1, 11)]


def populate(uri: str, count: int) -> None:
    upgrade("screenings", uri)
    engine = make_engine(uri)
    factory = session_factory(engine)
    now = clock.now()
    rng = random.Random(20260715)
    with factory.begin() as session:
        uow = ScreeningsUnitOfWork(session)
        leaders = []
        for n in range(1, 201):
            state, _ = ZONES[n % len(ZONES)]
            row = LeaderRow(leader_id=n, leader_version=1, name=f"Leader {n}", email=f"leader{n}@pd.example.gov",
                            agency="Police Department", title="Sergeant", state=state,
                            region=REGIONS[n % len(REGIONS)], region_grouping="federal", status="active",
                            trusted_host=True, away_until=None, updated_at=now)
            session.add(row)
            leaders.append(row)
        session.flush()
        for i in range(count):
            host = leaders[i % len(leaders)]
            state, zone = ZONES[i % len(ZONES)]
            day = (now + timedelta(days=1 + i // 40)).date()
            start = datetime(day.year, day.month, day.day, 9 + rng.randrange(0, 10), rng.choice((0, 30)))
            raw = {
                "kind": "film_screening", "format": "community_screening", "film": "waking-in-oak-creek",
                "title": f"Community screening #{i}",
                "venue": {"name": f"Library {i}", "address": f"{i} Main St", "city": "Springfield", "state": state},
                "time_zone": zone, "start": start, "end": start + timedelta(hours=2), "capacity": 80,
                "audiences": ["general_public"], "description": "Screening followed by a guided discussion.",
            }
            screening = register_screening(
                raw, host=host_from_row(host), now=now, uid_domain="bench.niot-len.org")
            uow.screenings.add(screening)
            if i % 1000 == 999:
                session.flush()
    engine.dispose()


def median_ms(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def in_process(uri: str, runs: int) -> dict:
    engine = make_engine(uri)
    factory = session_factory(engine)
    cache = feeds.FeedCache()
    settings = ScreeningsSettings()

    def serve(**conditions):
        with factory.begin() as session:
            return feeds.serve(session, cache, "national", None, now=clock.now(), past_days=90,
                               base_url=settings.public_base_url, **conditions)

    started = time.perf_counter()
    first = serve()
    cold_ms = (time.perf_counter() - started) * 1000
    warm_ms = median_ms(serve, runs * 5)
    not_modified_ms = median_ms(lambda: serve(if_none_match=first["etag"]), runs * 5)
    assert serve(if_none_match=first["etag"])["not_modified"]

    def change_one_and_serve():
        with factory.begin() as session:
            row = session.query(ScreeningRow).filter(ScreeningRow.in_feeds.is_(True)).first()
            row.updated_at = clock.now() + timedelta(microseconds=random.randrange(1, 10**6))
            FeedVersionRepository(session).bump()
        started = time.perf_counter()
        serve()
        return (time.perf_counter() - started) * 1000

    rebuild_ms = statistics.median(change_one_and_serve() for _ in range(runs))
    first = serve()

    with factory.begin() as session:
        rows = session.query(ScreeningRow).filter(ScreeningRow.in_feeds.is_(True)).order_by(
            ScreeningRow.start_at, ScreeningRow.id).all()
        events = [calendar.CalendarEvent.from_screening(
            screening_from_row(r), url=settings.url(f"/screenings/{r.id}")) for r in rows]
    name, description = "NIOT Law Enforcement Network screenings", \
        "Public film screenings and guided discussions across the network"
    naive_samples = []
    naive_body = b""
    for _ in range(max(3, runs // 2)):
        started = time.perf_counter()
        naive_body = calendar.naive_feed(events, name=name, description=description)
        naive_samples.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return {
        "events": len(events), "bytes": len(first["body"].encode()), "cold_ms": cold_ms, "warm_ms": warm_ms,
        "not_modified_ms": not_modified_ms, "rebuild_ms": rebuild_ms, "naive_ms": statistics.median(naive_samples),
        "same_bytes": naive_body == first["body"].encode(), "etag": first["etag"],
    }


def over_rpc(uri: str, runs: int, workdir: Path) -> dict:
    from nameko.standalone.rpc import ClusterRpcClient

    from services.runtime import topology

    vhost = PrivateVhost("niot-bench-feeds")
    amqp_uri = vhost.uri
    process = None
    try:
        topology.declare(amqp_uri, retry_delays=[1, 5])
        gateway_port = free_port()
        config = {"AMQP_URI": amqp_uri, "DB_URIS": {"screenings": uri, "gateway": f"sqlite:///{workdir / 'gateway.db'}"},
                  "max_workers": 10, "WEB_SERVER_ADDRESS": f"127.0.0.1:{gateway_port}",
                  "MESSAGING": {"retry_delays": [1, 5], "outbox_sweep_seconds": 5, "timer_seconds": 60}}
        config_file = workdir / "config.yml"
        config_file.write_text(yaml.safe_dump(config))
        log = open(workdir / "service.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(config_file),
             "services.screenings.service:ScreeningsService"], stdout=log, stderr=subprocess.STDOUT)
        with ClusterRpcClient(uri=amqp_uri, timeout=120) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.screenings.list_films()
                    break
                except Exception:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError((workdir / "service.log").read_text())
                    time.sleep(0.3)
            started = time.perf_counter()
            first = client.screenings.national_feed()
            cold_ms = (time.perf_counter() - started) * 1000
            warm_ms = median_ms(client.screenings.national_feed, runs)
            not_modified_ms = median_ms(lambda: client.screenings.national_feed(if_none_match=first["etag"]), runs * 3)
        gateway = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(config_file),
             "services.gateway.service:GatewayService"], stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{gateway_port}/feeds/screenings.ics"
        http_first = _http_get(url, deadline=time.monotonic() + 60)  # fills the gateway's cache
        http_warm_ms = median_ms(lambda: _http_get(url), runs)
        http_304_ms = median_ms(lambda: _http_get(url, etag=first["etag"]), runs * 3)
        assert http_first == first["body"].encode(), "the gateway served a different feed"
        peak_mib = memory_mib(process.pid)
        return {"cold_ms": cold_ms, "warm_ms": warm_ms, "not_modified_ms": not_modified_ms,
                "http_warm_ms": http_warm_ms, "http_not_modified_ms": http_304_ms,
                "service_peak_rss_mb": peak_mib, "etag": first["etag"]}
    finally:
        for child in (process, locals().get("gateway")):
            if child is not None and child.poll() is None:
                child.terminate()
                child.wait(20)
        vhost.delete()


def _http_get(url: str, *, etag: str | None = None, deadline: float | None = None) -> bytes:
    """GET the feed; waits for the gateway to come up when given a deadline."""
    while True:
        request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return b""
            if deadline is None or time.monotonic() > deadline:
                raise
        except OSError:
            if deadline is None or time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="500 events, 3 runs (a smoke run)")
    parser.add_argument("--db", help="database URI (default: a fresh SQLite file)")
    parser.add_argument("--no-rpc", action="store_true", help="skip the service process / broker part")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.runs = 500, 3

    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        uri = args.db or f"sqlite:///{workdir / 'screenings.db'}"
        started = time.perf_counter()
        populate(uri, args.events)
        print(f"populated {args.events} screenings in {time.perf_counter() - started:.1f} s ({uri.split(':')[0]})")

        local = in_process(uri, args.runs)
        print(f"feed: {local['events']} events, {local['bytes'] / 1e6:.2f} MB; naive output identical: {local['same_bytes']}")
        print(f"in-process cold build (renders every VEVENT):  {local['cold_ms']:10.2f} ms")
        print(f"in-process warm serve (median):                {local['warm_ms']:10.3f} ms")
        print(f"in-process 304 path (median):                  {local['not_modified_ms']:10.3f} ms")
        print(f"rebuild after one change (median):             {local['rebuild_ms']:10.2f} ms")
        print(f"naive icalendar rebuild (median):              {local['naive_ms']:10.2f} ms")
        print(f"ratio naive / warm in-process:                 {local['naive_ms'] / local['warm_ms']:10.0f} x")
        print(f"peak RSS of this process:                      {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:10.1f} MB")
        if not args.no_rpc:
            remote = over_rpc(uri, args.runs, workdir)
            assert remote["etag"] == local["etag"], "the service and the in-process build disagree"
            print(f"RPC first request (start-up prewarm racing):  {remote['cold_ms']:10.2f} ms")
            print(f"RPC warm serve (median, body over the broker): {remote['warm_ms']:10.2f} ms")
            print(f"RPC 304 path (median):                         {remote['not_modified_ms']:10.2f} ms")
            print(f"ratio naive / warm over RPC:                   {local['naive_ms'] / remote['warm_ms']:10.1f} x")
            print(f"HTTP warm serve through the gateway (median):  {remote['http_warm_ms']:10.2f} ms")
            print(f"HTTP 304 through the gateway (median):         {remote['http_not_modified_ms']:10.2f} ms")
            print(f"ratio naive / warm through the gateway:        {local['naive_ms'] / remote['http_warm_ms']:10.1f} x")
            print(f"peak RSS of the service process:               {remote['service_peak_rss_mb']:10.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
