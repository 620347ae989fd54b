"""An in-memory unit of work for the leaders' use cases: the same repository methods as
services/leaders/repository.py over dicts, the events published and the timer jobs
scheduled, so the use cases run without a database or a broker."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.leaders.domain.applications import Application
from services.leaders.domain.fields import comparable_email
from services.leaders.domain.leader import EmailInUse, Leader
from services.leaders.domain.program import ProgramSettings


class FakeLeaders:
    def __init__(self) -> None:
        self.by_id: dict[int, Leader] = {}
        self._next_id = 1

    def get(self, leader_id: int, *, for_update: bool = False) -> Leader | None:
        return self.by_id.get(leader_id)

    def all(self) -> list[Leader]:
        return [self.by_id[i] for i in sorted(self.by_id)]

    def email_taken(self, email: str, *, except_leader: int | None = None) -> bool:
        key = comparable_email(email)
        return any(comparable_email(leader.email) == key
                   for leader in self.by_id.values() if leader.id != except_leader)

    def email_keys(self) -> list[str]:
        return [comparable_email(leader.email) for leader in self.by_id.values()]

    def active_count(self) -> int:
        return sum(leader.status == "active" for leader in self.by_id.values())

    def add(self, leader: Leader, now: datetime) -> Leader:
        if self.email_taken(leader.email):
            raise EmailInUse()
        stored = replace(leader, id=self._next_id)
        self._next_id += 1
        self.by_id[stored.id] = stored
        return stored

    def add_many(self, leaders: list[Leader], now: datetime) -> list[Leader]:
        if any(self.email_taken(leader.email) for leader in leaders):
            raise EmailInUse()
        return [self.add(leader, now) for leader in leaders]

    def save(self, leader: Leader, now: datetime) -> None:
        if self.email_taken(leader.email, except_leader=leader.id):
            raise EmailInUse()
        self.by_id[leader.id] = leader

    def bump_versions(self, now: datetime) -> None:
        self.by_id = {i: replace(leader, version=leader.version + 1) for i, leader in self.by_id.items()}


class FakeApplications:
    def __init__(self) -> None:
        self.by_id: dict[int, Application] = {}
        self._next_id = 1
        self.approval_locks = 0

    def get(self, application_id: int, *, for_update: bool = False) -> Application | None:
        return self.by_id.get(application_id)

    def add(self, application: Application, now: datetime) -> Application:
        stored = replace(application, id=self._next_id)
        self._next_id += 1
        self.by_id[stored.id] = stored
        return stored

    def save(self, application: Application, now: datetime) -> None:
        self.by_id[application.id] = application

    def has_open(self, email: str) -> bool:
        key = comparable_email(email)
        return any(a.is_open and comparable_email(a.email) == key for a in self.by_id.values())

    def approved_at(self, leader_id: int) -> datetime | None:
        return next((a.decided_at for a in self.by_id.values()
                     if a.leader_id == leader_id and a.status == "approved"), None)

    def lock_approvals(self) -> None:
        self.approval_locks += 1


class FakeTraining:
    def __init__(self) -> None:
        self.completed: dict[int, dict[str, datetime]] = {}
        self.reminders: dict[int, list[tuple[int, datetime, tuple[str, ...]]]] = {}

    def completions(self, leader_id: int) -> dict[str, datetime]:
        return dict(self.completed.get(leader_id, {}))

    def add_completion(self, leader_id: int, module: str, completed_at: datetime) -> None:
        self.completed.setdefault(leader_id, {})[module] = completed_at

    def reminders_sent(self, leader_id: int) -> tuple[int, datetime | None]:
        sent = self.reminders.get(leader_id, [])
        return len(sent), max((at for _, at, _ in sent), default=None)

    def add_reminder(self, leader_id: int, number: int, sent_at: datetime, missing_modules: Iterable[str]) -> None:
        self.reminders.setdefault(leader_id, []).append((number, sent_at, tuple(missing_modules)))


class FakeProgram:
    def __init__(self) -> None:
        self.settings = ProgramSettings()
        self.targets: dict[tuple[str, str], int] = {}

    def get(self) -> ProgramSettings:
        return self.settings

    def save(self, settings: ProgramSettings, now: datetime) -> None:
        self.settings = settings

    def coverage_targets(self, grouping: str) -> dict[str, int]:
        return {region: target for (g, region), target in self.targets.items() if g == grouping}

    def set_coverage_target(self, grouping: str, region_id: str, target: int | None) -> None:
        if target is None:
            self.targets.pop((grouping, region_id), None)
        else:
            self.targets[(grouping, region_id)] = target


class FakeUnitOfWork:
    """What LeadersUnitOfWork gives a use case; `published` holds the events in order and
    `jobs` the timer work ((kind, key) -> (due_at, payload))."""

    source = "leaders"

    def __init__(self) -> None:
        self.leaders = FakeLeaders()
        self.applications = FakeApplications()
        self.training = FakeTraining()
        self.program = FakeProgram()
        self.published: list[Any] = []
        self.jobs: dict[tuple[str, str], tuple[datetime, dict[str, Any]]] = {}

    def publish(self, payload: Any) -> None:
        self.published.append(payload)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        self.jobs[(kind, key)] = (due_at, payload or {})

    def cancel_job(self, kind: str, key: str) -> None:
        self.jobs.pop((kind, key), None)

    def types_published(self) -> list[str]:
        return [type(payload).__name__ for payload in self.published]
