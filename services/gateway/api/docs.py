"""The API's own description (OpenAPI document and the readable page) and a health check."""
from __future__ import annotations

from services.gateway.http import Call, Reply
from services.gateway.openapi import build_document, render_docs
from services.gateway.routing import PUBLIC

from .table import ROUTES

route = ROUTES.route


@route("GET", "/openapi.json", access=PUBLIC, tag="API", summary="This API as an OpenAPI 3.1 document",
       response={"type": "object", "required": ["openapi", "paths"]})
def openapi_document(call: Call):
    return Reply(build_document(ROUTES), headers={"Cache-Control": "public, max-age=300"})


@route("GET", "/docs", access=PUBLIC, tag="API", content_type="text/html", summary="This API, readable")
def api_docs(call: Call):
    return Reply(render_docs(build_document(ROUTES)), content_type="text/html",
                 headers={"Cache-Control": "public, max-age=300"})


@route("GET", "/health", access=PUBLIC, tag="API", summary="The gateway is up",
       response={"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}})
def health(call: Call):
    return {"status": "ok"}
