"""The rules of a materials order, plain Python with no I/O.

- **Lead time.** Shipping takes `lead_days` (ScreeningsSettings.materials_lead_days). An
  order for a screening that starts sooner is still taken, with a warning that it may
  arrive late; an order for a screening that has started is refused.
- **One open order per screening.** Ordering again while the order is open amends it
  (the new quantities replace the old, and the manager sees the amended order in the
  queue): what a host expects when they find they need more guides before anything has
  shipped. Once it is sent, a new order can be placed for more.
- **States.** open -> sent (a manager marks it, with an optional tracking note) or
  open -> cancelled (the screening was cancelled). Sent and cancelled are final.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Mapping

from services.runtime.errors import Conflict, ValidationFailed

from ..domain.validation import FieldErrors, clean_text

DEFAULT_LEAD_DAYS = 10
MAX_COPIES = 500
MAX_SHIP_TO = 1000
MAX_NOTE = 2000


class OrderState(StrEnum):
    OPEN = "open"
    SENT = "sent"
    CANCELLED = "cancelled"


class Medium(StrEnum):
    """How the film travels: on its own DVD, or on the USB drive of films and publications."""

    DVD = "dvd"
    USB_DRIVE = "usb_drive"


@dataclass(frozen=True)
class OrderLines:
    medium: Medium | None
    guide_copies: int
    flyer_copies: int


@dataclass(frozen=True)
class MaterialOrder:
    id: str
    screening_id: str
    ordered_by: str  # leader id (or a manager's account acting for the host)
    state: OrderState
    lines: OrderLines
    film_slug: str | None
    ship_to: str
    note: str | None
    late: bool  # ordered (or last amended) inside the lead time
    ordered_at: datetime
    amended_at: datetime | None = None
    sent_at: datetime | None = None
    tracking_note: str | None = None
    cancelled_at: datetime | None = None

    def amend(self, lines: OrderLines, *, ship_to: str, note: str | None, late: bool, now: datetime) -> MaterialOrder:
        if self.state is not OrderState.OPEN:
            raise Conflict(f"this order is {self.state.value}; place a new one")
        return replace(self, lines=lines, ship_to=ship_to, note=note, late=late, amended_at=now)

    def mark_sent(self, *, tracking_note: str | None, now: datetime) -> MaterialOrder:
        if self.state is OrderState.CANCELLED:
            raise Conflict("this order was cancelled with its screening; it cannot be sent")
        if self.state is OrderState.SENT:
            raise Conflict("this order is already marked sent")
        return replace(self, state=OrderState.SENT, sent_at=now, tracking_note=tracking_note)

    def cancel(self, *, now: datetime) -> MaterialOrder:
        if self.state is not OrderState.OPEN:
            return self
        return replace(self, state=OrderState.CANCELLED, cancelled_at=now)


@dataclass(frozen=True)
class OrderRequest:
    lines: OrderLines
    ship_to: str
    note: str | None


def parse_request(raw: Any, *, has_film: bool) -> OrderRequest:
    """What a leader asks for, checked field by field (each problem names its field)."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="order")
    errors = FieldErrors()
    medium: Medium | None = None
    medium_raw = raw.get("medium")
    if medium_raw not in (None, "", "none"):
        try:
            medium = Medium(medium_raw)
        except ValueError:
            errors.add("medium", "dvd, usb_drive or none")
    if medium is Medium.DVD and not has_film:
        errors.add("medium", "this event shows no film: order the USB drive or no media")
    guides = _copies(raw.get("guide_copies"), "guide_copies", errors)
    if guides and not has_film:
        errors.add("guide_copies", "this event shows no film, so it has no discussion guide")
    flyers = _copies(raw.get("flyer_copies"), "flyer_copies", errors)
    ship_to = clean_text(raw.get("ship_to"), "ship_to", errors, limit=MAX_SHIP_TO, required=True)
    note = clean_text(raw.get("note"), "note", errors, limit=MAX_NOTE, required=False)
    if not errors.items and medium is None and not guides and not flyers:
        errors.add("medium", "order at least the film or some printed copies")
    errors.raise_if_any()
    return OrderRequest(OrderLines(medium, guides, flyers), ship_to, note or None)


def days_before(start: datetime, now: datetime) -> int:
    """Whole days from `now` to the screening's start, rounded down."""
    return math.floor((start - now) / timedelta(days=1))


def check_lead_time(start: datetime, now: datetime, lead_days: int) -> bool:
    """Whether an order placed `now` is late (inside the lead time); refused once the
    screening has started."""
    if start <= now:
        raise Conflict("this screening has already started; materials can no longer be ordered for it")
    return start - now < timedelta(days=lead_days)


def late_warning(order: MaterialOrder, start: datetime, lead_days: int) -> str | None:
    """What the leader and the manager are told about an open order inside the lead time."""
    if order.state is not OrderState.OPEN or not order.late:
        return None
    placed = order.amended_at or order.ordered_at
    days = max(0, days_before(start, placed))
    when = "less than a day" if days == 0 else f"{days} day{'s' if days != 1 else ''}"
    return (f"Ordered {when} before the screening, and shipping takes about {lead_days} days: the materials "
            f"may not arrive in time. A program manager will try to send them sooner.")


def place(existing: MaterialOrder | None, request: OrderRequest, *, order_id: str, screening_id: str,
          ordered_by: str, film_slug: str | None, late: bool, now: datetime) -> tuple[MaterialOrder, bool]:
    """The new order, or the open one amended; returns (order, amended)."""
    if existing is not None and existing.state is OrderState.OPEN:
        return existing.amend(request.lines, ship_to=request.ship_to, note=request.note, late=late, now=now), True
    return MaterialOrder(
        id=order_id, screening_id=screening_id, ordered_by=ordered_by, state=OrderState.OPEN, lines=request.lines,
        film_slug=film_slug, ship_to=request.ship_to, note=request.note, late=late, ordered_at=now,
    ), False


def parse_tracking_note(value: Any) -> str | None:
    errors = FieldErrors()
    text = clean_text(value, "tracking_note", errors, limit=MAX_NOTE, required=False)
    errors.raise_if_any()
    return text or None


def _copies(value: Any, field_name: str, errors: FieldErrors) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COPIES:
        errors.add(field_name, f"a whole number from 0 to {MAX_COPIES}")
        return 0
    return value
