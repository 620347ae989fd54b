"""Coverage aggregates for program managers (a view: it reads tables directly): per region
and state, the screenings held and upcoming, attendance, reports filed, audiences reached
and the partners the events were held with."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.runtime.errors import ValidationFailed

from .domain.rsvps import RsvpStatus
from .domain.screening import Status
from .domain.zones import STATE_TIME_ZONES
from .models import ReportAudienceRow, ReportRow, RsvpRow, ScreeningRow
from .partners.models import ReportPartnerRow, ScreeningPartnerRow


def _partners(session: Session, scope: list) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Distinct partners named on the screenings in scope or on their reports, per region
    and per (region, state): a partner named on three events counts once."""
    s = ScreeningRow
    named = sa.union(
        sa.select(ScreeningPartnerRow.screening_id, ScreeningPartnerRow.partner_id),
        sa.select(ReportPartnerRow.screening_id, ReportPartnerRow.partner_id),
    ).subquery()
    linked = sa.select(s.region, s.state, named.c.partner_id).join(named, named.c.screening_id == s.id) \
        .where(*scope).subquery()
    by_region = dict(session.execute(sa.select(linked.c.region, sa.func.count(sa.distinct(linked.c.partner_id)))
                                     .group_by(linked.c.region)).all())
    by_state = {(region, state): n for region, state, n in session.execute(
        sa.select(linked.c.region, linked.c.state, sa.func.count(sa.distinct(linked.c.partner_id)))
        .group_by(linked.c.region, linked.c.state)).all()}
    return by_region, by_state


def coverage_screenings(session: Session, window, now: datetime) -> dict:
    """Per region and state within the window: held, upcoming, attendance, share of
    reports filed, audiences reached; and the states with no screening at all."""
    if window.window_end <= window.window_start:
        raise ValidationFailed("must be after window_start", field="window_end")
    s, r = ScreeningRow, ReportRow
    scope = [s.start_at >= window.window_start, s.start_at < window.window_end,
             s.status.in_([Status.SCHEDULED.value, Status.COMPLETED.value])]
    if window.grouping:
        scope.append(s.region_grouping == window.grouping)
    held = sa.and_(s.end_at <= now)
    upcoming = sa.and_(s.status == Status.SCHEDULED.value, s.start_at > now)
    # Counted per upcoming screening in the window (an index lookup each), not by
    # grouping every RSVP ever made.
    confirmed = (
        sa.select(sa.func.count()).where(RsvpRow.screening_id == s.id,
                                         RsvpRow.status == RsvpStatus.CONFIRMED.value)
        .correlate(s).scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            s.region, s.state,
            sa.func.sum(sa.case((held, 1), else_=0)).label("held"),
            sa.func.sum(sa.case((upcoming, 1), else_=0)).label("upcoming"),
            sa.func.sum(sa.case((held, r.head_count), else_=0)).label("attendance"),
            sa.func.sum(sa.case((sa.and_(held, r.screening_id.is_not(None)), 1), else_=0)).label("reports_filed"),
            sa.func.sum(sa.case((upcoming, confirmed), else_=0)).label("upcoming_rsvps"),
        )
        .select_from(s).outerjoin(r, r.screening_id == s.id)
        .where(*scope).group_by(s.region, s.state).order_by(s.region, s.state)
    ).all()
    reached = session.execute(
        sa.select(s.region, s.state, ReportAudienceRow.audience, sa.func.count())
        .select_from(s).join(ReportAudienceRow, ReportAudienceRow.screening_id == s.id)
        .where(*scope, held).group_by(s.region, s.state, ReportAudienceRow.audience)
    ).all()
    partners_by_region, partners_by_state = _partners(session, scope)
    audiences: dict[tuple[str, str], dict[str, int]] = {}
    for region, state, audience, n in reached:
        audiences.setdefault((region, state), {})[audience] = n

    regions: dict[str, dict] = {}
    states_with_some: set[str] = set()
    for row in rows:
        region = regions.setdefault(row.region, {
            "region": row.region, "held": 0, "upcoming": 0, "attendance": 0, "reports_filed": 0,
            "upcoming_rsvps": 0, "audiences_reached": {}, "partners": partners_by_region.get(row.region, 0),
            "states": []})
        held_n, filed = int(row.held or 0), int(row.reports_filed or 0)
        state_entry = {
            "state": row.state, "held": held_n, "upcoming": int(row.upcoming or 0),
            "attendance": int(row.attendance or 0), "reports_filed": filed,
            "report_share": round(filed / held_n, 3) if held_n else None,
            "upcoming_rsvps": int(row.upcoming_rsvps or 0),
            "audiences_reached": audiences.get((row.region, row.state), {}),
            "partners": partners_by_state.get((row.region, row.state), 0),
        }
        region["states"].append(state_entry)
        for key in ("held", "upcoming", "attendance", "reports_filed", "upcoming_rsvps"):
            region[key] += state_entry[key]
        for audience, n in state_entry["audiences_reached"].items():
            region["audiences_reached"][audience] = region["audiences_reached"].get(audience, 0) + n
        if state_entry["held"] or state_entry["upcoming"]:
            states_with_some.add(row.state)
    for region in regions.values():
        region["report_share"] = round(region["reports_filed"] / region["held"], 3) if region["held"] else None
    return {
        "window_start": window.window_start.isoformat(), "window_end": window.window_end.isoformat(),
        "grouping": window.grouping, "regions": list(regions.values()),
        "states_with_none": sorted(set(STATE_TIME_ZONES) - states_with_some),
    }
