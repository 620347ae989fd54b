"""What every page module uses: rendering a template in the site's layout, the plain
message and action pages, redirects, and the upcoming screenings several pages list."""
from __future__ import annotations

from typing import Any

from werkzeug.utils import redirect

from services.gateway.api.common import scrub
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.error_pages import error_page
from services.gateway.templating import layout, render_page

TAG = "Pages"
HTML = "text/html"


# What a page says after a form redirected to it (POST, then 303, then GET): the form
# names one of these in a short-lived cookie; the next page shows it once.
NOTICE_COOKIE = "niot_notice"
NOTICES: dict[str, tuple[str, str]] = {
    "password-set": ("success", "Your password is set and you are signed in."),
    "signed-in": ("success", "You are signed in."),
}


def notice(key: str, kind: str, text: str) -> str:
    """Register what a page says after a redirect; returns the key to redirect with."""
    NOTICES[key] = (kind, text)
    return key


def page(call: Call, template: str, status: int = 200, **context: Any) -> Reply:
    context = {**layout(call.viewer, call.request.path), **context}
    cookies = []
    shown = NOTICES.get(call.request.cookies.get(NOTICE_COOKIE, ""))
    if shown is not None and "notice" not in context:
        context["notice"] = {"kind": shown[0], "text": shown[1]}
    if NOTICE_COOKIE in call.request.cookies:
        cookies.append((NOTICE_COOKIE, "", {"max_age": 0, "path": "/", "httponly": True, "samesite": "Lax"}))
    return Reply(render_page(template, caller=call.caller, **context), status=status, content_type=HTML,
                 cookies=cookies)


def message(call: Call, title: str, text: str, status: int = 200,
            next_steps: list[tuple[str, str]] | None = None) -> Reply:
    """A page saying what just happened, with where to go next."""
    return page(call, "message.html", status=status, title=title, message=text,
                next_steps=next_steps or [("/", "Go to the home page")])


def action_page(call: Call, title: str, forms: list[dict], text: str = "", details=None,
                next_steps: list[tuple[str, str]] | None = None) -> Reply:
    return page(call, "action.html", title=title, message=text, forms=forms, details=details or [],
                next_steps=next_steps or [])


def see_other(location: str, notice: str | None = None):
    """Redirect after a form, saying on the next page what happened (a key of NOTICES)."""
    response = redirect(location, code=303)
    if notice is not None:
        if notice not in NOTICES:
            raise KeyError(f"no notice {notice!r}")
        response.set_cookie(NOTICE_COOKIE, notice, max_age=120, path="/", httponly=True, samesite="Lax")
    return response


def upcoming(call: Call, **filters) -> list[dict]:
    found = call.rpc("screenings", "search_screenings",
                     {"starts_from": call.now.isoformat(), "page_size": 50, **filters})
    return scrub(found.get("items", []))


def screening_details(view: dict) -> list:
    return [("Event", view.get("title")), ("When", view.get("local_label")), ("Status", view.get("status")),
            ("Seats left", view.get("seats_left")), ("Waitlist", view.get("waitlist"))]


def refused_as_page(call: Call, exc: ApiError, title: str):
    """A refusal from a service as a page with the site's layout, its reasons and a way back."""
    return error_page(call.request, exc, call.viewer, title=title)
