"""Templates to text: Jinja2 environments for subjects, plain text and HTML, and the
filters that write times the way a reader expects them.

Each notification `name` has `templates/<name>.txt.j2` and `templates/<name>.html.j2`;
HTML is autoescaped, text and subjects are not (they are never interpreted as markup, and
subjects pass through compose.header_text before they reach a header).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Long names for the abbreviations zoneinfo reports for the zones the program works in
# (the states, DC and the territories). Other zones fall back to their UTC offset.
ZONE_WORDS = {
    "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time", "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time", "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time", "HDT": "Hawaii-Aleutian Daylight Time",
    "AST": "Atlantic Standard Time", "ADT": "Atlantic Daylight Time",
    "ChST": "Chamorro Standard Time", "SST": "Samoa Standard Time",
    "UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time",
}


def zone_in_words(local: datetime) -> str:
    abbreviation = local.tzname() or ""
    if abbreviation in ZONE_WORDS:
        return ZONE_WORDS[abbreviation]
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _as_local(value: datetime, zone: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError("times given to templates must be aware")
    return value.astimezone(ZoneInfo(zone))


def _clock(local: datetime) -> str:
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def local_time(value: datetime, zone: str) -> str:
    """'Thursday 16 July 2026, 7:00 PM Central Daylight Time (America/Chicago)'."""
    local = _as_local(value, zone)
    return f"{local:%A} {local.day} {local:%B} {local.year}, {_clock(local)} " \
           f"{zone_in_words(local)} ({zone})"


def local_clock(value: datetime, zone: str) -> str:
    """'7:00 PM Central Daylight Time' (for the end of an event already dated)."""
    local = _as_local(value, zone)
    return f"{_clock(local)} {zone_in_words(local)}"


def long_date(value: date | datetime, zone: str | None = None) -> str:
    if isinstance(value, datetime):
        value = _as_local(value, zone or "UTC").date()
    return f"{value:%A} {value.day} {value:%B} {value.year}"


def utc_time(value: datetime) -> str:
    moment = value.astimezone(timezone.utc)
    return f"{moment.day} {moment:%B} {moment.year}, {moment:%H:%M} UTC"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def _environment(*, autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates ship with the code: no need to look at the files again on every use.
        auto_reload=False,
    )
    env.filters.update(local_time=local_time, local_clock=local_clock, long_date=long_date,
                       utc_time=utc_time)
    env.globals.update(plural=plural)
    return env


@lru_cache(maxsize=1)
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    return _environment(autoescape=False), _environment(autoescape=True)


@dataclass(frozen=True)
class RenderedParts:
    subject: str
    text: str
    html: str


def render(name: str, subject: str, context: dict[str, Any]) -> RenderedParts:
    """The subject (a Jinja string) and both bodies of notification `name`."""
    text_env, html_env = _environments()
    rendered_subject = " ".join(_subject_template(subject).render(context).split())
    context = {**context, "subject": rendered_subject}
    return RenderedParts(
        subject=rendered_subject,
        text=text_env.get_template(f"{name}.txt.j2").render(context),
        html=html_env.get_template(f"{name}.html.j2").render(context),
    )


@lru_cache(maxsize=512)
def _subject_template(source: str) -> jinja2.Template:
    return _environments()[0].from_string(source)


def template_names() -> set[str]:
    """Names with both a text and an HTML template."""
    text = {p.name[: -len(".txt.j2")] for p in TEMPLATES_DIR.glob("*.txt.j2")}
    html = {p.name[: -len(".html.j2")] for p in TEMPLATES_DIR.glob("*.html.j2")}
    return (text & html) - {"base"}
