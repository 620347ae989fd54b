"""Queries of the leaders service (the read side): each takes a session and answers with
plain dicts, reading the tables directly where that is quicker than going through the
repositories. Coverage aggregates are counted in SQL."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.contracts.email import InvalidEmail, normalise_email
from services.runtime import places
from services.runtime.errors import NotFound, ValidationFailed

from . import records, regions
from .domain.expertise import EXPERTISE, parse_expertise
from .domain.leader import Leader, public_profile
from .domain.program import ProgramSettings
from .domain.roster_csv import roster_to_csv
from .domain.training import MENTORING_MODULES, TRAINING_MODULES, can_receive_mentorship_requests, lesson
from .domain.training import training_module as training_module_rule
from .models import ApplicationRow, LeaderExpertiseRow, LeaderRow, ProgramSettingsRow, TrainingCompletionRow
from .repository import (
    coverage_target_overrides,
    expertise_by_leader,
    leaders_of,
    to_application,
    to_leader,
    to_program_settings,
)
from .schemas import (
    ApplicationDecision,
    ApplicationQuery,
    CoverageQuery,
    DirectoryQuery,
    LeaderRef,
    NearQuery,
    RosterQuery,
    text,
    validated,
)

# ---------------------------------------------------------------------------------------
# Program settings and regions


def program_settings(session: Session) -> ProgramSettings:
    return to_program_settings(session.get(ProgramSettingsRow, 1))


def grouping_or_current(session: Session, grouping: str | None) -> str:
    """The grouping asked for (validated), or the program's current one."""
    if grouping is None:
        return program_settings(session).region_grouping
    regions.regions(grouping)  # raises ValidationFailed naming `grouping` when unknown
    return grouping


def settings(session: Session) -> dict[str, Any]:
    return records.settings_record(program_settings(session), active_leaders=_active_leader_count(session))


def list_regions(session: Session, grouping: str | None = None) -> dict[str, Any]:
    grouping = grouping_or_current(session, grouping)
    return records.regions_record(grouping, current_grouping=program_settings(session).region_grouping,
                                  target_overrides=coverage_target_overrides(session, grouping))


def _active_leader_count(session: Session) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(LeaderRow).where(LeaderRow.status == "active")
    ).scalar_one()


# ---------------------------------------------------------------------------------------
# Leaders


def _mentoring_ready(session: Session, leader_ids: Iterable[int]) -> dict[int, bool]:
    ids = list(leader_ids)
    done: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(ids), 900):  # SQLite caps the bound parameters of a statement
        rows = session.execute(
            sa.select(TrainingCompletionRow.leader_id, TrainingCompletionRow.module)
            .where(TrainingCompletionRow.leader_id.in_(ids[start:start + 900]),
                   TrainingCompletionRow.module.in_(MENTORING_MODULES))
        )
        for leader_id, module in rows:
            done[leader_id].add(module)
    return {i: can_receive_mentorship_requests(done.get(i, ())) for i in ids}


def _record(session: Session, leader: Leader, *, today: date) -> dict[str, Any]:
    grouping = program_settings(session).region_grouping
    ready = _mentoring_ready(session, [leader.id])[leader.id]
    return records.leader_record(leader, grouping, today=today, mentoring_ready=ready)


def _leader(session: Session, leader_id: Any) -> Leader:
    ref = validated(LeaderRef, leader_id=leader_id)
    row = session.get(LeaderRow, ref.leader_id)
    if row is None:
        raise NotFound(f"no leader with id {ref.leader_id}", field="leader_id")
    return to_leader(row, expertise_by_leader(session, [row.id])[row.id])


def get_leader(session: Session, leader_id: Any, *, today: date) -> dict[str, Any]:
    return _record(session, _leader(session, leader_id), today=today)


def find_leader_by_email(session: Session, email: Any, *, today: date) -> dict[str, Any] | None:
    try:
        address = normalise_email(text(email, "email"))
    except InvalidEmail as exc:
        raise ValidationFailed(str(exc), field="email") from None
    row = session.execute(sa.select(LeaderRow).where(LeaderRow.email_key == address)).scalar_one_or_none()
    if row is None:
        return None
    return _record(session, to_leader(row, expertise_by_leader(session, [row.id])[row.id]), today=today)


def public_leader(session: Session, leader_id: Any) -> dict[str, Any]:
    """One directory entry; only active leaders are public."""
    leader = _leader(session, leader_id)
    if leader.status != "active":
        raise NotFound(f"no leader with id {leader.id} in the directory", field="leader_id")
    return public_profile(leader, program_settings(session).region_grouping)


def _filtered(query: sa.Select, filters: DirectoryQuery, grouping: str) -> sa.Select:
    if filters.state is not None:
        query = query.where(LeaderRow.state == regions.normalize_state(filters.state))
    if filters.region is not None:
        query = query.where(LeaderRow.state.in_(regions.get_region(filters.region, grouping).states))
    if filters.expertise is not None:
        # IN (subquery) lets SQLite start from the expertise index instead of probing every leader.
        for tag in parse_expertise(filters.expertise):
            query = query.where(LeaderRow.id.in_(
                sa.select(LeaderExpertiseRow.leader_id).where(LeaderExpertiseRow.expertise == tag)
            ))
    return query


def _page(session: Session, query: sa.Select, filters: DirectoryQuery) -> tuple[int, list[Leader]]:
    total = session.execute(
        query.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)
    ).scalar_one()
    leaders = leaders_of(session, query.order_by(LeaderRow.name, LeaderRow.id)
                         .offset(filters.offset).limit(filters.limit))
    return total, leaders


def directory(session: Session, **filters: Any) -> dict[str, Any]:
    """Active leaders for the public: filter by region, state and expertise (all tags must
    match); never any contact detail. Around a point (`near_latitude`, `near_longitude`):
    only those within `radius_miles`, nearest first, each with its distance."""
    query_filters = validated(NearQuery, **filters)
    grouping = grouping_or_current(session, query_filters.grouping)
    query = _filtered(sa.select(LeaderRow).where(LeaderRow.status == "active"), query_filters, grouping)
    distances: dict[int, float] = {}
    if query_filters.near_latitude is not None and query_filters.near_longitude is not None:
        total, leaders, distances = _nearest(session, query, query_filters)
    else:
        total, leaders = _page(session, query, query_filters)
    return {
        "grouping": grouping, "total": total, "page": query_filters.page, "limit": query_filters.limit,
        "leaders": [{**public_profile(leader, grouping), "distance_miles": distances.get(leader.id)}
                    for leader in leaders],
    }


def _nearest(session: Session, query: sa.Select, filters: NearQuery) -> tuple[int, list[Leader], dict[int, float]]:
    """The page of leaders nearest the point: the database keeps those inside the radius's
    bounding box (an index on latitude and longitude), then exact distances sort them."""
    lat, lon, miles = filters.near_latitude, filters.near_longitude, filters.radius_miles
    south, north, west, east = places.bounding_box(lat, lon, miles)
    boxed = query.where(LeaderRow.latitude.between(south, north), LeaderRow.longitude.between(west, east))
    points = session.execute(boxed.with_only_columns(LeaderRow.id, LeaderRow.name, LeaderRow.latitude,
                                                     LeaderRow.longitude)).all()
    near = sorted((round(places.distance_miles(lat, lon, p.latitude, p.longitude), 1), p.name, p.id) for p in points)
    near = [n for n in near if n[0] <= miles]
    chosen = near[filters.offset:filters.offset + filters.limit]
    by_id = {leader.id: leader for leader in leaders_of(session, sa.select(LeaderRow).where(
        LeaderRow.id.in_([n[2] for n in chosen])))}
    return len(near), [by_id[n[2]] for n in chosen], {n[2]: n[0] for n in chosen}


def roster(session: Session, *, today: date, **filters: Any) -> dict[str, Any]:
    """The program manager's view: every status (or one), contact details and training state."""
    query_filters = validated(RosterQuery, **filters)
    grouping = grouping_or_current(session, query_filters.grouping)
    query = sa.select(LeaderRow)
    if query_filters.status is not None:
        query = query.where(LeaderRow.status == query_filters.status)
    if query_filters.name and query_filters.name.strip():
        pattern = "%" + query_filters.name.strip().lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.where(sa.func.lower(LeaderRow.name).like(pattern))
    query = _filtered(query, query_filters, grouping)
    total, leaders = _page(session, query, query_filters)
    ready = _mentoring_ready(session, [leader.id for leader in leaders])
    return {
        "grouping": grouping, "total": total, "page": query_filters.page, "limit": query_filters.limit,
        "leaders": [records.leader_record(leader, grouping, today=today, mentoring_ready=ready[leader.id])
                    for leader in leaders],
    }


def expertise_tags() -> list[dict[str, str]]:
    return [{"slug": slug, "label": label} for slug, label in EXPERTISE.items()]


def export_roster_csv(session: Session, *, today: date) -> str:
    return roster_to_csv(leaders_of(session, sa.select(LeaderRow).order_by(LeaderRow.id)), today=today)


# ---------------------------------------------------------------------------------------
# Applications


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
            "applications": [records.application_record(to_application(r)) for r in rows]}


def get_application(session: Session, application_id: Any) -> dict[str, Any]:
    ref = validated(ApplicationDecision, application_id=application_id)
    row = session.get(ApplicationRow, ref.application_id)
    if row is None:
        raise NotFound(f"no application with id {ref.application_id}", field="application_id")
    return records.application_record(to_application(row))


# ---------------------------------------------------------------------------------------
# Distance learning


def training_modules() -> list[dict[str, Any]]:
    return [records.module_record(m) for m in TRAINING_MODULES]


def training_module(slug: Any) -> dict[str, Any]:
    """A module's objectives, readings and knowledge check (without its answers)."""
    return records.lesson_record(training_module_rule(slug), lesson(slug))


def leader_training(session: Session, leader_id: Any) -> dict[str, Any]:
    ref = validated(LeaderRef, leader_id=leader_id)
    if session.get(LeaderRow, ref.leader_id) is None:
        raise NotFound(f"no leader with id {ref.leader_id}", field="leader_id")
    completed = dict(session.execute(
        sa.select(TrainingCompletionRow.module, TrainingCompletionRow.completed_at)
        .where(TrainingCompletionRow.leader_id == ref.leader_id)
    ).all())
    return records.training_record(ref.leader_id, completed)


def training_progress(session: Session, grouping: Any = None) -> dict[str, Any]:
    """Distance learning per region among active leaders: how many passed each module,
    finished every module, and finished the modules mentoring needs. Counted in SQL per
    state; regions are sums of their states."""
    grouping = grouping_or_current(session, grouping)
    active_state = (sa.select(LeaderRow.id, LeaderRow.state).where(LeaderRow.status == "active")
                    .subquery("active_leaders"))
    slugs = [m.slug for m in TRAINING_MODULES]
    leaders_per_state = dict(session.execute(
        sa.select(active_state.c.state, sa.func.count()).group_by(active_state.c.state)).all())
    per_module: dict[str, dict[str, int]] = defaultdict(dict)
    for state, module, count in session.execute(
        sa.select(active_state.c.state, TrainingCompletionRow.module, sa.func.count())
        .join(TrainingCompletionRow, TrainingCompletionRow.leader_id == active_state.c.id)
        .where(TrainingCompletionRow.module.in_(slugs))
        .group_by(active_state.c.state, TrainingCompletionRow.module)
    ).all():
        per_module[state][module] = int(count)

    def finished(modules: Iterable[str], name: str) -> dict[str, int]:
        modules = set(modules)
        done = (sa.select(TrainingCompletionRow.leader_id).where(TrainingCompletionRow.module.in_(modules))
                .group_by(TrainingCompletionRow.leader_id)
                .having(sa.func.count(sa.distinct(TrainingCompletionRow.module)) == len(modules)).subquery(name))
        return {state: int(count) for state, count in session.execute(
            sa.select(active_state.c.state, sa.func.count())
            .join(done, done.c.leader_id == active_state.c.id).group_by(active_state.c.state)).all()}

    all_done, mentoring_done = finished(slugs, "all_modules"), finished(MENTORING_MODULES, "mentoring_modules")
    rows = []
    for region in regions.regions(grouping):
        rows.append({
            "id": region.id, "name": region.name,
            "active_leaders": sum(leaders_per_state.get(code, 0) for code in region.states),
            "all_modules": sum(all_done.get(code, 0) for code in region.states),
            "mentoring_ready": sum(mentoring_done.get(code, 0) for code in region.states),
            "modules": {slug: sum(per_module[code].get(slug, 0) for code in region.states if code in per_module)
                        for slug in slugs},
        })
    return {
        "grouping": grouping,
        "modules": training_modules(),
        "regions": rows,
        "totals": {
            "active_leaders": sum(r["active_leaders"] for r in rows),
            "all_modules": sum(r["all_modules"] for r in rows),
            "mentoring_ready": sum(r["mentoring_ready"] for r in rows),
            "modules": {slug: sum(r["modules"][slug] for r in rows) for slug in slugs},
        },
    }


# ---------------------------------------------------------------------------------------
# Coverage

MenteeLoad = sa.Subquery
"""A subquery with columns (leader_id, load): each leader's current mentees. Leaders
missing from it carry no load. Mentorship supplies one; without it every load is 0."""


def _mentoring_trained() -> sa.Subquery:
    return (
        sa.select(TrainingCompletionRow.leader_id)
        .where(TrainingCompletionRow.module.in_(MENTORING_MODULES))
        .group_by(TrainingCompletionRow.leader_id)
        .having(sa.func.count(sa.distinct(TrainingCompletionRow.module)) == len(MENTORING_MODULES))
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
    grouping = grouping_or_current(session, query.grouping)
    as_of = query.as_of or today
    targets = regions.coverage_targets(grouping, coverage_target_overrides(session, grouping))

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
