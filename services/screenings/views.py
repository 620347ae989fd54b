"""Read-only queries (cosmicpython's views): each takes a session and returns what the RPC
answers with. The coverage aggregates are in `coverage.py`, the feeds in `feeds.py`."""
from __future__ import annotations

from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.contracts.rpc.common import Actor
from services.contracts.screenings import PUBLIC_PATHS
from services.runtime import places
from services.runtime.errors import NotFound

from . import access, calendar, presenters
from .domain.rsvps import AttendeeList, RsvpStatus, verify_cancel_token
from .domain.screening import Status
from .models import FilmRow, LeaderRow, ReportRow, RsvpRow, ScreeningAudienceRow, ScreeningRow
from .repository import film_from_row, hosted_or_cohosted_by, rsvp_from_row, screening_from_row, screening_key
from .settings import ScreeningsSettings


# --- leaders and films ----------------------------------------------------------------


def get_leader(session: Session, leader_id: Any) -> dict:
    """A leader as this service's projection holds them (for operators and tests)."""
    row = session.get(LeaderRow, leader_id)
    if row is None:
        raise NotFound("no such leader")
    return {
        "leader_id": row.leader_id, "leader_version": row.leader_version, "name": row.name,
        "state": row.state, "region": row.region, "region_grouping": row.region_grouping,
        "status": row.status, "trusted_host": row.trusted_host,
        "away_until": row.away_until.isoformat() if row.away_until else None,
    }


def list_films(session: Session) -> list[dict]:
    films = [film_from_row(row) for row in session.execute(sa.select(FilmRow)).scalars()]
    return [presenters.film_view(f) for f in sorted(films, key=lambda f: f.title)]


def get_film(session: Session, slug: Any) -> dict:
    row = session.get(FilmRow, slug) if isinstance(slug, str) else None
    if row is None:
        raise NotFound("no such film")
    return presenters.film_view(film_from_row(row))


# --- screenings -----------------------------------------------------------------------


def _row(session: Session, screening_id: Any) -> ScreeningRow:
    key = screening_key(screening_id)
    row = session.get(ScreeningRow, key) if key else None
    if row is None:
        raise NotFound("no such screening")
    return row


def _view(session: Session, row: ScreeningRow, actor: Actor | None, *, counts: Mapping[str, int] | None = None,
          holds_link: bool = False) -> dict:
    if counts is None:
        counts = dict(session.execute(
            sa.select(RsvpRow.status, sa.func.count()).where(RsvpRow.screening_id == row.id)
            .group_by(RsvpRow.status)).all())
    host = session.get(LeaderRow, row.host_id)
    return presenters.screening_view(
        screening_from_row(row), actor, host_name=host.name if host else None, counts=counts,
        report_filed=lambda: session.get(ReportRow, row.id) is not None, holds_link=holds_link)


def get_screening(session: Session, screening_id: Any, actor: Actor | None) -> dict:
    return _view(session, _row(session, screening_id), actor)


def search_screenings(session: Session, filters, actor: Actor | None) -> dict:
    """A page of the screenings the caller may see that match `filters` (schemas.SearchFilters)."""
    s = ScreeningRow
    conditions = []
    if actor is None or not actor.manager:
        visible = s.in_feeds.is_(True)
        if actor is not None and actor.leader_id is not None:
            visible = sa.or_(visible, hosted_or_cohosted_by(actor.leader_id))
        conditions.append(visible)
    if filters.leader_id is not None:
        conditions.append(hosted_or_cohosted_by(filters.leader_id))
    for column, value in ((s.region, filters.region), (s.state, filters.state),
                          (s.kind, filters.kind), (s.format, filters.format), (s.status, filters.status),
                          (s.film_slug, filters.film)):
        if value is not None:
            conditions.append(column == value)
    if filters.audience is not None:
        conditions.append(s.id.in_(sa.select(ScreeningAudienceRow.screening_id)
                                   .where(ScreeningAudienceRow.audience == filters.audience)))
    if filters.starts_from is not None:
        conditions.append(s.start_at >= filters.starts_from)
    if filters.starts_before is not None:
        conditions.append(s.start_at < filters.starts_before)
    if filters.ends_before is not None:
        conditions.append(s.end_at < filters.ends_before)
    if filters.report_missing:
        conditions.append(s.status.in_([Status.SCHEDULED.value, Status.COMPLETED.value]))
        conditions.append(~sa.exists().where(ReportRow.screening_id == s.id))
    distances: dict[str, float] = {}
    if filters.near_latitude is not None and filters.near_longitude is not None:
        total, rows, distances = _nearest(session, conditions, filters)
    else:
        total = session.execute(sa.select(sa.func.count()).select_from(s).where(*conditions)).scalar_one()
        rows = session.execute(
            sa.select(s).where(*conditions).order_by(s.start_at, s.id)
            .offset((filters.page - 1) * filters.page_size).limit(filters.page_size)
        ).scalars().all()
    counts: dict[str, dict[str, int]] = {r.id: {} for r in rows}
    if rows:
        for screening_id, status, n in session.execute(
            sa.select(RsvpRow.screening_id, RsvpRow.status, sa.func.count())
            .where(RsvpRow.screening_id.in_(list(counts))).group_by(RsvpRow.screening_id, RsvpRow.status)
        ):
            counts[screening_id][status] = n
    return {
        "items": [{**_view(session, r, actor, counts=counts[r.id]), "distance_miles": distances.get(r.id)}
                  for r in rows],
        "total": total, "page": filters.page, "page_size": filters.page_size,
    }


def _nearest(session: Session, conditions: list, filters) -> tuple[int, list[ScreeningRow], dict[str, float]]:
    """The page of events nearest the point: the database keeps those inside the radius's
    bounding box, exact distances sort them (nearest first, then soonest)."""
    s, lat, lon, miles = ScreeningRow, filters.near_latitude, filters.near_longitude, filters.radius_miles
    south, north, west, east = places.bounding_box(lat, lon, miles)
    points = session.execute(sa.select(s.id, s.start_at, s.latitude, s.longitude).where(
        *conditions, s.latitude.between(south, north), s.longitude.between(west, east))).all()
    near = sorted((round(places.distance_miles(lat, lon, p.latitude, p.longitude), 1), p.start_at, p.id)
                  for p in points)
    near = [n for n in near if n[0] <= miles]
    start = (filters.page - 1) * filters.page_size
    chosen = near[start:start + filters.page_size]
    by_id = {r.id: r for r in session.execute(sa.select(s).where(s.id.in_([n[2] for n in chosen]))).scalars()}
    return len(near), [by_id[n[2]] for n in chosen], {n[2]: n[0] for n in chosen}


def event_ics(session: Session, settings: ScreeningsSettings, screening_id: Any) -> str:
    """A listed screening as an iCalendar file, without anything private."""
    row = _row(session, screening_id)
    screening = screening_from_row(row)
    if not screening.listed_in_feeds:
        raise NotFound("no such screening")
    event = calendar.CalendarEvent.from_screening(
        screening, url=settings.url(PUBLIC_PATHS["screening"].format(screening_id=row.id)))
    return calendar.event_ics(event).decode("utf-8")


# --- attendees ------------------------------------------------------------------------


def _attendee_list(session: Session, actor: Actor, screening_id: Any) -> AttendeeList:
    row = _row(session, screening_id)
    access.require_organiser_or_manager(actor, screening_from_row(row))
    rows = session.execute(sa.select(RsvpRow).where(RsvpRow.screening_id == row.id)).scalars()
    return AttendeeList(row.id, [rsvp_from_row(r) for r in rows])


def attendees(session: Session, actor: Actor, screening_id: Any) -> list[dict]:
    """The attendee list for the organisers and managers, in arrival order."""
    return [
        {"rsvp_id": r.id, "name": r.name, "email": r.email, "status": r.status.value, "walk_in": r.walk_in,
         "invited": r.invited, "position": r.position, "registered_at": r.created_at.isoformat(),
         "calendar_answer": r.calendar_answer[0] if r.invited else None}
        for r in sorted(_attendee_list(session, actor, screening_id).rsvps, key=lambda r: r.position)
    ]


def attendees_csv(session: Session, actor: Actor, screening_id: Any) -> str:
    return _attendee_list(session, actor, screening_id).to_csv()


def _seat(session: Session, rsvp_id: Any, token: Any) -> tuple[ScreeningRow, RsvpRow]:
    """The RSVP the private link names and its screening; a wrong token looks exactly
    like a missing RSVP."""
    key = screening_key(rsvp_id)
    seat = session.get(RsvpRow, key) if key else None
    if seat is None or not verify_cancel_token(token, seat.cancel_token_hash):
        raise NotFound("no such RSVP")
    return _row(session, seat.screening_id), seat


def attendee_view(session: Session, rsvp_id: Any, token: Any) -> dict:
    """The event as one attendee sees it: the join link only for a confirmed seat. The
    private link opens an invitation-only event too."""
    row, seat = _seat(session, rsvp_id, token)
    view = _view(session, row, None, holds_link=True)
    confirmed = seat.status == RsvpStatus.CONFIRMED.value
    view["rsvp"] = {"rsvp_id": seat.id, "name": seat.name, "status": seat.status}
    view["join_url"] = row.join_url if confirmed and row.status == Status.SCHEDULED.value else None
    return view


def rsvp_ics(session: Session, settings: ScreeningsSettings, rsvp_id: Any, token: Any) -> str:
    """The attendee's calendar file; the join link is in it only for a confirmed seat."""
    row, seat = _seat(session, rsvp_id, token)
    event = calendar.CalendarEvent.from_screening(
        screening_from_row(row), url=settings.url(PUBLIC_PATHS["screening"].format(screening_id=row.id)))
    return calendar.event_ics(event, private=seat.status == RsvpStatus.CONFIRMED.value).decode("utf-8")
