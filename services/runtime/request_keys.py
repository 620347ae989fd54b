"""Requests a caller may send again: an RPC that creates something, carried out once
per request key however often it arrives (DESIGN.md §4).

The gateway turns a client's Idempotency-Key into a request key and passes it with the
call. The service runs the use case and stores its answer under (method, key) in the
same transaction as the effects, so either both are committed or neither is. A call
with a key already stored gets the stored answer and changes nothing: the retry of a
request that timed out at the gateway while the service was busy or down, or the same
request sent twice at once (the second to commit meets the unique key, rolls back its
own effects and answers with the first's). Keys are kept a day.
"""
from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any, Callable

import sqlalchemy as sa
from kombu.utils.json import dumps, loads
from sqlalchemy.exc import IntegrityError

from . import clock
from .db import NAMING_CONVENTION, UTCDateTime
from .errors import ValidationFailed

KEPT = timedelta(days=1)
_KEY = re.compile(r"[0-9a-f]{64}")
_PURGE_EVERY_SECONDS = 3600.0
_next_purge = 0.0


def add_table(metadata: sa.MetaData) -> sa.Table:
    """The table of answered requests, in the metadata of a service that takes keys."""
    return sa.Table(
        "completed_requests", metadata,
        sa.Column("method", sa.String(80), primary_key=True),
        sa.Column("request_key", sa.String(64), primary_key=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("completed_at", UTCDateTime, nullable=False, index=True),
    )


COMPLETED = add_table(sa.MetaData(naming_convention=NAMING_CONVENTION))


def once(db, method: str, key: str | None, work: Callable[[Any], Any]) -> Any:
    """`work(uow)` in a unit of work of `db` (a worker's transactions), done once per
    (method, key): a key already answered gets that answer back. No key: just the work."""
    if key is None:
        with db.unit_of_work() as uow:
            return work(uow)
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValidationFailed("request_key: 64 hexadecimal digits (a SHA-256 digest) when given", field="request_key")
    kept = _kept(db, method, key)
    if kept is not None:
        return kept
    try:
        with db.unit_of_work() as uow:
            # The key first: the same request arriving at once waits here for this one's
            # commit and then finds its answer, instead of running the work beside it.
            uow.session.execute(sa.insert(COMPLETED).values(
                method=method, request_key=key, answer="", completed_at=clock.now()))
            answer = work(uow)
            uow.session.execute(sa.update(COMPLETED).where(
                COMPLETED.c.method == method, COMPLETED.c.request_key == key).values(answer=dumps(answer)))
            _purge_now_and_then(uow.session)
        return answer
    except IntegrityError:
        kept = _kept(db, method, key)
        if kept is None:
            raise  # the work's own conflict, not a second arrival of this request
        return kept


def _kept(db, method: str, key: str) -> Any | None:
    with db.read() as connection:
        answer = connection.execute(sa.select(COMPLETED.c.answer).where(
            COMPLETED.c.method == method, COMPLETED.c.request_key == key)).scalar_one_or_none()
    return None if not answer else loads(answer)


def _purge_now_and_then(session) -> None:
    global _next_purge
    if time.monotonic() < _next_purge:
        return
    _next_purge = time.monotonic() + _PURGE_EVERY_SECONDS
    session.execute(sa.delete(COMPLETED).where(COMPLETED.c.completed_at < clock.now() - KEPT))
