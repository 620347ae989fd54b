"""RPC contracts of partners (a room of the screenings service) and of the feedback
roll-ups managers and hosts read.

A search `query` is a JSON object the service validates (state or states, kind, text,
page, page_size); a new `partner` and an edit's `changes` are JSON objects too, each
problem answered with its field. No answer carries a personal address.
"""
from __future__ import annotations

from typing import Any, Literal

from . import Params, Response, rpc_method
from .common import Actor, AnyId, RequestKey

SERVICE = "screenings"

PartnerKind = Literal["school", "community_group", "faith_group", "agency", "other"]


class Named(Response):
    slug: str
    label: str


class Partner(Response):
    id: int
    name: str
    kind: PartnerKind
    kind_label: str
    city: str | None
    state: str
    postal_code: str | None
    website: str | None
    contact_role: str | None
    to_complete: bool


class PartnerPage(Response):
    total: int
    page: int
    pages: int
    page_size: int
    items: list[Partner]


class PartnerVocabulary(Response):
    kinds: list[Named]


@rpc_method(SERVICE, "search_partners", response=PartnerPage)
class SearchPartners(Params):
    query: dict[str, Any] | None = None


@rpc_method(SERVICE, "get_partner", response=Partner)
class GetPartner(Params):
    partner_id: AnyId


@rpc_method(SERVICE, "partner_vocabulary", response=PartnerVocabulary)
class GetPartnerVocabulary(Params):
    pass


@rpc_method(SERVICE, "add_partner", response=Partner)
class AddPartner(Params):
    actor: Actor
    partner: dict[str, Any]
    request_key: RequestKey = None


@rpc_method(SERVICE, "edit_partner", response=Partner)
class EditPartner(Params):
    actor: Actor
    partner_id: AnyId
    changes: dict[str, Any]


@rpc_method(SERVICE, "screening_partners", response=list[Partner])
class ScreeningPartners(Params):
    screening_id: str


# --- feedback roll-ups ------------------------------------------------------------------


class Ratings(Response):
    count: int
    average: float | None
    # How many gave each rating, "1" to "5".
    distribution: dict[str, int]


class Comment(Response):
    screening_id: str
    screening_title: str
    rating: int
    comment: str
    submitted_at: str


class ScreeningFeedback(Ratings):
    screening_id: str
    comments: list[Comment]


class GroupRatings(Ratings):
    key: str
    label: str


class FeedbackSummary(Response):
    window_start: str
    window_end: str
    overall: Ratings
    by_region: list[GroupRatings]
    by_film: list[GroupRatings]
    latest_comments: list[Comment]


@rpc_method(SERVICE, "screening_feedback", response=ScreeningFeedback)
class GetScreeningFeedback(Params):
    actor: Actor
    screening_id: str


@rpc_method(SERVICE, "feedback_summary", response=FeedbackSummary)
class GetFeedbackSummary(Params):
    actor: Actor
    window_start: str
    window_end: str
    region: str | None = None
