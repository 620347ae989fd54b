from datetime import datetime, timezone

import sqlalchemy as sa

from services.runtime.db import make_engine
from services.runtime.migrate import upgrade

SCREENING_ID = "0b6f3a52-6a55-4c4e-9d0e-2f1f8c7d9a10"


def test_the_feed_version_row_exists_after_migrating(make_db_uri):
    uri = make_db_uri("screenings")
    upgrade("screenings", uri)
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version FROM feed_version WHERE id = 1").scalar() == 0
    finally:
        engine.dispose()


def test_upgrading_from_the_first_schema_copies_co_hosts_into_rows(make_db_uri):
    uri = make_db_uri("screenings")
    upgrade("screenings", uri, "0001")
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO screenings (id, uid, host_id, status, kind, format, title, description, region,"
                " region_grouping, time_zone, local_start, local_end, start_at, end_at, capacity, audiences,"
                " cohost_ids, partners, visibility, sequence, published, in_feeds, chasers_sent, created_at,"
                " updated_at) VALUES (:id, :uid, 1, 'scheduled', 'film_screening', 'community_screening', 'T', 'D',"
                " 'region-5', 'federal', 'America/Chicago', :local, :local, :at, :at, 10, '[]', :cohosts, '[]',"
                " 'public', 1, :yes, :yes, 0, :at, :at)"),
                {"id": SCREENING_ID, "uid": "screening-1@niot.test", "local": datetime(2026, 7, 15, 19),
                 "at": datetime(2026, 7, 16, 0, tzinfo=timezone.utc), "cohosts": '["2", "5"]', "yes": True})
        upgrade("screenings", uri)
        with engine.connect() as conn:
            cohosts = conn.execute(sa.text(
                "SELECT leader_id FROM screening_cohosts WHERE screening_id = :id ORDER BY leader_id"),
                {"id": SCREENING_ID}).scalars().all()
    finally:
        engine.dispose()
    assert cohosts == [2, 5]
