"""Fixtures for mentorship requests: the leaders service running in-process on the real
broker (so `clock.advance` here moves its time), a small roster, and a reader of the
events the mailer would receive."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_waiter

from services.contracts import parse
from services.leaders.domain.learning import answer_key
from services.leaders.domain.roster_csv import ROSTER_COLUMNS
from services.leaders.mentorship.roster import MENTORING_MODULES
from services.leaders.service import LeadersService
from services.runtime import clock
from services.runtime.db import make_engine
from tests.integration.kit.helpers import wait_for
from tests.integration.leaders.conftest import drain, service_errors_cross_rpc, table_contents  # noqa: F401

# name, state, expertise, max_mentees, trained for mentoring
ROSTER = [
    ("Olivia Hart", "OH", "hate-crime-investigation", 2, True),
    ("Omar Reed", "OH", "community-policing", 2, True),
    ("Mia Chen", "MI", "hate-crime-investigation", 2, True),
    ("Tom Diaz", "TX", "hate-crime-investigation", 2, True),
    ("Uma Stone", "OH", "hate-crime-investigation", 2, False),
]


# The acting manager, as the gateway passes the signed-in account (services.gateway.api.common.actor).
MANAGER = {"role": "manager", "account_id": 3}


def request_details(**overrides) -> dict:
    return {
        "requester_name": "Dana Reyes", "agency": "Springfield PD", "role": "Patrol sergeant",
        "email": "dana.reyes@springfield.gov", "state": "OH", "topic": "hate-crime-investigation",
        "description": "We had our first bias-motivated assault and want advice on the investigation.",
        "urgency": "normal", **overrides,
    }


def timer_ticks(container, count: int, timeout: float = 20) -> None:
    """Return once the mentorship timer of `container` has run `count` more times."""
    runs = itertools.count(1)
    with entrypoint_waiter(container, "run_mentorship_timers", timeout=timeout,
                           callback=lambda *_: next(runs) >= count):
        pass


class Mentorship:
    """The running service, its database and the mailer's queue, for one test."""

    def __init__(self, config: dict, rpc, container):
        self.config = config
        self.rpc = rpc
        self.container = container
        self.db_uri = config["DB_URIS"]["leaders"]
        self.engine = make_engine(self.db_uri)
        self.seen: list = []
        self.leaders: dict[str, int] = {}

    # -- the database --------------------------------------------------------------------

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def published(self) -> bool:
        return self.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0

    def contents(self) -> dict:
        return table_contents(self.db_uri)

    # -- events on the broker ------------------------------------------------------------

    def events(self, event_type: str | None = None) -> list:
        """Every event that reached the mailer's queue so far (parsed), oldest first."""
        wait_for(self.published)
        self.seen += [parse(body) for body in drain(self.config["AMQP_URI"], "mailer.events")]
        return [e for e in self.seen if event_type is None or e.type == event_type]

    def wait_events(self, event_type: str, count: int, timeout: float = 20) -> list:
        wait_for(lambda: len(self.events(event_type)) >= count, timeout=timeout)
        return self.events(event_type)

    def types(self, since: int = 0) -> list[str]:
        return [e.type for e in self.events()[since:]]

    # -- the roster and requests ---------------------------------------------------------

    def add_roster(self, roster=ROSTER) -> dict[str, int]:
        lines = [",".join(ROSTER_COLUMNS)]
        for name, state, expertise, capacity, _trained in roster:
            email = name.lower().replace(" ", ".") + "@pd.example.gov"
            lines.append(f"{name},{state} Police,Sergeant,{email},,{state},{expertise},,{capacity},,,,")
        report = self.rpc.import_roster_csv("\r\n".join(lines) + "\r\n")
        assert not report["rejected"], report["rejected"]
        for (name, *_rest, trained), leader_id in zip(roster, report["leader_ids"]):
            self.leaders[name] = leader_id
            if trained:
                for module in sorted(MENTORING_MODULES):
                    self.rpc.submit_training_answers(leader_id, module, answer_key(module))
        return self.leaders

    def submit(self, **overrides) -> tuple[int, str, str]:
        """A request and its confirm and status tokens, read from mentorship_requested."""
        request_id = self.rpc.submit_request(request_details(**overrides))["id"]
        wait_for(lambda: any(e.data.request_id == request_id for e in self.events("mentorship_requested")))
        event = next(e for e in self.events("mentorship_requested") if e.data.request_id == request_id)
        confirm = event.data.confirm_path.rsplit("/", 1)[1]
        status = event.data.status_path.rsplit("/", 1)[1]
        return request_id, confirm, status

    def open_request(self, **overrides) -> tuple[int, str]:
        request_id, confirm, status = self.submit(**overrides)
        self.rpc.confirm_request(confirm)
        return request_id, status

    def pending_offer(self, request_id: int) -> dict:
        offers = [o for o in self.rpc.get_request(request_id)["offers"] if o["state"] == "pending"]
        assert len(offers) == 1, offers
        return offers[0]

    def advance_past(self, moment: str, extra: timedelta = timedelta(minutes=1)) -> None:
        """Move the service's clock just past an ISO instant it reported."""
        clock.advance(datetime.fromisoformat(moment) - clock.now() + extra)

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def mentorship_config(service_config):
    return service_config("leaders")


@pytest.fixture
def mentorship(mentorship_config, container_factory):
    clock.reset()
    container = container_factory(LeadersService, mentorship_config)
    container.start()
    with ClusterRpcClient(uri=mentorship_config["AMQP_URI"], timeout=30) as client:
        world = Mentorship(mentorship_config, client.leaders, container)
        yield world
        world.close()
    clock.reset()
