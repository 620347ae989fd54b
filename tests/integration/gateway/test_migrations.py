"""The gateway's migrations build exactly the schema its models describe, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.gateway.models import Base
from services.runtime.db import make_engine
from services.runtime.migrate import upgrade


def test_upgrade_to_head_matches_the_models(make_db_uri):
    uri = make_db_uri("gateway")
    upgrade("gateway", uri)
    upgrade("gateway", uri)  # a second run is a no-op
    engine = make_engine(uri)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
