"""Events per second through the kit (outbox -> broker -> idempotent consumer) against the
raw floor (plain kombu publish-with-confirm and consume-with-ack of the same payloads),
and the delay from commit to handler: during the burst (mostly queueing) and at a steady
moderate pace.

Both sides are deployed the same way: the producing side runs in this process, the
consuming side in a process of its own, as services are. Run:
    python -m bench.messaging [--events N] [--runs R] [--db URL] [--quick]
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from kombu import Connection, Exchange, Producer, Queue  # noqa: E402
from nameko import config as nameko_config  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

from services import contracts  # noqa: E402
from services.runtime import topology  # noqa: E402
from services.runtime.db import make_engine  # noqa: E402
from services.runtime.dependencies import Database  # noqa: E402
from tests.support import kit_probe  # noqa: E402

from ..support import PrivateVhost  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RAW_EXCHANGE = Exchange("bench.raw", type="topic", durable=True)
RAW_QUEUE = Queue("bench.raw", exchange=RAW_EXCHANGE, routing_key="probe_happened", durable=True)


def payloads(count: int) -> list[kit_probe.ProbeHappened]:
    return [kit_probe.ProbeHappened(n=i) for i in range(count)]


def fresh_databases(scratch: Path, db_uri: str | None) -> dict[str, str]:
    if db_uri:  # one PostgreSQL database for both sides, emptied first
        engine = make_engine(db_uri)
        kit_probe.metadata.drop_all(engine)
        kit_probe.metadata.create_all(engine)
        engine.dispose()
        return {"kitprobe": db_uri, "kitsink": db_uri}
    uris = {name: f"sqlite:///{scratch / f'{name}.db'}" for name in ("kitprobe", "kitsink")}
    for uri in uris.values():
        engine = make_engine(uri)
        kit_probe.metadata.create_all(engine)
        engine.dispose()
    return uris


def run_kit(amqp_uri: str, scratch: Path, count: int, db_uri: str | None, pace: float | None = None) -> dict:
    """`count` events as fast as they commit (throughput), or `pace` per second (latency)."""
    uris = fresh_databases(scratch, db_uri)
    settings = {"AMQP_URI": amqp_uri, "DB_URIS": uris, "max_workers": 20, "PREFETCH_COUNT": 50,
                "MESSAGING": {"retry_delays": [1, 5], "outbox_sweep_seconds": 5, "outbox_linger_ms": 5,
                              "timer_seconds": 3600, "quorum_queues": False}}
    config_file = scratch / "sink.yml"
    config_file.write_text(yaml.safe_dump(settings))
    sink = subprocess.Popen(
        [sys.executable, "-m", "nameko", "run", "--config", str(config_file), "tests.support.kit_probe:Sink"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    sink_engine = make_engine(uris["kitsink"])
    try:
        wait_for_consumer(amqp_uri, topology.consumer_queue_name("kitsink"))
        with nameko_config.patch(settings, clear=True):
            producer = ServiceContainer(kit_probe.Probe)
            producer.start()
            database = next(d for d in producer.extensions if isinstance(d, Database))
            try:
                started = time.time()
                for payload in payloads(count):
                    transactions = database.transactions()
                    with transactions.unit_of_work() as uow:
                        uow.session.execute(sa.insert(kit_probe.happenings).values(n=payload.n))
                        uow.publish(payload.model_copy(update={"sent_at": time.time()}))
                    transactions.close()
                    eventlet.sleep(1 / pace if pace else 0)
                committed = time.time()
                while True:
                    with sink_engine.connect() as conn:
                        done, last = conn.execute(
                            sa.text("SELECT count(*), max(handled_at) FROM effects")).one()
                    if done >= count:
                        break
                    eventlet.sleep(0.05)
            finally:
                producer.stop()
        with sink_engine.connect() as conn:
            delays = sorted(conn.execute(sa.text("SELECT handled_at - sent_at FROM effects")).scalars())
            first_handled = conn.execute(sa.text("SELECT min(handled_at) FROM effects")).scalar_one()
        print(f"  producer committed {count / (committed - started):.0f}/s; "
              f"consumer handled {count / (last - first_handled):.0f}/s once started", flush=True)
    finally:
        sink.terminate()
        sink.wait(15)
        sink_engine.dispose()
    return {"rate": count / (last - started), "p50_ms": 1000 * percentile(delays, 50),
            "p99_ms": 1000 * percentile(delays, 99)}


def wait_for_consumer(amqp_uri: str, queue_name: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with Connection(amqp_uri) as connection:
        while time.monotonic() < deadline:
            _, _, consumers = connection.default_channel.queue_declare(queue_name, passive=True)
            if consumers:
                return
            eventlet.sleep(0.1)
    raise TimeoutError(f"no consumer on {queue_name} after {timeout}s")


def run_raw(amqp_uri: str, count: int) -> dict:
    bodies = [contracts.build("kitprobe", p).model_dump_json() for p in payloads(count)]
    with Connection(amqp_uri) as connection:
        RAW_QUEUE(connection.default_channel).declare()
        connection.default_channel.queue_purge(RAW_QUEUE.name)
    consumer = subprocess.Popen(
        [sys.executable, "-m", "bench.messaging.raw_consumer", amqp_uri, RAW_QUEUE.name, str(count)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for_consumer(amqp_uri, RAW_QUEUE.name)
        with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
            producer = Producer(connection.default_channel)
            started = time.time()
            for body in bodies:
                producer.publish(body, exchange=RAW_EXCHANGE, routing_key="probe_happened", mandatory=True,
                                 content_type="application/json", content_encoding="utf-8", delivery_mode=2)
        finished = float(consumer.communicate(timeout=300)[0].strip())
    finally:
        if consumer.poll() is None:
            consumer.kill()
    return {"rate": count / (finished - started)}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(pct / 100 * len(values)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="a PostgreSQL URL for both sides (default: SQLite files)")
    parser.add_argument("--pace", type=float, default=100.0, help="events per second of the latency phase")
    parser.add_argument("--paced-events", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="200 events, 1 run")
    args = parser.parse_args()
    if args.quick:
        args.events, args.runs, args.paced_events = 200, 1, 100

    vhost = PrivateVhost("niot-bench-messaging")
    amqp_uri = vhost.uri
    try:
        topology.declare(amqp_uri, retry_delays=[1, 5], services=["kitsink"])
        kit_runs, raw_runs, paced_runs = [], [], []
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as scratch:
                kit_runs.append(run_kit(amqp_uri, Path(scratch), args.events, args.db))
            raw_runs.append(run_raw(amqp_uri, args.events))
            with tempfile.TemporaryDirectory() as scratch:
                paced_runs.append(run_kit(amqp_uri, Path(scratch), args.paced_events, args.db, pace=args.pace))
            print(f"run {run + 1}: kit {kit_runs[-1]['rate']:.0f} events/s, raw {raw_runs[-1]['rate']:.0f} msg/s, "
                  f"commit->handler in the burst p50 {kit_runs[-1]['p50_ms']:.1f} ms, p99 {kit_runs[-1]['p99_ms']:.1f} ms; "
                  f"at {args.pace:.0f}/s p50 {paced_runs[-1]['p50_ms']:.1f} ms, p99 {paced_runs[-1]['p99_ms']:.1f} ms",
                  flush=True)
    finally:
        vhost.delete()

    kit_rate = statistics.median(r["rate"] for r in kit_runs)
    raw_rate = statistics.median(r["rate"] for r in raw_runs)
    print(json.dumps({
        "events": args.events, "runs": args.runs, "database": "postgresql" if args.db else "sqlite",
        "kit_events_per_s": round(kit_rate, 1), "raw_messages_per_s": round(raw_rate, 1),
        "ratio_kit_over_raw": round(kit_rate / raw_rate, 3),
        "burst_commit_to_handler_p50_ms": round(statistics.median(r["p50_ms"] for r in kit_runs), 2),
        "burst_commit_to_handler_p99_ms": round(statistics.median(r["p99_ms"] for r in kit_runs), 2),
        "paced_target_events_per_s": args.pace,
        "paced_commit_to_handler_p50_ms": round(statistics.median(r["p50_ms"] for r in paced_runs), 2),
        "paced_commit_to_handler_p99_ms": round(statistics.median(r["p99_ms"] for r in paced_runs), 2),
    }, indent=2))


if __name__ == "__main__":
    main()
