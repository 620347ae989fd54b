"""Shared fixtures. Integration tests run against the real RabbitMQ and the database chosen
by NIOT_TEST_DB (sqlite, the default, or postgresql). When either is missing, tests that
need it fail with the reason: they never skip."""
import eventlet

eventlet.monkey_patch()  # before anything imports socket or threading

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

BROKER = os.environ.get("NIOT_TEST_BROKER", "127.0.0.1:5672")
PG_ADMIN_URI = os.environ.get("NIOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _real_clock():
    """Every test starts and ends on the real clock: one that moves it forward (to make a
    digest or a deadline due) must not leave the services of the next test in the future."""
    from services.runtime import clock

    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def processes():
    """Service processes a test starts (tests.integration.kit.helpers.ServiceProcess),
    stopped when it ends."""
    started: list = []
    yield started
    for process in started:
        process.stop()


def _rabbitmqctl(*args: str) -> None:
    binary = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.fail(f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")


@pytest.fixture(scope="session")
def amqp_uri():
    """A private vhost on the real broker for this test session."""
    from kombu import Connection

    try:
        with Connection(f"amqp://guest:guest@{BROKER}//", connect_timeout=5) as probe:
            probe.connect()
    except Exception as exc:
        pytest.fail(f"RabbitMQ is required at {BROKER} and did not answer: {exc}")
    vhost = f"niot-test-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@{BROKER}/{vhost}"
    _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def db_backend():
    backend = os.environ.get("NIOT_TEST_DB", "sqlite")
    if backend not in ("sqlite", "postgresql"):
        pytest.fail(f"NIOT_TEST_DB must be sqlite or postgresql, not {backend!r}")
    return backend


@pytest.fixture
def make_db_uri(db_backend, tmp_path):
    """Fresh, empty databases: a file per call on SQLite, a database per call on PostgreSQL."""
    import sqlalchemy as sa

    created = []
    admin = None
    if db_backend == "postgresql":
        admin = sa.create_engine(PG_ADMIN_URI, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except Exception as exc:
            pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URI} and did not answer: {exc}")

    def make(name: str) -> str:
        if db_backend == "sqlite":
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        database = f"niot_test_{name}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        created.append(database)
        return PG_ADMIN_URI.rsplit("/", 1)[0] + f"/{database}"

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for database in created:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def broker(amqp_uri):
    """The session vhost with every queue the registry names emptied and declared anew, and
    no RPC queue left by an earlier test (calls no service of that test answered would
    reach this test's services)."""
    from kombu import Connection
    from nameko.rpc import RPC_QUEUE_TEMPLATE

    from services.contracts import rpc as rpc_contracts
    from services.runtime import topology

    delays = [1, 2]
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for service in topology.consuming_services():
            for name in (topology.consumer_queue_name(service), topology.dead_letter_queue_name(service)):
                channel.queue_delete(name)
        for service in {owner for owner, _ in rpc_contracts.RPC_METHODS}:
            channel.queue_delete(RPC_QUEUE_TEMPLATE.format(service))
        for delay in delays:
            channel.queue_delete(topology.retry_queue(delay).name)
    topology.declare(amqp_uri, retry_delays=delays)
    return amqp_uri


@pytest.fixture
def service_config(broker, make_db_uri):
    """nameko config for services under test: real broker, fresh databases, fast timers."""

    def build(*services: str, **overrides):
        config = {
            "AMQP_URI": broker,
            "DB_URIS": {name: make_db_uri(name) for name in services},
            "MESSAGING": {"quorum_queues": False, "retry_delays": [1, 2],
                          "outbox_sweep_seconds": 1, "timer_seconds": 0.2},
            "max_workers": 10,
            "PREFETCH_COUNT": 10,
            # Every RPC response and every gateway call is checked against its contract.
            "RPC": {"check_responses": True},
        }
        config.update(overrides)
        return config

    return build
