"""Use cases of partners over the screenings unit of work (`uow.partners`): finding and
reading records for everyone, adding one (program managers and leaders), editing one
(program managers), and linking the names a screening or a report gives to records.
Answers are plain dicts (`partner_view`); no personal address is ever part of one."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from services.contracts.rpc.common import Actor
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from ..access import require_manager
from ..domain.validation import FieldErrors
from . import domain
from .domain import KIND_LABELS, Partner, PartnerKind

MAX_PAGE_SIZE = 200


def partner_view(partner: Partner) -> dict[str, Any]:
    return {"id": partner.id, "name": partner.name, "kind": partner.kind.value, "kind_label": KIND_LABELS[partner.kind],
            "city": partner.city, "state": partner.state, "postal_code": partner.postal_code,
            "website": partner.website, "contact_role": partner.contact_role,
            "to_complete": partner.kind is PartnerKind.OTHER or partner.city is None}


def vocabulary() -> dict[str, list[dict[str, str]]]:
    return {"kinds": [{"slug": k.value, "label": KIND_LABELS[k]} for k in PartnerKind]}


def _whole(value: Any, field: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"a whole number from {low} to {high}", field=field) from None
    if isinstance(value, bool) or not low <= number <= high:
        raise ValidationFailed(f"a whole number from {low} to {high}", field=field)
    return number


def search(uow, query: Any) -> dict[str, Any]:
    """Records by state (one `state` or a list `states`, e.g. a region's), kind and words
    in the name, in state then name order, paged."""
    query = query or {}
    if not isinstance(query, dict):
        raise ValidationFailed("must be an object", field="query")
    errors = FieldErrors()
    unknown = sorted(set(query) - {"state", "states", "kind", "text", "page", "page_size"})
    if unknown:
        errors.add(unknown[0], "is not a partner filter")
    states: list[str] | None = None
    raw_states = query.get("states")
    if query.get("state") is not None:
        raw_states = [query["state"], *(raw_states or [])]
    if raw_states is not None:
        if not isinstance(raw_states, list) or not all(isinstance(s, str) for s in raw_states):
            errors.add("states", "must be a list of two-letter state codes")
        else:
            states = [s.strip().upper() for s in raw_states]
            bad = [s for s in states if s not in domain.STATE_TIME_ZONES]
            if bad:
                errors.add("state", f"{bad[0]!r} is not a US state or territory's two-letter code")
    kind = None
    if query.get("kind") is not None:
        try:
            kind = PartnerKind(query["kind"])
        except ValueError:
            errors.add("kind", "must be one of: " + ", ".join(k.value for k in PartnerKind))
    text = query.get("text")
    if text is not None and (not isinstance(text, str) or len(text) > 200):
        errors.add("text", "must be text of at most 200 characters")
    errors.raise_if_any()
    page = _whole(query.get("page"), "page", 1, 10_000, 1)
    size = _whole(query.get("page_size"), "page_size", 1, MAX_PAGE_SIZE, 50)
    total, found = uow.partners.search(states=states, kind=kind, text=(text or "").strip() or None,
                                       limit=size, offset=(page - 1) * size)
    return {"total": total, "page": page, "page_size": size, "pages": max(1, -(-total // size)),
            "items": [partner_view(p) for p in found]}


def _partner_id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound("no such partner") from None
    if isinstance(value, bool) or not 1 <= number <= 2_147_483_647:
        raise NotFound("no such partner")
    return number


def _held(uow, partner_id: Any, *, lock: bool = False) -> Partner:
    partner = uow.partners.get(_partner_id(partner_id), lock=lock)
    if partner is None:
        raise NotFound("no such partner")
    return partner


def get(uow, partner_id: Any) -> dict[str, Any]:
    return partner_view(_held(uow, partner_id))


def _unique(uow, partner: Partner) -> None:
    if uow.partners.taken(partner):
        raise _taken(partner)


def _taken(partner: Partner) -> Conflict:
    return Conflict(f"{partner.state} already has a partner named “{partner.name}”: pick it instead")


def add(uow, actor: Actor, raw: Any, *, now: datetime) -> dict[str, Any]:
    """A new record, by a program manager or a leader (who then names it on their events)."""
    added_by = "manager" if actor.manager else str(actor.leader_id)
    partner = domain.partner_from_input(raw, added_by=added_by, now=now)
    _unique(uow, partner)
    added, new = uow.partners.add_unless_named(partner)
    if not new:  # added by someone else since the check above
        raise _taken(partner)
    return partner_view(added)


def edit(uow, actor: Actor, partner_id: Any, changes: Any, *, now: datetime) -> dict[str, Any]:
    require_manager(actor)
    partner = domain.edited(_held(uow, partner_id, lock=True), changes, now=now)
    _unique(uow, partner)
    return partner_view(uow.partners.save(partner))


def records_for(uow, names: Iterable[str], *, state: str | None, city: str | None, added_by: str,
                now: datetime) -> list[Partner]:
    """The records the names typed on a screening or report stand for: the matching ones
    in the event's state, and a new record at the event's place for each other name."""
    names = list(names)
    if not state or not names:
        return []
    linked, missing = domain.resolve(names, uow.partners.with_names(names, state), state=state)
    for name in missing:
        record, _ = uow.partners.add_unless_named(domain.named_on_event(name, state=state, city=city,
                                                                        added_by=added_by, now=now))
        if record not in linked:
            linked.append(record)
    return linked


def link_screening(uow, screening, *, added_by: str, now: datetime) -> None:
    """Link a screening to the records of the partners it names (after it is saved)."""
    details = screening.details
    city = details.venue.city if details.venue is not None else None
    uow.partners.link_screening(screening.id, records_for(uow, details.partners, state=screening.state, city=city,
                                                          added_by=added_by, now=now))


def link_report(uow, screening, partners: Iterable[str], *, added_by: str, now: datetime) -> None:
    details = screening.details
    city = details.venue.city if details.venue is not None else None
    uow.partners.link_report(screening.id, records_for(uow, partners, state=screening.state, city=city,
                                                       added_by=added_by, now=now))


def of_screening(uow, screening_id: str) -> list[dict[str, Any]]:
    return [partner_view(p) for p in uow.partners.of_screening(screening_id)]
