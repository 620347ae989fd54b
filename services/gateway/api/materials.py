"""Materials orders (the screenings service): a screening's host orders its kit (the film
on DVD or the USB drive, printed discussion guides and flyers); program managers work
the queue of open orders and mark each sent. The service checks who may do what."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from services.contracts.rpc.materials import MaterialOrder, MaterialOrders, OrderPlaced
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, MANAGER

from .common import actor
from .screenings import organisers
from .table import ROUTES

route = ROUTES.route
MATERIALS = "Materials"
PAGE_SIZE = 50


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderIn(Strict):
    medium: Literal["dvd", "usb_drive", "none"] | None = Field(
        None, description="the film on DVD, or the Stop Hate & Build Inclusion USB drive of films and publications")
    guide_copies: int = Field(0, ge=0, le=500, description="printed copies of the film's discussion guide")
    flyer_copies: int = Field(0, ge=0, le=500, description="printed flyers announcing the screening")
    ship_to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] = Field(
        description="the postal address to ship to, with the recipient's name")
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class SentIn(Strict):
    tracking_note: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="e.g. the carrier and tracking number")


class OrdersQuery(Strict):
    state: Literal["open", "sent", "cancelled", "all"] = "open"
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(PAGE_SIZE, ge=1, le=100)


class MaterialOrderList(RootModel[list[MaterialOrder]]):
    pass


def order_from(body: OrderIn) -> dict:
    return body.model_dump(mode="json", exclude_none=True)


@route("POST", "/api/screenings/{screening_id:token}/materials", access=LEADER, owner=organisers, tag=MATERIALS,
       body=OrderIn, response=OrderPlaced, status=201, extra_statuses=(200,),
       summary="Order a screening's materials (host, co-host or manager). While an order is open, ordering "
               "again amends it (`amended`); inside the shipping lead time the order is taken with a `warning`; "
               "a screening that has started or was cancelled is refused (409)", idempotent=True)
def order_materials(call: Call):
    placed = call.rpc("screenings", "order_materials", actor(call), call.path["screening_id"], order_from(call.body),
                      request_key=call.request_key())
    return Reply(placed, status=200 if placed["amended"] else 201)


@route("GET", "/api/screenings/{screening_id:token}/materials", access=LEADER, owner=organisers, tag=MATERIALS,
       response=MaterialOrderList, summary="A screening's materials orders, newest first, with their status")
def screening_materials(call: Call):
    return call.rpc("screenings", "screening_material_orders", actor(call), call.path["screening_id"])


@route("GET", "/api/materials", access=MANAGER, tag=MATERIALS, query=OrdersQuery, response=MaterialOrders,
       summary="Materials orders by state: `open` (the queue to ship, oldest first), `sent`, `cancelled` or `all`")
def list_materials(call: Call):
    query = call.query
    return call.rpc("screenings", "list_material_orders", actor(call), state=query.state, limit=query.limit,
                    offset=query.offset)


@route("POST", "/api/materials/{order_id:token}/sent", access=MANAGER, tag=MATERIALS, body=SentIn,
       response=MaterialOrder, summary="Mark an open order sent, with an optional tracking note (the host is mailed)")
def mark_sent(call: Call):
    return call.rpc("screenings", "mark_materials_sent", actor(call), call.path["order_id"],
                    tracking_note=call.body.tracking_note)
