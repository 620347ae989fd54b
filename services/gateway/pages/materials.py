"""Materials orders on the pages: what a screening's workspace shows and offers (its
orders with their status, and the order form), and the program manager's queue of open
orders with "mark sent"."""
from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api.common import Page, actor
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER

from . import forms
from .manager_refusals import form_again
from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
PAGE_SIZE = 20

ORDER_LABELS = {"medium": "The film", "guide_copies": "Printed discussion guides", "flyer_copies": "Printed flyers",
                "ship_to": "Ship to", "note": "A note for the program manager"}
MEDIA = (("dvd", "The film on DVD"),
         ("usb_drive", "The Stop Hate & Build Inclusion USB drive (films and publications)"),
         ("none", "No film: we have it already"))
NO_FILM_MEDIA = (MEDIA[1], ("none", "No media"))
SENT_LABELS = {"tracking_note": "Tracking note (optional)"}
STATE_WORDS = {"open": "Ordered, not yet sent", "sent": "Sent", "cancelled": "Cancelled with the screening"}
ORDERABLE = ("submitted", "sent_back", "resubmitted", "scheduled")

MARKED_SENT = notice("materials-sent", "success",
                     "The order is marked sent; its host has an email saying so, with your tracking note.")


def order_form_values(orders: list[dict], view: dict) -> dict[str, Any]:
    """The order form, filled with the open order (to amend it) or sensible defaults."""
    open_order = next((o for o in orders if o["state"] == "open"), None)
    if open_order is not None:
        return {"medium": open_order["medium"] or "none", "guide_copies": open_order["guide_copies"],
                "flyer_copies": open_order["flyer_copies"], "ship_to": open_order["ship_to"],
                "note": open_order["note"] or ""}
    return {"medium": "dvd" if view.get("film") else "usb_drive", "guide_copies": "", "flyer_copies": "",
            "ship_to": "", "note": ""}


def materials_context(call: Call, view: dict, ended: bool, form: forms.FormState | None = None) -> dict[str, Any]:
    """What the workspace shows of a screening's materials: its orders and the form."""
    orders = call.rpc("screenings", "screening_material_orders", actor(call), view["id"])
    can_order = view.get("status") in ORDERABLE and not ended
    if form is None:
        form = forms.empty(ORDER_LABELS, order_form_values(orders, view), prefix="order-")
    return {"orders": orders, "order_form": form, "can_order": can_order,
            "open_order": next((o for o in orders if o["state"] == "open"), None),
            "media": MEDIA if view.get("film") else NO_FILM_MEDIA, "state_words": STATE_WORDS}


# --- the program manager's queue -------------------------------------------------------

class QueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["open", "sent", "cancelled"] = "open"
    page: Page = 1


def queue_page(call: Call, state: str = "open", number: int = 1, form: forms.FormState | None = None,
               failed_order: str | None = None, status: int = 200) -> Reply:
    found = call.rpc("screenings", "list_material_orders", actor(call), state=state, limit=PAGE_SIZE,
                     offset=(number - 1) * PAGE_SIZE)
    titles = {"open": "Materials to send", "sent": "Materials sent", "cancelled": "Cancelled materials orders"}
    return page(call, "manage_materials.html", status=status, title=titles[state], state=state,
                orders=found["items"], total=found["total"], page_number=number,
                pages=max(1, math.ceil(found["total"] / PAGE_SIZE)), state_words=STATE_WORDS,
                form=form or forms.empty(SENT_LABELS), failed_order=failed_order)


@route("GET", "/manage/materials", access=MANAGER, tag=TAG, content_type=HTML, query=QueueQuery,
       summary="Page: materials orders to send (open, oldest first), or those sent or cancelled")
def materials_queue(call: Call):
    return queue_page(call, call.query.state, call.query.page)


class SentForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tracking_note: Annotated[str, StringConstraints(max_length=2000)] = ""


@form_again("Not marked sent")
def sent_invalid(call: Call, exc: ApiError) -> Reply:
    return queue_page(call, form=forms.refused(call, exc, SENT_LABELS), failed_order=call.path["order_id"],
                      status=422)


@route("POST", "/manage/materials/{order_id:token}/sent", access=MANAGER, tag=TAG, content_type=HTML,
       body=SentForm, form=True, invalid=sent_invalid,
       summary="Page: mark a materials order sent (POST /api/materials/{id}/sent does the same as JSON)")
def mark_sent_submit(call: Call):
    try:
        call.rpc("screenings", "mark_materials_sent", actor(call), call.path["order_id"],
                 tracking_note=call.body.tracking_note.strip() or None)
    except ApiError as exc:
        if exc.status in (404, 409):
            state = forms.submitted(call, SENT_LABELS)
            state.message = exc.message
            return queue_page(call, form=state, failed_order=call.path["order_id"], status=exc.status)
        raise
    return see_other("/manage/materials", MARKED_SENT)
