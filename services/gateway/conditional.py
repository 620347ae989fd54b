"""Conditional GET (RFC 9110 §13): whether a client already holds the current
representation, from `If-None-Match` (weak comparison, lists, `*`) or, when that header
is absent, `If-Modified-Since` against `Last-Modified`."""
from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime

from werkzeug import Request
from werkzeug.http import unquote_etag


def etag_of(body: str | bytes) -> str:
    """A strong validator for a body the gateway serves whole."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str, last_modified: str | None = None) -> bool:
    if "If-None-Match" in request.headers:
        # If-None-Match decides when present (§13.2.2); a GET compares weakly (§13.1.2).
        tags = request.if_none_match
        return tags.star_tag or tags.contains_weak(unquote_etag(etag)[0])
    since = request.if_modified_since
    if since is None or not last_modified:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= since
    except (TypeError, ValueError):
        return False
