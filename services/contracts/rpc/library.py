"""RPC contracts of the resource library (a room of the screenings service).

A search `query` is a JSON object the service validates (text, topic, kind, audience,
page, page_size, include_retired for managers); a new `resource` and an edit's `changes`
are JSON objects too, each problem answered with its field.
"""
from __future__ import annotations

from typing import Any, Literal

from . import Params, Response, rpc_method
from .common import Actor, AnyId, RequestKey

SERVICE = "screenings"

ResourceKind = Literal["curriculum", "report", "guide", "toolkit", "media", "organisation"]


class Named(Response):
    slug: str
    label: str


class Resource(Response):
    id: int
    title: str
    publisher: str
    kind: ResourceKind
    kind_label: str
    series: str | None
    description: str
    topics: list[Named]
    audiences: list[Named]
    url: str | None
    retired: bool
    retired_at: str | None


class ResourcePage(Response):
    total: int
    page: int
    pages: int
    page_size: int
    items: list[Resource]


class Vocabulary(Response):
    topics: list[Named]
    kinds: list[Named]
    audiences: list[Named]


@rpc_method(SERVICE, "search_resources", response=ResourcePage)
class SearchResources(Params):
    query: dict[str, Any] | None = None
    actor: Actor | None = None


@rpc_method(SERVICE, "get_resource", response=Resource)
class GetResource(Params):
    resource_id: AnyId
    actor: Actor | None = None


@rpc_method(SERVICE, "suggest_resources", response=list[Resource])
class SuggestResources(Params):
    topics: list[str] | None = None
    film: str | None = None
    limit: int = 4


@rpc_method(SERVICE, "resource_vocabulary", response=Vocabulary)
class ResourceVocabulary(Params):
    pass


@rpc_method(SERVICE, "add_resource", response=Resource)
class AddResource(Params):
    actor: Actor
    resource: dict[str, Any]
    request_key: RequestKey = None


@rpc_method(SERVICE, "edit_resource", response=Resource)
class EditResource(Params):
    actor: Actor
    resource_id: AnyId
    changes: dict[str, Any]


@rpc_method(SERVICE, "retire_resource", response=Resource)
class RetireResource(Params):
    actor: Actor
    resource_id: AnyId


@rpc_method(SERVICE, "reinstate_resource", response=Resource)
class ReinstateResource(Params):
    actor: Actor
    resource_id: AnyId
