"""Use cases of materials orders: a host orders (or amends the open order), a manager
marks it sent, a cancelled screening's open orders are cancelled with it. Each runs in
the unit of work it is given and publishes its events through the outbox."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.contracts import materials as events
from services.contracts.rpc.common import Actor
from services.contracts.screenings import PUBLIC_PATHS
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from ..access import require_manager, require_organiser_or_manager
from ..app.common import host_of, load
from ..app.payloads import person, screening_info
from ..domain.screening import OPEN, Screening
from ..domain.zones import local_label
from ..films import GUIDE_KINDS, USB_DRIVE, Film, KitItemKind
from ..settings import ScreeningsSettings
from .domain import (
    MaterialOrder, Medium, OrderState, check_lead_time, late_warning, parse_request, parse_tracking_note, place,
)

MAX_PAGE = 100


def order_materials(uow, actor: Actor, screening_id: Any, raw: Any, *, now: datetime,
                    settings: ScreeningsSettings) -> dict:
    screening = load(uow, screening_id)  # locked: two orders for one screening take turns
    require_organiser_or_manager(actor, screening)
    if screening.status not in OPEN:
        raise Conflict(f"this screening is {screening.status.value}; materials can no longer be ordered for it")
    film = uow.films.get(screening.details.film_slug) if screening.details.film_slug else None
    request = parse_request(raw, has_film=film is not None)
    late = check_lead_time(screening.details.start, now, settings.materials_lead_days)
    ordered_by = str(actor.leader_id) if not actor.manager and actor.leader_id else screening.host_id
    existing = uow.materials.open_for(screening.id)
    if existing is not None and (existing.lines, existing.ship_to, existing.note) == (
            request.lines, request.ship_to, request.note):
        # The same order again (a resent form, a retried call): nothing changes, nobody is told twice.
        view = order_view(uow, existing, screening, settings)
        return {"order": view, "amended": True, "warning": view["warning"],
                "lead_days": settings.materials_lead_days}
    order, amended = place(existing, request, order_id=str(uuid.uuid4()), screening_id=screening.id,
                           ordered_by=ordered_by, film_slug=film.slug if film else None, late=late, now=now)
    uow.materials.save(order)
    view, about = _announced(uow, order, screening, settings)
    uow.publish(events.MaterialsOrdered(
        **about, note=order.note, amendment=amended, late_warning=view["warning"],
        manager_emails=settings.manager_emails, queue_path=PUBLIC_PATHS["materials_queue"], ordered_at=now,
    ))
    return {"order": view, "amended": amended, "warning": view["warning"], "lead_days": settings.materials_lead_days}


def screening_orders(uow, actor: Actor, screening_id: Any, *, settings: ScreeningsSettings) -> list[dict]:
    screening = load(uow, screening_id, lock=False)
    require_organiser_or_manager(actor, screening)
    return [order_view(uow, order, screening, settings) for order in uow.materials.for_screening(screening.id)]


def list_orders(uow, actor: Actor, state: Any, limit: Any, offset: Any, *, settings: ScreeningsSettings) -> dict:
    require_manager(actor)
    try:
        wanted = None if state in (None, "", "all") else OrderState(state)
    except ValueError:
        raise ValidationFailed("open, sent, cancelled or all", field="state") from None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"a whole number from 1 to {MAX_PAGE}", field="limit")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationFailed("a whole number, 0 or more", field="offset")
    orders, total = uow.materials.search(wanted, limit=limit, offset=offset)
    items = [order_view(uow, order, load(uow, order.screening_id, lock=False), settings) for order in orders]
    return {"total": total, "items": items}


def mark_sent(uow, actor: Actor, order_id: Any, tracking_note: Any, *, now: datetime,
              settings: ScreeningsSettings) -> dict:
    require_manager(actor)
    order = uow.materials.get(order_id, lock=True) if isinstance(order_id, str) else None
    if order is None:
        raise NotFound("no such materials order")
    note = parse_tracking_note(tracking_note)
    screening = load(uow, order.screening_id, lock=False)
    sent = order.mark_sent(tracking_note=note, now=now)
    uow.materials.save(sent)
    view, about = _announced(uow, sent, screening, settings)
    uow.publish(events.MaterialsSent(
        **about, tracking_note=sent.tracking_note,
        manage_path=PUBLIC_PATHS["manage"].format(screening_id=screening.id), sent_at=now,
    ))
    return view


def _announced(uow, order: MaterialOrder, screening: Screening, settings: ScreeningsSettings) -> tuple[dict, dict]:
    """The order as the pages show it, and what both events say about it: the screening,
    who ordered (the host when that leader is gone), the items and where they go."""
    host = host_of(uow, screening)
    view = order_view(uow, order, screening, settings)
    return view, {
        "order_id": order.id, "screening": screening_info(uow, screening, host),
        "ordered_by": person(uow.leaders.get(order.ordered_by) or host),
        "items": tuple(events.OrderedItem(**item) for item in view["items"]), "ship_to": order.ship_to,
    }


def cancel_open_orders(uow, screening: Screening, *, now: datetime, settings: ScreeningsSettings) -> int:
    """The screening was cancelled: its open order will not be shipped, and the managers
    who would ship it are told."""
    order = uow.materials.open_for(screening.id)
    if order is None:
        return 0
    cancelled = order.cancel(now=now)
    uow.materials.save(cancelled)
    _, about = _announced(uow, cancelled, screening, settings)
    uow.publish(events.MaterialsCancelled(
        **about, manager_emails=settings.manager_emails, queue_path=PUBLIC_PATHS["materials_queue"],
        cancelled_at=now,
    ))
    return 1


def ordered_items(order: MaterialOrder, film: Film | None) -> list[dict]:
    """The order's lines ready to print, with the kit's own titles."""
    items = []
    kit = {item.kind: item for item in film.kit} if film else {}
    if order.lines.medium is Medium.DVD:
        dvd = kit.get(KitItemKind.DVD)
        items.append({"kind": "dvd", "title": dvd.title if dvd else "The film on DVD", "quantity": 1})
    elif order.lines.medium is Medium.USB_DRIVE:
        items.append({"kind": "usb_drive", "title": USB_DRIVE.title, "quantity": 1})
    if order.lines.guide_copies:
        guide = film.guide if film else None
        kind = guide.kind.value if guide and guide.kind in GUIDE_KINDS else "discussion_guide"
        items.append({"kind": kind, "title": guide.title if guide else "Discussion guide",
                      "quantity": order.lines.guide_copies})
    if order.lines.flyer_copies:
        flyer = kit.get(KitItemKind.FLYER)
        items.append({"kind": "flyer", "title": flyer.title if flyer else "Screening flyer",
                      "quantity": order.lines.flyer_copies})
    return items


def order_view(uow, order: MaterialOrder, screening: Screening, settings: ScreeningsSettings) -> dict:
    film = uow.films.get(order.film_slug) if order.film_slug else None
    details = screening.details
    host = uow.leaders.get(screening.host_id)
    leader = uow.leaders.get(order.ordered_by)
    stamp = (lambda value: value.isoformat() if value else None)
    return {
        "id": order.id, "screening_id": screening.id, "screening_title": details.title,
        "screening_status": screening.status.value,
        "screening_when": local_label(details.local_start, details.local_end, details.time_zone),
        "screening_start_utc": details.start.isoformat(), "host_name": host.name if host else None,
        "ordered_by": order.ordered_by, "ordered_by_name": leader.name if leader else None,
        "state": order.state.value, "medium": order.lines.medium.value if order.lines.medium else None,
        "guide_copies": order.lines.guide_copies, "flyer_copies": order.lines.flyer_copies,
        "film": order.film_slug, "items": ordered_items(order, film), "ship_to": order.ship_to, "note": order.note,
        "late": order.late, "warning": late_warning(order, details.start, settings.materials_lead_days),
        "ordered_at": order.ordered_at.isoformat(), "amended_at": stamp(order.amended_at),
        "sent_at": stamp(order.sent_at), "tracking_note": order.tracking_note,
        "cancelled_at": stamp(order.cancelled_at),
    }
