"""The program manager's screening queues: events awaiting approval (and held events whose
report is overdue), and the review of one submitted event with approve and send back."""
from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api import manage as manage_api
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
AWAITING = ("submitted", "resubmitted")
APPROVED = notice("screening-approved", "success", "The screening is approved and published on the calendar.")
SENT_BACK = notice("screening-sent-back", "success", "The screening is sent back; its host has your note by mail.")
NOTE_LABELS = {"note": "What the host should change"}


class QueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report: Literal["overdue"] | None = None
    page: Page = 1


def _search(call: Call, filters: dict, page_number: int) -> dict:
    return call.rpc("screenings", "search_screenings", {**filters, "page": page_number, "page_size": PAGE_SIZE},
                    actor=actor(call))


def awaiting_approval(call: Call, page_number: int) -> tuple[list[dict], int]:
    """Submitted and resubmitted events, oldest start first, paged over both statuses."""
    totals = [_search(call, {"status": status}, 1)["total"] for status in AWAITING]
    first = (page_number - 1) * PAGE_SIZE
    items: list[dict] = []
    for status, total in zip(AWAITING, totals):
        if first >= total:
            first -= total
            continue
        while len(items) < PAGE_SIZE and first < total:
            page_index, skip = divmod(first, PAGE_SIZE)
            chunk = _search(call, {"status": status}, page_index + 1)["items"][skip:]
            taken = chunk[:PAGE_SIZE - len(items)]
            items.extend(taken)
            first += len(taken)
            if not taken:
                break
        first = 0
        if len(items) >= PAGE_SIZE:
            break
    return items, sum(totals)


@route("GET", "/manage/screenings", access=MANAGER, tag=TAG, content_type=HTML, query=QueueQuery,
       summary="Page: screenings awaiting approval, or held events whose report is overdue")
def screenings_queue(call: Call):
    number = call.query.page
    if call.query.report == "overdue":
        found = _search(call, manage_api.overdue_report_filters(call), number)
        items, total = found["items"], found["total"]
        title = "Overdue reports"
    else:
        items, total = awaiting_approval(call, number)
        title = "Screenings awaiting approval"
    return page(call, "manage_screenings.html", title=title, overdue=call.query.report == "overdue",
                screenings=items, total=total, page_number=number, pages=max(1, math.ceil(total / PAGE_SIZE)))


def _names(call: Call, leader_ids: list[int]) -> list[str]:
    names = []
    for leader_id in leader_ids:
        try:
            names.append(call.rpc("leaders", "get_leader", leader_id)["name"])
        except ApiError as exc:
            if exc.status != 404:
                raise
            names.append("a leader who has left the roster")
    return names


def review_form(call: Call, form: forms.FormState, status: int = 200) -> Reply:
    screening = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    film = call.rpc("screenings", "get_film", screening["film"]) if screening.get("film") else None
    return page(call, "manage_review.html", status=status, title=f"Review: {screening['title']}", s=screening,
                film=film, cohosts=_names(call, screening.get("cohost_ids") or []), form=form)


@form_again("Not sent back")
def send_back_invalid(call: Call, exc: ApiError) -> Reply:
    state = forms.refused(call, exc, NOTE_LABELS)
    if "note" in state.errors and not (state.values.get("note") or "").strip():
        state.errors["note"] = "Write what the host should change; they get it by mail."
    return review_form(call, state, status=422)


@route("GET", "/manage/screenings/{screening_id:token}/review", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: review a submitted screening, with approve and send back")
def review_screening_page(call: Call):
    return review_form(call, forms.empty(NOTE_LABELS))


@route("POST", "/manage/screenings/{screening_id:token}/approve", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: approve a screening")
def approve_screening_submit(call: Call):
    call.rpc("screenings", "approve_screening", actor(call), call.path["screening_id"])
    return see_other("/manage/screenings", APPROVED)


class NoteForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


@route("POST", "/manage/screenings/{screening_id:token}/send-back", access=MANAGER, tag=TAG, content_type=HTML,
       body=NoteForm, form=True, invalid=send_back_invalid, summary="Page: send a screening back to its host")
def send_back_submit(call: Call):
    call.rpc("screenings", "send_back_screening", actor(call), call.path["screening_id"], call.body.note)
    return see_other("/manage/screenings", SENT_BACK)
