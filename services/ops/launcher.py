"""`niot run`: the whole system on this machine, one process per service.

Migrates every database, declares the broker topology, starts a local SMTP sink that
keeps each message as an .eml file under var/mail/, starts every service and the
gateway with `nameko run`, loads the demo data on the first start, and says where to
look. Ctrl-C stops everything.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from kombu import Connection

from services.runtime import topology
from services.runtime.config import PROJECT_ROOT, db_uri, messaging
from services.runtime.migrate import upgrade

from .system import SERVICE_CLASSES

# Processes whose exit leaves the rest running: mail for the inbound listener waits at
# the relay that forwards it, which retries.
OPTIONAL = frozenset({"mail-inbound"})
# Logs and the mail sink's files; a test points it elsewhere.
VAR = Path(os.environ.get("NIOT_VAR_DIR") or PROJECT_ROOT / "var")


class LaunchError(SystemExit):
    def __init__(self, message: str):
        print(f"niot run: {message}", file=sys.stderr)
        super().__init__(1)


def broker_answers(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def start(name: str, command: list[str], log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "a")
    return subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def run(cfg: dict, services: list[str], *, config_file: Path, demo_data: bool | None) -> int:
    amqp_uri = cfg["AMQP_URI"]
    log_dir, mail_dir = VAR / "log", VAR / "mail"
    log_dir.mkdir(parents=True, exist_ok=True)
    mail_dir.mkdir(parents=True, exist_ok=True)
    if not broker_answers(amqp_uri):
        if os.environ.get("AMQP_URI"):
            raise LaunchError(f"the broker at AMQP_URI={_safe(amqp_uri)} does not answer; start it or fix AMQP_URI")
        return run_in_one_process(cfg, services, config_file=config_file, demo_data=demo_data)

    for service in services:
        upgrade(service, db_uri(service, cfg))
    settings = messaging(cfg)
    topology.declare(amqp_uri, retry_delays=settings["retry_delays"], quorum=bool(settings["quorum_queues"]))
    print(f"databases migrated, broker topology declared on {_safe(amqp_uri)}")

    children = start_mail_sink(cfg)
    if "mailer" in services and "screenings" in services:
        children.update(start_inbound_mail(cfg, config_file, log_dir))
    for service in services:
        children[service] = start(service, [
            sys.executable, "-m", "nameko", "run", "--config", str(config_file), SERVICE_CLASSES[service],
        ], log_dir)

    def stop_all(*_):
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(0)))
    try:
        after_start(cfg, services, children, demo_data=demo_data)
        while True:
            for name, child in list(children.items()):
                if child.poll() is not None:
                    print(f"{name} stopped (exit {child.returncode}); see {log_dir / (name + '.log')}",
                          file=sys.stderr)
                    if name not in OPTIONAL:
                        return 1
                    del children[name]
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping")
        return 0
    finally:
        stop_all()


def run_in_one_process(cfg: dict, services: list[str], *, config_file: Path, demo_data: bool | None) -> int:
    """No broker and no AMQP_URI: the demo mode, every service in one process in memory."""
    children = start_mail_sink(cfg)
    command = [sys.executable, "-m", "services.ops.inprocess", "--config", str(config_file),
               "--demo-data", {None: "auto", True: "yes", False: "no"}[demo_data]]
    for service in services:
        command += ["--service", service]
    try:
        return subprocess.call(command, cwd=PROJECT_ROOT)
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children.values():
            child.terminate()


def after_start(cfg: dict, services: list[str], children: dict, *, demo_data: bool | None) -> None:
    """Wait for every service to answer, load the demo data on a first start, say where to look."""
    _wait_until_up(cfg, services, children)
    if demo_data is not False:
        from .demo import load_if_empty

        loaded = load_if_empty(cfg, force=bool(demo_data))
        print("demo data loaded" if loaded else "demo data: the roster already has leaders; left as it is")
    _announce(cfg, VAR / "mail", VAR / "log", inbound="mail-inbound" in children)


def start_mail_sink(cfg: dict) -> dict[str, subprocess.Popen]:
    """The local SMTP sink, when mail goes to this machine and nothing listens there yet."""
    smtp = cfg.get("SMTP") or {}
    host, port = str(smtp.get("host", "127.0.0.1")), int(smtp.get("port", 1025))
    if host not in ("127.0.0.1", "localhost") or port_in_use(host, port):
        return {}
    return {"mail-sink": start("mail-sink", [
        sys.executable, "-m", "services.mailer.sink", "--host", host, "--port", str(port),
        "--dir", str(VAR / "mail")], VAR / "log")}


def inbound_address(cfg: dict) -> tuple[str, int]:
    inbound = (cfg.get("MAILER") or {}).get("inbound") or {}
    return str(inbound.get("host") or "127.0.0.1"), int(inbound.get("port") or 2525)


def start_inbound_mail(cfg: dict, config_file: Path, log_dir: Path) -> dict[str, subprocess.Popen]:
    """The mailer's inbound SMTP listener (MAILER.inbound, on loopback by default), where
    calendar replies to invitations come back; not when something else holds its port
    (the relay keeps replies until a listener takes them)."""
    host, port = inbound_address(cfg)
    if port_in_use(host if host not in ("0.0.0.0", "") else "127.0.0.1", port):
        print(f"calendar replies: port {port} is in use, so the inbound listener is not started "
              "(set MAIL_INBOUND_PORT)", file=sys.stderr)
        return {}
    return {"mail-inbound": start("mail-inbound", [
        sys.executable, "-m", "services.mailer.inbound.listener", "--config", str(config_file)], log_dir)}


def _rpc_consumers(connection, service: str) -> int:
    """Consumers on the service's RPC queue, 0 while it is not declared yet."""
    from amqp.exceptions import NotFound
    from nameko.rpc import RPC_QUEUE_TEMPLATE

    channel = connection.channel()
    try:
        return channel.queue_declare(RPC_QUEUE_TEMPLATE.format(service), passive=True).consumer_count
    except NotFound:
        return 0
    finally:
        try:
            channel.close()
        except Exception:  # noqa: BLE001  (the broker closed it after the 404)
            pass


def _wait_until_up(cfg: dict, services: list[str], children: dict, timeout: float = 90) -> None:
    """Until each service answers its health RPC. A call is sent only once the service
    consumes its RPC queue: a request nobody can route comes back from the broker with
    its confirm, and each such call logged "Received method (60, 80) during closing
    channel" as the client dropped its channel with that confirm still on the way."""
    from nameko.exceptions import RpcTimeout, UnknownService
    from nameko.standalone.rpc import ClusterRpcClient

    deadline = time.monotonic() + timeout
    waiting = [s for s in services if s != "gateway"]
    with ClusterRpcClient(uri=cfg["AMQP_URI"], timeout=5) as client, \
            Connection(cfg["AMQP_URI"], connect_timeout=5) as connection:
        while waiting:
            for name, child in children.items():
                if child.poll() is not None and name not in OPTIONAL:
                    raise LaunchError(f"{name} exited during start-up; see var/log/{name}.log")
            if time.monotonic() > deadline:
                raise LaunchError(f"{', '.join(waiting)} did not start within {timeout:.0f}s; see var/log/")
            service = waiting[0]
            try:
                if not _rpc_consumers(connection, service):
                    raise UnknownService(service)
                getattr(client, service).health()
                waiting.pop(0)
            except (UnknownService, RpcTimeout):
                time.sleep(0.5)


def _announce(cfg: dict, mail_dir: Path, log_dir: Path, *, inbound: bool) -> None:
    address = str(cfg.get("WEB_SERVER_ADDRESS", "0.0.0.0:8000"))
    host, port = address.rsplit(":", 1)
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    replies = ("smtp://{}:{}  (invitees' answers: .venv/bin/niot calendar-replies)".format(*inbound_address(cfg))
               if inbound else "not taken (no inbound listener in this mode)")
    print(f"""
The NIOT Law Enforcement Network is running.

  web and API     {base}/            (API reference: {base}/docs)
  calendar feed   {base}/feeds/screenings.ics
  sent mail       {mail_dir}/        (one .eml file per message)
  calendar replies {replies}
  service logs    {log_dir}/
  dead letters    .venv/bin/niot dead-letters list

Press Ctrl-C to stop.
""", flush=True)


def _safe(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.password:
        return uri.replace(f":{parsed.password}@", ":***@")
    return uri
