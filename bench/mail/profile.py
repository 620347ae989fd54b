"""Where the mailer's CPU time goes: the real MailerService in this process under cProfile,
draining N rsvp_confirmed events (published before it starts) into a loopback SMTP
server in another process.

    python -m bench.mail.profile [--events N] [--db URL] [--sort tottime] [--top 40]
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from kombu import Connection, Producer  # noqa: E402
from nameko import config as nameko_config  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

from services.runtime import topology  # noqa: E402

from ..support import PrivateVhost  # noqa: E402
from .__main__ import accepted, events, fresh_database, mailer_config, start_smtp_server  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail.profile", description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--db", help="PostgreSQL URL for the mailer (default: a fresh SQLite file)")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--output", help="also save the raw profile here (for snakeviz and the like)")
    args = parser.parse_args(argv)

    vhost = PrivateVhost("niot-bench-mail-profile")
    amqp_uri = vhost.uri
    server, port = start_smtp_server()
    try:
        topology.declare(amqp_uri, retry_delays=[1, 5])
        with tempfile.TemporaryDirectory() as scratch:
            uri = fresh_database(Path(scratch), args.db)
            with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
                producer = Producer(connection.default_channel)
                for body in events(args.events):
                    producer.publish(body, exchange=topology.events_exchange("screenings"),
                                     routing_key="rsvp_confirmed", content_type="application/json",
                                     content_encoding="utf-8", serializer=None)
            from services.mailer.service import MailerService

            with nameko_config.patch(mailer_config(amqp_uri, uri, port), clear=True):
                container = ServiceContainer(MailerService)
                before = accepted(port)[0]
                profiler = cProfile.Profile(time.process_time)
                started = time.perf_counter()
                profiler.enable()
                container.start()
                while accepted(port)[0] - before < args.events:
                    eventlet.sleep(0.05)
                profiler.disable()
                elapsed = time.perf_counter() - started
                container.stop()
    finally:
        server.terminate()
        server.wait(10)
        vhost.delete()

    print(f"{args.events} events drained in {elapsed:.2f} s under the profiler "
          f"({args.events / elapsed:.0f} msg/s; profiling slows it down)\n")
    stats = pstats.Stats(profiler).sort_stats(args.sort)
    if args.output:
        stats.dump_stats(args.output)
    stats.print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
