"""Events of materials orders (published by the screenings service).

A host orders a screening's kit (the film on DVD or the USB drive, printed discussion
guides, flyers); program managers ship it. `materials_ordered` tells the managers (again,
with `amendment` true, when the host changes an open order); `materials_sent` tells the
host who ordered; `materials_cancelled` tells the managers not to ship an open order whose
screening was cancelled. Each carries the screening as mail shows it and the items ready to print.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .envelope import Payload
from .registry import event
from .screenings import ManagerEmails, Person, ScreeningInfo, SitePath, UtcDateTime

OrderId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
ShipTo = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]

_MAILER = ("mailer",)


class OrderedItem(Payload):
    kind: Literal["dvd", "usb_drive", "discussion_guide", "law_enforcement_guide", "flyer"]
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    quantity: int = Field(ge=1)


@event("screenings", "materials_ordered", consumers=_MAILER)
class MaterialsOrdered(Payload):
    """To the program managers: a host ordered (or amended) a screening's materials."""

    order_id: OrderId
    screening: ScreeningInfo
    ordered_by: Person
    items: tuple[OrderedItem, ...] = Field(min_length=1)
    ship_to: ShipTo
    note: Note | None = None
    amendment: bool
    late_warning: Note | None = Field(None, description="set when the screening is inside the shipping lead time")
    manager_emails: ManagerEmails
    queue_path: SitePath
    ordered_at: UtcDateTime


@event("screenings", "materials_sent", consumers=_MAILER)
class MaterialsSent(Payload):
    """To the host who ordered: a program manager sent the materials."""

    order_id: OrderId
    screening: ScreeningInfo
    ordered_by: Person
    items: tuple[OrderedItem, ...] = Field(min_length=1)
    ship_to: ShipTo
    tracking_note: Note | None = None
    manage_path: SitePath
    sent_at: UtcDateTime


@event("screenings", "materials_cancelled", consumers=_MAILER)
class MaterialsCancelled(Payload):
    """To the program managers: the screening was cancelled, so its open order is too and
    must not be shipped."""

    order_id: OrderId
    screening: ScreeningInfo
    ordered_by: Person
    items: tuple[OrderedItem, ...] = Field(min_length=1)
    ship_to: ShipTo
    manager_emails: ManagerEmails
    queue_path: SitePath
    cancelled_at: UtcDateTime
