"""The site's own assets (stylesheet, icon) under /static, served by the gateway itself:
pages load nothing from elsewhere. Outside the route table: they are not part of the API."""
from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

from werkzeug.wrappers import Request, Response

STATIC_DIR = Path(__file__).with_name("static")
PREFIX = "/static/"
ALIASES = {"/favicon.ico": "favicon.svg"}
MAX_AGE = 3600


@lru_cache(maxsize=64)
def _asset(name: str) -> tuple[bytes, str, str] | None:
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or not path.is_file():
        return None
    body = path.read_bytes()
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    return body, kind, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def serve_static(request: Request) -> Response | None:
    """The asset the request asks for, or None when the path is not an asset's."""
    if request.path in ALIASES:
        name = ALIASES[request.path]
    elif request.path.startswith(PREFIX):
        name = request.path[len(PREFIX):]
    else:
        return None
    asset = _asset(name) if request.method in ("GET", "HEAD") else None
    if asset is None:
        return None
    body, kind, etag = asset
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}", "X-Content-Type-Options": "nosniff"}
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    return Response(body, headers=headers, content_type=kind)
