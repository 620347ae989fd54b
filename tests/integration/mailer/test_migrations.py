"""The mailer's migrations build exactly the schema its models describe."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.mailer.models import Base
from services.runtime.db import make_engine
from services.runtime.migrate import alembic_config, upgrade


def differences(uri: str) -> list:
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(make_db_uri):
    uri = make_db_uri("mailer_schema")
    upgrade("mailer", uri)
    assert differences(uri) == []


def test_migrations_go_down_and_up_again(make_db_uri):
    uri = make_db_uri("mailer_roundtrip")
    upgrade("mailer", uri)
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config("mailer", conn), "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade("mailer", uri)
    assert differences(uri) == []
