"""Fixtures for the leaders service: the running service on the real broker, an RPC
client that raises the service's own errors, and helpers to look at the database and
at the queues the events land on."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from kombu import Connection
from nameko.exceptions import get_module_path, registry
from nameko.standalone.rpc import ClusterRpcClient

from services.leaders.models import Base
from services.leaders.service import LeadersService
from services.runtime import errors
from services.runtime.db import make_engine


@pytest.fixture(autouse=True)
def service_errors_cross_rpc(monkeypatch):
    """Rebuild the kit's errors on the calling side, as the gateway does."""
    for error in (errors.DomainError, errors.ValidationFailed, errors.NotFound, errors.Conflict, errors.Forbidden):
        monkeypatch.setitem(registry, get_module_path(error), error)


@pytest.fixture
def leaders_config(service_config):
    return service_config("leaders")


@pytest.fixture
def leaders(leaders_config, container_factory):
    container = container_factory(LeadersService, leaders_config)
    container.start()
    with ClusterRpcClient(uri=leaders_config["AMQP_URI"]) as client:
        yield client.leaders


@pytest.fixture
def leaders_db(leaders_config):
    return leaders_config["DB_URIS"]["leaders"]


def table_contents(uri: str) -> dict[str, list[tuple]]:
    """Every row of every table of the service, in a stable order."""
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(conn.execute(sa.select(table)).all(), key=repr)
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def count(uri: str, sql: str, **params) -> int:
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar_one()
    finally:
        engine.dispose()


def drain(amqp_uri: str, queue: str) -> list[dict]:
    """Take every message waiting on `queue` (acknowledged, so they are gone)."""
    bodies = []
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue=queue, no_ack=True)) is not None:
            bodies.append(json.loads(message.body))
    return bodies


def application(**overrides) -> dict:
    return {
        "name": "Maria Lopez", "email": "maria.lopez@oakcreekpd.gov", "phone": "414-555-0134",
        "agency": "Oak Creek Police Department", "title": "Lieutenant", "state": "WI",
        "why": "After the temple shooting our department rebuilt trust with the Sikh community.",
        "experience": "Twelve years in community policing; led the department's hate crime unit.",
        "reference": {"name": "Chief John Edwards", "contact": "jedwards@oakcreekpd.gov"},
        **overrides,
    }
