"""A screening's organiser orders its materials from the workspace page: the page comes
back saying what happened (ordered, amended, or taken with a lead-time warning), or with
what was typed and each problem next to its field."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api.common import actor
from services.gateway.api.screenings import organisers
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER

from . import forms
from .leader import workspace
from .manager_refusals import form_again
from .materials import ORDER_LABELS
from .render import HTML, TAG, notice, refused_as_page, see_other

route = ROUTES.route
Short = Annotated[str, StringConstraints(max_length=20)]

ORDERED = notice("materials-ordered", "success",
                 "Your materials order is in. A program manager sends it and you get an email when it has gone.")
AMENDED = notice("materials-amended", "success",
                 "Your open materials order is changed. A program manager sends it and you get an email when it "
                 "has gone.")
ORDERED_LATE = notice("materials-ordered-late", "warning",
                      "Your materials order is in, but the screening is closer than the time shipping takes: "
                      "the materials may not arrive in time (see the warning on the order below).")


class OrderForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    medium: Short = ""
    guide_copies: Short = ""
    flyer_copies: Short = ""
    ship_to: Annotated[str, StringConstraints(max_length=1000)] = ""
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


def _form_again(call: Call, exc: ApiError) -> Reply:
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    state = forms.refused(call, exc, ORDER_LABELS, {"order": "medium"}, prefix="order-")
    return workspace(call, view, order_form=state, status=422)


@form_again("Not ordered")
def order_invalid(call: Call, exc: ApiError) -> Reply:
    return _form_again(call, exc)


@route("POST", "/manage/screenings/{screening_id:token}/materials", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, body=OrderForm, form=True, invalid=order_invalid,
       summary="Page: order (or amend the open order of) a screening's materials "
               "(POST /api/screenings/{id}/materials does the same as JSON)", idempotent=True)
def order_submit(call: Call):
    form = call.body
    order = {"medium": form.medium or None, "guide_copies": form.guide_copies, "flyer_copies": form.flyer_copies,
             "ship_to": form.ship_to, "note": form.note}
    try:
        placed = call.rpc("screenings", "order_materials", actor(call), call.path["screening_id"], order,
                          request_key=call.request_key())
    except ApiError as exc:
        if exc.status == 409:
            return refused_as_page(call, exc, "Not ordered")
        raise
    screening_page = f"/manage/screenings/{call.path['screening_id']}"
    if placed["warning"]:
        return see_other(screening_page + "#materials", ORDERED_LATE)
    return see_other(screening_page + "#materials", AMENDED if placed["amended"] else ORDERED)
