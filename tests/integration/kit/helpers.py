from __future__ import annotations

import time
from typing import Callable

import sqlalchemy as sa

from services.runtime.db import READ_ONLY, make_engine


def create_tables(uri: str, metadata: sa.MetaData) -> None:
    engine = make_engine(uri)
    metadata.create_all(engine)
    engine.dispose()


def scalar(uri: str, sql: str):
    engine = make_engine(uri)
    try:
        # A reader's BEGIN: on SQLite it never waits for the services' writers, which in
        # this process cannot run while the driver blocks.
        with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def count(uri: str, sql: str) -> int:
    return scalar(uri, sql)


def queue_settled(amqp_uri: str, queue: str) -> bool:
    """Every message put on `queue` has been delivered and acknowledged: nothing waits on
    it and nothing is in a consumer's hands."""
    import shutil
    import subprocess
    from urllib.parse import unquote, urlsplit

    vhost = unquote(urlsplit(amqp_uri).path[1:]) or "/"
    binary = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    listed = subprocess.run([binary, "list_queues", "-q", "-p", vhost, "name", "messages_ready",
                             "messages_unacknowledged"], capture_output=True, text=True, timeout=60).stdout
    for line in listed.splitlines():
        name, ready, unacknowledged = line.split()
        if name == queue:
            return ready == unacknowledged == "0"
    raise AssertionError(f"no queue {queue} on {vhost}")


def waiting_events(container, event_type: str) -> int:
    """How many events of `event_type` a service holds for a worker that has not started."""
    [handler] = [e for e in container.entrypoints if getattr(e, "event_type", None) == event_type]
    return len(handler._waiting)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    assert condition(), f"condition not met within {timeout}s"


class ServiceProcess:
    """A service run the way production runs it: `nameko run` in its own process."""

    def __init__(self, target: str, config: dict, tmp_path, env: dict | None = None):
        import os
        import subprocess
        import sys

        import yaml

        config_file = tmp_path / f"config-{uuid4_hex()}.yml"
        config_file.write_text(yaml.safe_dump(config))
        self.log = tmp_path / f"{target.replace(':', '-')}-{uuid4_hex()}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(config_file), target],
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    def wait(self, timeout: float = 30) -> int:
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except Exception:
                self.process.kill()
                self.process.wait(5)

    def output(self) -> str:
        return self.log.read_text()


def uuid4_hex() -> str:
    import uuid

    return uuid.uuid4().hex[:8]
