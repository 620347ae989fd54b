"""Alembic migrations per service, applied under a lock so that two instances starting
together do not both try to create the same tables."""
from __future__ import annotations

import contextlib
import fcntl
import threading
import zlib
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config

from .db import make_engine

SERVICES_DIR = Path(__file__).resolve().parents[1]


def alembic_config(service: str, connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


@contextlib.contextmanager
def _migration_lock(engine: sa.Engine, service: str) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(f"niot-migrate-{service}".encode())
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(f"{engine.url.database}.migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        yield


# Alembic's `context` is one per process: two services starting in one process (tests,
# the demo mode) must not migrate at the same time, which green threads on PostgreSQL
# otherwise would, each running statements on the other's connection.
_ONE_AT_A_TIME = threading.Lock()


def upgrade(service: str, uri: str, revision: str = "head") -> None:
    engine = make_engine(uri)
    try:
        with _ONE_AT_A_TIME, _migration_lock(engine, service), engine.begin() as connection:
            command.upgrade(alembic_config(service, connection), revision)
    finally:
        engine.dispose()


def run_env(target_metadata: sa.MetaData) -> None:
    """The body of every service's migrations/env.py."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through services.runtime.migrate.upgrade (niot migrate)")
    context.configure(
        connection=connection, target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


# --- helpers for the services' migration scripts ----------------------------------------


def create_kit_tables(op) -> None:
    """In a migration: create the kit's tables (outbox, processed_events, scheduled_jobs)
    exactly as the kit defines them, with their indexes and convention names."""
    from .db import KIT_METADATA

    for table in KIT_METADATA.sorted_tables:
        table.create(op.get_bind())


def drop_kit_tables(op) -> None:
    from .db import KIT_METADATA

    for table in reversed(KIT_METADATA.sorted_tables):
        table.drop(op.get_bind())


def create_completed_requests(op) -> None:
    """In a migration of a service that takes request keys: the table of answered
    requests (runtime.request_keys), as the kit defines it."""
    from .request_keys import COMPLETED

    COMPLETED.create(op.get_bind())


def drop_completed_requests(op) -> None:
    from .request_keys import COMPLETED

    COMPLETED.drop(op.get_bind())


def conform_constraint_names(op) -> None:
    """In a migration: give every primary key, unique constraint and foreign key the name
    the kit's naming convention (runtime.db.NAMING_CONVENTION) gives it, where an older
    database holds another (PostgreSQL's own defaults such as `outbox_pkey`). A database
    that follows the convention already is left alone. Only PostgreSQL keeps names a
    later statement can address; on SQLite, batch mode rebuilds tables from the models."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        renames: dict[str, str] = {}
        pk = inspector.get_pk_constraint(table)
        if pk.get("name"):
            renames[pk["name"]] = f"pk_{table}"
        for unique in inspector.get_unique_constraints(table):
            renames[unique["name"]] = f"uq_{table}_{'_'.join(unique['column_names'])}"
        for foreign in inspector.get_foreign_keys(table):
            renames[foreign["name"]] = f"fk_{table}_{foreign['constrained_columns'][0]}_{foreign['referred_table']}"
        for old, new in renames.items():
            if old != new:
                op.execute(sa.text(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"'))
