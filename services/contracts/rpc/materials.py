"""RPC contracts of materials orders (methods of the screenings service).

An order is a JSON object the service validates field by field: `medium` ("dvd",
"usb_drive" or none), `guide_copies`, `flyer_copies`, `ship_to` (the postal address,
required) and an optional `note`.
"""
from __future__ import annotations

from typing import Any, Literal

from . import Params, Response, rpc_method
from .common import Actor, RequestKey

SERVICE = "screenings"
OrderState = Literal["open", "sent", "cancelled"]


class OrderedItem(Response):
    kind: Literal["dvd", "usb_drive", "discussion_guide", "law_enforcement_guide", "flyer"]
    title: str
    quantity: int


class MaterialOrder(Response):
    id: str
    screening_id: str
    screening_title: str
    screening_status: str
    screening_when: str  # ready to print, in the venue's zone
    screening_start_utc: str
    host_name: str | None
    ordered_by: str
    ordered_by_name: str | None
    state: OrderState
    medium: Literal["dvd", "usb_drive"] | None
    guide_copies: int
    flyer_copies: int
    film: str | None
    items: list[OrderedItem]
    ship_to: str
    note: str | None
    late: bool
    warning: str | None  # for an open order inside the shipping lead time
    ordered_at: str
    amended_at: str | None
    sent_at: str | None
    tracking_note: str | None
    cancelled_at: str | None


class OrderPlaced(Response):
    order: MaterialOrder
    amended: bool  # the screening's open order was changed rather than a new one placed
    warning: str | None
    lead_days: int


class MaterialOrders(Response):
    total: int
    items: list[MaterialOrder]


@rpc_method(SERVICE, "order_materials", response=OrderPlaced)
class OrderMaterials(Params):
    actor: Actor
    screening_id: str
    order: dict[str, Any]
    request_key: RequestKey = None


@rpc_method(SERVICE, "screening_material_orders", response=list[MaterialOrder])
class ScreeningMaterialOrders(Params):
    actor: Actor
    screening_id: str


@rpc_method(SERVICE, "list_material_orders", response=MaterialOrders)
class ListMaterialOrders(Params):
    actor: Actor
    state: OrderState | None = None
    limit: int = 50
    offset: int = 0


@rpc_method(SERVICE, "mark_materials_sent", response=MaterialOrder)
class MarkMaterialsSent(Params):
    actor: Actor
    order_id: str
    tracking_note: str | None = None
