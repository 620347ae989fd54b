"""Fixtures for the screenings service on the real broker: an in-test producer of leader
events (using the kit's outbox), an in-test mailbox that records every event the mailer
would receive, and helpers to drive them."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcClient

from services.contracts import consumed_by, leaders as leader_events
from services.runtime import clock, outbox
from services.runtime.db import KIT_METADATA, add_kit_tables, make_engine
from services.runtime.dependencies import Database
from services.runtime.messaging import handles
from services.screenings.service import ScreeningsService

from tests.integration.kit.helpers import create_tables, wait_for

MANAGER = {"role": "manager"}

mailbox_metadata = sa.MetaData()
add_kit_tables(mailbox_metadata)
received = sa.Table(
    "received", mailbox_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36)),
    sa.Column("type", sa.String(80)),
    sa.Column("data", sa.Text),
)


class LeaderEventSource:
    """Stands in for the leaders service: publishes leader payloads through the outbox."""

    name = "leaders"
    db = Database(migrate=False)

    @rpc
    def emit(self, event_type, data):
        model = {
            "application_approved": leader_events.ApplicationApproved,
            "leader_updated": leader_events.LeaderUpdated,
            "leader_availability_changed": leader_events.LeaderAvailabilityChanged,
            "leader_deactivated": leader_events.LeaderDeactivated,
        }[event_type]
        with self.db.transaction() as session:
            outbox.record(session, self.name, model(**data))


class Mailbox:
    """Stands in for the mailer: records every event addressed to it."""

    name = "mailer"
    db = Database(migrate=False)


def _recorder(event_type):
    def record(self, uow, event):
        uow.session.execute(sa.insert(received).values(
            event_id=str(event.event_id), type=event.type, data=event.data.model_dump_json()))

    record.__name__ = f"on_{event_type}"
    return handles(event_type)(record)


for _spec in consumed_by("mailer"):
    setattr(Mailbox, f"on_{_spec.type}", _recorder(_spec.type))


def snapshot(leader_id: int, version: int = 1, **overrides) -> dict:
    data = {
        "leader_id": leader_id, "leader_version": version, "name": f"Leader {leader_id}",
        "email": f"leader{leader_id}@pd.example.gov", "agency": "Springfield PD", "title": "Sergeant",
        "state": "IL", "region": "region-5", "region_grouping": "federal", "status": "active",
        "trusted_host": False, "expertise": ["community-policing"], "away_until": None,
    }
    data.update(overrides)
    return data


def approved(leader_id: int, version: int = 1, **overrides) -> dict:
    return {**snapshot(leader_id, version, **overrides), "application_id": leader_id,
            "approved_at": "2026-01-05T15:00:00+00:00"}


def local_days_ahead(days: int, hour: int, zone: str = "America/Chicago") -> datetime:
    """A venue-local wall time `days` days from the (test) clock's today, on the hour."""
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    return datetime.combine(today + timedelta(days=days), datetime.min.time()).replace(hour=hour)


def move_clock_to_local_noon(zone: str = "America/Chicago") -> None:
    """Advance the (test) clock to the next noon at the venue, so that a test stepping it
    by whole hours lands on the same side of 09:00 and 08:00 whenever it runs."""
    local = clock.now().astimezone(ZoneInfo(zone))
    noon = local.replace(hour=12, minute=0, second=0, microsecond=0)
    if noon <= local:
        noon = (local + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    clock.advance(noon.astimezone(timezone.utc) - local)  # in real hours, across a DST change too


def details(days: int = 10, hour: int = 19, **overrides) -> dict:
    start = local_days_ahead(days, hour)
    raw = {
        "kind": "film_screening", "format": "community_screening", "film": "waking-in-oak-creek",
        "venue": {"name": "Lincoln Library", "address": "326 S 7th St", "city": "Springfield", "state": "IL"},
        "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
        "capacity": 50, "audiences": ["general_public", "law_enforcement"],
        "partners": ["Springfield Interfaith Council"], "description": "Screening and discussion.",
    }
    raw.update(overrides)
    return raw


class Harness:
    def __init__(self, config):
        self.config = config
        self.screenings_db = config["DB_URIS"]["screenings"]
        self.mailbox_db = config["DB_URIS"]["mailer"]
        self._engines = {}

    def rpc(self, timeout: float = 30):
        return ClusterRpcClient(uri=self.config["AMQP_URI"], timeout=timeout)

    def engine(self, uri):
        if uri not in self._engines:
            self._engines[uri] = make_engine(uri)
        return self._engines[uri]

    def scalar(self, sql: str, **params):
        with self.engine(self.screenings_db).connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params):
        with self.engine(self.screenings_db).connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def mail(self, event_type: str | None = None) -> list[dict]:
        query = sa.select(received.c.type, received.c.data).order_by(received.c.id)
        if event_type:
            query = query.where(received.c.type == event_type)
        with self.engine(self.mailbox_db).connect() as conn:
            return [{"type": t, **json.loads(d)} for t, d in conn.execute(query)]

    def wait_for_mail(self, event_type: str, count: int, timeout: float = 20) -> list[dict]:
        wait_for(lambda: len(self.mail(event_type)) >= count, timeout=timeout)
        return self.mail(event_type)

    def add_leader(self, client, leader_id: int, **overrides) -> None:
        client.leaders.emit("application_approved", approved(leader_id, **overrides))
        wait_for(lambda: self.scalar("SELECT count(*) FROM leaders WHERE leader_id = :i", i=leader_id) == 1)

    def snapshot_counts(self) -> dict:
        tables = ("screenings", "rsvps", "reports", "feedback", "films", "outbox", "scheduled_jobs")
        return {t: self.scalar(f"SELECT count(*) FROM {t}") for t in tables}

    def close(self):
        for engine in self._engines.values():
            engine.dispose()


@pytest.fixture
def harness(service_config, container_factory):
    clock.reset()
    config = service_config("leaders", "screenings", "mailer")
    create_tables(config["DB_URIS"]["leaders"], KIT_METADATA)
    create_tables(config["DB_URIS"]["mailer"], mailbox_metadata)
    for cls in (LeaderEventSource, Mailbox, ScreeningsService):
        container_factory(cls, config).start()
    harness = Harness(config)
    yield harness
    harness.close()
    clock.reset()

