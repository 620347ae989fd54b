"""The route table: every HTTP route the gateway serves, declared once.

The same table builds the Werkzeug URL map that dispatches requests and the OpenAPI
document (services/gateway/openapi.py), so the two cannot disagree.

Paths are written in OpenAPI style with a type for each parameter, e.g.
`/api/leaders/{leader_id:int}`; `int` parameters are positive integers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel
from werkzeug.routing import Map, Rule

PUBLIC = "public"        # no account needed
SIGNED_IN = "signed_in"  # any account (leader or manager)
LEADER = "leader"        # a leader acting on their own objects, or a manager
MANAGER = "manager"      # program managers only
ACCESS_LEVELS = (PUBLIC, SIGNED_IN, LEADER, MANAGER)

_PARAM = re.compile(r"\{(?P<name>[a-z_][a-z0-9_]*)(?::(?P<kind>int|str|token))?\}")


@dataclass(eq=False)  # routes are endpoints of the URL map: hashed by identity
class Route:
    method: str
    path: str
    handler: Callable[..., Any]
    access: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: dict | type[BaseModel] | None = None
    status: int = 200
    content_type: str = "application/json"
    # For LEADER routes: returns the leader id (or ids, e.g. host and co-hosts) owning the
    # addressed object, asking a service if need be; a leader may act only on their own.
    # Runs before the body is read, so a stranger is refused whatever they send.
    owner: Callable[..., Any] | None = None
    # Public forms are rate limited per client address (and per email when given).
    rate_limit: str | None = None
    description: str = ""
    operation_id: str = ""
    extra_statuses: tuple[int, ...] = ()
    form: bool = False  # the body may also come as an HTML form (pages)
    # For a page's form: renders the form again with what was typed and each problem next
    # to its field, when the request is refused as invalid (422) before or in the handler.
    invalid: Callable[..., Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    # A POST that creates something: an Idempotency-Key header makes a retry get the first
    # answer instead of a second effect (services.gateway.idempotency).
    idempotent: bool = False

    def __post_init__(self) -> None:
        if self.access not in ACCESS_LEVELS:
            raise ValueError(f"unknown access level {self.access!r} for {self.method} {self.path}")
        if self.access == LEADER and self.owner is None:
            raise ValueError(f"{self.method} {self.path}: a leader route needs an owner check")
        self.params = {m["name"]: m["kind"] or "str" for m in _PARAM.finditer(self.path)}
        if not self.operation_id:
            self.operation_id = self.handler.__name__

    @property
    def openapi_path(self) -> str:
        return _PARAM.sub(lambda m: "{" + m["name"] + "}", self.path)

    @property
    def werkzeug_rule(self) -> str:
        def convert(match: re.Match) -> str:
            kind = match["kind"] or "str"
            converter = {"int": "int", "str": "string(maxlength=200)", "token": "string(maxlength=200)"}[kind]
            return f"<{converter}:{match['name']}>"
        return _PARAM.sub(convert, self.path)

    @property
    def unsafe(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


MAX_ID = 2147483647  # ids above a 32-bit integer cannot exist (and would overflow columns)


class RouteTable:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, path: str, *, access: str, summary: str, tag: str, **options):
        def register(handler):
            self.add(Route(method=method, path=path, handler=handler, access=access, summary=summary,
                           tag=tag, **options))
            return handler
        return register

    def add(self, route: Route) -> None:
        for existing in self.routes:
            if existing.method == route.method and existing.openapi_path == route.openapi_path:
                raise ValueError(f"route {route.method} {route.openapi_path} declared twice")
        if any(r.operation_id == route.operation_id for r in self.routes):
            raise ValueError(f"operation id {route.operation_id} used twice")
        self.routes.append(route)

    def url_map(self) -> Map:
        rules = [Rule(route.werkzeug_rule, methods=[route.method], endpoint=route) for route in self.routes]
        return Map(rules, strict_slashes=False, merge_slashes=False)
