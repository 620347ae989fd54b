"""The pages' templates (Jinja2, autoescaped) and the filters that turn program data into
words a person reads: plurals, dates, waits, labels."""
from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_templates = Environment(loader=PackageLoader("services.gateway", "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def plural(count: Any, singular: str, many: str | None = None) -> str:
    """'1 seat', '3 seats', '0 seats'; `many` where adding an s is wrong."""
    number = int(count or 0)
    return f"{number} {singular if number == 1 else (many or singular + 's')}"


def in_words(seconds: Any) -> str:
    """A wait as a person says it: 'a few seconds', 'about 4 minutes', 'about 2 hours'."""
    seconds = max(0, int(seconds or 0))
    if seconds < 45:
        return "a few seconds"
    minutes = round(seconds / 60)
    if minutes < 60:
        return "about " + plural(minutes, "minute")
    hours = round(seconds / 3600)
    if hours < 24:
        return "about " + plural(hours, "hour")
    return "about " + plural(round(seconds / 86400), "day")


def _parse(value: Any) -> datetime | date | None:
    if isinstance(value, (datetime, date)):
        return value
    if not value:
        return None
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else date.fromisoformat(text[:10])
    except ValueError:
        return None


def long_date(value: Any) -> str:
    """'Tuesday, December 1, 2026' from a date, a datetime or their ISO text."""
    moment = _parse(value)
    return "" if moment is None else f"{moment:%A, %B} {moment.day}, {moment.year}"


def short_date(value: Any) -> str:
    """'Dec 1, 2026'."""
    moment = _parse(value)
    return "" if moment is None else f"{moment:%b} {moment.day}, {moment.year}"


def label(slug: Any) -> str:
    """'school_program' -> 'School program', for values that have no label of their own."""
    text = str(slug or "").replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


_templates.filters.update(plural=plural, in_words=in_words, long_date=long_date, short_date=short_date, label=label)
# A fresh key for each form a page shows, so sending it twice does the work once.
_templates.globals["idempotency_key"] = lambda: secrets.token_urlsafe(18)


# The site's navigation: for everyone, then for the signed-in person's role.
SITE_LINKS = (("/screenings", "Screenings"), ("/films", "Films"), ("/resources", "Resources"),
              ("/directory", "Leaders"), ("/mentorship/request", "Ask for mentoring"), ("/join", "Join the network"))
WORKSPACE_LINKS = {
    "leader": (("/leader", "Your home"), ("/leader/screenings/new", "Register a screening"),
               ("/leader/training", "Training"), ("/leader/profile", "Your profile")),
    "manager": (("/manage", "Manage"), ("/manage/screenings", "Approvals"), ("/manage/applications", "Applications"),
                ("/manage/roster", "Roster"), ("/manage/mentorship", "Mentorship"), ("/manage/coverage", "Coverage"),
                ("/manage/resources", "Library"), ("/manage/deliveries", "Mail")),
}


def layout(viewer: Any, here: str) -> dict[str, Any]:
    """What base.html needs on every page: who is signed in (for the header only) and
    where the page is (to mark the current link)."""
    return {"viewer": viewer, "here": here, "site_links": SITE_LINKS,
            "workspace_links": WORKSPACE_LINKS.get(getattr(viewer, "role", None), ())}


def render_page(template: str, **context: Any) -> str:
    context.setdefault("site_links", SITE_LINKS)
    return _templates.get_template(template).render(**context)
