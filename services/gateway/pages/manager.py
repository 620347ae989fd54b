"""Pages for program managers: the applications queue. The home, screenings, mentorship,
roster, coverage and mail pages are in manager_*.py."""
from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.gateway.api.common import Page, actor
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call
from services.gateway.routing import MANAGER

from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
PAGE_SIZE = 20


class ApplicationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["pending", "waitlisted"] = "pending"
    page: Page = 1


@route("GET", "/manage/applications", access=MANAGER, tag=TAG, content_type=HTML, query=ApplicationsQuery,
       summary="Page: the applications to decide, pending or waitlisted, paged")
def applications_page(call: Call):
    found = call.rpc("leaders", "list_applications", status=call.query.status, page=call.query.page, limit=PAGE_SIZE)
    return page(call, "applications.html", title="Applications", showing=call.query.status, total=found["total"],
                applications=found["applications"], page_number=call.query.page,
                pages=max(1, math.ceil(found["total"] / PAGE_SIZE)))


DECISIONS: dict[str, tuple[str, dict, str]] = {
    "approve": ("approve_application", {"confirm_over_target": True},
                notice("application-approved", "success",
                       "Application approved: the new leader is on the roster and has a mail to set up their account.")),
    "waitlist": ("waitlist_application", {},
                 notice("application-waitlisted", "success", "Application waitlisted; the applicant is told by mail.")),
    "decline": ("decline_application", {"reason": None},
                notice("application-declined", "success", "Application declined; the applicant is told by mail.")),
}


@route("POST", "/manage/applications/{application_id:int}/{decision:str}", access=MANAGER, tag=TAG,
       content_type=HTML, summary="Page: approve, waitlist or decline an application")
def application_decision(call: Call):
    if call.path["decision"] not in DECISIONS:
        raise ApiError(404, "not_found", "the decision is approve, waitlist or decline")
    method, options, said = DECISIONS[call.path["decision"]]
    call.rpc("leaders", method, call.path["application_id"], actor=actor(call), **options)
    return see_other("/manage/applications", said)
