"""What the benchmarks share around the system they measure: a RabbitMQ vhost of their
own, the services started as processes, waiting for a condition, and a process's memory."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from services.runtime.config import read_config

ROOT = Path(__file__).resolve().parents[1]


def rabbitmqctl(*args: str) -> None:
    binary = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise SystemExit(f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip()}")


class PrivateVhost:
    """A vhost for one run on the broker config.yml names (AMQP_URI), open to its user, so
    the run's queues meet nothing else; `delete()` removes it with everything in it."""

    def __init__(self, prefix: str):
        broker = urlsplit(read_config()["AMQP_URI"])
        self.name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        rabbitmqctl("add_vhost", self.name)
        try:
            rabbitmqctl("set_permissions", "-p", self.name, broker.username or "guest", ".*", ".*", ".*")
        except SystemExit:
            self.delete()
            raise
        self.uri = f"{broker.scheme}://{broker.netloc}/{self.name}"

    def delete(self) -> None:
        rabbitmqctl("delete_vhost", self.name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_services(services: dict[str, str], amqp_uri: str, uris: dict[str, str], scratch: Path,
                   processes: dict[str, subprocess.Popen], **settings) -> int:
    """Each of `services` (name: nameko path) as a `nameko run` process of its own, logging
    to scratch/<name>.log, with timers and sweeps slowed out of the way (they would only add
    noise to what is measured); `settings` adds to or replaces the config. `processes`
    collects each process as it starts, for the caller to stop. Returns the gateway's port."""
    port = free_port()
    config = {
        "AMQP_URI": amqp_uri, "DB_URIS": uris, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "MESSAGING": {"retry_delays": [1, 5], "outbox_sweep_seconds": 60, "timer_seconds": 3600,
                      "quorum_queues": False},
        "GATEWAY": {"rpc_timeout_seconds": 30},
        **settings,
    }
    config_file = scratch / "config.yml"
    config_file.write_text(yaml.safe_dump(config))
    for name, service in services.items():
        log = open(scratch / f"{name}.log", "w")
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(config_file), service],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return port


def stop_services(processes: dict[str, subprocess.Popen]) -> None:
    """Stop what start_services started: terminate each, then kill any still running after 20 s."""
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    processes.clear()


def run_in_scratch(run, args, prefix: str) -> int:
    """`run(args, scratch)` in a scratch directory of its own, deleted afterwards unless
    `args.keep`; a terminated run still stops its processes (their `finally` blocks)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return run(args, scratch)
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def wait_until(condition, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


def memory_mib(pid: int, field: str = "VmHWM") -> float:
    """A memory figure of a live process from /proc (VmHWM: its peak resident set)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/{pid}/status")
