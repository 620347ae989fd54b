"""Rows of the leaders' tables <-> domain objects, and the unit of work that carries the
repositories (cosmicpython's pattern).

Each repository loads a row once and keeps it, so saving the domain object it became
writes that same row back. Only what the use cases need is here; reads that answer
queries are in `views.py`, which maps rows with the functions at the end of this module.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.runtime import places
from services.runtime.uow import UnitOfWork

from .domain.applications import OPEN_APPLICATION_STATUSES, Application, Reference
from .domain.expertise import in_vocabulary_order
from .domain.fields import comparable_email
from .domain.leader import EmailInUse, Leader
from .domain.program import ProgramSettings
from .models import (
    ApplicationRow,
    CoverageTargetRow,
    LeaderExpertiseRow,
    LeaderRow,
    ProgramSettingsRow,
    TrainingCompletionRow,
    TrainingReminderRow,
)

# SQLite caps the number of bound parameters in one statement.
_CHUNK = 900


class LeaderRepository:
    def __init__(self, session: Session):
        self.session = session
        self._loaded: dict[int, tuple[LeaderRow, tuple[str, ...]]] = {}

    def get(self, leader_id: int, *, for_update: bool = False) -> Leader | None:
        row = self.session.get(LeaderRow, leader_id, with_for_update=for_update)
        if row is None:
            return None
        expertise = expertise_by_leader(self.session, [row.id])[row.id]
        self._loaded[row.id] = (row, expertise)
        return to_leader(row, expertise)

    def all(self) -> list[Leader]:
        """Every leader, in the order they joined."""
        return leaders_of(self.session, sa.select(LeaderRow).order_by(LeaderRow.id))

    def email_taken(self, email: str, *, except_leader: int | None = None) -> bool:
        query = sa.select(LeaderRow.id).where(LeaderRow.email_key == comparable_email(email))
        if except_leader is not None:
            query = query.where(LeaderRow.id != except_leader)
        return self.session.execute(query.limit(1)).first() is not None

    def email_keys(self) -> list[str]:
        """The address of every leader on the roster, as compared."""
        return list(self.session.execute(sa.select(LeaderRow.email_key)).scalars())

    def active_count(self) -> int:
        return self.session.execute(
            sa.select(sa.func.count()).select_from(LeaderRow).where(LeaderRow.status == "active")
        ).scalar_one()

    def add(self, leader: Leader, now: datetime) -> Leader:
        """Store a new leader; raises EmailInUse when another leader has the address."""
        row = LeaderRow(**_leader_values(leader), created_at=now, updated_at=now)
        self.session.add(row)
        self._flush()
        if leader.expertise:
            self.session.add_all(LeaderExpertiseRow(leader_id=row.id, expertise=t) for t in leader.expertise)
            self.session.flush()
        self._loaded[row.id] = (row, leader.expertise)
        return to_leader(row, leader.expertise)

    def add_many(self, leaders: list[Leader], now: datetime) -> list[Leader]:
        """Store new leaders in bulk (a roster import); raises EmailInUse and stores none when
        any address is taken."""
        if not leaders:
            return []
        table = LeaderRow.__table__
        try:
            ids = self.session.execute(
                sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
                [{**_leader_values(leader), "created_at": now, "updated_at": now} for leader in leaders],
            ).scalars().all()
        except IntegrityError:
            raise EmailInUse() from None
        tags = [{"leader_id": i, "expertise": t} for i, leader in zip(ids, leaders) for t in leader.expertise]
        if tags:
            self.session.execute(sa.insert(LeaderExpertiseRow.__table__), tags)
        return [replace(leader, id=i) for i, leader in zip(ids, leaders)]

    def save(self, leader: Leader, now: datetime) -> None:
        """Write a changed leader back; raises EmailInUse when another leader has the address."""
        row, expertise = self._loaded.get(leader.id) or (self.session.get(LeaderRow, leader.id), None)
        for field, value in _leader_values(leader).items():
            setattr(row, field, value)
        row.updated_at = now
        if leader.expertise != expertise:
            self.session.execute(sa.delete(LeaderExpertiseRow).where(LeaderExpertiseRow.leader_id == row.id))
            self.session.add_all(LeaderExpertiseRow(leader_id=row.id, expertise=t) for t in leader.expertise)
        self._flush()
        self._loaded[row.id] = (row, leader.expertise)

    def bump_versions(self, now: datetime) -> None:
        """A new version of every leader: what they are published as changed (a new grouping)."""
        self.session.execute(sa.update(LeaderRow).values(version=LeaderRow.version + 1, updated_at=now))
        self._loaded.clear()

    def _flush(self) -> None:
        try:
            self.session.flush()
        except IntegrityError:
            # Only the address is unique; another change took it since the use case looked.
            raise EmailInUse() from None


class ApplicationRepository:
    def __init__(self, session: Session):
        self.session = session
        self._loaded: dict[int, ApplicationRow] = {}

    def get(self, application_id: int, *, for_update: bool = False) -> Application | None:
        row = self.session.get(ApplicationRow, application_id, with_for_update=for_update)
        if row is None:
            return None
        self._loaded[row.id] = row
        return to_application(row)

    def add(self, application: Application, now: datetime) -> Application:
        row = ApplicationRow(
            name=application.name, email=application.email, email_key=comparable_email(application.email),
            phone=application.phone, agency=application.agency, title=application.title,
            state=application.state, postal_code=application.postal_code, why=application.why,
            experience=application.experience, reference_name=application.reference.name, reference_contact=application.reference.contact,
            status=application.status, submitted_at=application.submitted_at, updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        self._loaded[row.id] = row
        return to_application(row)

    def save(self, application: Application, now: datetime) -> None:
        """Write a decision back: status, its times, who decided, the reason and the leader."""
        row = self._loaded.get(application.id) or self.session.get(ApplicationRow, application.id)
        row.status = application.status
        row.decided_at = application.decided_at
        row.waitlisted_at = application.waitlisted_at
        row.decline_reason = application.decline_reason
        row.decided_by = application.decided_by
        row.leader_id = application.leader_id
        row.updated_at = now
        self.session.flush()

    def has_open(self, email: str) -> bool:
        """Whether an application from this address waits for a decision."""
        query = sa.select(ApplicationRow.id).where(
            ApplicationRow.email_key == comparable_email(email),
            ApplicationRow.status.in_(OPEN_APPLICATION_STATUSES))
        return self.session.execute(query.limit(1)).first() is not None

    def approved_at(self, leader_id: int) -> datetime | None:
        """When the application the leader joined through was approved (None: they did not)."""
        return self.session.execute(
            sa.select(ApplicationRow.decided_at)
            .where(ApplicationRow.leader_id == leader_id, ApplicationRow.status == "approved")
        ).scalar_one_or_none()

    def lock_approvals(self) -> None:
        """Approvals of different applications must not both slip under the roster target.
        SQLite already runs one write transaction at a time; PostgreSQL takes a lock held
        until this transaction ends."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPROVAL_LOCK})


_APPROVAL_LOCK = 0x6E696F74  # any constant shared by every instance of this service


class TrainingRepository:
    def __init__(self, session: Session):
        self.session = session

    def completions(self, leader_id: int) -> dict[str, datetime]:
        """The modules the leader completed, each with when."""
        return dict(self.session.execute(
            sa.select(TrainingCompletionRow.module, TrainingCompletionRow.completed_at)
            .where(TrainingCompletionRow.leader_id == leader_id)
        ).all())

    def add_completion(self, leader_id: int, module: str, completed_at: datetime) -> None:
        self.session.add(TrainingCompletionRow(leader_id=leader_id, module=module, completed_at=completed_at))
        self.session.flush()

    def reminders_sent(self, leader_id: int) -> tuple[int, datetime | None]:
        """How many training reminders the leader was sent, and when the last one went."""
        sent, last_sent_at = self.session.execute(
            sa.select(sa.func.count(), sa.func.max(TrainingReminderRow.sent_at))
            .where(TrainingReminderRow.leader_id == leader_id)
        ).one()
        return sent, last_sent_at

    def add_reminder(self, leader_id: int, number: int, sent_at: datetime, missing_modules: Iterable[str]) -> None:
        self.session.add(TrainingReminderRow(leader_id=leader_id, number=number, sent_at=sent_at,
                                             missing_modules=",".join(missing_modules)))
        self.session.flush()


class ProgramRepository:
    """The program's settings and the regions' coverage targets that differ from the default."""

    def __init__(self, session: Session):
        self.session = session

    def get(self) -> ProgramSettings:
        return to_program_settings(self.session.get(ProgramSettingsRow, 1))

    def save(self, settings: ProgramSettings, now: datetime) -> None:
        row = self.session.get(ProgramSettingsRow, 1, with_for_update=True)
        if row is None:
            self.session.add(ProgramSettingsRow(id=1, region_grouping=settings.region_grouping,
                                                roster_target=settings.roster_target, updated_at=now))
        else:
            row.region_grouping = settings.region_grouping
            row.roster_target = settings.roster_target
            row.updated_at = now
        self.session.flush()

    def coverage_targets(self, grouping: str) -> dict[str, int]:
        return coverage_target_overrides(self.session, grouping)

    def set_coverage_target(self, grouping: str, region_id: str, target: int | None) -> None:
        """A region's own target; None drops it, so the region has the default again."""
        row = self.session.get(CoverageTargetRow, (grouping, region_id), with_for_update=True)
        if target is None:
            if row is not None:
                self.session.delete(row)
        elif row is None:
            self.session.add(CoverageTargetRow(grouping=grouping, region_id=region_id, target=target))
        else:
            row.target = target
        self.session.flush()


class LeadersUnitOfWork(UnitOfWork):
    def __init__(self, session: Session, source: str):
        super().__init__(session, source)
        self.leaders = LeaderRepository(session)
        self.applications = ApplicationRepository(session)
        self.training = TrainingRepository(session)
        self.program = ProgramRepository(session)


# ---------------------------------------------------------------------------------------
# Mapping, shared with the views


def to_leader(row: LeaderRow, expertise: tuple[str, ...]) -> Leader:
    return Leader(
        id=row.id, version=row.version, name=row.name, agency=row.agency, title=row.title,
        email=row.email, phone=row.phone, state=row.state, expertise=expertise, bio=row.bio,
        max_mentees=row.max_mentees, away_until=row.away_until, trusted_host=row.trusted_host,
        status=row.status, postal_code=row.postal_code,
    )


def _leader_values(leader: Leader) -> dict[str, Any]:
    return {
        "name": leader.name, "agency": leader.agency, "title": leader.title,
        "email": leader.email, "email_key": comparable_email(leader.email), "phone": leader.phone,
        "state": leader.state, "bio": leader.bio, "max_mentees": leader.max_mentees,
        "away_until": leader.away_until, "trusted_host": leader.trusted_host,
        "status": leader.status, "version": leader.version, **_located(leader.postal_code),
    }


def _located(postal_code: str | None) -> dict[str, Any]:
    """The ZIP code with its point, stored so a near-me search can prefilter by latitude and longitude."""
    place = places.zip_place(postal_code)
    return {"postal_code": postal_code, "latitude": place.latitude if place else None,
            "longitude": place.longitude if place else None}


def expertise_by_leader(session: Session, leader_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    ids = list(leader_ids)
    found: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            sa.select(LeaderExpertiseRow.leader_id, LeaderExpertiseRow.expertise)
            .where(LeaderExpertiseRow.leader_id.in_(ids[start:start + _CHUNK]))
        )
        for leader_id, tag in rows:
            found[leader_id].add(tag)
    return {i: in_vocabulary_order(found.get(i, ())) for i in ids}


def leaders_of(session: Session, query: sa.Select) -> list[Leader]:
    """The leaders a query of LeaderRow selects, each with their expertise."""
    rows = session.execute(query).scalars().all()
    expertise = expertise_by_leader(session, (r.id for r in rows))
    return [to_leader(r, expertise[r.id]) for r in rows]


def to_application(row: ApplicationRow) -> Application:
    return Application(
        id=row.id, name=row.name, email=row.email, phone=row.phone, agency=row.agency,
        title=row.title, state=row.state, postal_code=row.postal_code, why=row.why, experience=row.experience,
        reference=Reference(row.reference_name, row.reference_contact),
        submitted_at=row.submitted_at, status=row.status, waitlisted_at=row.waitlisted_at,
        decided_at=row.decided_at, decided_by=row.decided_by, decline_reason=row.decline_reason,
        leader_id=row.leader_id,
    )


def to_program_settings(row: ProgramSettingsRow | None) -> ProgramSettings:
    if row is None:
        return ProgramSettings()
    return ProgramSettings(row.region_grouping, row.roster_target)


def coverage_target_overrides(session: Session, grouping: str) -> dict[str, int]:
    return dict(session.execute(
        sa.select(CoverageTargetRow.region_id, CoverageTargetRow.target)
        .where(CoverageTargetRow.grouping == grouping)
    ).all())
