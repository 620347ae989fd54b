"""A RabbitMQ node and a PostgreSQL cluster of the fault suite's own, on ports and data
directories nobody else uses, so the suite can stop and restart them without touching
the machine's shared instances. Both are started from the Debian packages' programs; the
broker runs as the rabbitmq user and the cluster as the postgres user (started through
`runuser` when the suite runs as root, as CI does)."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from bench.support import free_port


class BackingServiceError(RuntimeError):
    pass


def _run(args: list[str], *, env: dict | None = None, timeout: float = 90) -> str:
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackingServiceError(f"{' '.join(args)}: {exc}") from exc
    if result.returncode != 0:
        raise BackingServiceError(f"{' '.join(args)} failed ({result.returncode}): "
                                  f"{(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout


def _private_directory(prefix: str, owner: str) -> Path:
    """A fresh directory the service's own user can write (its parent, /tmp, lets it in)."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(directory, owner, owner)
    return directory


class PrivateRabbit:
    """`rabbitmq-server -detached` as node niot-faults-<id>@localhost on a free port, with
    no plugins and its database and logs in a directory of its own."""

    def __init__(self):
        self.node = f"niot-faults-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.directory = _private_directory("niot-faults-rabbit-", "rabbitmq")
        (self.directory / "enabled_plugins").write_text("[].\n")
        (self.directory / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        if os.geteuid() == 0:
            for name in ("enabled_plugins", "rabbitmq.conf"):
                shutil.chown(self.directory / name, "rabbitmq", "rabbitmq")
        self.pid_file = self.directory / "pid"
        self.env = {
            **os.environ, "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()), "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq.conf"),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"), "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
        }
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        self.started = False

    def start(self) -> PrivateRabbit:
        server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
        _run([server, "-detached"], env=self.env)
        self.started = True
        self.ctl("wait", str(self.pid_file), "--timeout", "90", timeout=120)
        return self

    def ctl(self, *args: str, timeout: float = 90) -> str:
        binary = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
        return _run([binary, "-n", self.node, *args], env=self.env, timeout=timeout)

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")

    def close(self) -> None:
        try:
            if self.started:
                self.ctl("stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def _pg_program(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackingServiceError(f"PostgreSQL's {name} is not installed")
    return found


class PrivatePostgres:
    """A cluster made by initdb (trust auth) on a free port, listening on 127.0.0.1 only."""

    def __init__(self):
        self.port = free_port()
        self.directory = _private_directory("niot-faults-pg-", "postgres")
        self.data = self.directory / "data"
        self.admin_uri = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.started = False

    def _as_postgres(self, program: str, *args: str, timeout: float = 120) -> str:
        command = [_pg_program(program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return _run(command, timeout=timeout)

    def start(self) -> PrivatePostgres:
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        self._as_postgres("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-o", options,
                          "-w", "start")
        self.started = True
        return self

    def restart(self) -> None:
        """A fast shutdown (every connection cut) and a start, as an operator's restart does."""
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart",
                          "-l", str(self.directory / "server.log"))

    def close(self) -> None:
        try:
            if self.started:
                self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
