"""Idempotency-Key on the POSTs that create something (RSVPs, applications, mentorship
requests, screenings, invitations, materials orders, library entries).

A client that got no answer (a time-out, a dropped connection) sends the request again
with the same key. If the first was handled, the retry gets its answer, marked
`Idempotent-Replayed: true`, and nothing happens twice; while the first is still being
handled, the retry waits a few seconds for that answer, then says 409 with Retry-After; the same key with another request is refused (422). A 5xx
is not kept, so the request can be tried again. Keys belong to their caller (an account,
or the public) and are kept a day. Pages' forms carry a fresh key in a hidden field, so a
double click or a resent form does the work once.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from services.runtime import clock

from .errors import ApiError
from .models import IdempotentRequest

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
KEPT = timedelta(days=1)
# A first request not answered after this is taken as lost (its process died, or its 5xx
# could not be cleared because the database was down): a retry then runs it again rather
# than waiting. Running it again is safe, since the services carry out a creating call
# once per request key (services.runtime.request_keys); the window only spares them the
# work while the first attempt is likely still going (its RPCs give up after 10 s).
IN_FLIGHT = timedelta(seconds=20)
# How long a retry waits for the first request's answer before it is told to come back.
WAIT = timedelta(seconds=5)
_BUSY = object()
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

PARAMETER = {
    "name": HEADER, "in": "header", "required": False,
    "description": "Any unique string (a UUID, say), up to 200 printable characters: a retry with the same "
                   "key gets the first answer instead of doing the work twice. Kept a day.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}


def begin(call) -> Response | None:
    """Before the handler of an idempotent route: the kept answer to replay, or None to go
    on (the request is then recorded as being handled). A retry that arrives while the
    first is being handled waits a little for its answer (a double click, say)."""
    key = call.request.headers.get(HEADER)
    if key is None and call.request.mimetype == "application/x-www-form-urlencoded":
        key = call.request.form.get(FORM_FIELD)  # the hidden field of a page's form
    if key is None or not call.route.idempotent:
        return None
    if not _KEY.match(key):
        raise ApiError(400, "bad_request", f"the {HEADER} header is 1 to 200 printable characters", field=HEADER)
    scope = f"account:{call.caller.account_id}" if call.caller is not None else "public"
    digest = request_digest(call.request)
    deadline = time.monotonic() + WAIT.total_seconds()
    while True:
        outcome = _claim(call, scope, key, digest)
        if outcome is not _BUSY:
            return outcome
        if time.monotonic() >= deadline:
            raise ApiError(409, "request_in_progress", f"a request with this {HEADER} is still being handled; "
                           "retry in a few seconds with the same key", headers={"Retry-After": "2"})
        time.sleep(0.2)


def _claim(call, scope: str, key: str, digest: str):
    """The kept answer, None when this request is now the one being handled, or _BUSY."""
    try:
        with call.db.transaction() as session:
            row = _find(session, scope, key)
            if row is None:
                session.add(IdempotentRequest(scope=scope, key=key, request=digest, created_at=call.now))
                session.flush()
            elif row.request != digest:
                raise ApiError(422, "idempotency_key_reused", f"this {HEADER} came with another request; use a "
                               "new key for a new request", field=HEADER)
            elif row.status is not None:
                return _replay(row)
            elif clock.now() - row.created_at < IN_FLIGHT:
                return _BUSY
            else:
                row.created_at = clock.now()  # the first attempt never finished: this one runs it
    except IntegrityError:
        return _BUSY  # the same key arrived twice at once
    call.idempotency = (scope, key)
    return None


def request_key(call, *parts: str) -> str | None:
    """The key a service carries a creating call out once by (services.runtime.
    request_keys): this request's Idempotency-Key with its caller and body, and `parts`
    to tell apart the several calls one request makes; None when it came without a key.
    The retry of a request that timed out here while the service was busy or down thus
    gets the first answer from the service, where this table kept none."""
    if call.idempotency is None:
        return None
    scope, key = call.idempotency
    return hashlib.sha256("\n".join((scope, key, request_digest(call.request), *parts)).encode()).hexdigest()


def finish(call, response: Response) -> None:
    """After an idempotent request: keep its answer for retries (not a 5xx: the work may be
    tried again)."""
    if getattr(call, "idempotency", None) is None:
        return
    scope, key = call.idempotency
    try:
        with call.db.transaction() as session:
            row = _find(session, scope, key)
            if row is None:
                return
            if response.status_code >= 500:
                session.delete(row)
                return
            row.status, row.content_type = response.status_code, response.content_type
            row.body, row.location = response.get_data(), response.headers.get("Location")
    except Exception:  # noqa: BLE001  (the answer stands; a retry after IN_FLIGHT runs again)
        log.warning("could not keep the answer to %s %s for its %s", call.request.method, call.request.path,
                    HEADER, exc_info=True)


def purge(session: Session, now: datetime) -> None:
    session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEPT))


def request_digest(request) -> str:
    """What makes two requests the same: method, path and body (a form's fields, as they
    are parsed already by then)."""
    if request.mimetype == "application/x-www-form-urlencoded":
        body = urlencode(sorted(request.form.items(multi=True))).encode()
    else:
        body = request.get_data(cache=True)
    return hashlib.sha256(b"%s %s\n" % (request.method.encode(), request.path.encode()) + body).hexdigest()


def _find(session: Session, scope: str, key: str) -> IdempotentRequest | None:
    return session.execute(sa.select(IdempotentRequest).where(
        IdempotentRequest.scope == scope, IdempotentRequest.key == key)).scalar_one_or_none()


def _replay(row: IdempotentRequest) -> Response:
    headers = {"Idempotent-Replayed": "true", "Cache-Control": "no-store"}
    if row.location:
        headers["Location"] = row.location
    return Response(row.body or b"", status=row.status, content_type=row.content_type, headers=headers)


