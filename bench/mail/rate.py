"""The shared sending-rate limit, checked by counting: the mailer (`nameko run`, 4
connections) sends N messages with MAIL_RATE_PER_SECOND set, and the SMTP server writes
each one as a file named by its arrival time (microseconds). Prints how long they took
against N / rate, and the most messages any 2 s window carried against 2 x rate.

    python -m bench.mail.rate [--rate 20] [--events 400] [--quick]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from services.runtime import topology

from ..support import PrivateVhost
from .__main__ import accepted, run_mailer, start_smtp_server


def arrivals(directory: Path) -> list[float]:
    """Arrival times (epoch seconds) from the file names the server gives messages."""
    stamps = []
    for path in directory.glob("*.eml"):
        stamp = datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S.%fZ")
        stamps.append(stamp.replace(tzinfo=timezone.utc).timestamp())
    return sorted(stamps)


def busiest(times: list[float], window: float) -> int:
    """The most arrivals in any `window` seconds (windows starting at an arrival)."""
    most, end = 0, 0
    for start, at in enumerate(times):
        while end < len(times) and times[end] < at + window:
            end += 1
        most = max(most, end - start)
    return most


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail.rate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="MAIL_RATE_PER_SECOND")
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--db", help="PostgreSQL URL for the mailer (default: a fresh SQLite file)")
    parser.add_argument("--quick", action="store_true", help="60 events (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 60

    vhost = PrivateVhost("niot-bench-mail-rate")
    with tempfile.TemporaryDirectory() as scratch:
        mail = Path(scratch) / "mail"
        server, port = start_smtp_server(0, mail)
        try:
            topology.declare(vhost.uri, retry_delays=[1, 5])
            run_mailer(vhost.uri, Path(scratch), port, args.events, args.db, rate_per_second=args.rate)
            total, distinct = accepted(port)
        finally:
            server.terminate()
            server.wait(10)
            vhost.delete()
        times = arrivals(mail)

    took = times[-1] - times[0]
    expected = (len(times) - 1) / args.rate
    window = busiest(times, 2.0)
    print(f"{args.events} messages at MAIL_RATE_PER_SECOND={args.rate:g} (4 connections)")
    print(f"  first to last arrival:  {took:6.2f} s  (slots need {expected:.2f} s; "
          f"{100 * (took - expected) / expected:+.1f}%, goal within 10%)")
    print(f"  busiest 2 s window:     {window:6d}     (limit {2 * args.rate:.0f}; goal <= {2.2 * args.rate:.0f})")
    print(f"  server accepted {total} messages, {distinct} distinct Message-IDs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
