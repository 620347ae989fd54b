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
