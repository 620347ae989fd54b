"""Timer work claimed atomically in the database (DESIGN.md §4.5).

A service schedules jobs (`kind`, `key`, `due_at`) in its own transactions: an offer's
expiry, a reminder, a report chaser. `run_due` takes each due job in its own
transaction whose first statement marks it done *only if it still is not*: whichever
instance gets there first does the work and commits; the other's conditional update
matches no row. If the work fails, the transaction rolls back, the job stays due and
is tried again later with a growing delay.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .db import SCHEDULED_JOBS as JOBS

log = logging.getLogger(__name__)

# Called as handler(uow, payload, now) in the job's own unit of work.
JobHandler = Callable[[Any, dict[str, Any], datetime], None]


def schedule(session: Session, kind: str, key: str, due_at: datetime, payload: dict | None = None) -> None:
    """Create or move the job (kind, key); a done job scheduled again becomes due again."""
    values = {"due_at": due_at, "payload": json.dumps(payload or {}), "done_at": None,
              "attempts": 0, "last_error": None}
    updated = session.execute(
        sa.update(JOBS).where(JOBS.c.kind == kind, JOBS.c.key == key).values(**values)
    ).rowcount
    if not updated:
        session.execute(sa.insert(JOBS).values(kind=kind, key=key, **values))


def cancel(session: Session, kind: str, key: str) -> None:
    session.execute(sa.delete(JOBS).where(JOBS.c.kind == kind, JOBS.c.key == key))


def pending(session: Session, kind: str | None = None) -> list[sa.Row]:
    query = sa.select(JOBS).where(JOBS.c.done_at.is_(None)).order_by(JOBS.c.due_at)
    if kind:
        query = query.where(JOBS.c.kind == kind)
    return session.execute(query).all()


def run_due(db, handlers: Mapping[str, JobHandler], now: datetime, *, limit: int = 100) -> int:
    """Run the jobs due at `now` with `db` (a worker's transactions), each handler in a
    unit of work of its own. Returns how many this call ran."""
    with db.transaction() as session:
        due = session.execute(
            sa.select(JOBS.c.id).where(JOBS.c.done_at.is_(None), JOBS.c.due_at <= now,
                                       JOBS.c.kind.in_(list(handlers)))
            .order_by(JOBS.c.due_at).limit(limit)
        ).scalars().all()
    ran = 0
    for job_id in due:
        try:
            with db.unit_of_work() as uow:
                session = uow.session
                taken = session.execute(
                    sa.update(JOBS).where(JOBS.c.id == job_id, JOBS.c.done_at.is_(None), JOBS.c.due_at <= now)
                    .values(done_at=now)
                ).rowcount
                if taken != 1:
                    continue  # another instance ran it, or it was moved
                job = session.execute(sa.select(JOBS).where(JOBS.c.id == job_id)).one()
                handlers[job.kind](uow, json.loads(job.payload), now)
            ran += 1
        except Exception as exc:
            log.exception("timer job %s failed", job_id)
            _postpone(db, job_id, now, exc)
    return ran


def _postpone(db, job_id: int, now: datetime, exc: Exception) -> None:
    with db.transaction() as session:
        attempts = session.execute(sa.select(JOBS.c.attempts).where(JOBS.c.id == job_id)).scalar_one_or_none()
        if attempts is None:
            return
        delay = min(timedelta(seconds=30 * 2 ** attempts), timedelta(hours=1))
        session.execute(
            sa.update(JOBS).where(JOBS.c.id == job_id, JOBS.c.done_at.is_(None))
            .values(attempts=attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000], due_at=now + delay)
        )
