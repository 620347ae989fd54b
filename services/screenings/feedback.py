"""Attendees' feedback rolled up (a view: it reads tables directly): per screening for its
organisers and the program managers; per region and per film, with the latest comments,
for program managers."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.contracts.rpc.common import Actor
from services.runtime.errors import NotFound, ValidationFailed

from . import access
from .domain.feedback import merged, region_label, roll_up
from .models import FeedbackRow, FilmRow, ScreeningRow
from .repository import screening_from_row, screening_key

LATEST_COMMENTS = 20
SCREENING_COMMENTS = 50


def _comments(session: Session, conditions: list, limit: int) -> list[dict]:
    rows = session.execute(
        sa.select(FeedbackRow.screening_id, ScreeningRow.title, FeedbackRow.rating, FeedbackRow.comment,
                  FeedbackRow.submitted_at)
        .join(ScreeningRow, ScreeningRow.id == FeedbackRow.screening_id)
        .where(FeedbackRow.comment != "", *conditions)
        .order_by(FeedbackRow.submitted_at.desc(), FeedbackRow.rsvp_id).limit(limit)
    ).all()
    return [{"screening_id": r.screening_id, "screening_title": r.title, "rating": r.rating, "comment": r.comment,
             "submitted_at": r.submitted_at.isoformat()} for r in rows]


def screening_feedback(session: Session, actor: Actor, screening_id: Any) -> dict:
    """The ratings and comments of one event, for its organisers and the program managers."""
    key = screening_key(screening_id)
    row = session.get(ScreeningRow, key) if key else None
    if row is None:
        raise NotFound("no such screening")
    access.require_organiser_or_manager(actor, screening_from_row(row))
    counts = dict(session.execute(sa.select(FeedbackRow.rating, sa.func.count())
                                  .where(FeedbackRow.screening_id == row.id).group_by(FeedbackRow.rating)).all())
    return {"screening_id": row.id, **roll_up(counts),
            "comments": _comments(session, [FeedbackRow.screening_id == row.id], SCREENING_COMMENTS)}


def _grouped(session: Session, column, conditions: list) -> dict[Any, dict[int, int]]:
    groups: dict[Any, dict[int, int]] = {}
    for key, rating, n in session.execute(
        sa.select(column, FeedbackRow.rating, sa.func.count())
        .select_from(FeedbackRow).join(ScreeningRow, ScreeningRow.id == FeedbackRow.screening_id)
        .where(*conditions).group_by(column, FeedbackRow.rating)
    ).all():
        groups.setdefault(key, {})[rating] = n
    return groups


def feedback_summary(session: Session, actor: Actor, window_start: Any, window_end: Any,
                     region: Any = None) -> dict:
    """For program managers: the ratings of the events that started in the window, over
    all, per region and per film (best first), and the latest comments."""
    access.require_manager(actor)
    start, end = _instant(window_start, "window_start"), _instant(window_end, "window_end")
    if end <= start:
        raise ValidationFailed("must be after window_start", field="window_end")
    if region is not None and (not isinstance(region, str) or not 0 < len(region) <= 60):
        raise ValidationFailed("must be a region id", field="region")
    conditions = [ScreeningRow.start_at >= start, ScreeningRow.start_at < end]
    if region is not None:
        conditions.append(ScreeningRow.region == region)
    by_region = _grouped(session, ScreeningRow.region, conditions)
    by_film = _grouped(session, ScreeningRow.film_slug, conditions)
    films = dict(session.execute(sa.select(FilmRow.slug, FilmRow.title)).all())
    overall = merged(by_region.values())

    def ranked(groups: dict, label) -> list[dict]:
        rows = [{"key": key or "", "label": label(key), **roll_up(counts)} for key, counts in groups.items()]
        return sorted(rows, key=lambda g: (-(g["average"] or 0), -g["count"], g["label"]))

    return {
        "window_start": start.isoformat(), "window_end": end.isoformat(), "overall": roll_up(overall),
        "by_region": ranked(by_region, region_label),
        "by_film": ranked(by_film, lambda slug: films.get(slug, slug) if slug else "Discussions without a film"),
        "latest_comments": _comments(session, conditions, LATEST_COMMENTS),
    }


def _instant(value: Any, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed("must be an ISO 8601 time with its UTC offset", field=field)
    return parsed
