from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.runtime.db import make_engine
from services.runtime.migrate import upgrade
from services.screenings.models import Base


def test_migrations_at_head_match_the_models(make_db_uri):
    uri = make_db_uri("screenings")
    upgrade("screenings", uri)
    upgrade("screenings", uri)  # a second start-up is a no-op
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            version = conn.exec_driver_sql("SELECT version FROM feed_version WHERE id = 1").scalar()
    finally:
        engine.dispose()
    assert differences == []
    assert version == 0
