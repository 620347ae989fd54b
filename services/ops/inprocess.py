"""Demo mode of `niot run`: every service in this one process on an in-memory broker.

Used when no RabbitMQ answers and AMQP_URI was not set. Messages live only in this
process's memory: whatever is in flight is lost when it stops.
Run as `python -m services.ops.inprocess --config config.yml [--no-demo-data]`.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import importlib  # noqa: E402
import signal  # noqa: E402
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from nameko import config as nameko_config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from services.runtime import topology  # noqa: E402
from services.runtime.config import db_uri, messaging, read_config  # noqa: E402
from services.runtime.migrate import upgrade  # noqa: E402

from . import launcher, memory_transport  # noqa: E402
from .system import SERVICE_CLASSES  # noqa: E402

BANNER = """
DEMO MODE: no RabbitMQ answered, so every service runs in this one process on an
in-memory broker. Messages do not survive a restart. Start RabbitMQ (or set AMQP_URI)
and run `make run` again for the real thing.
"""


def service_class(name: str):
    module, _, class_name = SERVICE_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), class_name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    parser.add_argument("--service", action="append", required=True)
    parser.add_argument("--demo-data", choices=["auto", "yes", "no"], default="auto")
    args = parser.parse_args()

    cfg = {**read_config(args.config), "AMQP_URI": memory_transport.register()}
    for service in args.service:
        upgrade(service, db_uri(service, cfg))
    settings = messaging(cfg)
    topology.declare(cfg["AMQP_URI"], retry_delays=settings["retry_delays"])
    print(BANNER, flush=True)

    with nameko_config.patch(cfg, clear=True):
        runner = ServiceRunner()
        for service in args.service:
            runner.add_service(service_class(service))
        runner.start()
        stopped = eventlet.event.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.send(True))
        signal.signal(signal.SIGINT, lambda *_: stopped.send(True))
        launcher.after_start(cfg, args.service, {}, demo_data={"auto": None, "yes": True, "no": False}[args.demo_data])
        stopped.wait()
        runner.stop()


if __name__ == "__main__":
    main()
