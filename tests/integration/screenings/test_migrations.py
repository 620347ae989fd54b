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


def _screening(conn, screening_id: str, partners: list[str], state: str | None, city: str | None) -> None:
    import json
    conn.execute(sa.text(
        "INSERT INTO screenings (id, uid, host_id, status, kind, format, title, description, region,"
        " region_grouping, time_zone, local_start, local_end, start_at, end_at, capacity, audiences,"
        " cohost_ids, partners, visibility, sequence, published, in_feeds, chasers_sent, created_at,"
        " updated_at, state, venue_city) VALUES (:id, :uid, 1, 'completed', 'film_screening', 'community_screening',"
        " 'T', 'D', 'region-5', 'federal', 'America/Chicago', :local, :local, :at, :at, 10, '[]', '[]', :partners,"
        " 'public', 1, :yes, :yes, 0, :at, :at, :state, :city)"),
        {"id": screening_id, "uid": f"{screening_id}@niot.test", "local": datetime(2026, 7, 15, 19),
         "at": datetime(2026, 7, 16, 0, tzinfo=timezone.utc), "partners": json.dumps(partners), "yes": True,
         "state": state, "city": city})


def test_upgrading_turns_free_text_partners_into_linked_records(make_db_uri):
    uri = make_db_uri("screenings")
    upgrade("screenings", uri, "0007")
    first, second, online = SCREENING_ID, SCREENING_ID[:-2] + "11", SCREENING_ID[:-2] + "12"
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            _screening(conn, first, ["Lincoln High School", "St. Mary's Church"], "IL", "Springfield")
            _screening(conn, second, ["lincoln high  school"], "IL", "Peoria")
            _screening(conn, online, ["Somewhere Online"], None, None)
            conn.execute(sa.text(
                "INSERT INTO reports (screening_id, filed_by, filed_at, head_count, partners, audiences,"
                " follow_up_actions, notes) VALUES (:id, 1, :at, 30, :partners, '[]', '[]', '')"),
                {"id": second, "at": datetime(2026, 7, 17, tzinfo=timezone.utc),
                 "partners": '["Peoria Interfaith Council", "Lincoln High School"]'})
        upgrade("screenings", uri)
        with engine.connect() as conn:
            records = conn.execute(sa.text(
                "SELECT name, kind, city, state, added_by FROM partners ORDER BY id")).all()
            links = conn.execute(sa.text(
                "SELECT s.screening_id, p.name FROM screening_partners s JOIN partners p ON p.id = s.partner_id"
                " ORDER BY s.screening_id, p.name")).all()
            reported = conn.execute(sa.text(
                "SELECT p.name FROM report_partners r JOIN partners p ON p.id = r.partner_id ORDER BY p.name"
            )).scalars().all()
            kept = conn.execute(sa.text("SELECT partners FROM screenings WHERE id = :id"), {"id": second}).scalar()
    finally:
        engine.dispose()
    assert [tuple(r) for r in records] == [
        ("Lincoln High School", "other", "Springfield", "IL", "migration"),
        ("St. Mary's Church", "other", "Springfield", "IL", "migration"),
        ("Peoria Interfaith Council", "other", "Peoria", "IL", "migration"),
    ]
    assert [tuple(r) for r in links] == [(first, "Lincoln High School"), (first, "St. Mary's Church"),
                                         (second, "Lincoln High School")]
    assert reported == ["Lincoln High School", "Peoria Interfaith Council"]
    assert kept == '["lincoln high  school"]'
