"""The fault suite's system: its own RabbitMQ node, its own PostgreSQL cluster in the
postgresql run, every service as a process, an SMTP server as a process; and the table
of what each fault cost, printed at the end of the run."""
from __future__ import annotations

import os

import pytest

from .backing import BackingServiceError, PrivatePostgres, PrivateRabbit
from .pipeline import Pipeline

ROWS: list[dict] = []


@pytest.fixture(scope="session")
def private_rabbit():
    rabbit = PrivateRabbit()
    try:
        rabbit.start()
    except BackingServiceError as exc:
        rabbit.close()
        pytest.fail(f"the fault suite's own RabbitMQ node did not start: {exc}")
    yield rabbit
    rabbit.close()


@pytest.fixture(scope="session")
def private_postgres(db_backend):
    if db_backend != "postgresql":
        yield None
        return
    cluster = PrivatePostgres()
    try:
        cluster.start()
    except BackingServiceError as exc:
        cluster.close()
        pytest.fail(f"the fault suite's own PostgreSQL cluster did not start: {exc}")
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def pipeline(private_rabbit, private_postgres, tmp_path_factory):
    system = Pipeline(private_rabbit, private_postgres, tmp_path_factory.mktemp("faults"))
    try:
        system.start()
        yield system
    finally:
        system.close()


@pytest.fixture
def record():
    """Adds a row to the table printed at the end of the run."""
    return ROWS.append


def pytest_terminal_summary(terminalreporter):
    if not ROWS:
        return
    backend = os.environ.get("NIOT_TEST_DB", "sqlite")
    write = terminalreporter.write_line
    terminalreporter.section(f"faults ({backend})")
    write(f"{'fault':34s} {'sent':>5s} {'received':>8s} {'duplicates':>10s} {'lost':>5s} {'resent':>6s} "
          f"{'repeats':>7s} {'retried':>7s} {'dead letters':>12s} {'drain s':>8s}")
    for row in ROWS:
        write(f"{row['fault']:34s} {row['sent']:5d} {row['received']:8d} {row['duplicates']:10d} {row['lost']:5d} "
              f"{row['resent']:6d} {row['repeats']:7d} {row['retried']:7d} {row['dead_letters']:12d} "
              f"{row['drain_s']:8.1f}")
