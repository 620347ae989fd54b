"""The program manager's mail and operations pages: the delivery log with resend, and the
dead letters of every consuming service with replay."""
from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api import mail as mail_api
from services.gateway.api.common import Page
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call
from services.gateway.routing import MANAGER

from . import forms
from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
PAGE_SIZE = 25
# The delivery log answers the newest messages first, up to this many for one search.
SEARCH_LIMIT = 500
MAIL_STATES = (("queued", "Waiting to be sent"), ("sending", "Being sent"), ("sent", "Sent"),
               ("failed", "Failed"), ("suppressed", "Not sent: the address is suppressed"))
RESENT = notice("delivery-resent", "success", "The message is queued to be sent again.")
SEARCH_LABELS = {"recipient": "Address", "state": "State"}
REPLAYED = notice("dead-letters-replayed", "success", "Sent back to the service's queue to be handled again.")


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    state: Literal["queued", "sending", "sent", "failed", "suppressed", ""] | None = None
    page: Page = 1


@route("GET", "/manage/deliveries", access=MANAGER, tag=TAG, content_type=HTML, query=DeliveryQuery,
       summary="Page: the mail delivery log, searched by address and state, with resend")
def deliveries_page(call: Call):
    query = call.query
    filters = {key: value for key, value in (("recipient", query.recipient), ("state", query.state)) if value}
    form = forms.empty(SEARCH_LABELS, filters)
    status, found = 200, []
    try:
        found = call.rpc("mailer", "search_deliveries", **filters, limit=min(SEARCH_LIMIT, query.page * PAGE_SIZE + 1))
    except ApiError as exc:
        if exc.status != 422:
            raise
        form.errors.update({problem["field"]: problem["message"] for problem in exc.errors or []
                            if problem.get("field") in SEARCH_LABELS})
        form.message = None if form.errors else exc.message
        status = 422
    shown = found[(query.page - 1) * PAGE_SIZE: query.page * PAGE_SIZE]
    return page(call, "manage_deliveries.html", status=status, title="Mail delivery log", deliveries=shown, form=form,
                states=MAIL_STATES, state_names=dict(MAIL_STATES), page_number=query.page,
                more=len(found) > query.page * PAGE_SIZE, params="&" + urlencode(filters) if filters else "",
                at_limit=len(found) >= SEARCH_LIMIT)


@route("POST", "/manage/deliveries/{delivery_id:int}/resend", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: send a message again")
def resend_submit(call: Call):
    sent = call.rpc("mailer", "resend", call.path["delivery_id"])
    return see_other("/manage/deliveries?" + urlencode({"recipient": sent["recipient"]}), RESENT)


@route("GET", "/manage/dead-letters", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: events that failed for good, with the reason and replay")
def dead_letters_page(call: Call):
    letters = mail_api.dead_letters()
    services = sorted({letter["service"] for letter in letters})
    return page(call, "manage_dead_letters.html", title="Dead letters", letters=letters, services=services,
                total=len(letters))


class ReplayForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


@route("POST", "/manage/dead-letters/{service:str}/replay", access=MANAGER, tag=TAG, content_type=HTML,
       body=ReplayForm, form=True, summary="Page: replay one dead letter, or all of a service's")
def replay_submit(call: Call):
    message_id = call.body.message_id
    mail_api.replay(call.path["service"], [message_id] if message_id else None)
    return see_other("/manage/dead-letters", REPLAYED)
