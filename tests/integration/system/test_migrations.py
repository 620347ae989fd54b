"""Every service's migrations build exactly the schema its models describe, a second
start-up changes nothing, and the history goes down to nothing and up again; on SQLite
and PostgreSQL alike."""
from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.runtime.cli import SERVICES
from services.runtime.db import make_engine
from services.runtime.migrate import alembic_config, upgrade


def differences(service: str, uri: str) -> list:
    metadata = importlib.import_module(f"services.{service}.models").Base.metadata
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_models_and_migrations_agree(service, make_db_uri):
    uri = make_db_uri(f"{service}_schema")
    upgrade(service, uri)
    upgrade(service, uri)  # a second start-up is a no-op
    assert differences(service, uri) == []


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_go_down_and_up_again(service, make_db_uri):
    uri = make_db_uri(f"{service}_roundtrip")
    upgrade(service, uri)
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(service, conn), "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(service, uri)
    assert differences(service, uri) == []
