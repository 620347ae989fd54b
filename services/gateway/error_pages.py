"""Errors as pages: what a browser shows for every status it can meet, in the site's
layout, saying what happened and what to do next. The API and any client that asks for
JSON keep the JSON error shape (errors.py)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from .errors import ApiError
from .templating import in_words, layout, render_page

HOME = ("/", "Go to the home page")

# status -> (title, what to do next)
COPY: dict[int, tuple[str, str]] = {
    400: ("That request could not be read", "Check the address, or go back and try again."),
    401: ("Please sign in", "Sign in to see this page."),
    403: ("Not available to you", "If you think you should have access, ask a program manager."),
    404: ("Page not found", "The link may be mistyped or out of date, or the page may have been removed."),
    405: ("That cannot be done here", "Go back and use the buttons on the page."),
    409: ("That could not be done now", "The page may be out of date: reload it to see where things stand."),
    413: ("What you sent is too large", "Shorten the text or send a smaller file, then try again."),
    415: ("That could not be read", "Go back and send the form again."),
    422: ("Please check what you entered", "Go back to the form, correct the fields named above and send it again."),
    429: ("Too many attempts", ""),
    500: ("Something went wrong on our side", "It has been logged. Please try again in a moment."),
    503: ("The network is busy or restarting", "Nothing you sent is lost. Please try again in a minute."),
}


def wants_html(request: Request, route: Any = None) -> bool:
    """A page route answers with pages unless the client asks for JSON by name; elsewhere
    (no route matched, feeds) a browser that asks for HTML gets a page. The JSON API
    keeps JSON."""
    accept = request.accept_mimetypes
    asks_for_json = "application/json" in accept.values() and (
        accept.quality("application/json") >= accept.quality("text/html"))
    if route is not None and route.content_type == "text/html":
        return not asks_for_json
    if request.path.startswith("/api/") or request.path == "/api":
        return False
    return "text/html" in accept.values() and not asks_for_json


def _back_link(request: Request) -> tuple[str, str] | None:
    """The page the person came from, when it is on this site: where their form is."""
    referrer = request.headers.get("Referer", "")
    parts = urlsplit(referrer)
    if not referrer or parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return (parts.path + (f"?{parts.query}" if parts.query else ""), "Go back to the page you came from")


def error_page(request: Request, error: ApiError, viewer: Any = None, *, title: str | None = None) -> Response:
    default_title, advice = COPY.get(error.status, COPY[500] if error.status >= 500 else COPY[400])
    title = title or default_title
    if error.status == 429:
        wait = error.headers.get("Retry-After")
        advice = f"Please try again in {in_words(wait)}." if wait else "Please try again later."
    problems = [p for p in error.errors if p.get("message")] if error.status == 422 else []
    message = "These fields need another look:" if problems else error.message
    if error.status >= 500:
        message = advice
        advice = ""
    steps = []
    back = _back_link(request)
    if back and error.status in (400, 409, 413, 415, 422, 429):
        steps.append(back)
    if error.status in (401, 403) and viewer is None:
        steps.append((f"/signin?next={request.path}", "Sign in"))
    steps.append(HOME)
    body = render_page("error.html", title=title, message=message, advice=advice, problems=problems,
                       next_steps=steps, **layout(viewer, request.path))
    headers = {"Cache-Control": "no-store", **error.headers}
    return Response(body, status=error.status, headers=headers, content_type="text/html; charset=utf-8")
