"""The OpenAPI 3.1 document, generated from the route table (and nothing else), and the
human-readable API page rendered from that document."""
from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from . import idempotency
from .templating import render_page
from .routing import LEADER, MANAGER, PUBLIC, SIGNED_IN, Route, RouteTable

REF_TEMPLATE = "#/components/schemas/{model}"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "field", "errors"],
    "properties": {
        "error": {"type": "string", "description": "a stable machine-readable code, e.g. validation_failed"},
        "message": {"type": "string", "description": "what went wrong, fit to show to a person"},
        "field": {"type": ["string", "null"], "description": "the input field at fault, when there is one"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object", "required": ["field", "message"],
                "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"}},
            },
        },
    },
}

STATUS_TEXT = {
    400: "Bad request (malformed URL, query or JSON)", 401: "Not signed in, or the token is unknown",
    403: "Not allowed for this caller (role, ownership or CSRF)", 404: "No such resource",
    405: "Method not allowed", 409: "Conflicts with the current state", 413: "Body too large",
    415: "Unsupported media type", 422: "Input does not validate; `errors` names each field",
    429: "Too many attempts; see Retry-After", 503: "A service behind the gateway is unavailable",
}

ACCESS_TEXT = {
    PUBLIC: "Public: no account needed.",
    SIGNED_IN: "Any signed-in account.",
    LEADER: "A leader, for their own records only; program managers for any.",
    MANAGER: "Program managers only.",
}


def _schema(component: dict, model_or_schema: Any) -> dict:
    if model_or_schema is None:
        return {}
    if isinstance(model_or_schema, type) and issubclass(model_or_schema, BaseModel):
        schema = model_or_schema.model_json_schema(ref_template=REF_TEMPLATE)
        for name, definition in schema.pop("$defs", {}).items():
            component.setdefault(name, definition)
        component.setdefault(model_or_schema.__name__, schema)
        return {"$ref": REF_TEMPLATE.format(model=model_or_schema.__name__)}
    return copy.deepcopy(model_or_schema)


def _error_statuses(route: Route) -> list[int]:
    statuses = {400, 404, 503}
    if route.access != PUBLIC:
        statuses |= {401, 403}
    if route.unsafe or route.body is not None:
        statuses |= {413, 415}
    if route.body is not None or route.query is not None or route.params:
        statuses.add(422)
    if route.unsafe:
        statuses |= {403, 409, 422}
    if route.rate_limit:
        statuses.add(429)
    statuses |= set(route.extra_statuses)
    return sorted(statuses)


def _parameters(route: Route, components: dict) -> list[dict]:
    params = []
    for name, kind in route.params.items():
        schema = {"type": "integer", "minimum": 0, "maximum": 2147483647} if kind == "int" else {
            "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^/]+$"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if route.query is not None:
        schema = route.query.model_json_schema(ref_template=REF_TEMPLATE)
        for name, definition in schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if prop.get("description"):
                param["description"] = prop["description"]
            if prop.get("type") == "array" or any(p.get("type") == "array" for p in prop.get("anyOf", [])):
                param.update({"style": "form", "explode": True})
            params.append(param)
    if route.idempotent:
        params.append(dict(idempotency.PARAMETER))
    return params


def build_document(routes: RouteTable, *, title: str = "NIOT Law Enforcement Network API",
                   version: str = "1.0.0") -> dict:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for route in routes.routes:
        operation: dict[str, Any] = {
            "operationId": route.operation_id,
            "summary": route.summary,
            "description": "\n\n".join(filter(None, [route.description, ACCESS_TEXT[route.access]])),
            "tags": [route.tag],
            "x-access": route.access,
            "responses": {},
        }
        if route.access == PUBLIC:
            operation["security"] = []
        else:
            operation["security"] = [{"bearerToken": []}, {"sessionCookie": [], "csrfToken": []}] \
                if route.unsafe else [{"bearerToken": []}, {"sessionCookie": []}]
        parameters = _parameters(route, components)
        if parameters:
            operation["parameters"] = parameters
        if route.body is not None:
            content = {"application/json": {"schema": _schema(components, route.body)}}
            if route.form:
                content["application/x-www-form-urlencoded"] = {"schema": _schema(components, route.body)}
            operation["requestBody"] = {"required": True, "content": content}
        success: dict[str, Any] = {"description": "Success"}
        if route.status != 204:
            schema = _schema(components, route.response) if route.content_type == "application/json" else \
                {"type": "string"}
            success["content"] = {route.content_type: {"schema": schema}}
        operation["responses"][str(route.status)] = success
        for status in route.extra_statuses:
            if 200 <= status < 400 and str(status) not in operation["responses"]:
                operation["responses"][str(status)] = {"description": "Not modified" if status == 304 else "Success"}
        for status in _error_statuses(route):
            if status >= 400:
                content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                if route.content_type == "text/html":
                    # Pages answer a browser readably: the sign-in form for 401, the form again
                    # with its errors, or a page saying why the action was refused.
                    content["text/html"] = {"schema": {"type": "string"}}
                operation["responses"][str(status)] = {"description": STATUS_TEXT.get(status, "Error"),
                                                       "content": content}
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title, "version": version,
            "description": "The HTTP API of the NIOT Law Enforcement Network. Errors always have the shape "
                           "of the Error schema. Browser sessions send the CSRF token from `GET /api/session` "
                           "in the X-CSRF-Token header on unsafe requests; scripts use personal API tokens.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "a personal API token"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "niot_session"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }


def render_docs(document: dict) -> str:
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations.append({"path": path, "method": method.upper(), **operation})
    tags: dict[str, list] = {}
    for operation in operations:
        tags.setdefault(operation["tags"][0], []).append(operation)
    return render_page("docs.html", document=document, tags=tags)
