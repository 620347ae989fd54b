"""Builders for the use-case tests: actors, settings, and screenings registered (and
seats taken) through the use cases themselves, on a FakeUnitOfWork."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.contracts import rpc as contracts
from services.contracts.rpc.common import Actor
from services.screenings.app import registering, rsvps
from services.screenings.settings import ScreeningsSettings

from .factories import NOW, raw_details
from .fakes import FakeUnitOfWork, leader, with_leaders

SETTINGS = ScreeningsSettings(manager_emails=("programs@niot.example.org", "lead@niot.example.org"))
MANAGER = Actor(role="manager", account_id=7)
START = NOW.replace(month=7, day=16, hour=0)  # 2026-07-15 19:00 in Springfield, IL (CDT)
END = START + timedelta(hours=2)


def as_leader(n: int) -> Actor:
    return Actor(role="leader", leader_id=n)


def answered(method: str, value: Any) -> Any:
    """The value, once it is checked against the method's RPC response contract."""
    contracts.check_response("screenings", method, value)
    return value


def network() -> FakeUnitOfWork:
    """Leader 1 (trusted), 2 and 3 (not), 4 (an alumnus)."""
    return with_leaders(leader(1, trusted=True), leader(2), leader(3), leader(4, status="alumni"))


def registered(uow: FakeUnitOfWork, host: int = 1, *, approve: bool = True, **overrides: Any) -> dict:
    """A screening registered by `host` (and approved when it awaits review and `approve`),
    in units of work of its own; `uow` is then the next one."""
    view = registering.register_screening(uow, as_leader(host), host, raw_details(**overrides), now=NOW,
                                          settings=SETTINGS)
    if approve and view["status"] == "submitted":
        view = registering.approve_screening(uow.next(), MANAGER, view["id"], now=NOW, settings=SETTINGS)
    return view


def seat(uow: FakeUnitOfWork, screening_id: str, name: str, email: str | None = None) -> dict:
    """A public RSVP, with the private link's token alongside."""
    place = rsvps.rsvp(uow.next(), screening_id, name, email or f"{name.lower()}@example.org", now=NOW,
                       settings=SETTINGS)
    return {**place, "token": place["cancel_path"].split("token=")[1] if place["cancel_path"] else None}
