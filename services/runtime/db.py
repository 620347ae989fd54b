"""Databases: engines, the per-worker session dependency, and the kit's own tables.

Every service database holds three kit tables next to its own: `outbox` (events waiting
to be published), `processed_events` (the idempotency inbox) and `scheduled_jobs`
(timer work). A service's models start from `service_metadata()`, which carries them and
the naming convention every constraint follows, so Alembic and the models agree.
"""
from __future__ import annotations

import contextlib
import os
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


class UTCDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


# Named constraints keep Alembic's batch mode on SQLite and PostgreSQL in step; every
# service's tables follow this convention.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> sa.MetaData:
    """The metadata a service's models start from: the naming convention and the kit's tables."""
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    add_kit_tables(metadata)
    return metadata


def add_kit_tables(metadata: sa.MetaData) -> None:
    sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("envelope", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", UTCDateTime, nullable=True),
        sa.Index("ix_outbox_unpublished", "published_at", "id"),
    )
    sa.Table(
        "processed_events", metadata,
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("processed_at", UTCDateTime, nullable=False),
    )
    sa.Table(
        "scheduled_jobs", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("payload", sa.Text, nullable=False, server_default="{}"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("done_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("kind", "key", name="uq_scheduled_jobs_kind_key"),
        sa.Index("ix_scheduled_jobs_due", "done_at", "due_at"),
    )


# Execution option of the connections `Transactions.read()` hands out.
READ_ONLY = "niot_read_only"


def make_engine(uri: str, **kwargs: Any) -> Engine:
    if uri.startswith("sqlite"):
        # `timeout` is how long SQLite waits for another process's write lock.
        connect_args = {"check_same_thread": False, "timeout": 30, **kwargs.pop("connect_args", {})}
        engine = sa.create_engine(uri, connect_args=connect_args, **kwargs)
        _sqlite_write_transactions(engine, _turn_for(engine))
        return engine
    if uri.startswith("postgresql"):
        _green_psycopg()
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(uri, **kwargs)


_turns: dict[str, threading.Lock] = {}
_turns_guard = threading.Lock()


def _turn_for(engine: Engine) -> threading.Lock:
    """The lock write transactions on this engine's file take turns on: one per file in
    the process, shared by every engine opened on it (two instances of a service, a
    tool beside them), since a lock per engine would let two engines meet inside C."""
    database = engine.url.database
    if not database or database == ":memory:":
        return threading.Lock()
    with _turns_guard:
        return _turns.setdefault(os.path.realpath(database), threading.Lock())


def _sqlite_write_transactions(engine: Engine, turn: threading.Lock) -> None:
    """WAL plus BEGIN IMMEDIATE: two processes on one file wait for each other instead of
    failing with 'database is locked' when a reader tries to become a writer.

    Within a process, transactions also take turns on a lock. SQLite waits for a busy
    file inside C, which under green threads would stall the very thread holding the
    file (if it yielded mid-transaction) until the timeout; a green lock waits politely.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below rule
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(READ_ONLY):
            # In WAL mode a reader never waits for writers nor holds them up: a deferred
            # BEGIN (one snapshot until the end), and no turn.
            connection.exec_driver_sql("BEGIN")
            return
        if not turn.acquire(timeout=60):
            raise TimeoutError("waited 60 s for another transaction on this SQLite database")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turn.release()
            raise
        connection.info["sqlite_turn"] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        # Only the connection that took the turn gives it back. Nothing yields between
        # here and the driver's COMMIT/ROLLBACK, so no other transaction starts before
        # this one has ended.
        if connection.info.pop("sqlite_turn", False):
            turn.release()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        # A connection handed back without a commit or rollback event (its green thread
        # killed mid-transaction) is rolled back by the pool; its turn goes back with it.
        if record.info.pop("sqlite_turn", False):
            turn.release()


_green_lock = threading.Lock()
_green_done = False


def _green_psycopg() -> None:
    """Make psycopg2 yield to other green threads while it waits on PostgreSQL."""
    global _green_done
    with _green_lock:
        if _green_done:
            return
        from eventlet import patcher

        if patcher.is_monkey_patched("socket"):
            from psycogreen.eventlet import patch_psycopg

            patch_psycopg()
        _green_done = True


class Transactions:
    """One worker's session. `transaction()` commits its block as one unit and then runs
    the callbacks registered for after the commit (e.g. waking the outbox relay)."""

    def __init__(self, factory: sessionmaker, after_commit: list[Callable[[], None]] | None = None):
        self._factory = factory
        self._session: Session | None = None
        self._after_commit = after_commit or []

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._factory()
        return self._session

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self.session
        if session.in_transaction():
            # Leftovers from a failed block must not leak into this one.
            session.rollback()
        with session.begin():
            yield session
        for callback in self._after_commit:
            callback()

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A block of queries on a connection of its own, seeing one snapshot. On SQLite
        it neither takes the turn nor locks the file for writing, so it never waits for
        writers; writes belong in `transaction()`."""
        with self._factory.kw["bind"].connect() as connection:
            options: dict[str, Any] = {READ_ONLY: True}
            if connection.dialect.name == "postgresql":
                options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            connection.execution_options(**options)
            with connection.begin():
                yield connection

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, autobegin=True)


# The kit tables on their own, for the kit's queries; every service metadata has copies.
KIT_METADATA = service_metadata()
OUTBOX = KIT_METADATA.tables["outbox"]
PROCESSED_EVENTS = KIT_METADATA.tables["processed_events"]
SCHEDULED_JOBS = KIT_METADATA.tables["scheduled_jobs"]
