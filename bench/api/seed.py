"""Bulk seeding of the leaders, screenings and gateway databases for bench.api.

Rows go in with executemany inserts built from the services' own models (no per-row
domain calls, no outbox events), so 100,000 screenings take seconds. The values are the
ones the services themselves would store: regions come from the leaders service's region
table, the screenings service's leader projection mirrors the seeded leaders, and every
screening round-trips through screenings.repository.screening_from_row (checked on a sample).
"""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from services.gateway import app as gateway_app, auth as gateway_auth
from services.leaders.domain.expertise import EXPERTISE
from services.leaders.domain.training import MENTORING_MODULES
from services.leaders.models import LeaderExpertiseRow, LeaderRow, TrainingCompletionRow
from services.leaders.regions import DEFAULT_GROUPING, STATES, region_of
from services.runtime.db import Transactions, make_engine, session_factory
from services.runtime.migrate import upgrade
from services.screenings import models as sm
from services.screenings.films import Audience
from services.screenings.repository import screening_from_row

CHUNK = 5_000
# Roughly how a national roster spreads: big states carry more leaders.
HEAVY_STATES = ("CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI")
PACIFIC = {"CA", "WA", "OR", "NV"}
MOUNTAIN = {"CO", "UT", "NM", "AZ", "MT", "WY", "ID"}
CENTRAL = {"IL", "TX", "MN", "WI", "IA", "MO", "AR", "LA", "OK", "KS", "NE", "SD", "ND", "AL", "MS", "TN"}
FILMS = ("waking-in-oak-creek", "not-in-our-town", "light-in-the-darkness")
AUDIENCES = [a.value for a in Audience]


def zone_of(state: str) -> str:
    if state == "HI":
        return "Pacific/Honolulu"
    if state == "AK":
        return "America/Anchorage"
    if state in PACIFIC:
        return "America/Los_Angeles"
    if state in MOUNTAIN:
        return "America/Denver"
    if state in CENTRAL:
        return "America/Chicago"
    return "America/New_York"


@dataclass(frozen=True)
class SeededLeader:
    id: int
    state: str
    region: str
    status: str


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])


def seed_leaders(leaders_uri: str, screenings_uri: str, count: int, now: datetime, rng: random.Random
                 ) -> list[SeededLeader]:
    """`count` leaders (90% active) with 1-3 expertise tags, 60% trained for mentoring,
    in the leaders database and in the screenings service's projection of them."""
    upgrade("leaders", leaders_uri)
    upgrade("screenings", screenings_uri)
    states = list(STATES)
    tags = list(EXPERTISE)
    modules = sorted(MENTORING_MODULES)
    leader_rows, expertise_rows, training_rows, projection_rows, seeded = [], [], [], [], []
    for n in range(1, count + 1):
        state = rng.choice(HEAVY_STATES) if rng.random() < 0.4 else rng.choice(states)
        status = "active" if rng.random() < 0.9 else rng.choice(["inactive", "alumni"])
        away = rng.random() < 0.1
        name = f"Leader {n:05d} {rng.choice(['Lopez', 'Reed', 'Park', 'Singh', 'Okafor', 'Nguyen'])}"
        email = f"leader{n}@roster.example.gov"
        agency = f"{STATES[state]} Police Department {n % 97}"
        title = rng.choice(["Officer", "Sergeant", "Lieutenant", "Captain", "Chief"])
        trusted = rng.random() < 0.2
        away_until = (now + timedelta(days=rng.randint(1, 60))).date() if away else None
        leader_rows.append({
            "id": n, "name": name, "agency": agency, "title": title, "email": email, "email_key": email,
            "phone": f"(614) 555-{n % 10000:04d}", "state": state,
            "bio": "Works with local faith and community groups on reporting bias incidents.",
            "max_mentees": rng.randint(0, 5), "away_until": away_until, "trusted_host": trusted,
            "status": status, "version": 1, "created_at": now, "updated_at": now,
        })
        expertise_rows.extend({"leader_id": n, "expertise": t} for t in rng.sample(tags, rng.randint(1, 3)))
        if rng.random() < 0.6:
            training_rows.extend({"leader_id": n, "module": m, "completed_at": now - timedelta(days=30)}
                                 for m in modules)
        region = region_of(state, DEFAULT_GROUPING)
        projection_rows.append({
            "leader_id": n, "leader_version": 1, "name": name, "email": email, "agency": agency, "title": title,
            "state": state, "region": region, "region_grouping": DEFAULT_GROUPING, "status": status,
            "trusted_host": trusted, "away_until": away_until, "updated_at": now,
        })
        seeded.append(SeededLeader(n, state, region, status))

    engine = make_engine(leaders_uri)
    try:
        with engine.begin() as conn:
            _insert(conn, LeaderRow.__table__, leader_rows)
            _insert(conn, LeaderExpertiseRow.__table__, expertise_rows)
            _insert(conn, TrainingCompletionRow.__table__, training_rows)
    finally:
        engine.dispose()
    engine = make_engine(screenings_uri)
    try:
        with engine.begin() as conn:
            _insert(conn, sm.LeaderRow.__table__, projection_rows)
    finally:
        engine.dispose()
    return seeded


def _status(rng: random.Random, past: bool) -> str:
    roll = rng.random()
    if past:  # held or dropped; some hosts never file the report that completes them
        return "completed" if roll < 0.72 else "cancelled" if roll < 0.84 else "scheduled" if roll < 0.96 \
            else "sent_back"
    return "scheduled" if roll < 0.72 else "submitted" if roll < 0.84 else "resubmitted" if roll < 0.88 \
        else "sent_back" if roll < 0.92 else "cancelled"


def seed_screenings(uri: str, hosts: list[SeededLeader], count: int, now: datetime, rng: random.Random) -> dict:
    """`count` screenings over the year before and the six months after `now`, hosted by
    active leaders (big states more often), with reports for most completed ones and
    RSVPs on the upcoming ones."""
    active = [h for h in hosts if h.status == "active"]
    screenings, audience_rows, reports, report_audiences, rsvps = [], [], [], [], []
    first = now - timedelta(days=365)
    span_minutes = int(timedelta(days=545).total_seconds() // 60)
    for i in range(count):
        host = rng.choice(active)
        start_at = (first + timedelta(minutes=rng.randrange(0, span_minutes, 30))).replace(second=0, microsecond=0)
        end_at = start_at + timedelta(hours=rng.choice((1, 2, 2, 3)))
        past = end_at <= now
        status = _status(rng, past)
        zone = ZoneInfo(zone_of(host.state))
        kind = "film_screening" if rng.random() < 0.75 else "guided_discussion"
        public = rng.random() < 0.9
        published = status in ("scheduled", "completed", "cancelled")
        audiences = rng.sample(AUDIENCES, rng.randint(1, 2))
        screening_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        screenings.append({
            "id": screening_id, "uid": f"{screening_id}@bench.niot-len.org", "host_id": host.id, "status": status,
            "kind": kind, "format": rng.choice(("community_screening", "community_screening", "roll_call",
                                                "academy", "school_program")),
            "title": f"Community screening #{i}", "description": "Screening followed by a guided discussion.",
            "film_slug": rng.choice(FILMS) if kind == "film_screening" else None,
            "venue_name": f"Library {i % 5000}", "venue_address": f"{i % 9000} Main St", "venue_city": "Springfield",
            "join_url": None, "state": host.state, "details_state": host.state, "region": host.region,
            "region_grouping": DEFAULT_GROUPING, "time_zone": zone.key,
            "local_start": start_at.astimezone(zone).replace(tzinfo=None),
            "local_end": end_at.astimezone(zone).replace(tzinfo=None),
            "start_at": start_at, "end_at": end_at, "capacity": rng.choice((40, 60, 80, 120, 200)),
            "audiences": json.dumps(audiences), "cohost_ids": "[]", "partners": "[]",
            "visibility": "public" if public else "invitation_only", "sequence": 0 if status == "submitted" else 1,
            "published": published, "in_feeds": published and public, "review_note": None,
            "reviewed_by": "account:1" if published else None,
            "cancel_message": "Venue unavailable." if status == "cancelled" else None,
            "chasers_sent": 0, "created_at": start_at - timedelta(days=30), "updated_at": start_at - timedelta(days=20),
        })
        audience_rows.extend({"screening_id": screening_id, "audience": a} for a in audiences)
        if status == "completed" and rng.random() < 0.85:
            reached = rng.sample(AUDIENCES, rng.randint(1, 3))
            reports.append({"screening_id": screening_id, "filed_by": host.id, "filed_at": end_at + timedelta(days=1),
                            "head_count": rng.randint(5, 150), "partners": "[]", "audiences": json.dumps(reached),
                            "follow_up_actions": "Follow-up meeting with the faith council.", "notes": ""})
            report_audiences.extend({"screening_id": screening_id, "audience": a} for a in reached)
        if status == "scheduled" and not past:
            for position in range(1, rng.randint(0, 6) + 1):
                rsvps.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                              "screening_id": screening_id, "name": f"Guest {position}",
                              "email": f"guest{i}.{position}@mail.example.org", "status": "confirmed",
                              "position": position, "created_at": now - timedelta(days=2),
                              "cancel_token_hash": None, "walk_in": False, "promoted_at": None,
                              "cancelled_at": None, "invited": False})
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            _insert(conn, sm.ScreeningRow.__table__, screenings)
            _insert(conn, sm.ScreeningAudienceRow.__table__, audience_rows)
            _insert(conn, sm.ReportRow.__table__, reports)
            _insert(conn, sm.ReportAudienceRow.__table__, report_audiences)
            _insert(conn, sm.RsvpRow.__table__, rsvps)
            conn.exec_driver_sql("ANALYZE")
        with session_factory(engine)() as session:
            sample = session.execute(sa.select(sm.ScreeningRow).order_by(sa.func.random()).limit(200)).scalars()
            for row in sample:
                screening_from_row(row)  # raises on any value the service could not read back
    finally:
        engine.dispose()
    return {"screenings": len(screenings), "reports": len(reports), "rsvps": len(rsvps)}


def analyze(uri: str) -> None:
    engine = make_engine(uri)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def manager_token(gateway_uri: str, now: datetime) -> str:
    """A program manager's account and a personal API token for it (the secret)."""
    upgrade("gateway", gateway_uri)
    engine = make_engine(gateway_uri)
    unit = Transactions(session_factory(engine))
    try:
        with unit.transaction() as session:
            account = gateway_app.create_account(session, email="bench.manager@niot.example.org",
                                                 name="Bench Manager", role="manager", now=now)
            _, secret = gateway_auth.create_api_token(session, account, "bench", now)
        return secret
    finally:
        unit.close()
        engine.dispose()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
