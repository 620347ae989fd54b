"""Use cases of the resource library over the screenings unit of work (`uow.library`):
searching and reading for everyone, suggestions by topic or film, and a program manager's
adding, editing, retiring and reinstating. Answers are plain dicts (`resource_view`)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Iterable

from services.contracts.rpc.common import Actor
from services.contracts.topics import TOPICS
from services.runtime.errors import NotFound, ValidationFailed

from ..access import require_manager
from ..films import FILMS_BY_SLUG, Audience
from . import domain
from .domain import AUDIENCE_LABELS, KIND_LABELS, Resource, ResourceKind
from .seed import SEED

SUGGESTION_LIMIT = 4


def resource_view(resource: Resource) -> dict[str, Any]:
    return {
        "id": resource.id, "title": resource.title, "publisher": resource.publisher, "kind": resource.kind.value,
        "kind_label": KIND_LABELS[resource.kind], "series": resource.series, "description": resource.description,
        "topics": [{"slug": t, "label": TOPICS[t]} for t in resource.topics if t in TOPICS],
        "audiences": [{"slug": a.value, "label": AUDIENCE_LABELS[a]} for a in resource.audiences],
        "url": resource.url, "retired": resource.retired,
        "retired_at": resource.retired_at.isoformat() if resource.retired_at else None,
    }


def vocabulary() -> dict[str, list[dict[str, str]]]:
    """The names search filters and the manager's form offer."""
    return {"topics": [{"slug": s, "label": label} for s, label in TOPICS.items()],
            "kinds": [{"slug": k.value, "label": KIND_LABELS[k]} for k in ResourceKind],
            "audiences": [{"slug": a.value, "label": AUDIENCE_LABELS[a]} for a in Audience]}


def seed_library(uow) -> int:
    """Add the program's entries the library lacks (by key); returns how many. Entries a
    manager edited or retired stay as they are."""
    held = uow.library.keys()
    missing = [entry for entry in SEED if entry.key not in held]
    for entry in missing:
        uow.library.add(entry)
    return len(missing)


def search(uow, query: Any, actor: Actor | None) -> dict[str, Any]:
    if query is not None and not isinstance(query, dict):
        raise ValidationFailed("must be an object", field="query")
    parsed = domain.parse_query(query, may_see_retired=actor is not None and actor.manager)
    if parsed.terms:
        found = domain.search(uow.library.in_view(parsed), parsed)
    else:
        found = domain.found_page(parsed, *uow.library.page_in_title_order(parsed))
    return {"total": found.total, "page": found.page, "pages": found.pages, "page_size": parsed.page_size,
            "items": [resource_view(r) for r in found.items]}


def _resource_id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound("no such resource") from None
    if isinstance(value, bool) or not 1 <= number <= 2_147_483_647:
        raise NotFound("no such resource")
    return number


def _held(uow, resource_id: Any, *, lock: bool = False) -> Resource:
    resource = uow.library.get(_resource_id(resource_id), lock=lock)
    if resource is None:
        raise NotFound("no such resource")
    return resource


def get(uow, resource_id: Any, actor: Actor | None) -> dict[str, Any]:
    """One entry; a retired one only for program managers."""
    resource = _held(uow, resource_id)
    if resource.retired and not (actor is not None and actor.manager):
        raise NotFound("no such resource")
    return resource_view(resource)


def suggest(uow, topics: Iterable[str] | None = None, film: str | None = None,
            limit: int = SUGGESTION_LIMIT) -> list[dict[str, Any]]:
    """Entries in public view on `topics` (checked against the vocabulary) or, for a film,
    on the film's topics; an unknown film or one without topics has none."""
    wanted: tuple[str, ...] = domain.parse_topics(topics) if topics else ()
    if film is not None:
        known = FILMS_BY_SLUG.get(film)
        wanted = tuple(dict.fromkeys((*wanted, *(known.topics if known else ()))))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 20:
        raise ValidationFailed("a whole number from 1 to 20", field="limit")
    if not wanted:
        return []
    return [resource_view(r) for r in domain.suggestions(uow.library.in_view(), wanted, limit=limit)]


def add(uow, actor: Actor, raw: Any, *, now: datetime) -> dict[str, Any]:
    require_manager(actor)
    resource = domain.resource_from_input(raw)
    return resource_view(uow.library.add(replace(resource, added_at=now, updated_at=now)))


def edit(uow, actor: Actor, resource_id: Any, changes: Any, *, now: datetime) -> dict[str, Any]:
    require_manager(actor)
    resource = _held(uow, resource_id, lock=True)
    return resource_view(uow.library.save(domain.edited(resource, changes, now=now)))


def retire(uow, actor: Actor, resource_id: Any, *, now: datetime) -> dict[str, Any]:
    require_manager(actor)
    resource = _held(uow, resource_id, lock=True)
    changed = domain.retired(resource, now=now)
    return resource_view(changed if changed is resource else uow.library.save(changed))


def reinstate(uow, actor: Actor, resource_id: Any, *, now: datetime) -> dict[str, Any]:
    require_manager(actor)
    resource = _held(uow, resource_id, lock=True)
    changed = domain.reinstated(resource, now=now)
    return resource_view(changed if changed is resource else uow.library.save(changed))
