"""Use cases of the leaders service: load rows, apply the domain rules, save, publish.

Each function runs inside the caller's transaction (`session`) and records its events
with `publish(session, payload)` (the service passes `Database.publish`, which writes
the outbox in that same transaction), so a change and its events commit together or
not at all. Nothing here reads the clock: callers pass `now`.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.contracts import Payload
from services.contracts.leaders import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationSubmitted,
    ApplicationWaitlisted,
    LeaderAvailabilityChanged,
    LeaderDeactivated,
    LeaderUpdated,
    TrainingCompleted,
    TrainingModuleDue,
    TrainingReminderDue,
)
from services.runtime import timers
from services.runtime.errors import Conflict, NotFound

from . import domain, regions
from .domain import Application, Leader, Reference
from .models import (
    ApplicationRow,
    CoverageTargetRow,
    LeaderExpertiseRow,
    LeaderRow,
    ProgramSettingsRow,
    TrainingCompletionRow,
    TrainingReminderRow,
)
from .schemas import (
    ApplicationDecision,
    ApplicationQuery,
    CoverageQuery,
    DirectoryQuery,
    LeaderRef,
    RosterQuery,
    TargetChange,
    mapping,
    text,
    validated,
)

Publish = Callable[[Session, Payload], None]

# Paths this service puts in its own (non-mentorship) events; the gateway serves them and
# the mailer prefixes PUBLIC_BASE_URL. The training page needs the signed-in leader.
LEADER_PATHS = {
    "training": "/leader/training",
}

# Timer job kind (services.runtime.timers) for training reminders; the key is the leader id.
TRAINING_REMINDER = "training_reminder"

# Applications still waiting for a decision; a second one from the same address is a duplicate.
OPEN_APPLICATION_STATUSES = ("pending", "waitlisted")


# ---------------------------------------------------------------------------------------
# Program settings


@dataclass(frozen=True)
class ProgramSettings:
    region_grouping: str
    roster_target: int


def program_settings(session: Session) -> ProgramSettings:
    row = session.get(ProgramSettingsRow, 1)
    if row is None:
        return ProgramSettings(regions.DEFAULT_GROUPING, domain.DEFAULT_ROSTER_TARGET)
    return ProgramSettings(row.region_grouping, row.roster_target)


def _save_settings(session: Session, settings: ProgramSettings, now: datetime) -> None:
    row = session.get(ProgramSettingsRow, 1, with_for_update=True)
    if row is None:
        session.add(ProgramSettingsRow(id=1, region_grouping=settings.region_grouping,
                                       roster_target=settings.roster_target, updated_at=now))
    else:
        row.region_grouping = settings.region_grouping
        row.roster_target = settings.roster_target
        row.updated_at = now
    session.flush()


def _grouping(session: Session, grouping: str | None) -> str:
    """The grouping asked for (validated), or the program's current one."""
    if grouping is None:
        return program_settings(session).region_grouping
    regions.regions(grouping)  # raises ValidationFailed naming `grouping` when unknown
    return grouping


def _coverage_targets(session: Session, grouping: str) -> dict[str, int]:
    overrides = dict(session.execute(
        sa.select(CoverageTargetRow.region_id, CoverageTargetRow.target)
        .where(CoverageTargetRow.grouping == grouping)
    ).all())
    return regions.coverage_targets(grouping, overrides)


def get_settings(session: Session) -> dict[str, Any]:
    settings = program_settings(session)
    return {
        "region_grouping": settings.region_grouping,
        "region_groupings": dict(regions.GROUPINGS),
        "roster_target": settings.roster_target,
        "active_leaders": _active_leader_count(session),
    }


def set_roster_target(session: Session, target: Any, *, now: datetime) -> dict[str, Any]:
    change = validated(TargetChange, target=target)
    current = program_settings(session)
    _save_settings(session, ProgramSettings(current.region_grouping, change.target), now)
    return get_settings(session)


def set_coverage_target(
    session: Session, region_id: Any, target: Any, *, grouping: str | None = None
) -> dict[str, Any]:
    grouping = _grouping(session, grouping)
    change = validated(TargetChange, target=target)
    region = regions.get_region(text(region_id, "region"), grouping)
    row = session.get(CoverageTargetRow, (grouping, region.id), with_for_update=True)
    if change.target == regions.DEFAULT_COVERAGE_TARGET:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(CoverageTargetRow(grouping=grouping, region_id=region.id, target=change.target))
    else:
        row.target = change.target
    session.flush()
    return list_regions(session, grouping)


def list_regions(session: Session, grouping: str | None = None) -> dict[str, Any]:
    """Every region of a grouping with its member states and coverage target."""
    grouping = _grouping(session, grouping)
    targets = _coverage_targets(session, grouping)
    return {
        "grouping": grouping,
        "grouping_name": regions.GROUPINGS[grouping],
        "current": grouping == program_settings(session).region_grouping,
        "regions": [
            {
                "id": region.id,
                "name": region.name,
                "coverage_target": targets[region.id],
                "states": [{"code": s, "name": regions.STATES[s]} for s in region.states],
            }
            for region in regions.regions(grouping)
        ],
    }


def set_region_grouping(session: Session, publish: Publish, grouping: Any, *, now: datetime) -> dict[str, Any]:
    """Switch grouping. Regions are derived, so only the setting changes; every leader's
    version is bumped and their snapshot republished so projections re-derive too."""
    grouping = _grouping(session, text(grouping, "grouping"))
    current = program_settings(session)
    if grouping == current.region_grouping:
        return {"region_grouping": grouping, "republished": 0}
    _save_settings(session, ProgramSettings(grouping, current.roster_target), now)
    session.execute(sa.update(LeaderRow).values(version=LeaderRow.version + 1, updated_at=now))
    republished = 0
    for leader in _leaders(session, sa.select(LeaderRow).order_by(LeaderRow.id)):
        publish(session, LeaderUpdated(**domain.leader_snapshot(leader, grouping),
                                       changed=("region", "region_grouping")))
        republished += 1
    return {"region_grouping": grouping, "republished": republished}


# ---------------------------------------------------------------------------------------
# Rows <-> domain


def _expertise_by_leader(session: Session, leader_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    ids = list(leader_ids)
    found: dict[int, set[str]] = defaultdict(set)
    # Chunked: SQLite caps the number of bound parameters in one statement.
    for start in range(0, len(ids), 900):
        rows = session.execute(
            sa.select(LeaderExpertiseRow.leader_id, LeaderExpertiseRow.expertise)
            .where(LeaderExpertiseRow.leader_id.in_(ids[start:start + 900]))
        )
        for leader_id, tag in rows:
            found[leader_id].add(tag)
    # Vocabulary order, as the domain keeps it.
    return {i: tuple(t for t in domain.EXPERTISE if t in found.get(i, ())) for i in ids}


def _to_leader(row: LeaderRow, expertise: tuple[str, ...]) -> Leader:
    return Leader(
        id=row.id, version=row.version, name=row.name, agency=row.agency, title=row.title,
        email=row.email, phone=row.phone, state=row.state, expertise=expertise, bio=row.bio,
        max_mentees=row.max_mentees, away_until=row.away_until, trusted_host=row.trusted_host,
        status=row.status,
    )


def _leaders(session: Session, query: sa.Select) -> list[Leader]:
    rows = session.execute(query).scalars().all()
    expertise = _expertise_by_leader(session, (r.id for r in rows))
    return [_to_leader(r, expertise[r.id]) for r in rows]


def _leader_values(leader: Leader) -> dict[str, Any]:
    return {
        "name": leader.name, "agency": leader.agency, "title": leader.title,
        "email": leader.email, "email_key": domain.email_key(leader.email), "phone": leader.phone,
        "state": leader.state, "bio": leader.bio, "max_mentees": leader.max_mentees,
        "away_until": leader.away_until, "trusted_host": leader.trusted_host,
        "status": leader.status, "version": leader.version,
    }


def _load_leader_row(session: Session, leader_id: Any, *, for_update: bool = False) -> LeaderRow:
    ref = validated(LeaderRef, leader_id=leader_id)
    row = session.get(LeaderRow, ref.leader_id, with_for_update=for_update)
    if row is None:
        raise NotFound(f"no leader with id {ref.leader_id}", field="leader_id")
    return row


def _load_leader(session: Session, leader_id: Any, *, for_update: bool = False) -> tuple[LeaderRow, Leader]:
    row = _load_leader_row(session, leader_id, for_update=for_update)
    return row, _to_leader(row, _expertise_by_leader(session, [row.id])[row.id])


def _email_taken(session: Session, email: str, *, except_leader: int | None = None) -> bool:
    query = sa.select(LeaderRow.id).where(LeaderRow.email_key == domain.email_key(email))
    if except_leader is not None:
        query = query.where(LeaderRow.id != except_leader)
    return session.execute(query.limit(1)).first() is not None


def _mentoring_ready(session: Session, leader_ids: Iterable[int]) -> dict[int, bool]:
    ids = list(leader_ids)
    done: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(ids), 900):
        rows = session.execute(
            sa.select(TrainingCompletionRow.leader_id, TrainingCompletionRow.module)
            .where(TrainingCompletionRow.leader_id.in_(ids[start:start + 900]),
                   TrainingCompletionRow.module.in_(domain.MENTORING_MODULES))
        )
        for leader_id, module in rows:
            done[leader_id].add(module)
    return {i: domain.can_receive_mentorship_requests(done.get(i, ())) for i in ids}


def leader_record(leader: Leader, grouping: str, *, today: date, mentoring_ready: bool) -> dict[str, Any]:
    """A leader as the leader and program managers see it: contact details included."""
    region = regions.get_region(leader.region(grouping), grouping)
    return {
        "id": leader.id,
        "version": leader.version,
        "name": leader.name,
        "agency": leader.agency,
        "title": leader.title,
        "email": leader.email,
        "phone": leader.phone,
        "state": leader.state,
        "state_name": regions.STATES[leader.state],
        "region": region.id,
        "region_name": region.name,
        "region_grouping": grouping,
        "expertise": [{"slug": s, "label": domain.EXPERTISE[s]} for s in leader.expertise],
        "bio": leader.bio,
        "max_mentees": leader.max_mentees,
        "availability": "available" if leader.is_available(today) else "away",
        "away_until": leader.away_until.isoformat() if leader.away_until else None,
        "trusted_host": leader.trusted_host,
        "status": leader.status,
        "mentoring_ready": mentoring_ready,
    }


def _record(session: Session, leader: Leader, *, today: date) -> dict[str, Any]:
    grouping = program_settings(session).region_grouping
    ready = _mentoring_ready(session, [leader.id])[leader.id]
    return leader_record(leader, grouping, today=today, mentoring_ready=ready)


# ---------------------------------------------------------------------------------------
# Leaders


def get_leader(session: Session, leader_id: Any, *, today: date) -> dict[str, Any]:
    _, leader = _load_leader(session, leader_id)
    return _record(session, leader, today=today)


def find_leader_by_email(session: Session, email: Any, *, today: date) -> dict[str, Any] | None:
    row = session.execute(
        sa.select(LeaderRow).where(LeaderRow.email_key == domain.email_key(text(email, "email")))
    ).scalar_one_or_none()
    if row is None:
        return None
    return _record(session, _to_leader(row, _expertise_by_leader(session, [row.id])[row.id]), today=today)


def public_leader(session: Session, leader_id: Any) -> dict[str, Any]:
    """One directory entry; only active leaders are public."""
    row, leader = _load_leader(session, leader_id)
    if row.status != "active":
        raise NotFound(f"no leader with id {row.id} in the directory", field="leader_id")
    return domain.public_profile(leader, program_settings(session).region_grouping)


def _leader_event(before: Leader, after: Leader, grouping: str) -> Payload | None:
    kind = domain.leader_event_type(before, after)
    if kind is None:
        return None
    snapshot = domain.leader_snapshot(after, grouping)
    if kind == "leader_deactivated":
        return LeaderDeactivated(**snapshot)
    if kind == "leader_availability_changed":
        return LeaderAvailabilityChanged(**snapshot)
    return LeaderUpdated(**snapshot, changed=domain.changed_fields(before, after))


def _save_leader(session: Session, row: LeaderRow, before: Leader, after: Leader, now: datetime) -> None:
    for field, value in _leader_values(after).items():
        setattr(row, field, value)
    row.updated_at = now
    if after.expertise != before.expertise:
        session.execute(sa.delete(LeaderExpertiseRow).where(LeaderExpertiseRow.leader_id == row.id))
        session.add_all(LeaderExpertiseRow(leader_id=row.id, expertise=t) for t in after.expertise)
    try:
        session.flush()
    except IntegrityError:
        # Only the email is unique; another change took the address since we checked.
        raise Conflict("another leader already uses this email address", field="email") from None


def update_leader(
    session: Session, publish: Publish, leader_id: Any, changes: Any, *, now: datetime
) -> dict[str, Any]:
    """Apply profile changes; one leader_* event (per domain.leader_event_type) when anything changed."""
    changes = mapping(changes, "changes")
    row, before = _load_leader(session, leader_id, for_update=True)
    after = domain.update_leader(before, changes, today=now.date())
    if after is before:
        return _record(session, before, today=now.date())
    if after.email != before.email and _email_taken(session, after.email, except_leader=row.id):
        raise Conflict("another leader already uses this email address", field="email")
    _save_leader(session, row, before, after, now)
    event = _leader_event(before, after, program_settings(session).region_grouping)
    if event is not None:
        publish(session, event)
    if after.status != before.status:
        plan_training_reminder(session, row, _completions(session, row.id))
    return _record(session, after, today=now.date())


def set_availability(
    session: Session, publish: Publish, leader_id: Any, away_until: Any = None, *, now: datetime
) -> dict[str, Any]:
    """Away until a future date (ISO YYYY-MM-DD), or available again when None."""
    if away_until is None:
        changes: dict[str, Any] = {"availability": "available"}
    else:
        changes = {"availability": "away", "away_until": away_until}
    return update_leader(session, publish, leader_id, changes, now=now)


def set_status(session: Session, publish: Publish, leader_id: Any, status: Any, *, now: datetime) -> dict[str, Any]:
    return update_leader(session, publish, leader_id, {"status": status}, now=now)


def _active_leader_count(session: Session) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(LeaderRow).where(LeaderRow.status == "active")
    ).scalar_one()


def _filtered(query: sa.Select, session: Session, filters: DirectoryQuery, grouping: str) -> sa.Select:
    if filters.state is not None:
        query = query.where(LeaderRow.state == regions.normalize_state(filters.state))
    if filters.region is not None:
        query = query.where(LeaderRow.state.in_(regions.get_region(filters.region, grouping).states))
    if filters.expertise is not None:
        # IN (subquery) lets SQLite start from the expertise index instead of probing every leader.
        for tag in domain.parse_expertise(filters.expertise):
            query = query.where(LeaderRow.id.in_(
                sa.select(LeaderExpertiseRow.leader_id).where(LeaderExpertiseRow.expertise == tag)
            ))
    return query


def _page(session: Session, query: sa.Select, filters: DirectoryQuery) -> tuple[int, list[Leader]]:
    total = session.execute(
        query.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)
    ).scalar_one()
    leaders = _leaders(session, query.order_by(LeaderRow.name, LeaderRow.id)
                       .offset(filters.offset).limit(filters.limit))
    return total, leaders


def directory(session: Session, **filters: Any) -> dict[str, Any]:
    """Active leaders for the public: filter by region, state and expertise (all tags must
    match); never any contact detail."""
    query_filters = validated(DirectoryQuery, **filters)
    grouping = _grouping(session, query_filters.grouping)
    query = _filtered(sa.select(LeaderRow).where(LeaderRow.status == "active"), session, query_filters, grouping)
    total, leaders = _page(session, query, query_filters)
    return {
        "grouping": grouping, "total": total, "page": query_filters.page, "limit": query_filters.limit,
        "leaders": [domain.public_profile(leader, grouping) for leader in leaders],
    }


def roster(session: Session, *, today: date, **filters: Any) -> dict[str, Any]:
    """The program manager's view: every status (or one), contact details and training state."""
    query_filters = validated(RosterQuery, **filters)
    grouping = _grouping(session, query_filters.grouping)
    query = sa.select(LeaderRow)
    if query_filters.status is not None:
        query = query.where(LeaderRow.status == query_filters.status)
    query = _filtered(query, session, query_filters, grouping)
    total, leaders = _page(session, query, query_filters)
    ready = _mentoring_ready(session, [leader.id for leader in leaders])
    return {
        "grouping": grouping, "total": total, "page": query_filters.page, "limit": query_filters.limit,
        "leaders": [leader_record(leader, grouping, today=today, mentoring_ready=ready[leader.id])
                    for leader in leaders],
    }


def expertise_tags() -> list[dict[str, str]]:
    return [{"slug": slug, "label": label} for slug, label in domain.EXPERTISE.items()]


# ---------------------------------------------------------------------------------------
# Applications


def _to_application(row: ApplicationRow) -> Application:
    return Application(
        id=row.id, name=row.name, email=row.email, phone=row.phone, agency=row.agency,
        title=row.title, state=row.state, why=row.why, experience=row.experience,
        reference=Reference(row.reference_name, row.reference_contact),
        submitted_at=row.submitted_at, status=row.status, waitlisted_at=row.waitlisted_at,
        decided_at=row.decided_at, decline_reason=row.decline_reason,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def application_record(row: ApplicationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "agency": row.agency,
        "title": row.title,
        "state": row.state,
        "state_name": regions.STATES[row.state],
        "why": row.why,
        "experience": row.experience,
        "reference": {"name": row.reference_name, "contact": row.reference_contact},
        "status": row.status,
        "submitted_at": _iso(row.submitted_at),
        "waitlisted_at": _iso(row.waitlisted_at),
        "decided_at": _iso(row.decided_at),
        "decided_by": row.decided_by,
        "decline_reason": row.decline_reason,
        "leader_id": row.leader_id,
    }


def _email_on_file(session: Session, email: str) -> bool:
    key = domain.email_key(email)
    open_application = sa.select(ApplicationRow.id).where(
        ApplicationRow.email_key == key, ApplicationRow.status.in_(OPEN_APPLICATION_STATUSES)
    )
    return (session.execute(open_application.limit(1)).first() is not None) or _email_taken(session, email)


def submit_application(session: Session, publish: Publish, data: Any, *, now: datetime) -> dict[str, Any]:
    """A public application to join the network. The same address may not have an open
    application or be on the roster already; after a decline one may apply again."""
    application = domain.submit_application(mapping(data, "application"), now=now)
    if _email_on_file(session, application.email):
        raise Conflict("an application or leader with this email address is already on file", field="email")
    row = ApplicationRow(
        name=application.name, email=application.email, email_key=domain.email_key(application.email),
        phone=application.phone, agency=application.agency, title=application.title,
        state=application.state, why=application.why, experience=application.experience,
        reference_name=application.reference.name, reference_contact=application.reference.contact,
        status=application.status, submitted_at=now, updated_at=now,
    )
    session.add(row)
    session.flush()
    publish(session, ApplicationSubmitted(
        application_id=row.id, name=row.name, email=row.email, agency=row.agency,
        title=row.title, state=row.state, submitted_at=now,
    ))
    return application_record(row)


def list_applications(session: Session, **filters: Any) -> dict[str, Any]:
    query_filters = validated(ApplicationQuery, **filters)
    query = sa.select(ApplicationRow)
    if query_filters.status is not None:
        query = query.where(ApplicationRow.status == query_filters.status)
    total = session.execute(
        query.with_only_columns(sa.func.count(), maintain_column_froms=True)
    ).scalar_one()
    rows = session.execute(
        query.order_by(ApplicationRow.submitted_at, ApplicationRow.id)
        .offset(query_filters.offset).limit(query_filters.limit)
    ).scalars().all()
    return {"total": total, "page": query_filters.page, "limit": query_filters.limit,
            "applications": [application_record(r) for r in rows]}


def _load_application(session: Session, application_id: int, *, for_update: bool = False) -> ApplicationRow:
    row = session.get(ApplicationRow, application_id, with_for_update=for_update)
    if row is None:
        raise NotFound(f"no application with id {application_id}", field="application_id")
    return row


def get_application(session: Session, application_id: Any) -> dict[str, Any]:
    decision = validated(ApplicationDecision, application_id=application_id)
    return application_record(_load_application(session, decision.application_id))


def _record_decision(row: ApplicationRow, decided: Application, decided_by: str | None, now: datetime) -> None:
    row.status = decided.status
    row.decided_at = decided.decided_at
    row.waitlisted_at = decided.waitlisted_at
    row.decline_reason = decided.decline_reason
    row.decided_by = decided_by
    row.updated_at = now


def _one_approval_at_a_time(session: Session) -> None:
    """Approvals of different applications must not both slip under the roster target.
    SQLite already runs one write transaction at a time; PostgreSQL takes a lock held
    until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPROVAL_LOCK})


_APPROVAL_LOCK = 0x6E696F74  # any constant shared by every instance of this service


def approve_application(
    session: Session, publish: Publish, application_id: Any, *,
    confirm_over_target: Any = False, manager_id: Any = None, now: datetime,
) -> dict[str, Any]:
    """Approve: the applicant becomes an active leader, announced by one application_approved."""
    decision = validated(ApplicationDecision, application_id=application_id,
                         confirm_over_target=confirm_over_target, manager_id=manager_id)
    # Locked (PostgreSQL) / serialised (SQLite's BEGIN IMMEDIATE): two managers approving
    # at once see each other's decision, so only one leader and one event come out.
    row = _load_application(session, decision.application_id, for_update=True)
    _one_approval_at_a_time(session)
    settings = program_settings(session)
    approved = domain.approve(
        _to_application(row), active_leaders=_active_leader_count(session), now=now,
        roster_target=settings.roster_target, confirm_over_target=decision.confirm_over_target,
    )
    if _email_taken(session, approved.email):
        raise Conflict(f"a leader with {approved.email} is already on the roster", field="email")
    leader = domain.leader_from_application(approved)
    leader_row = LeaderRow(**_leader_values(leader), created_at=now, updated_at=now)
    session.add(leader_row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a leader with {approved.email} is already on the roster", field="email") from None
    leader = _to_leader(leader_row, leader.expertise)
    _record_decision(row, approved, decision.decided_by, now)
    row.leader_id = leader_row.id
    session.flush()
    plan_training_reminder(session, leader_row, {})
    publish(session, ApplicationApproved(
        **domain.leader_snapshot(leader, settings.region_grouping),
        application_id=row.id, approved_at=now,
    ))
    return {"application": application_record(row),
            "leader": leader_record(leader, settings.region_grouping, today=now.date(), mentoring_ready=False)}


def decline_application(
    session: Session, publish: Publish, application_id: Any, *,
    reason: Any = None, manager_id: Any = None, now: datetime,
) -> dict[str, Any]:
    decision = validated(ApplicationDecision, application_id=application_id, manager_id=manager_id)
    row = _load_application(session, decision.application_id, for_update=True)
    declined = domain.decline(_to_application(row), now=now, reason=reason)
    _record_decision(row, declined, decision.decided_by, now)
    session.flush()
    publish(session, ApplicationDeclined(
        application_id=row.id, name=row.name, email=row.email,
        reason=declined.decline_reason, declined_at=now,
    ))
    return application_record(row)


def waitlist_application(
    session: Session, publish: Publish, application_id: Any, *, manager_id: Any = None, now: datetime,
) -> dict[str, Any]:
    decision = validated(ApplicationDecision, application_id=application_id, manager_id=manager_id)
    row = _load_application(session, decision.application_id, for_update=True)
    waitlisted = domain.waitlist(_to_application(row), now=now)
    _record_decision(row, waitlisted, decision.decided_by, now)
    session.flush()
    publish(session, ApplicationWaitlisted(
        application_id=row.id, name=row.name, email=row.email, waitlisted_at=now,
    ))
    return application_record(row)


# ---------------------------------------------------------------------------------------
# Distance learning


def training_modules() -> list[dict[str, Any]]:
    return [
        {"slug": m.slug, "title": m.title, "description": m.description, "minutes": m.minutes,
         "required_for_mentoring": m.required_for_mentoring}
        for m in domain.TRAINING_MODULES
    ]


def _completions(session: Session, leader_id: int) -> dict[str, datetime]:
    return dict(session.execute(
        sa.select(TrainingCompletionRow.module, TrainingCompletionRow.completed_at)
        .where(TrainingCompletionRow.leader_id == leader_id)
    ).all())


def _training_record(leader_id: int, completed: Mapping[str, datetime]) -> dict[str, Any]:
    return {
        "leader_id": leader_id,
        "modules": [
            {"slug": m.slug, "title": m.title, "required_for_mentoring": m.required_for_mentoring,
             "completed_at": _iso(completed.get(m.slug))}
            for m in domain.TRAINING_MODULES
        ],
        "mentoring_ready": domain.can_receive_mentorship_requests(completed),
        "missing_for_mentoring": list(domain.missing_mentoring_modules(completed)),
    }


def leader_training(session: Session, leader_id: Any) -> dict[str, Any]:
    row = _load_leader_row(session, leader_id)
    return _training_record(row.id, _completions(session, row.id))


def complete_training(
    session: Session, publish: Publish, leader_id: Any, module: Any, *, now: datetime
) -> dict[str, Any]:
    """Record a completion; completing a module again changes nothing and publishes nothing."""
    chosen = domain.training_module(module)
    row = _load_leader_row(session, leader_id, for_update=True)
    completed, is_new = domain.record_completion(_completions(session, row.id), chosen.slug, now=now)
    if is_new:
        session.add(TrainingCompletionRow(leader_id=row.id, module=chosen.slug, completed_at=now))
        session.flush()
        publish(session, TrainingCompleted(
            leader_id=row.id, name=row.name, email=row.email, module=chosen.slug,
            module_title=chosen.title, completed_at=now,
            mentoring_ready=domain.can_receive_mentorship_requests(completed),
        ))
        plan_training_reminder(session, row, completed)
    return {**_training_record(row.id, completed), "newly_completed": is_new}


# Training reminders (schedule rule: domain.next_training_reminder_at). Only leaders who
# joined through an approved application are reminded: a roster imported from CSV brings
# leaders whose training the program already knows about.


@dataclass(frozen=True)
class _ReminderHistory:
    approved_at: datetime
    sent: int
    last_sent_at: datetime | None


def _reminder_history(session: Session, leader_id: int) -> _ReminderHistory | None:
    approved_at = session.execute(
        sa.select(ApplicationRow.decided_at)
        .where(ApplicationRow.leader_id == leader_id, ApplicationRow.status == "approved")
    ).scalar_one_or_none()
    if approved_at is None:
        return None
    sent, last_sent_at = session.execute(
        sa.select(sa.func.count(), sa.func.max(TrainingReminderRow.sent_at))
        .where(TrainingReminderRow.leader_id == leader_id)
    ).one()
    return _ReminderHistory(approved_at, sent, last_sent_at)


def _next_reminder_at(row: LeaderRow, history: _ReminderHistory | None,
                      completed: Iterable[str]) -> datetime | None:
    if history is None:
        return None
    return domain.next_training_reminder_at(
        approved_at=history.approved_at, reminders_sent=history.sent, completed_slugs=completed,
        active=row.status == "active", last_sent_at=history.last_sent_at,
    )


def plan_training_reminder(session: Session, row: LeaderRow, completed: Iterable[str]) -> datetime | None:
    """Schedule the leader's next training reminder, or drop it when none is due any more."""
    due = _next_reminder_at(row, _reminder_history(session, row.id), completed)
    if due is None:
        timers.cancel(session, TRAINING_REMINDER, str(row.id))
    else:
        timers.schedule(session, TRAINING_REMINDER, str(row.id), due, {"leader_id": row.id})
    return due


def send_training_reminder(session: Session, publish: Publish, leader_id: int, *, now: datetime) -> bool:
    """Publish the reminder due now, re-checked under the leader's lock: a leader who
    finished the modules or left active service since it was scheduled gets nothing.
    Returns whether a reminder was published."""
    row = session.get(LeaderRow, leader_id, with_for_update=True)
    if row is None:
        return False
    completed = _completions(session, row.id)
    history = _reminder_history(session, row.id)
    due = _next_reminder_at(row, history, completed)
    if due is None or due > now:
        plan_training_reminder(session, row, completed)
        return False
    number = history.sent + 1
    missing = [domain.TRAINING_MODULES_BY_SLUG[slug] for slug in domain.missing_mentoring_modules(completed)]
    session.add(TrainingReminderRow(leader_id=row.id, number=number, sent_at=now,
                                    missing_modules=",".join(m.slug for m in missing)))
    session.flush()
    publish(session, TrainingReminderDue(
        leader_id=row.id, name=row.name, email=row.email,
        missing_modules=tuple(TrainingModuleDue(slug=m.slug, title=m.title, minutes=m.minutes) for m in missing),
        reminder_number=number, final=domain.is_last_training_reminder(number),
        approved_at=history.approved_at, training_path=LEADER_PATHS["training"],
    ))
    plan_training_reminder(session, row, completed)
    return True


def timer_handlers(publish: Publish) -> dict[str, timers.JobHandler]:
    """Handlers for services.runtime.timers.run_due."""

    def remind(uow, payload: dict[str, Any], now: datetime) -> None:
        send_training_reminder(uow.session, publish, payload["leader_id"], now=now)

    return {TRAINING_REMINDER: remind}


# ---------------------------------------------------------------------------------------
# Roster CSV


def import_roster_csv(session: Session, publish: Publish, csv_text: Any, *, now: datetime) -> dict[str, Any]:
    """Store every valid row and report each rejected row with its reasons.

    Each new leader is announced with its full snapshot (leader_updated, or
    leader_deactivated for one imported as inactive or alumni) so projections pick it up.
    """
    existing = session.execute(sa.select(LeaderRow.email)).scalars().all()
    leaders, report = domain.parse_roster_csv(text(csv_text, "file"), today=now.date(), existing_emails=existing)
    grouping = program_settings(session).region_grouping
    stored = _insert_leaders(session, leaders, now)
    for leader in stored:
        snapshot = domain.leader_snapshot(leader, grouping)
        if leader.status == "active":
            publish(session, LeaderUpdated(**snapshot, changed=domain.PROFILE_FIELDS))
        else:
            publish(session, LeaderDeactivated(**snapshot))
    return {**report.to_dict(), "accepted_rows": list(report.accepted_rows),
            "leader_ids": [leader.id for leader in stored]}


def _insert_leaders(session: Session, leaders: list[Leader], now: datetime) -> list[Leader]:
    if not leaders:
        return []
    table = LeaderRow.__table__
    try:
        ids = session.execute(
            sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [{**_leader_values(leader), "created_at": now, "updated_at": now} for leader in leaders],
        ).scalars().all()
    except IntegrityError:
        # Another import or approval took one of these addresses since we looked.
        raise Conflict("the roster changed during the import; nothing was stored, try again", field="file") from None
    tags = [{"leader_id": i, "expertise": t} for i, leader in zip(ids, leaders) for t in leader.expertise]
    if tags:
        session.execute(sa.insert(LeaderExpertiseRow.__table__), tags)
    return [replace(leader, id=i) for i, leader in zip(ids, leaders)]


def export_roster_csv(session: Session, *, today: date) -> str:
    return domain.roster_to_csv(_leaders(session, sa.select(LeaderRow).order_by(LeaderRow.id)), today=today)


# ---------------------------------------------------------------------------------------
# Coverage

MenteeLoad = sa.Subquery
"""A subquery with columns (leader_id, load): each leader's current mentees. Leaders
missing from it carry no load. Mentorship supplies one; without it every load is 0."""


def _mentoring_trained() -> sa.Subquery:
    return (
        sa.select(TrainingCompletionRow.leader_id)
        .where(TrainingCompletionRow.module.in_(domain.MENTORING_MODULES))
        .group_by(TrainingCompletionRow.leader_id)
        .having(sa.func.count(sa.distinct(TrainingCompletionRow.module)) == len(domain.MENTORING_MODULES))
        .subquery("mentoring_trained")
    )


def coverage_leaders(
    session: Session, *, grouping: Any = None, as_of: Any = None, today: date,
    mentee_load: MenteeLoad | None = None,
) -> dict[str, Any]:
    """Per region and per state: active leaders against the region's target, leaders with
    spare mentoring capacity (trained, available on `as_of`, below max_mentees) and their
    free places, and the states without any active leader. Counted in SQL per state;
    regions are sums of their states."""
    query = validated(CoverageQuery, grouping=grouping, as_of=as_of)
    grouping = _grouping(session, query.grouping)
    as_of = query.as_of or today
    targets = _coverage_targets(session, grouping)

    trained = _mentoring_trained()
    load = sa.func.coalesce(mentee_load.c.load, 0) if mentee_load is not None else sa.literal(0)
    has_capacity = sa.and_(
        trained.c.leader_id.is_not(None),
        sa.or_(LeaderRow.away_until.is_(None), LeaderRow.away_until <= as_of),
        LeaderRow.max_mentees > load,
    )
    joined = sa.outerjoin(LeaderRow, trained, trained.c.leader_id == LeaderRow.id)
    if mentee_load is not None:
        joined = joined.outerjoin(mentee_load, mentee_load.c.leader_id == LeaderRow.id)
    per_state = session.execute(
        sa.select(
            LeaderRow.state,
            sa.func.count().label("active"),
            sa.func.sum(sa.case((has_capacity, 1), else_=0)).label("with_capacity"),
            sa.func.sum(sa.case((has_capacity, LeaderRow.max_mentees - load), else_=0)).label("free_places"),
        )
        .select_from(joined)
        .where(LeaderRow.status == "active")
        .group_by(LeaderRow.state)
    ).all()
    by_state = {r.state: (int(r.active), int(r.with_capacity or 0), int(r.free_places or 0)) for r in per_state}

    region_rows = []
    for region in regions.regions(grouping):
        states = [
            {"code": code, "name": regions.STATES[code], "active_leaders": by_state.get(code, (0, 0, 0))[0],
             "leaders_with_capacity": by_state.get(code, (0, 0, 0))[1],
             "free_mentee_places": by_state.get(code, (0, 0, 0))[2]}
            for code in region.states
        ]
        active = sum(s["active_leaders"] for s in states)
        target = targets[region.id]
        region_rows.append({
            "id": region.id, "name": region.name, "target": target, "active_leaders": active,
            "shortfall": max(target - active, 0), "meets_target": active >= target,
            "leaders_with_capacity": sum(s["leaders_with_capacity"] for s in states),
            "free_mentee_places": sum(s["free_mentee_places"] for s in states),
            "states_without_leaders": [s["code"] for s in states if s["active_leaders"] == 0],
            "states": states,
        })
    return {
        "grouping": grouping,
        "as_of": as_of.isoformat(),
        "active_leaders": sum(r["active_leaders"] for r in region_rows),
        "roster_target": program_settings(session).roster_target,
        "leaders_with_capacity": sum(r["leaders_with_capacity"] for r in region_rows),
        "regions_below_target": [r["id"] for r in region_rows if not r["meets_target"]],
        "states_without_leaders": [c for r in region_rows for c in r["states_without_leaders"]],
        "regions": region_rows,
    }
