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

from services.ops.system import SERVICES
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


KIT_NAMES = {"outbox": ("pk_outbox", "uq_outbox_event_id"), "scheduled_jobs": ("pk_scheduled_jobs",
                                                                              "uq_scheduled_jobs_kind_key")}


def constraint_names(engine, table: str) -> tuple[str, str]:
    inspector = sa.inspect(engine)
    return inspector.get_pk_constraint(table)["name"], inspector.get_unique_constraints(table)[0]["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_names_its_constraints_by_the_convention(service, make_db_uri):
    uri = make_db_uri(f"{service}_names")
    upgrade(service, uri)
    engine = make_engine(uri)
    try:
        for table, names in KIT_NAMES.items():
            assert constraint_names(engine, table) == names
    finally:
        engine.dispose()


def test_an_older_database_gets_the_conventional_names(make_db_uri, db_backend):
    """A PostgreSQL database made before the convention carries PostgreSQL's default names;
    the fix-forward migration renames them. SQLite keeps no addressable names: the
    migration passes over it and leaves the schema as the models describe it."""
    uri = make_db_uri("screenings_old_names")
    upgrade("screenings", uri, revision="0002")
    engine = make_engine(uri)
    try:
        if db_backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text('ALTER TABLE outbox RENAME CONSTRAINT pk_outbox TO outbox_pkey'))
                conn.execute(sa.text('ALTER TABLE outbox RENAME CONSTRAINT uq_outbox_event_id TO outbox_event_id_key'))
                conn.execute(sa.text('ALTER TABLE rsvps RENAME CONSTRAINT fk_rsvps_screening_id_screenings '
                                     'TO rsvps_screening_id_fkey'))
            assert constraint_names(engine, "outbox") == ("outbox_pkey", "outbox_event_id_key")
        upgrade("screenings", uri)
        assert constraint_names(engine, "outbox") == KIT_NAMES["outbox"]
        assert [fk["name"] for fk in sa.inspect(engine).get_foreign_keys("rsvps")] == [
            "fk_rsvps_screening_id_screenings"]
    finally:
        engine.dispose()
    assert differences("screenings", uri) == []
