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


def page(call: Call, template: str, status: int = 200, **context: Any) -> Reply:
    context = {**layout(call.viewer, call.request.path), **context}
    return Reply(render_page(template, caller=call.caller, **context), status=status, content_type=HTML)


def message(call: Call, title: str, text: str, status: int = 200,
            next_steps: list[tuple[str, str]] | None = None) -> Reply:
    """A page saying what just happened, with where to go next."""
    return page(call, "message.html", status=status, title=title, message=text,
                next_steps=next_steps or [("/", "Go to the home page")])


def action_page(call: Call, title: str, forms: list[dict], text: str = "", details=None) -> Reply:
    return page(call, "action.html", title=title, message=text, forms=forms, details=details or [])


def see_other(location: str):
    return redirect(location, code=303)


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
