"""Partners (a room of the screenings service): schools, community and faith groups and
agencies the network's events are held with. Everyone can find them (no personal
address is ever part of one); leaders and program managers add them; program managers
edit them. A region filter stands for its states under the current grouping. Also the
feedback roll-ups: per screening for its organisers, per region and film for managers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from services.contracts.rpc.partners import FeedbackSummary, Partner, PartnerKind, PartnerPage, \
    PartnerVocabulary, ScreeningFeedback
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, MANAGER, PUBLIC, SIGNED_IN

from .common import JsonObject, Page, Slug, actor, query_args
from .screenings import organisers
from .table import ROUTES

route = ROUTES.route
TAG = "Partners"
FEEDBACK_TAG = "Feedback"
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
StateCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)]


class PartnerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: Slug | None = Field(None, description="a region id (/api/regions): the partners in its states")
    state: StateCode | None = Field(None, description="a two-letter state code")
    kind: PartnerKind | None = None
    text: Text | None = Field(None, description="words in the partner's name")
    page: Page = 1
    page_size: int = Field(50, ge=1, le=200)


class PartnerList(RootModel[list[Partner]]):
    pass


def region_states(call: Call, region: str) -> list[str]:
    """The states of a region under the current grouping; an unknown region is a 422."""
    for known in call.rpc("leaders", "regions")["regions"]:
        if known["id"] == region:
            return [s["code"] for s in known["states"]]
    raise ApiError(422, "validation_failed", "no such region under the current grouping", field="region")


def search(call: Call, args: dict) -> dict:
    query = {k: v for k, v in args.items() if k != "region"}
    if args.get("region"):
        query["states"] = region_states(call, args["region"])
    return call.rpc("screenings", "search_partners", query)


@route("GET", "/api/partners", access=PUBLIC, tag=TAG, query=PartnerQuery, response=PartnerPage,
       summary="Find partners by region, state, kind and words in the name, paged")
def list_partners(call: Call):
    return search(call, query_args(call))


@route("GET", "/api/partners/vocabulary", access=PUBLIC, tag=TAG, response=PartnerVocabulary,
       summary="The kinds of partner the filters and forms take")
def partner_vocabulary(call: Call):
    return call.rpc("screenings", "partner_vocabulary")


@route("GET", "/api/partners/{partner_id:int}", access=PUBLIC, tag=TAG, response=Partner, summary="One partner")
def get_partner(call: Call):
    return call.rpc("screenings", "get_partner", call.path["partner_id"])


@route("POST", "/api/partners", access=SIGNED_IN, tag=TAG, body=JsonObject, response=Partner, status=201,
       summary="Add a partner: name, kind, city, state, postal_code, website, contact_role (a role, not an "
               "address); leaders and program managers", idempotent=True)
def add_partner(call: Call):
    return Reply(call.rpc("screenings", "add_partner", actor(call), call.body.root, request_key=call.request_key()),
                 status=201)


@route("PATCH", "/api/partners/{partner_id:int}", access=MANAGER, tag=TAG, body=JsonObject, response=Partner,
       summary="Change a partner's fields (only those given)")
def edit_partner(call: Call):
    return call.rpc("screenings", "edit_partner", actor(call), call.path["partner_id"], call.body.root)


@route("GET", "/api/screenings/{screening_id:token}/partners", access=PUBLIC, tag=TAG, response=PartnerList,
       summary="The partners a screening (or its report) names")
def screening_partners(call: Call):
    call.rpc("screenings", "get_screening", call.path["screening_id"], actor=None)  # hidden ones stay hidden
    return call.rpc("screenings", "screening_partners", call.path["screening_id"])


@route("GET", "/api/screenings/{screening_id:token}/feedback", access=LEADER, owner=organisers, tag=FEEDBACK_TAG,
       response=ScreeningFeedback, summary="Attendees' ratings and comments on one event, for its organisers")
def screening_feedback(call: Call):
    return call.rpc("screenings", "screening_feedback", actor(call), call.path["screening_id"])


class FeedbackQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(90, ge=1, le=3660, description="events that started in the last so many days")
    region: Slug | None = None


def summary(call: Call, days: int, region: str | None) -> dict:
    end = datetime.now(timezone.utc)
    return call.rpc("screenings", "feedback_summary", actor(call), (end - timedelta(days=days)).isoformat(),
                    end.isoformat(), region=region)


@route("GET", "/api/manage/feedback", access=MANAGER, tag=FEEDBACK_TAG, query=FeedbackQuery,
       response=FeedbackSummary, summary="Ratings per region and per film with the latest comments")
def feedback_summary(call: Call):
    args = query_args(call)
    return summary(call, args.get("days", 90), args.get("region"))
