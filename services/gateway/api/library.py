"""The resource library (a room of the screenings service): public search and reading,
suggestions by topic or film, and program managers' adding, editing, retiring and
reinstating. The service validates every field and names the one at fault."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.contracts.rpc.library import Resource, ResourceKind, ResourcePage, Vocabulary
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER, PUBLIC
from services.gateway.schemas import list_of

from .common import JsonObject, Page, Slug, actor, query_args
from .table import ROUTES

route = ROUTES.route
TAG = "Resource library"
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ResourceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text | None = Field(None, description="words to find in the title, description, publisher or series")
    topic: Slug | None = Field(None, description="a topic's slug (the leaders' expertise vocabulary, /api/expertise)")
    kind: ResourceKind | None = None
    audience: Slug | None = Field(None, description="an audience, e.g. law_enforcement")
    page: Page = 1
    page_size: int = Field(20, ge=1, le=100)


class ManagerResourceQuery(ResourceQuery):
    include_retired: bool = Field(True, description="retired entries too (marked retired)")


class SuggestionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: list[Slug] | None = Field(None, description="topics (repeat the parameter for several)")
    film: Slug | None = Field(None, description="a film's slug: the entries on the film's topics")
    limit: int = Field(4, ge=1, le=20)


def search(call: Call, query: dict, *, manager: bool = False) -> dict:
    return call.rpc("screenings", "search_resources", query, actor=actor(call) if manager else None)


@route("GET", "/api/resources", access=PUBLIC, tag=TAG, query=ResourceQuery, response=ResourcePage,
       summary="Search the resource library: words, topic, kind and audience, paged (retired entries left out)")
def list_resources(call: Call):
    return search(call, query_args(call))


@route("GET", "/api/resources/vocabulary", access=PUBLIC, tag=TAG, response=Vocabulary,
       summary="The topics, kinds and audiences the library's filters take")
def resource_vocabulary(call: Call):
    return call.rpc("screenings", "resource_vocabulary")


@route("GET", "/api/resources/suggestions", access=PUBLIC, tag=TAG, query=SuggestionQuery, response=list_of(
       {"type": "object"}), summary="Entries on some topics or on a film's topics, best match first")
def resource_suggestions(call: Call):
    args = query_args(call)
    return call.rpc("screenings", "suggest_resources", topics=args.get("topic"), film=args.get("film"),
                    limit=args.get("limit", 4))


@route("GET", "/api/resources/{resource_id:int}", access=PUBLIC, tag=TAG, response=Resource,
       summary="One entry of the library (a retired one only for program managers)")
def get_resource(call: Call):
    viewer = call.viewer
    manager = {"role": "manager", "account_id": viewer.account_id} if viewer is not None and viewer.is_manager else None
    return call.rpc("screenings", "get_resource", call.path["resource_id"], actor=manager)


@route("GET", "/api/manage/resources", access=MANAGER, tag=TAG, query=ManagerResourceQuery, response=ResourcePage,
       summary="The library as program managers keep it: retired entries included unless asked otherwise")
def manage_resources(call: Call):
    return search(call, query_args(call), manager=True)


@route("POST", "/api/resources", access=MANAGER, tag=TAG, body=JsonObject, response=Resource, status=201,
       summary="Add an entry: title, publisher, kind, description, topics, audiences, series, url", idempotent=True)
def add_resource(call: Call):
    return Reply(call.rpc("screenings", "add_resource", actor(call), call.body.root, request_key=call.request_key()),
                 status=201)


@route("PATCH", "/api/resources/{resource_id:int}", access=MANAGER, tag=TAG, body=JsonObject, response=Resource,
       summary="Change an entry's fields (only those given)")
def edit_resource(call: Call):
    return call.rpc("screenings", "edit_resource", actor(call), call.path["resource_id"], call.body.root)


@route("POST", "/api/resources/{resource_id:int}/retire", access=MANAGER, tag=TAG, response=Resource,
       summary="Retire an entry: out of public search and suggestions, still listed for program managers")
def retire_resource(call: Call):
    return call.rpc("screenings", "retire_resource", actor(call), call.path["resource_id"])


@route("POST", "/api/resources/{resource_id:int}/reinstate", access=MANAGER, tag=TAG, response=Resource,
       summary="Bring a retired entry back into public view")
def reinstate_resource(call: Call):
    return call.rpc("screenings", "reinstate_resource", actor(call), call.path["resource_id"])

