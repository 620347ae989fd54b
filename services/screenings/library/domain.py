"""Rules of the resource library, plain Python: what an entry is, how one is validated
(each problem naming its field), how the library is searched, filtered and paged, how an
entry is retired, and which entries to suggest for a set of topics."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cached_property
from datetime import datetime
from enum import StrEnum
from typing import Any, Iterable, Mapping

from services.contracts.topics import TOPICS
from services.runtime.errors import ValidationFailed

from ..films import Audience


class ResourceKind(StrEnum):
    CURRICULUM = "curriculum"
    REPORT = "report"
    GUIDE = "guide"
    TOOLKIT = "toolkit"
    MEDIA = "media"
    ORGANISATION = "organisation"


KIND_LABELS: dict[str, str] = {
    ResourceKind.CURRICULUM: "Training curriculum", ResourceKind.REPORT: "Report", ResourceKind.GUIDE: "Guide",
    ResourceKind.TOOLKIT: "Toolkit", ResourceKind.MEDIA: "Films and media", ResourceKind.ORGANISATION: "Organisation",
}
AUDIENCE_LABELS: dict[str, str] = {
    Audience.GENERAL_PUBLIC: "General public", Audience.LAW_ENFORCEMENT: "Law enforcement",
    Audience.STUDENTS: "Students", Audience.EDUCATORS: "Educators", Audience.PARENTS: "Parents",
    Audience.FAITH_COMMUNITIES: "Faith communities", Audience.COMMUNITY_ORGANIZATIONS: "Community organizations",
    Audience.CIVIC_LEADERS: "Civic leaders",
}

TITLE_LIMIT, PUBLISHER_LIMIT, SERIES_LIMIT, DESCRIPTION_LIMIT, URL_LIMIT = 300, 200, 200, 2000, 2000
MAX_PAGE_SIZE = 100
EDITABLE = ("title", "publisher", "kind", "series", "audiences", "topics", "description", "url")


@dataclass(frozen=True)
class Resource:
    """One entry of the library. `id` is None until it is stored; `key` is the seed's
    stable name (None for what managers add); a retired entry is kept, out of public view."""

    title: str
    publisher: str
    kind: ResourceKind
    description: str
    topics: tuple[str, ...] = ()
    audiences: tuple[Audience, ...] = ()
    series: str | None = None
    url: str | None = None
    id: int | None = None
    key: str | None = None
    added_at: datetime | None = None
    updated_at: datetime | None = None
    retired_at: datetime | None = None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


# --- validation --------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.errors: list[dict] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _text(raw: Mapping[str, Any], name: str, limit: int, problems: _Problems, *, required: bool) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(name, "is required")
        return None
    if not isinstance(value, str):
        problems.add(name, "must be text")
        return None
    value = " ".join(value.split()) if name != "description" else value.strip()
    if len(value) > limit:
        problems.add(name, f"at most {limit} characters")
        return None
    return value


def _choices(raw: Any, name: str, allowed: Iterable[str], problems: _Problems) -> tuple[str, ...]:
    """A list of slugs (or one ';'/','-separated string), kept in the vocabulary's order."""
    allowed = tuple(allowed)
    if raw is None or raw == "":
        return ()
    items = re.split(r"[;,]", raw) if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        problems.add(name, "must be a list of names")
        return ()
    chosen = {i.strip().lower() for i in items if i.strip()}
    unknown = sorted(chosen - set(allowed))
    if unknown:
        problems.add(name, f"unknown {', '.join(repr(u) for u in unknown)} (expected any of: {', '.join(allowed)})")
        return ()
    return tuple(slug for slug in allowed if slug in chosen)


def parse_topics(raw: Any, problems: _Problems | None = None, name: str = "topics") -> tuple[str, ...]:
    """Topics as the leaders' expertise names them (services.contracts.topics)."""
    own = problems is None
    problems = problems or _Problems()
    topics = _choices(raw, name, TOPICS, problems)
    if own:
        problems.raise_if_any()
    return topics


def _url(raw: Mapping[str, Any], problems: _Problems) -> str | None:
    value = _text(raw, "url", URL_LIMIT, problems, required=False)
    if value is not None and (not re.match(r"^https?://[^\s/]+\.[^\s]+$", value) or " " in value):
        problems.add("url", "a web address starting with https:// or http://")
        return None
    return value


def _kind(raw: Mapping[str, Any], problems: _Problems) -> ResourceKind | None:
    value = raw.get("kind")
    try:
        return ResourceKind(value)
    except ValueError:
        problems.add("kind", "is required, one of " + ", ".join(ResourceKind) if not value
                     else f"unknown kind {value!r} (expected one of: {', '.join(ResourceKind)})")
        return None


def resource_from_input(raw: Any) -> Resource:
    """An entry a program manager adds, validated field by field."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="resource")
    problems = _Problems()
    unknown = sorted(set(raw) - set(EDITABLE))
    for name in unknown:
        problems.add(name, "is not a field of a resource")
    title = _text(raw, "title", TITLE_LIMIT, problems, required=True)
    publisher = _text(raw, "publisher", PUBLISHER_LIMIT, problems, required=True)
    kind = _kind(raw, problems)
    description = _text(raw, "description", DESCRIPTION_LIMIT, problems, required=True)
    series = _text(raw, "series", SERIES_LIMIT, problems, required=False)
    topics = _choices(raw.get("topics"), "topics", TOPICS, problems)
    audiences = _choices(raw.get("audiences"), "audiences", [a.value for a in Audience], problems)
    url = _url(raw, problems)
    problems.raise_if_any()
    return Resource(title=title, publisher=publisher, kind=kind, description=description, series=series,
                    topics=topics, audiences=tuple(Audience(a) for a in audiences), url=url)


def edited(resource: Resource, changes: Any, *, now: datetime) -> Resource:
    """The entry with a manager's changes (only the fields given), validated as a whole."""
    if not isinstance(changes, Mapping) or not changes:
        raise ValidationFailed("give at least one field to change", field="changes")
    current = {"title": resource.title, "publisher": resource.publisher, "kind": resource.kind.value,
               "description": resource.description, "series": resource.series, "topics": list(resource.topics),
               "audiences": [a.value for a in resource.audiences], "url": resource.url}
    checked = resource_from_input({**current, **dict(changes)})
    return replace(resource, title=checked.title, publisher=checked.publisher, kind=checked.kind,
                   description=checked.description, series=checked.series, topics=checked.topics,
                   audiences=checked.audiences, url=checked.url, updated_at=now)


def retired(resource: Resource, *, now: datetime) -> Resource:
    """Retired from public view; retiring again changes nothing (a repeated request is safe)."""
    return resource if resource.retired else replace(resource, retired_at=now, updated_at=now)


def reinstated(resource: Resource, *, now: datetime) -> Resource:
    return replace(resource, retired_at=None, updated_at=now) if resource.retired else resource


# --- search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str = ""
    topic: str | None = None
    kind: ResourceKind | None = None
    audience: Audience | None = None
    page: int = 1
    page_size: int = 20
    include_retired: bool = False

    @cached_property
    def terms(self) -> tuple[str, ...]:
        return tuple(_fold(self.text).split())


def parse_query(raw: Mapping[str, Any] | None, *, may_see_retired: bool = False) -> Query:
    """Search parameters as the caller sent them; each problem names its parameter. Only a
    program manager may ask for retired entries (`include_retired`)."""
    raw = dict(raw or {})
    problems = _Problems()
    for name in sorted(set(raw) - {"text", "topic", "kind", "audience", "page", "page_size", "include_retired"}):
        problems.add(name, "is not a search parameter")
    text = raw.get("text") or ""
    if not isinstance(text, str) or len(text) > 200:
        problems.add("text", "text of at most 200 characters")
        text = ""
    topic = raw.get("topic") or None
    if topic is not None and topic not in TOPICS:
        problems.add("topic", f"unknown topic {topic!r} (expected one of: {', '.join(TOPICS)})")
    kind = raw.get("kind") or None
    if kind is not None and kind not in ResourceKind.__members__.values():
        problems.add("kind", f"unknown kind {kind!r} (expected one of: {', '.join(ResourceKind)})")
    audience = raw.get("audience") or None
    if audience is not None and audience not in Audience.__members__.values():
        problems.add("audience", f"unknown audience {audience!r} (expected one of: {', '.join(Audience)})")
    page = _whole(raw.get("page", 1), "page", 1, 100_000, problems)
    page_size = _whole(raw.get("page_size", 20), "page_size", 1, MAX_PAGE_SIZE, problems)
    include_retired = raw.get("include_retired") in (True, "true", "1")
    if include_retired and not may_see_retired:
        problems.add("include_retired", "only a program manager sees retired entries")
    problems.raise_if_any()
    return Query(text=text.strip(), topic=topic, kind=ResourceKind(kind) if kind else None,
                 audience=Audience(audience) if audience else None, page=page, page_size=page_size,
                 include_retired=include_retired)


def _whole(value: Any, name: str, low: int, high: int, problems: _Problems) -> int:
    try:
        number = int(value)
        if isinstance(value, bool) or isinstance(value, float) or not low <= number <= high:
            raise ValueError
    except (TypeError, ValueError):
        problems.add(name, f"a whole number from {low} to {high}")
        return low
    return number


def _fold(text: str) -> str:
    """Words as typed, matched without case and apostrophes ("officer’s" finds "officers")."""
    return re.sub(r"[^\w+]+", " ", _plain(text))


def _plain(text: str) -> str:
    # Cheap on purpose: every entry's text goes through it on every search with words.
    return text.casefold().replace("’", "").replace("'", "")


def matches(resource: Resource, query: Query) -> bool:
    """Every word of the text in the title, description, publisher or series; the topic,
    kind and audience when given; retired entries only when asked for."""
    if resource.retired and not query.include_retired:
        return False
    if query.topic and query.topic not in resource.topics:
        return False
    if query.kind and resource.kind != query.kind:
        return False
    if query.audience and query.audience not in resource.audiences:
        return False
    terms = query.terms
    if terms:
        haystack = searchable_text(resource)
        return all(term in haystack for term in terms)
    return True


def searchable_text(resource: Resource) -> str:
    """What the words of a search are looked for in: title, description, publisher and
    series, without case or apostrophes (storage may keep it to narrow a search)."""
    return _plain(" ".join((resource.title, resource.description, resource.publisher, resource.series or "")))


def title_key(title: str) -> str:
    """The order of entries by title (without words to rank by, a search lists them so)."""
    return _plain(title)


def _rank(resource: Resource, terms: tuple[str, ...]) -> tuple:
    """Entries whose title holds the words first, then by title."""
    title = title_key(resource.title)
    return (-sum(1 for term in terms if term in title), title, resource.id or 0)


@dataclass(frozen=True)
class Found:
    total: int
    page: int
    pages: int
    items: list[Resource]


def search(resources: Iterable[Resource], query: Query) -> Found:
    terms = query.terms
    hits = sorted((r for r in resources if matches(r, query)), key=lambda r: _rank(r, terms))
    start = (query.page - 1) * query.page_size
    return found_page(query, len(hits), hits[start:start + query.page_size])


def found_page(query: Query, total: int, items: list[Resource]) -> Found:
    """One page of `total` hits (storage may have paged them already, in title order)."""
    return Found(total=total, page=query.page, pages=max(1, math.ceil(total / query.page_size)), items=items)


def suggestions(resources: Iterable[Resource], topics: Iterable[str], *, limit: int = 4) -> list[Resource]:
    """The entries in public view sharing most of `topics`, then by title; none for no topic."""
    wanted = set(topics)
    if not wanted:
        return []
    scored = [(len(wanted & set(r.topics)), r) for r in resources if not r.retired]
    scored = [(shared, r) for shared, r in scored if shared]
    scored.sort(key=lambda pair: (-pair[0], title_key(pair[1].title)))
    return [r for _, r in scored[:limit]]
